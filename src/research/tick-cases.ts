// One tick evaluation task (a combo on a budget over the blocks of an event file) and its per-block results; pure.
import type { EventColumns } from '../market/index.js';
import { UserError } from '../core/index.js';
import { runTickJob, type TradingConfig, type TickJobResult } from '../engine/index.js';
import { comboConfig, type Combo } from './param-space.js';
import type { RlPolicy } from '../models/index.js';
import { summarizeBlock, type TaskResult } from './cases.js';
import { blockBatches, type TickBlock } from './tick-blocks.js';

/** Work sent to a worker: the combo, the shared base config and the blocks to run (rows of the shared events). */
export interface TickEvalTask {
  index: number;
  combo: Combo;
  budget: number;
  base: TradingConfig;
  refPrice: number;
  /** The trained policy of `rl` combos (plain data, travels with the task). */
  policy?: RlPolicy;
  blocks: readonly TickBlock[];
}

/** The tick backtest config of a combo on a budget for a block (quote size from the last price before it). */
export function tickBlockConfig(task: Pick<TickEvalTask, 'base' | 'combo' | 'budget' | 'refPrice'>, block: Pick<TickBlock, 'orderPrice'>): TradingConfig {
  return comboConfig(task.base, task.combo, task.budget, task.refPrice, block.orderPrice);
}

/** One block from flat with fresh estimators: its opening book, then its rows, through the tick backtest. */
export function runTickBlock(task: Pick<TickEvalTask, 'base' | 'combo' | 'budget' | 'refPrice' | 'policy'>, events: EventColumns, block: TickBlock): TickJobResult {
  if (task.combo.model === 'rl' && !task.policy) throw new UserError('--policy: model rl in the parameter space needs a trained policy file');
  return runTickJob(tickBlockConfig(task, block), blockBatches(events, block), task.policy !== undefined ? { policy: task.policy } : {});
}

export function evaluateTickTask(task: TickEvalTask, events: EventColumns): TaskResult {
  const blocks = task.blocks.map((block) => {
    const job = runTickBlock(task, events, block);
    const m = job.metrics;
    return summarizeBlock(m, job.trace.equity, job.trace.length, task.budget, m.markouts_seconds.map((k) => ({ horizon: k.horizon_seconds, fills: k.fills, mean_bps: k.mean_bps })));
  });
  return { index: task.index, blocks };
}
