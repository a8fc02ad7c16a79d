// Worker-thread entry of the parallel evaluator: one task in, its per-block results out.
import { evaluateTask, type EvalTask, type TaskResult } from './cases.js';
import { fromShared, type SharedBars } from './shared-bars.js';

export interface WorkerInput {
  bars: SharedBars;
  task: EvalTask;
}

export default function run(input: WorkerInput): TaskResult {
  return evaluateTask(input.task, fromShared(input.bars));
}
