// Where tasks run: in this thread, on a piscina pool of worker threads, or on a BullMQ queue; same results.
import type { Bars } from '../market/index.js';
import { evaluateTask, type EvalTask, type TaskResult } from './cases.js';
import { toShared } from './shared-bars.js';
import type { EvalPool } from './eval-pool.js';

export interface Evaluator {
  readonly kind: 'serial' | 'threads' | 'queue';
  readonly workers: number;
  /** Runs every task; `onTaskDone` fires as each finishes. Results come back in task order. */
  run(tasks: readonly EvalTask[], bars: Bars, onTaskDone: (t: EvalTask) => void): Promise<TaskResult[]>;
  close(): Promise<void>;
}

export function serialEvaluator(): Evaluator {
  return {
    kind: 'serial',
    workers: 1,
    async run(tasks, bars, onTaskDone) {
      const out: TaskResult[] = [];
      for (const t of tasks) {
        out.push(evaluateTask(t, bars));
        onTaskDone(t);
        // Let the event loop breathe so progress output reaches the terminal.
        if (out.length % 8 === 0) await new Promise((r) => setImmediate(r));
      }
      return out;
    },
    async close() {},
  };
}

/**
 * `workers` evaluation threads: this thread plus a piscina pool of `workers − 1`, all taking tasks from
 * one queue. The pool starts at once so it loads while the caller reads data, and this thread works
 * meanwhile, so the run does not wait for the pool's start-up. Source checkouts (tsx) give the pool
 * tsx's loader; built code runs the compiled entry (eval-pool.ts).
 */
export async function threadEvaluator(workers: number, started?: EvalPool): Promise<Evaluator> {
  const poolSize = Math.max(1, workers - 1);
  const pool = started ?? (await import('./eval-pool.js')).startEvalPool(poolSize);
  return {
    kind: 'threads',
    workers,
    async run(tasks, bars, onTaskDone) {
      const shared = toShared(bars);
      const out: TaskResult[] = new Array<TaskResult>(tasks.length);
      let next = 0;
      let failure: unknown = null;
      // Each pool thread keeps two tasks queued so it never waits for this thread between tasks.
      const feed = async (): Promise<void> => {
        while (next < tasks.length && failure === null) {
          const at = next++;
          const task = tasks[at]!;
          try {
            out[at] = (await pool.run({ bars: shared, task })) as TaskResult;
          } catch (e) {
            failure = e;
            return;
          }
          onTaskDone(task);
        }
      };
      const feeders = Array.from({ length: poolSize * 2 }, () => feed());
      while (next < tasks.length && failure === null) {
        const at = next++;
        const task = tasks[at]!;
        out[at] = evaluateTask(task, bars);
        onTaskDone(task);
        await new Promise((r) => setImmediate(r));
      }
      await Promise.all(feeders);
      if (failure !== null) throw failure;
      return out;
    },
    async close() {
      await pool.destroy();
    },
  };
}
