// The runtime's worker threads: a piscina pool running agent tasks; a task whose worker dies fails alone (piscina replaces the thread); a signal is relayed to the agents.
import { BroadcastChannel } from 'node:worker_threads';
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
/** What every worker of a pool reads at start: the channel its stop requests come on, and the flag of one asked before it started. */
export interface WorkerSetup {
  stopChannel: string;
  /** Int32 [0]: 0 until a stop is asked, then 1 (`stopReason` of a late thread: the channel's message is gone). */
  stopFlag: SharedArrayBuffer;
}
/** Stop the agents running in the workers (a signal reached the main thread). */
export interface StopMessage {
  stop: string;
}

let pools = 0;

export class WorkerPool {
  private readonly pool: Piscina;
  private readonly channel: BroadcastChannel;
  private readonly flag = new SharedArrayBuffer(4);
  private closed = false;
  private stopped: string | undefined;

  constructor(readonly size: number) {
    // Source checkouts run TypeScript: each worker registers tsx itself (resolved from here, not from the
    // working directory, which may be any folder; `--import tsx` would miss the agents' dynamic imports)
    // before the entry; built code runs the compiled entry.
    const ts = import.meta.url.endsWith('.ts');
    // Piscina owns each worker's parentPort: stop requests travel on a channel of this pool instead.
    const setup: WorkerSetup = { stopChannel: `marketmakerl-stop-${process.pid}-${++pools}`, stopFlag: this.flag };
    this.channel = new BroadcastChannel(setup.stopChannel);
    this.channel.unref();
    this.pool = new Piscina({
      filename: new URL(ts ? './agent-worker-ts.mjs' : './agent-worker.js', import.meta.url).href,
      minThreads: 0,
      maxThreads: size,
      // One agent per thread at a time: the scheduler already keeps at most `size` agents running.
      concurrentTasksPerWorker: 1,
      idleTimeout: 1_000,
      workerData: setup,
    });
  }

  async run(task: AgentTask): Promise<TimedResult> {
    if (this.closed) return { result: { ok: false, error: 'worker pool is closed' }, ms: null };
    if (this.stopped !== undefined) return { result: { ok: false, error: `not started: the run was stopped by ${this.stopped}` }, ms: null };
    try {
      const r = (await this.pool.run(task)) as ResultMessage;
      return { result: r.result, ms: r.ms };
    } catch (e) {
      // The worker threw outside the agent's own error handling or exited: this task fails, the others go on.
      const msg = e instanceof Error ? e.message : String(e);
      return { result: { ok: false, error: `worker crashed: ${msg}`.split('\n')[0]! }, ms: null };
    }
  }

  /**
   * A signal: agents running now are asked to stop (a live session cancels its orders, verifies, and
   * returns its result); tasks not started yet fail without running.
   */
  stopAll(reason: string): void {
    this.stopped ??= reason;
    Atomics.store(new Int32Array(this.flag), 0, 1);
    this.channel.postMessage({ stop: reason } satisfies StopMessage);
  }

  /** Stop every worker (tasks still running or queued resolve as failures). */
  async close(): Promise<void> {
    this.closed = true;
    this.channel.close();
    await this.pool.destroy();
  }
}
