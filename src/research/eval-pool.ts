// The piscina pool of evaluation threads; light to import, so a command can start it before loading the rest.
import { Piscina } from 'piscina';

export type EvalPool = Piscina;

/**
 * Start `threads` workers at once. Source checkouts (tsx) give them tsx's loader; built code runs the
 * compiled entry. `warmBar`: each thread first runs a small bar workload (warm-up.ts) so that its code is
 * compiled by the time real cases arrive; a command that starts the pool before loading its data gets
 * that for free on an otherwise idle core.
 */
export function startEvalPool(threads: number, opts: { warmBar?: boolean } = {}): EvalPool {
  const here = import.meta.url;
  const ts = here.endsWith('.ts');
  const pool = new Piscina({
    filename: new URL(ts ? './eval-worker.ts' : './eval-worker.js', here).href,
    minThreads: threads,
    maxThreads: threads,
    // Two tasks in flight per thread: the next one is already in the worker's queue when it finishes
    // one, so it does not wait for this thread (busy evaluating its own task) to hand it another.
    concurrentTasksPerWorker: 2,
    idleTimeout: 60_000,
    ...(ts ? { execArgv: ['--import', 'tsx'] } : {}),
  });
  if (opts.warmBar === true) {
    // One per thread; a failure here would show again, with its message, on the first real case.
    for (let i = 0; i < threads; i++) pool.run({ kind: 'warm' }).catch(() => {});
  }
  return pool;
}
