// Walk-forward: the data cut into equal blocks; each test block's parameters are chosen on the blocks before it only.
import { UserError, addReturnSums, emptyReturnSums, expectedMaxSharpe, sharpeStats, type ReturnSums } from '../core/index.js';
import type { BlockResult, RunFigures } from './cases.js';

export interface WindowPlan {
  index: number;
  /** Block indices of the train window (the `trainBlocks` blocks just before the test block). */
  train: number[];
  test: number;
}

export interface Plan {
  /** Half-open bar ranges, equal length, aligned to the end of the data (older leftover bars are unused). */
  blocks: Array<[number, number]>;
  windows: WindowPlan[];
  blockBars: number;
  trainBlocks: number;
  /** Bars before the first block, not used. */
  unusedBars: number;
}

/** Rolling windows of `trainBlocks` train blocks followed by one test block, stepping one block at a time. */
export function planWalkForward(bars: number, blockBars: number, trainBlocks: number): Plan {
  if (!Number.isInteger(blockBars) || blockBars < 50) throw new UserError(`--test-days: a test window must hold at least 50 bars, got ${blockBars}`);
  if (!Number.isInteger(trainBlocks) || trainBlocks < 1) throw new UserError(`--train-days: expected a whole multiple (>= 1) of --test-days`);
  const nBlocks = Math.floor(bars / blockBars);
  if (nBlocks < trainBlocks + 1) {
    throw new UserError(`too few bars for one walk-forward window: ${bars} bars, need ${(trainBlocks + 1) * blockBars} (${trainBlocks} train + 1 test window of ${blockBars} bars)`);
  }
  const unusedBars = bars - nBlocks * blockBars;
  const blocks: Array<[number, number]> = [];
  for (let i = 0; i < nBlocks; i++) blocks.push([unusedBars + i * blockBars, unusedBars + (i + 1) * blockBars]);
  const windows: WindowPlan[] = [];
  for (let t = trainBlocks; t < nBlocks; t++) {
    windows.push({ index: windows.length, train: Array.from({ length: trainBlocks }, (_, j) => t - trainBlocks + j), test: t });
  }
  return { blocks, windows, blockBars, trainBlocks, unusedBars };
}

/** Block results pooled: sums, and a Sharpe (with its confidence) from every per-sample return of the blocks together. */
export interface Pooled extends Omit<RunFigures, 'total_pnl' | 'max_drawdown'> {
  blocks: number;
  pnl: number;
  /** Largest drawdown inside any one block (quote currency). */
  max_block_drawdown: number;
  sharpe: number | null;
  /** Probability that the true Sharpe is above 0 given these returns (see sharpe-confidence.ts). */
  sharpe_confidence: number | null;
  /** Per-sample returns pooled from the blocks. */
  returns: ReturnSums;
  profitable_blocks: number;
  markouts: Array<{ horizon: number; fills: number; mean_bps: number | null }>;
}

export function pool(blocks: readonly BlockResult[], periodsPerYear: number): Pooled {
  const returns = emptyReturnSums();
  const p: Pooled = {
    blocks: blocks.length,
    pnl: 0,
    realized_pnl: 0,
    inventory_pnl: 0,
    fees: 0,
    fills: 0,
    buy_fills: 0,
    sell_fills: 0,
    turnover: 0,
    max_block_drawdown: 0,
    max_abs_inventory: 0,
    sharpe: null,
    sharpe_confidence: null,
    returns,
    profitable_blocks: 0,
    markouts: [],
  };
  const mk = new Map<number, { fills: number; sum: number }>();
  for (const b of blocks) {
    p.pnl += b.pnl;
    p.realized_pnl += b.realized_pnl;
    p.inventory_pnl += b.inventory_pnl;
    p.fees += b.fees;
    p.fills += b.fills;
    p.buy_fills += b.buy_fills;
    p.sell_fills += b.sell_fills;
    p.turnover += b.turnover;
    p.max_block_drawdown = Math.max(p.max_block_drawdown, b.max_drawdown);
    p.max_abs_inventory = Math.max(p.max_abs_inventory, b.max_abs_inventory);
    if (b.pnl > 0) p.profitable_blocks++;
    addReturnSums(returns, b.returns);
    for (const m of b.markouts) {
      const acc = mk.get(m.horizon) ?? { fills: 0, sum: 0 };
      acc.fills += m.fills;
      acc.sum += m.sum_bps;
      mk.set(m.horizon, acc);
    }
  }
  const n = returns.n;
  if (n > 1) {
    const mean = returns.sum / n;
    const sd = Math.sqrt(Math.max(0, (returns.sum2 - n * mean * mean) / (n - 1)));
    if (sd > 1e-15) {
      p.sharpe = (mean / sd) * Math.sqrt(periodsPerYear);
      p.sharpe_confidence = sharpeStats(returns).confidence;
    }
  }
  p.markouts = [...mk.entries()].sort((a, b) => a[0] - b[0]).map(([horizon, a]) => ({ horizon, fills: a.fills, mean_bps: a.fills > 0 ? a.sum / a.fills : null }));
  return p;
}

/** How much of a selection's Sharpe luck explains: see `deflate`. */
export interface Deflation {
  /** The candidates of the selection (those without a Sharpe, that never traded, included) and the earlier trials. */
  trials: number;
  /**
   * Per-sample Sharpe the best of `trials` skill-less candidates would reach by chance, at the median
   * candidate's effective sample count (each candidate is judged at its own: see `deflate`).
   */
  benchmark: number;
  /** Per candidate: the probability its true Sharpe is above its benchmark (the deflated Sharpe ratio); null when undefined. */
  confidence: Array<number | null>;
}

/**
 * The deflated Sharpe ratio of every candidate of one selection (Bailey & López de Prado, 2014): picking
 * the best of N parameter sets inflates its Sharpe, and the benchmark is what the best of N would reach by
 * luck. Luck is measured by the sampling variance of a Sharpe estimate when the true Sharpe is 0:
 * 1/(n − 1) per sample for n independent samples. A candidate is scored on its effective sample count
 * (`sharpeStats`: autocorrelated returns are worth fewer samples), so its benchmark is taken at that same
 * count, 1/(n_eff − 1): taken at the raw count, the hurdle would shrink by √(n_eff / n) exactly where
 * returns carry inventory from one sample to the next. The paper plugs in the variance of the candidates'
 * estimated Sharpe ratios instead; in a sweep where some combos lose steadily (to fees, say) that variance
 * measures real differences, not luck, and would deflate every candidate to nothing. The trials are counted
 * as independent, which overstates their number and so errs on the strict side. In-sample figures of a
 * sweep carry it. `earlierTrials`: configurations tried on the same data before this selection (the
 * ledger of trials): they count as trials too.
 */
export function deflate(candidates: readonly Pooled[], earlierTrials = 0): Deflation {
  const stats = candidates.map((c) => sharpeStats(c.returns));
  const defined = stats.filter((s) => s.perPeriod !== null);
  // Every candidate is a trial, one that never traded (no Sharpe) included: it was tried.
  const trials = candidates.length + earlierTrials;
  // The best of `trials` standard normals, in standard deviations of a Sharpe estimate.
  const hurdle = trials > 1 && defined.length > 0 ? expectedMaxSharpe(trials, 1) : 0;
  const benchmarkAt = (nEff: number): number => (hurdle > 0 && nEff > 1 ? hurdle / Math.sqrt(nEff - 1) : 0);
  const effective = defined.map((s) => s.effectiveSamples).sort((a, b) => a - b);
  const benchmark = effective.length > 0 ? benchmarkAt(effective[effective.length >> 1]!) : 0;
  return {
    trials,
    benchmark,
    confidence: candidates.map((c, i) => sharpeStats(c.returns, benchmarkAt(stats[i]!.effectiveSamples)).confidence),
  };
}

export type Objective = 'sharpe' | 'pnl';

/** Higher is better; combos without a defined objective rank below every defined one. */
export function score(p: Pooled, objective: Objective): number {
  if (objective === 'pnl') return p.pnl;
  return p.sharpe ?? Number.NEGATIVE_INFINITY;
}

/**
 * The index of the best candidate: by objective, then by PnL, then the lowest index (so the choice is
 * a function of the pooled train results alone).
 */
export function chooseBest(candidates: readonly Pooled[], objective: Objective): number {
  let best = -1;
  for (let i = 0; i < candidates.length; i++) {
    if (best < 0) {
      best = i;
      continue;
    }
    const a = candidates[i]!;
    const b = candidates[best]!;
    const sa = score(a, objective);
    const sb = score(b, objective);
    if (sa > sb || (sa === sb && a.pnl > b.pnl)) best = i;
  }
  return best;
}
