// Held-out evaluation: the RL policy against AS and GLFT with γ chosen on the training period, same fills and fees.
import { UserError, isoOf, pairedDifference } from '../../core/index.js';
import { type Bars, makeInstrument } from '../../market/index.js';
import type { RlPolicy } from '../../models/index.js';
import { QuotingStrategy, RlStrategy, rlQuotingParams } from '../../strategy/index.js';
import { parseRlTrainConfig, type RlTrainConfig } from './config.js';
import { envBacktestConfig } from './train.js';
import { scoredRun, tuneGamma, type ScoredRun } from './baselines.js';

export interface EvalRow {
  /** base: the policy's own base model and γ, untrained (what the zero policy quotes); as / glft: γ tuned. */
  model: 'rl' | 'base' | 'as' | 'glft';
  /** γ quoted with (RL: its base γ, which the policy multiplies). */
  gamma: number;
  /** RL reward over the held-out period (the objective all three are chosen by). */
  reward: number;
  total_pnl: number;
  return_pct: number;
  sharpe: number | null;
  max_drawdown: number;
  max_drawdown_pct: number;
  fills: number;
  fees: number;
  final_inventory: number;
  max_abs_inventory: number;
  markouts_bps: Record<string, number | null>;
}

export interface EvaluationReport {
  heldout: { start: string; end: string; bars: number; dropped_overlap_bars: number };
  tuning: { start: string; end: string; bars: number; as_grid: { gamma: number; reward: number; pnl: number }[]; glft_grid: { gamma: number; reward: number; pnl: number }[] };
  inventory_penalty: number;
  rows: EvalRow[];
  /** The policy against each baseline, bar by bar on the same held-out bars. */
  paired: PairedComparison[];
}

/**
 * RL minus a baseline, bar by bar: d_t = reward_RL(t) − reward_base(t) on the same bars. `confidence` is the
 * probability that the policy's expected reward per bar is above the baseline's, from the mean and spread
 * of d with the same corrections as the Sharpe confidence (fewer independent bars when d is
 * autocorrelated, no credit for positive skewness): a paired test, so market moves common to both cancel.
 */
export interface PairedComparison {
  vs: 'base' | 'as' | 'glft';
  bars: number;
  mean_reward_diff_per_bar: number;
  autocorrelation: number | null;
  confidence: number | null;
}

function paired(vs: PairedComparison['vs'], rl: Float64Array, base: Float64Array): PairedComparison {
  const { sums, stats } = pairedDifference(rl, base);
  return { vs, bars: sums.n, mean_reward_diff_per_bar: sums.n > 0 ? sums.sum / sums.n : 0, autocorrelation: stats.autocorrelation, confidence: stats.confidence };
}

/** The training config stored in a policy (provenance), validated again. */
export function trainConfigOf(p: Readonly<RlPolicy>, label: string): RlTrainConfig {
  try {
    return parseRlTrainConfig(p.training['config']);
  } catch (e) {
    throw new UserError(`${label}: the policy's training config is not readable by this build (${(e as Error).message})`);
  }
}

/** First bar index at or after the policy's training end. */
export function firstAfter(bars: Bars, endUs: number): number {
  let i = 0;
  while (i < bars.length && bars.ts[i]! < endUs) i++;
  return i;
}

function row(model: EvalRow['model'], gamma: number, r: ScoredRun): EvalRow {
  const m = r.metrics;
  const markouts: Record<string, number | null> = {};
  for (const k of m.markouts) markouts[`${k.horizon}`] = k.mean_bps;
  return {
    model,
    gamma,
    reward: r.reward,
    total_pnl: m.total_pnl,
    return_pct: m.return_pct,
    sharpe: m.sharpe,
    max_drawdown: m.max_drawdown,
    max_drawdown_pct: m.max_drawdown_pct,
    fills: m.fills,
    fees: m.fees,
    final_inventory: m.final_inventory,
    max_abs_inventory: m.max_abs_inventory,
    markouts_bps: markouts,
  };
}

/**
 * Tune γ of AS and GLFT on `trainBars` before the policy's training end (by the same reward the policy
 * was trained on), then run RL, AS and GLFT on `heldout` bars at or after it. Held-out bars before the
 * training end are dropped (counted), so the comparison never overlaps the training period.
 */
export function evaluateRl(policy: Readonly<RlPolicy>, heldout: Bars, trainBars: Bars, label = '--policy'): EvaluationReport {
  const c = trainConfigOf(policy, label);
  const cfg = envBacktestConfig(c);
  const endUs = Number(policy.training['training_end_us']);
  if (!Number.isFinite(endUs)) throw new UserError(`${label}: the policy does not record the end of its training period`);
  const h0 = firstAfter(heldout, endUs);
  if (heldout.length - h0 < 100) {
    throw new UserError(`--data: only ${heldout.length - h0} bars after the policy's training end ${isoOf(endUs)}; evaluation needs held-out data (at least 100 bars)`);
  }
  const tEnd = firstAfter(trainBars, endUs);
  if (tEnd < 500) throw new UserError(`--train-data: only ${tEnd} bars before the training end ${isoOf(endUs)} to choose the baselines' γ`);
  const eta = c.inventory_penalty;
  const as = tuneGamma(trainBars, 0, tEnd, cfg, 'as', eta);
  const gl = tuneGamma(trainBars, 0, tEnd, cfg, 'glft', eta);
  const instrument = makeInstrument(cfg.market.symbol, cfg.market.tick_size, cfg.market.lot_size);
  const n = heldout.length;
  const rl = scoredRun(heldout, h0, n, cfg, eta, (q) => RlStrategy.fromPolicy(policy, q, instrument));
  const baseRun = scoredRun(heldout, h0, n, cfg, eta, (q) => new QuotingStrategy(rlQuotingParams(policy, q), instrument));
  const asRun = scoredRun(heldout, h0, n, cfg, eta, (q) => new QuotingStrategy({ ...q, model: 'as', gamma: as.gamma }, instrument));
  const glRun = scoredRun(heldout, h0, n, cfg, eta, (q) => new QuotingStrategy({ ...q, model: 'glft', gamma: gl.gamma }, instrument));
  const iso = (b: Bars, i: number): string => isoOf(b.ts[i]!);
  return {
    heldout: { start: iso(heldout, h0), end: isoOf(heldout.ts[n - 1]! + heldout.intervalMicros), bars: n - h0, dropped_overlap_bars: h0 },
    tuning: { start: iso(trainBars, 0), end: isoOf(endUs), bars: tEnd, as_grid: as.grid, glft_grid: gl.grid },
    inventory_penalty: eta,
    rows: [row('rl', policy.base.gamma, rl), row('base', policy.base.gamma, baseRun), row('as', as.gamma, asRun), row('glft', gl.gamma, glRun)],
    paired: [paired('base', rl.rewards, baseRun.rewards), paired('as', rl.rewards, asRun.rewards), paired('glft', rl.rewards, glRun.rewards)],
  };
}

/** The rows as a Markdown table (README results). */
export function evaluationMarkdown(r: Readonly<EvaluationReport>): string {
  const f = (x: number | null, d: number): string => (x === null || !Number.isFinite(x) ? '—' : x.toFixed(d));
  const hs = Object.keys(r.rows[0]?.markouts_bps ?? {});
  const head = `| model | γ | reward | PnL | return % | Sharpe | max DD % | fills | ${hs.map((h) => `markout ${h} bar bps`).join(' | ')} |`;
  const sep = `|${'---|'.repeat(8 + hs.length)}`;
  const lines = r.rows.map(
    (x) =>
      `| ${x.model} | ${x.gamma} | ${f(x.reward, 0)} | ${f(x.total_pnl, 2)} | ${f(x.return_pct, 4)} | ${f(x.sharpe, 2)} | ${f(x.max_drawdown_pct, 4)} | ${x.fills} | ${hs.map((h) => f(x.markouts_bps[h] ?? null, 3)).join(' | ')} |`,
  );
  const f3 = (x: number | null): string => (x === null ? '—' : x.toFixed(3));
  const pairs = r.paired.map((p) => `RL − ${p.vs === 'base' ? 'its untrained base' : p.vs.toUpperCase()}: ${f(p.mean_reward_diff_per_bar, 4)} reward per bar over ${p.bars} bars; probability that RL's expected reward per bar is higher: ${f3(p.confidence)} (paired, lag-1 autocorrelation ${f3(p.autocorrelation)}).`);
  return [head, sep, ...lines, '', ...pairs].join('\n') + '\n';
}
