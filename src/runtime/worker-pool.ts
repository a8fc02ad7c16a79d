// A fixed-size pool of worker threads running agent tasks; a crashed worker fails its task and is replaced.
import { Worker } from 'node:worker_threads';
import type { AgentResult, AgentTask } from './agent-task.js';

export interface TaskMessage {
  id: number;
  task: AgentTask;
}
/** Stop the agents running in a worker (a signal reached the main thread). */
export interface StopMessage {
  stop: string;
}
export interface ResultMessage {
  id: number;
  result: AgentResult;
  /** Time the agent itself took in the worker (thread start-up excluded). */
  ms: number;
}
/** An agent's result and its own run time (null when the worker died before answering). */
export interface TimedResult {
  result: AgentResult;
  ms: number | null;
}
interface Job {
  id: number;
  task: AgentTask;
  resolve: (r: TimedResult) => void;
}
interface Slot {
  worker: Worker;
  job: Job | null;
}

/**
 * Source checkouts run TypeScript through tsx: a worker does not inherit the parent's loader hooks on
 * Node 20, so it registers them itself before importing the entry.
 */
function spawn(): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const entry = new URL('./agent-worker.ts', here).href;
    const api = import.meta.resolve('tsx/esm/api');
    const code = `import(${JSON.stringify(api)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`;
    return new Worker(code, { eval: true });
  }
  return new Worker(new URL('./agent-worker.js', here));
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private stopped: string | undefined;

  constructor(readonly size: number) {}

  run(task: AgentTask): Promise<TimedResult> {
    if (this.closed) return Promise.resolve({ result: { ok: false, error: 'worker pool is closed' }, ms: null });
    if (this.stopped !== undefined) return Promise.resolve({ result: { ok: false, error: `not started: the run was stopped by ${this.stopped}` }, ms: null });
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, task, resolve });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.job === null);
      if (!slot) {
        if (this.slots.length >= this.size) return;
        slot = this.add();
      }
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.postMessage({ id: job.id, task: job.task } satisfies TaskMessage);
    }
  }

  private add(): Slot {
    const slot: Slot = { worker: spawn(), job: null };
    const fail = (error: string): void => {
      const job = slot.job;
      slot.job = null;
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      if (job) job.resolve({ result: { ok: false, error }, ms: null });
      if (!this.closed) this.pump();
    };
    slot.worker.on('message', (msg: ResultMessage) => {
      const job = slot.job;
      if (!job || job.id !== msg.id) return;
      slot.job = null;
      job.resolve({ result: msg.result, ms: msg.ms });
      this.pump();
    });
    slot.worker.on('error', (e: unknown) => fail(`worker crashed: ${e instanceof Error ? e.message : String(e)}`.split('\n')[0]!));
    slot.worker.on('exit', (code) => fail(`worker exited with code ${code}`));
    this.slots.push(slot);
    return slot;
  }

  /**
   * A signal: agents running now are asked to stop (a live session cancels its orders, verifies, and
   * returns its result); tasks not started yet fail without running.
   */
  stopAll(reason: string): void {
    this.stopped ??= reason;
    for (const job of this.queue.splice(0)) job.resolve({ result: { ok: false, error: `not started: the run was stopped by ${reason}` }, ms: null });
    for (const s of this.slots) s.worker.postMessage({ stop: reason } satisfies StopMessage);
  }

  /** Stop every worker (tasks still queued resolve as failures). */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.resolve({ result: { ok: false, error: 'worker pool closed' }, ms: null });
    const workers = this.slots.map((s) => s.worker);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
