// Worker-thread entry of the parallel evaluator: one task in (bar or tick), its per-block results out.
import { evaluateTask, type EvalTask, type TaskResult } from './cases.js';
import { evaluateTickTask, type TickEvalTask } from './tick-cases.js';
import { fromShared, type SharedBars } from './shared-bars.js';
import { fromSharedEvents, type SharedEvents } from './shared-events.js';
import { warmUpBarEngine } from './warm-up.js';
import { loadStrategyModule, loadedStrategy } from '../strategy/index.js';

export type WorkerInput = { kind: 'bar'; bars: SharedBars; task: EvalTask } | { kind: 'tick'; events: SharedEvents; task: TickEvalTask } | { kind: 'warm' };

export default function run(input: WorkerInput): TaskResult | { warmSteps: number } | Promise<TaskResult> {
  if (input.kind === 'warm') return { warmSteps: warmUpBarEngine() };
  // A strategy module is loaded once per thread (its absolute path travels with the task's base config).
  const file = input.task.base.quoting.strategy;
  if (file !== undefined && loadedStrategy(file) === undefined) return loadStrategyModule(file).then(() => run(input) as TaskResult);
  if (input.kind === 'tick') return evaluateTickTask(input.task, fromSharedEvents(input.events));
  return evaluateTask(input.task, fromShared(input.bars));
}
