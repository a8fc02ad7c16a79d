// Scale-out on Redis: the analysis puts its tasks on a BullMQ queue; `marketmakerl worker` processes run them anywhere.
import { randomUUID } from 'node:crypto';
import { NetworkFault, UserError } from '../core/index.js';
import type { Bars } from '../market/index.js';
import { evaluateTask, type EvalTask, type TaskResult } from './cases.js';
import { loadStrategyModule } from '../strategy/index.js';
import { evaluateTickTask, type TickEvalTask } from './tick-cases.js';
import { fromSharedEvents } from './shared-events.js';
import type { EventColumns } from '../market/index.js';
import { barsFromBytes, barsToBytes } from './shared-bars.js';
import type { Evaluator } from './evaluator.js';

export const QUEUE_NAME = 'marketmakerl-cases';
const DATA_TTL_SECONDS = 6 * 3600;

export interface RedisAddress {
  host: string;
  port: number;
}

/** A bar case (the bars under `barsKey`) or a tick case (the event columns under `eventsKey`). */
type QueueJobData =
  | { kind?: 'bar'; barsKey: string; length: number; intervalMicros: number; task: EvalTask }
  | { kind: 'tick'; eventsKey: string; length: number; task: TickEvalTask };

/** `redis://HOST:PORT` → host and port; anything else is a UserError naming the flag. */
export function parseQueueUrl(url: string, flag = '--queue'): RedisAddress {
  const m = /^redis:\/\/([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})\/?$/.exec(url.trim());
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || !(port >= 1 && port <= 65535)) throw new UserError(`${flag}: expected redis://HOST:PORT, got '${url}'`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** Connect once, failing fast (no endless reconnects) with a NetworkFault naming the address. */
async function probe(addr: RedisAddress): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis({ host: addr.host, port: addr.port, lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    throw new NetworkFault(`--queue: cannot reach Redis at ${addr.host}:${addr.port} (${(e as Error).message.split('\n')[0]})`);
  } finally {
    client.disconnect();
  }
}

const connection = (a: RedisAddress) => ({ host: a.host, port: a.port, maxRetriesPerRequest: null });

/**
 * Tasks go to the queue as jobs; the bars (or a tick analysis' event columns) go once to a Redis key the jobs name. Results come back in
 * task order, exactly as a local evaluation would give them (JSON keeps every finite double).
 */
export async function queueEvaluator(url: string, timeoutMs = 30 * 60_000): Promise<Evaluator> {
  const addr = parseQueueUrl(url);
  await probe(addr);
  const { Queue, QueueEvents } = await import('bullmq');
  const { Redis } = await import('ioredis');
  const queue = new Queue<QueueJobData, TaskResult>(QUEUE_NAME, { connection: connection(addr) });
  const events = new QueueEvents(QUEUE_NAME, { connection: connection(addr) });
  const store = new Redis(connection(addr));
  queue.on('error', () => {});
  events.on('error', () => {});
  store.on('error', () => {});
  await events.waitUntilReady();
  const keys: string[] = [];
  /** Put the data once, the tasks as jobs; results in task order. */
  const submit = async <T extends { index: number }>(tasks: readonly T[], key: string, bytes: Buffer, job: (task: T) => QueueJobData, onTaskDone: (t: T, r: TaskResult) => void): Promise<TaskResult[]> => {
    keys.push(key);
    await store.set(key, bytes, 'EX', DATA_TTL_SECONDS);
    const batch = key.slice(key.lastIndexOf(':') + 1);
    const jobs = await queue.addBulk(
      tasks.map((task) => ({
        name: 'case',
        data: job(task),
        opts: { jobId: `${batch}-${task.index}`, attempts: 2, removeOnComplete: { age: 3600 }, removeOnFail: { age: 24 * 3600 } },
      })),
    );
    return Promise.all(
      jobs.map(async (j, i) => {
        let r: TaskResult;
        try {
          r = await j.waitUntilFinished(events, timeoutMs);
        } catch (e) {
          throw new NetworkFault(`--queue: task ${i} did not complete (${(e as Error).message.split('\n')[0]})`);
        }
        onTaskDone(tasks[i]!, r);
        return r;
      }),
    );
  };
  return {
    kind: 'queue',
    workers: 0,
    run(tasks, bars, onTaskDone) {
      const barsKey = `marketmakerl:bars:${randomUUID()}`;
      return submit(tasks, barsKey, barsToBytes(bars), (task) => ({ barsKey, length: bars.length, intervalMicros: bars.intervalMicros, task }), onTaskDone);
    },
    runTick(tasks, data, onTaskDone) {
      const eventsKey = `marketmakerl:events:${randomUUID()}`;
      const s = data.shared;
      return submit(tasks, eventsKey, Buffer.from(s.buffer as ArrayBuffer), (task) => ({ kind: 'tick', eventsKey, length: s.length, task }), onTaskDone);
    },
    async close() {
      for (const k of keys) await store.del(k).catch(() => 0);
      await Promise.allSettled([queue.close(), events.close()]);
      store.disconnect();
    },
  };
}

export interface QueueWorkerOptions {
  concurrency: number;
  /**
   * How long a job's lock lasts without renewal, and how often this worker looks for jobs whose worker
   * died (default 30 s): a job of a killed worker is taken again by another within about twice this.
   */
  stallSeconds?: number;
  /** Called when a job starts and after each job (for logs). */
  onStart?: (info: { id: string; index: number }) => void;
  onJob?: (info: { id: string; index: number; ms: number }) => void;
}

/** Run tasks from the queue until `stop()` is called; a batch's bars or events are fetched once and kept. */
export async function startQueueWorker(url: string, opts: QueueWorkerOptions): Promise<{ stop: () => Promise<void> }> {
  const addr = parseQueueUrl(url);
  await probe(addr);
  const { Worker } = await import('bullmq');
  const { Redis } = await import('ioredis');
  const store = new Redis(connection(addr));
  store.on('error', () => {});
  const cache = new Map<string, Bars | EventColumns>();
  const remember = <T extends Bars | EventColumns>(key: string, v: T): T => {
    if (cache.size >= 4) cache.delete(cache.keys().next().value!);
    cache.set(key, v);
    return v;
  };
  const fetch = async (key: string): Promise<Buffer> => {
    const bytes = await store.getBuffer(key);
    if (!bytes) throw new Error(`${key} is gone from Redis`);
    return bytes;
  };
  const barsFor = async (key: string, length: number, intervalMicros: number): Promise<Bars> =>
    (cache.get(key) as Bars | undefined) ?? remember(key, barsFromBytes(await fetch(key), length, intervalMicros));
  const eventsFor = async (key: string, length: number): Promise<EventColumns> => {
    const hit = cache.get(key) as EventColumns | undefined;
    if (hit) return hit;
    const bytes = await fetch(key);
    const buffer = new ArrayBuffer(bytes.length); // aligned, owned copy for the typed columns
    new Uint8Array(buffer).set(bytes);
    return remember(key, fromSharedEvents({ length, buffer }));
  };
  const worker = new Worker<QueueJobData, TaskResult>(
    QUEUE_NAME,
    async (job) => {
      const t0 = performance.now();
      const d = job.data;
      if (d.task.base.quoting.strategy !== undefined) await loadStrategyModule(d.task.base.quoting.strategy);
      opts.onStart?.({ id: String(job.id), index: d.task.index });
      const r = d.kind === 'tick' ? evaluateTickTask(d.task, await eventsFor(d.eventsKey, d.length)) : evaluateTask(d.task, await barsFor(d.barsKey, d.length, d.intervalMicros));
      opts.onJob?.({ id: String(job.id), index: d.task.index, ms: performance.now() - t0 });
      return r;
    },
    {
      connection: connection(addr),
      concurrency: opts.concurrency,
      ...(opts.stallSeconds !== undefined ? { lockDuration: opts.stallSeconds * 1000, stalledInterval: opts.stallSeconds * 1000 } : {}),
    },
  );
  worker.on('error', () => {});
  await worker.waitUntilReady();
  return {
    async stop() {
      await worker.close();
      store.disconnect();
    },
  };
}
