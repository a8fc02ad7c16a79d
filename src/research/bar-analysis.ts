// The bar engine of the analysis: the last days of klines cut into blocks, each case a bar backtest from flat on one block.
import { SECONDS_PER_YEAR, UserError, isoOf } from '../core/index.js';
import { sliceBars, type Bars } from '../market/index.js';
import { runBarJob } from '../engine/index.js';
import { loadPolicyFile } from '../models/index.js';
import { digestColumns, policyDigest } from './digest.js';
import { defaultParamSpace } from './param-space.js';
import { blockConfig, type EvalTask } from './cases.js';
import { planWalkForward } from './walk-forward.js';
import type { AnalysisConfig } from './analysis-config.js';
import { groupCases, trialBase, type CaseEngine } from './case-engine.js';

const DAY_SECONDS = 86_400;
/** Cases a shared-pass task runs on one block at most: enough to share the walk, small enough to spread over threads. */
export const SHARED_PASS_MAX_CASES = 64;

/** The bars of the last `days` days (by time, so gaps do not shift the span); a UserError when the data spans fewer. */
export function lastDays(bars: Bars, days: number): Bars {
  const barSeconds = bars.intervalMicros / 1e6;
  if (!(barSeconds > 0)) throw new UserError('data: cannot tell the bar interval (fewer than 2 distinct times)');
  const end = bars.ts[bars.length - 1]! + bars.intervalMicros;
  const start = end - days * DAY_SECONDS * 1e6;
  const haveDays = (end - bars.ts[0]!) / (DAY_SECONDS * 1e6);
  if (bars.ts[0]! > start) throw new UserError(`--days: ${days} days requested, the data spans ${haveDays.toFixed(2)} days (${bars.length} bars of ${barSeconds} s)${haveDays >= 1 ? `: pass --days ${Math.floor(haveDays)} or fewer` : ''}`);
  let from = 0;
  while (bars.ts[from]! < start) from++;
  return sliceBars(bars, from, bars.length);
}

/** `sharedPass`: the cases of a block run in one pass over its bars (same results, less work). */
export function barEngine(cfg: AnalysisConfig, all: Bars, sharedPass = true): CaseEngine {
  const bars = lastDays(all, cfg.days);
  const barSeconds = bars.intervalMicros / 1e6;
  const blockBars = Math.round((cfg.walk_forward.test_days * DAY_SECONDS) / barSeconds);
  const ratio = cfg.walk_forward.train_days / cfg.walk_forward.test_days;
  if (Math.abs(ratio - Math.round(ratio)) > 1e-9) throw new UserError(`--train-days: expected a whole multiple of --test-days (${cfg.walk_forward.test_days}), got ${cfg.walk_forward.train_days}`);
  const plan = planWalkForward(bars.length, blockBars, Math.round(ratio));
  const base = cfg.trading;
  const policy = cfg.policy_path === undefined ? undefined : loadPolicyFile(cfg.policy_path);
  const policyHash = policyDigest(policy);
  const refPrice = bars.open[0]!;
  let digest: string | undefined;
  return {
    plan,
    base,
    refPrice,
    periodsPerYear: SECONDS_PER_YEAR / barSeconds,
    markoutHorizon: cfg.readiness.markout_horizon_bars,
    defaultSpace: policy ? { ...defaultParamSpace, model: ['as', 'glft', 'rl'] } : defaultParamSpace,
    span: (b) => {
      const [from, to] = plan.blocks[b]!;
      return [bars.ts[from]!, bars.ts[to - 1]! + bars.intervalMicros];
    },
    dataDigest: () => (digest ??= digestColumns([bars.ts, bars.open, bars.high, bars.low, bars.close, bars.volume].map((c) => c.subarray(0, bars.length)), `bars/${bars.length}/${bars.intervalMicros}`)),
    blockKey: (b) => `bars ${plan.blocks[b]![0]}-${plan.blocks[b]![1]}`,
    trialConfig: (t) => ({ engine: 'bar', base: trialBase(base), combo: t.combo, budget: t.budget, ref_price: refPrice, policy: t.combo.model === 'rl' ? policyHash : null }),
    async evaluate(trials, cases, evaluator, onDone) {
      if (trials.some((t) => t.combo.model === 'rl') && !policy) throw new UserError('--policy: model rl in the parameter space needs a trained policy file');
      const groups = groupCases(cases, sharedPass ? 'block' : 'trial', sharedPass ? SHARED_PASS_MAX_CASES : Number.POSITIVE_INFINITY);
      const tasks: EvalTask[] = groups.map((g, index) => ({
        index,
        base,
        refPrice,
        ...(policy ? { policy } : {}),
        sharedPass,
        cases: g.map((c) => {
          const [from, to] = plan.blocks[c.block]!;
          return { combo: trials[c.trial]!.combo, budget: trials[c.trial]!.budget, from, to };
        }),
      }));
      await evaluator.run(tasks, bars, (t, r) => onDone(groups[t.index]!, r.cases));
    },
    rerun(combo, budget, b) {
      const [from, to] = plan.blocks[b]!;
      const job = runBarJob(blockConfig({ base, combo, budget, refPrice }, bars, from), { bars: sliceBars(bars, from, to), source: {} }, policy);
      return { trace: job.trace, fills: job.core.fills, pnl: job.metrics.total_pnl, fillCount: job.metrics.fills };
    },
    metaData: (source) => ({
      ...source,
      bars: bars.length,
      bar_seconds: barSeconds,
      days: cfg.days,
      first_bar: isoOf(bars.ts[0]!),
      last_bar: isoOf(bars.ts[bars.length - 1]!),
      reference_price: refPrice,
    }),
    metaWalkForward: () => ({
      train_days: cfg.walk_forward.train_days,
      test_days: cfg.walk_forward.test_days,
      block_bars: plan.blockBars,
      train_blocks: plan.trainBlocks,
      windows: plan.windows.length,
      unused_leading_bars: plan.unusedBars,
      note: 'every block is run on its own from flat with fresh estimators; a test window is traded with the parameters that ranked best on the train blocks just before it',
    }),
    describe: () => `${bars.length} bars from ${new Date(bars.ts[0]! / 1000).toISOString()}; train ${cfg.walk_forward.train_days} d, test ${cfg.walk_forward.test_days} d`,
    bars,
  };
}
