// Where tasks run: in this thread, on a piscina pool of worker threads, or on a BullMQ queue; same results.
import type { Bars } from '../market/index.js';
import { evaluateTask, type EvalTask, type TaskResult } from './cases.js';
import { evaluateTickTask, type TickEvalTask } from './tick-cases.js';
import type { TickData } from './tick-blocks.js';
import { toShared } from './shared-bars.js';
import type { EvalPool } from './eval-pool.js';
import type { WorkerInput } from './eval-worker.js';

export interface Evaluator {
  readonly kind: 'serial' | 'threads' | 'queue';
  readonly workers: number;
  /** Runs every task; `onTaskDone` fires once per task as it finishes, with its result. Results come back in task order. */
  run(tasks: readonly EvalTask[], bars: Bars, onTaskDone: (t: EvalTask, r: TaskResult) => void): Promise<TaskResult[]>;
  /** The same for tick tasks over the blocks of an event file (absent: this evaluator runs bar cases only). */
  runTick?(tasks: readonly TickEvalTask[], data: TickData, onTaskDone: (t: TickEvalTask, r: TaskResult) => void): Promise<TaskResult[]>;
  close(): Promise<void>;
}

async function serially<T>(tasks: readonly T[], evaluate: (t: T) => TaskResult, onTaskDone: (t: T, r: TaskResult) => void): Promise<TaskResult[]> {
  const out: TaskResult[] = [];
  for (const t of tasks) {
    const r = evaluate(t);
    out.push(r);
    onTaskDone(t, r);
    // Let the event loop breathe so progress output reaches the terminal.
    if (out.length % 8 === 0) await new Promise((r) => setImmediate(r));
  }
  return out;
}

export function serialEvaluator(): Evaluator {
  return {
    kind: 'serial',
    workers: 1,
    run: (tasks, bars, onTaskDone) => serially(tasks, (t) => evaluateTask(t, bars), onTaskDone),
    runTick: (tasks, data, onTaskDone) => serially(tasks, (t) => evaluateTickTask(t, data.events), onTaskDone),
    async close() {},
  };
}

/**
 * This thread and the pool take tasks from one queue; results land at their task's position. Each
 * pool thread holds two tasks (eval-pool.ts), so it never waits for this thread between tasks.
 */
async function onThreads<T>(pool: EvalPool, poolSize: number, tasks: readonly T[], local: (t: T) => TaskResult, input: (t: T) => WorkerInput, onTaskDone: (t: T, r: TaskResult) => void): Promise<TaskResult[]> {
  const out: TaskResult[] = new Array<TaskResult>(tasks.length);
  let next = 0;
  let failure: unknown = null;
  const feed = async (): Promise<void> => {
    while (next < tasks.length && failure === null) {
      const at = next++;
      const task = tasks[at]!;
      try {
        out[at] = (await pool.run(input(task))) as TaskResult;
      } catch (e) {
        failure = e;
        return;
      }
      onTaskDone(task, out[at]!);
    }
  };
  const feeders = Array.from({ length: poolSize * 2 }, () => feed());
  while (next < tasks.length && failure === null) {
    const at = next++;
    const task = tasks[at]!;
    out[at] = local(task);
    onTaskDone(task, out[at]!);
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(feeders);
  if (failure !== null) throw failure;
  return out;
}

/**
 * `workers` evaluation threads: this thread plus a piscina pool of `workers − 1`, all taking tasks from
 * one queue. The pool starts at once so it loads while the caller reads data, and this thread works
 * meanwhile, so the run does not wait for the pool's start-up. Source checkouts (tsx) give the pool
 * tsx's loader; built code runs the compiled entry (eval-pool.ts). Bars and events reach the threads
 * in one SharedArrayBuffer each, copied once per analysis, never per task.
 */
export async function threadEvaluator(workers: number, started?: EvalPool): Promise<Evaluator> {
  const poolSize = Math.max(1, workers - 1);
  const pool = started ?? (await import('./eval-pool.js')).startEvalPool(poolSize);
  return {
    kind: 'threads',
    workers,
    run(tasks, bars, onTaskDone) {
      const shared = toShared(bars);
      return onThreads(pool, poolSize, tasks, (t) => evaluateTask(t, bars), (task) => ({ kind: 'bar', bars: shared, task }), onTaskDone);
    },
    runTick(tasks, data, onTaskDone) {
      return onThreads(pool, poolSize, tasks, (t) => evaluateTickTask(t, data.events), (task) => ({ kind: 'tick', events: data.shared, task }), onTaskDone);
    },
    async close() {
      await pool.destroy();
    },
  };
}
