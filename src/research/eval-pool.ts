// The piscina pool of evaluation threads; light to import, so a command can start it before loading the rest.
import { Piscina } from 'piscina';

export type EvalPool = Piscina;

/** Start `threads` workers at once. Source checkouts (tsx) give them tsx's loader; built code runs the compiled entry. */
export function startEvalPool(threads: number): EvalPool {
  const here = import.meta.url;
  const ts = here.endsWith('.ts');
  return new Piscina({
    filename: new URL(ts ? './eval-worker.ts' : './eval-worker.js', here).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 60_000,
    ...(ts ? { execArgv: ['--import', 'tsx'] } : {}),
  });
}
