// Worker-thread entry of the parallel evaluator: one task in (bar or tick), its per-block results out.
import { evaluateTask, type EvalTask, type TaskResult } from './cases.js';
import { evaluateTickTask, type TickEvalTask } from './tick-cases.js';
import { fromShared, type SharedBars } from './shared-bars.js';
import { fromSharedEvents, type SharedEvents } from './shared-events.js';

export type WorkerInput = { kind: 'bar'; bars: SharedBars; task: EvalTask } | { kind: 'tick'; events: SharedEvents; task: TickEvalTask };

export default function run(input: WorkerInput): TaskResult {
  if (input.kind === 'tick') return evaluateTickTask(input.task, fromSharedEvents(input.events));
  return evaluateTask(input.task, fromShared(input.bars));
}
