// Tick cases (a combo on a budget on one block of an event file) and the tasks that carry them; pure.
import type { EventColumns } from '../market/index.js';
import { UserError } from '../core/index.js';
import { runTickJob, runTickJobsShared, type TradingConfig, type TickJobResult } from '../engine/index.js';
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
 * Work sent to an evaluator: cases sharing a base config. With `sharedPass` (the default) a task holds
 * cases of one block and runs them over one pass of its events (`runTickJobsShared`); otherwise every
 * case replays its block alone. Each result is the same either way (the shared pass guarantees it).
 */
export interface TickEvalTask {
  index: number;
  base: TradingConfig;
  refPrice: number;
  /** The trained policy of `rl` combos (plain data, travels with the task). */
  policy?: RlPolicy;
  sharedPass?: boolean;
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
  const summary = (job: TickJobResult, budget: number) => {
    const m = job.metrics;
    return summarizeBlock(m, job.trace.equity, job.trace.length, budget, m.markouts_seconds.map((k) => ({ horizon: k.horizon_seconds, fills: k.fills, mean_bps: k.mean_bps })));
  };
  const policy = task.policy ? { policy: task.policy } : {};
  if (task.sharedPass !== true) {
    const cases = task.cases.map((c) => summary(runTickBlock({ base: task.base, combo: c.combo, budget: c.budget, refPrice: task.refPrice, ...policy }, events, c.block), c.budget));
    return { index: task.index, cases };
  }
  // The cases of each block over one pass of its events.
  const out: TaskResult['cases'] = new Array(task.cases.length);
  const byBlock = new Map<string, { block: TickBlock; idx: number[] }>();
  task.cases.forEach((c, i) => {
    if (c.combo.model === 'rl' && !task.policy) throw new UserError('--policy: model rl in the parameter space needs a trained policy file');
    const key = `${c.block.from}-${c.block.to}-${c.block.bookFrom}-${c.block.bookTo}`;
    const g = byBlock.get(key);
    if (g === undefined) byBlock.set(key, { block: c.block, idx: [i] });
    else g.idx.push(i);
  });
  for (const { block, idx } of byBlock.values()) {
    const cfgs = idx.map((i) => tickBlockConfig({ base: task.base, combo: task.cases[i]!.combo, budget: task.cases[i]!.budget, refPrice: task.refPrice }, block));
    const jobs = runTickJobsShared(cfgs, blockBatches(events, block), idx.map(() => policy));
    idx.forEach((i, k) => (out[i] = summary(jobs[k]!, task.cases[i]!.budget)));
  }
  return { index: task.index, cases: out };
}
