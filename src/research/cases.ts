// Bar cases (a combo on a budget on one block) and evaluation tasks (cases sent together); pure.
import { sliceBars, type Bars } from '../market/index.js';
import { runBarJob, runBarSharedPass, type TradingConfig, type BarJobResult } from '../engine/index.js';
import type { RlPolicy } from '../models/index.js';
import { comboConfig, type Combo } from './param-space.js';
import { returnSumsOf, returnsOnCapital, type ReturnSums } from '../core/index.js';

/** One case: a combo on a budget on one block of bars [from, to), run on its own from flat with fresh estimators. */
export interface BarCase {
  combo: Combo;
  budget: number;
  from: number;
  to: number;
}

/** Work sent to an evaluator: cases sharing a base config, nothing else. */
export interface EvalTask {
  /** Position in the analysis' task list (results are put back in this order). */
  index: number;
  base: TradingConfig;
  refPrice: number;
  /** The trained policy of `rl` combos (plain data, travels with the task). */
  policy?: RlPolicy;
  cases: BarCase[];
  /** Cases on the same block run in one pass over its bars (`runBarSharedPass`); else each runs alone. */
  sharedPass: boolean;
}

export interface MarkoutSum {
  horizon: number;
  fills: number;
  /** Sum over fills of the markout in bps (mean = sum / fills). */
  sum_bps: number;
}

/** A compact account of one run on one block: enough to pool blocks and to rank combos. */
export interface BlockResult extends Omit<RunFigures, 'total_pnl'> {
  pnl: number;
  /** Per-sample returns on the budget, as power sums (blocks pool by adding them: Sharpe and its confidence). */
  returns: ReturnSums;
  markouts: MarkoutSum[];
}

/** A task's results, one per case in the task's order. */
export interface TaskResult {
  index: number;
  cases: BlockResult[];
}

/** Price that sizes the quote of a run starting at bar `from`: the last close known then. */
export function orderPriceAt(bars: Bars, from: number): number {
  return from > 0 ? bars.close[from - 1]! : bars.open[0]!;
}

export function blockConfig(c: { base: TradingConfig; combo: Combo; budget: number; refPrice: number }, bars: Bars, from: number): TradingConfig {
  return comboConfig(c.base, c.combo, c.budget, c.refPrice, orderPriceAt(bars, from));
}

/** The figures of one run a block keeps: totals from its metrics, per-sample returns from its equity. */
export interface RunFigures {
  total_pnl: number;
  realized_pnl: number;
  inventory_pnl: number;
  fees: number;
  fills: number;
  buy_fills: number;
  sell_fills: number;
  turnover: number;
  max_drawdown: number;
  max_abs_inventory: number;
}

export function summarizeBlock(m: RunFigures, equity: Float64Array, samples: number, budget: number, markouts: ReadonlyArray<{ horizon: number; fills: number; mean_bps: number | null }>): BlockResult {
  return {
    pnl: m.total_pnl,
    realized_pnl: m.realized_pnl,
    inventory_pnl: m.inventory_pnl,
    fees: m.fees,
    fills: m.fills,
    buy_fills: m.buy_fills,
    sell_fills: m.sell_fills,
    turnover: m.turnover,
    max_drawdown: m.max_drawdown,
    max_abs_inventory: m.max_abs_inventory,
    returns: returnSumsOf(returnsOnCapital(equity, budget, samples)),
    markouts: markouts.map((k) => ({ horizon: k.horizon, fills: k.fills, sum_bps: k.mean_bps === null ? 0 : k.mean_bps * k.fills })),
  };
}

function summarizeBarJob(job: BarJobResult, budget: number): BlockResult {
  const m = job.metrics;
  return summarizeBlock(m, job.trace.equity, job.trace.length, budget, m.markouts.map((k) => ({ horizon: k.horizon, fills: k.fills, mean_bps: k.mean_bps })));
}

/**
 * Every case of the task. With `sharedPass`, the cases of each block run in one pass over its bars;
 * each result is identical to the case run alone (the shared pass guarantees it), so the choice
 * changes speed only.
 */
export function evaluateTask(task: EvalTask, bars: Bars): TaskResult {
  const out = new Array<BlockResult>(task.cases.length);
  const caseConfig = (c: BarCase): TradingConfig => blockConfig({ base: task.base, combo: c.combo, budget: c.budget, refPrice: task.refPrice }, bars, c.from);
  if (!task.sharedPass) {
    task.cases.forEach((c, i) => {
      out[i] = summarizeBarJob(runBarJob(caseConfig(c), { bars: sliceBars(bars, c.from, c.to), source: {} }, task.policy), c.budget);
    });
    return { index: task.index, cases: out };
  }
  const byBlock = new Map<string, number[]>();
  task.cases.forEach((c, i) => {
    const k = `${c.from}:${c.to}`;
    const list = byBlock.get(k);
    if (list) list.push(i);
    else byBlock.set(k, [i]);
  });
  for (const idx of byBlock.values()) {
    const { from, to } = task.cases[idx[0]!]!;
    const jobs = runBarSharedPass(
      { bars: sliceBars(bars, from, to), source: {} },
      idx.map((i) => ({ cfg: caseConfig(task.cases[i]!), ...(task.policy ? { policy: task.policy } : {}) })),
    );
    idx.forEach((i, j) => (out[i] = summarizeBarJob(jobs[j]!, task.cases[i]!.budget)));
  }
  return { index: task.index, cases: out };
}
