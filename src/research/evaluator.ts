// Where tasks run: in this thread, on a piscina pool of worker threads, or on a BullMQ queue; same results.
import type { Bars } from '../market/index.js';
import { evaluateTask, type EvalTask, type TaskResult } from './cases.js';
import { toShared } from './shared-bars.js';

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
 * A pool of `workers` threads, started at once so they load while the caller reads data. Source
 * checkouts (tsx) give the workers tsx's loader; built code runs the compiled entry.
 */
export async function threadEvaluator(workers: number): Promise<Evaluator> {
  const { Piscina } = await import('piscina');
  const here = import.meta.url;
  const ts = here.endsWith('.ts');
  const pool = new Piscina({
    filename: new URL(ts ? './eval-worker.ts' : './eval-worker.js', here).href,
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 60_000,
    ...(ts ? { execArgv: ['--import', 'tsx'] } : {}),
  });
  return {
    kind: 'threads',
    workers,
    async run(tasks, bars, onTaskDone) {
      const shared = toShared(bars);
      return Promise.all(
        tasks.map(async (task) => {
          const r = (await pool.run({ bars: shared, task })) as TaskResult;
          onTaskDone(task);
          return r;
        }),
      );
    },
    async close() {
      await pool.destroy();
    },
  };
}
