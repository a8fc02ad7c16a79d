// The runtime's worker threads: a piscina pool running agent tasks; a task whose worker dies fails alone (piscina replaces the thread).
import { Piscina } from 'piscina';
import type { AgentResult, AgentTask } from './agent-task.js';

/** What a worker answers: the agent's result and the time the agent itself took (thread start-up excluded). */
export interface ResultMessage {
  result: AgentResult;
  ms: number;
}
/** An agent's result and its own run time (null when the worker died before answering). */
export interface TimedResult {
  result: AgentResult;
  ms: number | null;
}

export class WorkerPool {
  private readonly pool: Piscina;
  private closed = false;

  constructor(readonly size: number) {
    // Source checkouts run TypeScript: each worker registers tsx itself (resolved from here, not from the
    // working directory, which may be any folder; `--import tsx` would miss the agents' dynamic imports)
    // before the entry; built code runs the compiled entry.
    const ts = import.meta.url.endsWith('.ts');
    this.pool = new Piscina({
      filename: new URL(ts ? './agent-worker-ts.mjs' : './agent-worker.js', import.meta.url).href,
      minThreads: 0,
      maxThreads: size,
      // One agent per thread at a time: the scheduler already keeps at most `size` agents running.
      concurrentTasksPerWorker: 1,
      idleTimeout: 1_000,
    });
  }

  async run(task: AgentTask): Promise<TimedResult> {
    if (this.closed) return { result: { ok: false, error: 'worker pool is closed' }, ms: null };
    try {
      const r = (await this.pool.run(task)) as ResultMessage;
      return { result: r.result, ms: r.ms };
    } catch (e) {
      // The worker threw outside the agent's own error handling or exited: this task fails, the others go on.
      const msg = e instanceof Error ? e.message : String(e);
      return { result: { ok: false, error: `worker crashed: ${msg}`.split('\n')[0]! }, ms: null };
    }
  }

  /** Stop every worker (tasks still running or queued resolve as failures). */
  async close(): Promise<void> {
    this.closed = true;
    await this.pool.destroy();
  }
}
