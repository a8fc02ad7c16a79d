// One evaluation task (a parameter combo on a budget over a list of bar blocks) and its per-block results; pure.
import { sliceBars, type Bars } from '../market/index.js';
import { runBarJob, type TradingConfig } from '../engine/index.js';
import type { RlPolicy } from '../models/index.js';
import { comboConfig, type Combo } from './param-space.js';
import { returnSumsOf, returnsOnCapital, type ReturnSums } from '../core/index.js';

/** Work sent to a worker: everything needed to run the combo on each block, nothing else. */
export interface EvalTask {
  /** Position in the analysis' task list (results are put back in this order). */
  index: number;
  combo: Combo;
  budget: number;
  base: TradingConfig;
  refPrice: number;
  /** The trained policy of `rl` combos (plain data, travels with the task). */
  policy?: RlPolicy;
  /** Half-open bar ranges [from, to); each is run on its own, from flat, with fresh estimators. */
  blocks: ReadonlyArray<readonly [number, number]>;
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

export interface TaskResult {
  index: number;
  blocks: BlockResult[];
}

/** Price that sizes the quote of a run starting at bar `from`: the last close known then. */
export function orderPriceAt(bars: Bars, from: number): number {
  return from > 0 ? bars.close[from - 1]! : bars.open[0]!;
}

export function blockConfig(task: Pick<EvalTask, 'base' | 'combo' | 'budget' | 'refPrice'>, bars: Bars, from: number): TradingConfig {
  return comboConfig(task.base, task.combo, task.budget, task.refPrice, orderPriceAt(bars, from));
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

export function evaluateTask(task: EvalTask, bars: Bars): TaskResult {
  const blocks = task.blocks.map(([from, to]) => {
    const cfg = blockConfig(task, bars, from);
    const job = runBarJob(cfg, { bars: sliceBars(bars, from, to), source: {} }, task.policy);
    const m = job.metrics;
    return summarizeBlock(m, job.trace.equity, job.trace.length, task.budget, m.markouts.map((k) => ({ horizon: k.horizon, fills: k.fills, mean_bps: k.mean_bps })));
  });
  return { index: task.index, blocks };
}
