// RL training: the cross-entropy method over policy parameters, rollouts in parallel, validation after each generation.
import { Rng, UserError, isoOf } from '../../core/index.js';
import { POLICY_FORMAT, POLICY_VERSION, PolicyNet, paramCount, type RlPolicy } from '../../models/index.js';
import { parseTradingConfig, type TradingConfig } from '../../engine/index.js';
import { type RlTrainConfig, generationsOf } from './config.js';
import { dataSpecOf, loadSpec, relativeSigma, splitBars, type RlSplit } from './data.js';
import { RlEnv, meanEpisodeReward, type EnvSpec } from './env.js';
import { Cem } from './cem.js';
import { RolloutPool } from './rollout-pool.js';
import { tuneGamma } from './baselines.js';
import { silentProgress, type Progress } from '../../core/progress.js';

/** One row of training.csv: the state of learning after a generation (generation 0 = the untrained policy). */
export interface TrainingRow {
  generation: number;
  /** Training episodes rolled out so far. */
  episode: number;
  /** Mean episode reward of the generation's population on its training windows. */
  mean_reward: number;
  /** Mean episode reward of its elite. */
  elite_reward: number;
  /** Mean episode reward of the policy (the distribution's mean, deterministic) on the validation episodes. */
  eval_reward: number;
}

export interface TrainResult {
  policy: RlPolicy;
  rows: TrainingRow[];
  split: RlSplit;
  /** Validation reward of the untrained policy (the plain base model) and of the kept one. */
  untrainedEvalReward: number;
  bestEvalReward: number;
  /** What makes the policy doubtful, in words (a base that does not trade, nothing learned); also in policy.json. */
  warnings: string[];
  seconds: number;
}

/** The trading config of the environment: the user's `backtest:` sections, the training seed, never model rl. */
export function envBacktestConfig(c: Readonly<RlTrainConfig>): TradingConfig {
  const bt = parseTradingConfig({ ...c.backtest, seed: c.seed }, { source: 'backtest' });
  if (bt.quoting.model === 'rl') throw new UserError('backtest.quoting.model: the wrapped model must be as or glft');
  return bt;
}

/**
 * Train a policy. Deterministic for a config (seed included) whatever `workers` is. The kept policy is
 * the generation mean with the best validation reward (generation 0, the untrained one, included):
 * validation is a later period than every training window, and the held-out period after it is not
 * touched here at all.
 */
/** Share of the training bars the tuned base must fill on (`tuneGamma`'s `minFills`): at least one fill per 100 bars. */
export const BASE_MIN_FILL_SHARE = 0.01;

const round = (x: number): number => Math.round(x * 100) / 100;

export async function trainRl(c: Readonly<RlTrainConfig>, progress: Progress = silentProgress): Promise<TrainResult> {
  const t0 = performance.now();
  const data = dataSpecOf(c);
  const bars = loadSpec(data);
  const split = splitBars(bars.length, c);
  const backtest = envBacktestConfig(c);
  const model = backtest.quoting.model === 'glft' ? 'glft' : 'as';
  // The base is tuned among the γ that trade: a policy can only learn to tune quotes that fill. A base that
  // never fills (the best γ where every trading one loses) would leave it nothing to learn from.
  const minFills = Math.ceil(BASE_MIN_FILL_SHARE * split.validationStart);
  const tuned = c.base_gamma === 'tune' ? tuneGamma(bars, 0, split.validationStart, backtest, model, c.inventory_penalty, undefined, minFills) : undefined;
  const gamma = tuned !== undefined ? tuned.gamma : (c.base_gamma as number);
  const warnings: string[] = [];
  if (tuned !== undefined) {
    const row = tuned.grid.find((g) => g.gamma === gamma)!;
    const idle = tuned.grid.reduce((a, g) => (g.reward > a.reward ? g : a));
    if (row.fills < minFills) {
      warnings.push(
        `no γ of ${model.toUpperCase()} filled on ${BASE_MIN_FILL_SHARE * 100}% of the training bars (the tuned base, γ ${gamma}, made ${row.fills} fills): the policy learns around a base that hardly trades; set base_gamma (--gamma) to a γ that trades, or revisit the fees`,
      );
    } else if (idle.reward > row.reward && idle.fills < minFills) {
      warnings.push(
        `the best γ of ${model.toUpperCase()} on the training period (γ ${idle.gamma}: ${idle.fills} fills, reward ${round(idle.reward)}) fills on fewer than ${BASE_MIN_FILL_SHARE * 100}% of its bars; the base is the best γ that trades (γ ${gamma}: ${row.fills} fills, reward ${round(row.reward)}, PnL ${round(row.pnl)}), and it scores below that: the policy learns to cut the base's losses, and quoting so wide that it hardly trades stays the line to beat (evaluate-rl's AS and GLFT rows, γ tuned over the whole grid)`,

      );
    }
  }
  const barSeconds = bars.intervalMicros / 1e6;
  const env: EnvSpec = {
    backtest,
    rl: {
      features: c.policy.features,
      sigmaRef: relativeSigma(bars, 0, split.validationStart),
      dims: c.policy.actions,
      decisionSeconds: c.decision_bars * barSeconds,
    },
    base: { model, gamma, horizon: backtest.quoting.horizon, horizonSeconds: backtest.quoting.horizon_seconds },
    warmupBars: c.warmup_bars,
    episodeBars: c.episode_bars,
    inventoryPenalty: c.inventory_penalty,
  };
  const { kind, hidden } = c.policy;
  const F = env.rl.features.length;
  const A = env.rl.dims.length;
  const dim = paramCount(kind, hidden, F, A);
  const generations = generationsOf(c);
  const cem = new Cem(dim, {
    population: c.cem.population,
    eliteFraction: c.cem.elite_fraction,
    initStd: c.cem.init_std,
    smoothing: c.cem.smoothing,
    extraNoise: c.cem.extra_noise,
    generations,
  });
  const root = new Rng(c.seed);
  const popRng = root.fork('population');
  const winRng = root.fork('windows');
  const valEnv = new RlEnv(bars, env);
  const validate = (params: Float64Array): number => meanEpisodeReward(valEnv, new PolicyNet(kind, hidden, F, A, params), split.validationStarts);

  const untrained = validate(cem.mean);
  const rows: TrainingRow[] = [{ generation: 0, episode: 0, mean_reward: Number.NaN, elite_reward: Number.NaN, eval_reward: untrained }];
  let best = Float64Array.from(cem.mean);
  let bestEval = untrained;
  let bestGen = 0;
  progress.note('train-rl', { gamma, model, generations, candidates: c.cem.population, windows: c.cem.windows, untrained_eval: Math.round(untrained * 100) / 100 });
  progress.start(generations, 'train-rl', 'generations');
  const pool = new RolloutPool(c.workers);
  try {
    const nElite = Math.max(2, Math.round(c.cem.population * c.cem.elite_fraction));
    for (let g = 1; g <= generations; g++) {
      const starts = Array.from({ length: c.cem.windows }, () => split.trainStartMin + winRng.int(split.trainStartMax - split.trainStartMin + 1));
      const candidates = cem.ask(popRng);
      const scores = await pool.run({ data, env, kind, hidden, params: candidates, starts });
      const sorted = Array.from(scores).sort((a, b) => b - a);
      const mean = sorted.reduce((s, x) => s + x, 0) / sorted.length;
      const elite = sorted.slice(0, nElite).reduce((s, x) => s + x, 0) / nElite;
      cem.tell(candidates, scores);
      const ev = validate(cem.mean);
      if (ev > bestEval) {
        bestEval = ev;
        best = Float64Array.from(cem.mean);
        bestGen = g;
      }
      rows.push({ generation: g, episode: g * c.cem.population * c.cem.windows, mean_reward: mean, elite_reward: elite, eval_reward: ev });
      progress.tick(g, { train_mean: Math.round(mean * 100) / 100, elite: Math.round(elite * 100) / 100, eval: Math.round(ev * 100) / 100 });
    }
    progress.finish();
  } finally {
    await pool.close();
  }
  if (bestGen === 0) warnings.push('no generation beat the untrained policy on the validation period: the kept policy is the plain base model, nothing was learned');
  const ts = bars.ts;
  const period = (a: number, b: number) => ({ start: isoOf(ts[a]!), end: isoOf(ts[b - 1]! + bars.intervalMicros), bars: b - a });
  const policy: RlPolicy = {
    format: POLICY_FORMAT,
    version: POLICY_VERSION,
    kind,
    hidden: kind === 'mlp' ? hidden : 0,
    state: { features: [...env.rl.features], sigma_ref: env.rl.sigmaRef, signals: { bar_seconds: bars.intervalMicros / 1e6, window: env.backtest.features.signal_window } },
    action: { dims: env.rl.dims.map((d) => ({ ...d })), decision_seconds: env.rl.decisionSeconds },
    base: { model, gamma, horizon: env.base.horizon, horizon_seconds: env.base.horizonSeconds },
    params: Array.from(best),
    training: {
      algorithm: 'noisy cross-entropy method (diagonal Gaussian)',
      config: c,
      data: data.kind === 'file' ? { kind: 'file', path: data.path } : { kind: 'simulated', params: data.params },
      periods: {
        train: period(0, split.validationStart),
        validation: period(split.validationStart, split.holdoutStart),
        holdout: split.holdoutStart < bars.length ? period(split.holdoutStart, bars.length) : null,
      },
      /** Bars at or after this time were never seen in training: evaluate there. */
      training_end_us: ts[split.holdoutStart - 1]! + bars.intervalMicros,
      kept_generation: bestGen,
      untrained_eval_reward: untrained,
      best_eval_reward: bestEval,
      warnings,
    },
  };
  return { policy, rows, split, untrainedEvalReward: untrained, bestEvalReward: bestEval, warnings, seconds: (performance.now() - t0) / 1000 };
}

export function trainingCsv(rows: readonly TrainingRow[]): string {
  const f = (x: number): string => (Number.isFinite(x) ? String(Math.round(x * 1e6) / 1e6) : '');
  return (
    'generation,episode,mean_reward,elite_reward,eval_reward\n' +
    rows.map((r) => `${r.generation},${r.episode},${f(r.mean_reward)},${f(r.elite_reward)},${f(r.eval_reward)}`).join('\n') +
    '\n'
  );
}
