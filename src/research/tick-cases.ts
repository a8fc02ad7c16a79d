// Tick cases (a combo on a budget on one block of an event file) and the tasks that carry them; pure.
import type { EventColumns } from '../market/index.js';
import { UserError } from '../core/index.js';
import { runTickJob, type TradingConfig, type TickJobResult } from '../engine/index.js';
import { comboConfig, type Combo } from './param-space.js';
import type { RlPolicy } from '../models/index.js';
import { summarizeBlock, type TaskResult } from './cases.js';
import { blockBatches, type TickBlock } from './tick-blocks.js';

/** One case: a combo on a budget on one block (rows of the shared events, opened by its snapshot). */
export interface TickCase {
  combo: Combo;
  budget: number;
  block: TickBlock;
}

/**
 * Work sent to an evaluator: cases sharing a base config. The analysis groups a task's cases by combo
 * and budget today; a shared pass over the events (K strategies on one block) would take the cases of
 * one block as its group and run them in `evaluateTickTask`.
 */
export interface TickEvalTask {
  index: number;
  base: TradingConfig;
  refPrice: number;
  /** The trained policy of `rl` combos (plain data, travels with the task). */
  policy?: RlPolicy;
  cases: TickCase[];
}

/** The tick backtest config of a combo on a budget for a block (quote size from the last price before it). */
export function tickBlockConfig(task: { base: TradingConfig; combo: Combo; budget: number; refPrice: number }, block: Pick<TickBlock, 'orderPrice'>): TradingConfig {
  return comboConfig(task.base, task.combo, task.budget, task.refPrice, block.orderPrice);
}

/** One block from flat with fresh estimators: its opening book, then its rows, through the tick backtest. */
export function runTickBlock(task: { base: TradingConfig; combo: Combo; budget: number; refPrice: number; policy?: RlPolicy }, events: EventColumns, block: TickBlock): TickJobResult {
  if (task.combo.model === 'rl' && !task.policy) throw new UserError('--policy: model rl in the parameter space needs a trained policy file');
  return runTickJob(tickBlockConfig(task, block), blockBatches(events, block), task.policy !== undefined ? { policy: task.policy } : {});
}

export function evaluateTickTask(task: TickEvalTask, events: EventColumns): TaskResult {
  const cases = task.cases.map((c) => {
    const job = runTickBlock({ base: task.base, combo: c.combo, budget: c.budget, refPrice: task.refPrice, ...(task.policy ? { policy: task.policy } : {}) }, events, c.block);
    const m = job.metrics;
    return summarizeBlock(m, job.trace.equity, job.trace.length, c.budget, m.markouts_seconds.map((k) => ({ horizon: k.horizon_seconds, fills: k.fills, mean_bps: k.mean_bps })));
  });
  return { index: task.index, cases };
}
