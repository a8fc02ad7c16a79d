// Scale-out on Redis: the analysis puts its tasks on a BullMQ queue; `marketmakerl worker` processes run them anywhere.
import { randomUUID } from 'node:crypto';
import { NetworkFault, UserError } from '../core/index.js';
import type { Bars } from '../market/index.js';
import { evaluateTask, type EvalTask, type TaskResult } from './cases.js';
import { barsFromBytes, barsToBytes } from './shared-bars.js';
import type { Evaluator } from './evaluator.js';

export const QUEUE_NAME = 'marketmakerl-cases';
const BARS_TTL_SECONDS = 6 * 3600;

export interface RedisAddress {
  host: string;
  port: number;
}

interface QueueJobData {
  barsKey: string;
  length: number;
  intervalMicros: number;
  task: EvalTask;
}

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
 * Tasks go to the queue as jobs; the bars go once to a Redis key the jobs name. Results come back in
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
  let barsKey = '';
  return {
    kind: 'queue',
    workers: 0,
    async run(tasks, bars, onTaskDone) {
      const batch = randomUUID();
      barsKey = `marketmakerl:bars:${batch}`;
      await store.set(barsKey, barsToBytes(bars), 'EX', BARS_TTL_SECONDS);
      const jobs = await queue.addBulk(
        tasks.map((task) => ({
          name: 'case',
          data: { barsKey, length: bars.length, intervalMicros: bars.intervalMicros, task },
          opts: { jobId: `${batch}-${task.index}`, attempts: 2, removeOnComplete: { age: 3600 }, removeOnFail: { age: 24 * 3600 } },
        })),
      );
      return Promise.all(
        jobs.map(async (job, i) => {
          let r: TaskResult;
          try {
            r = await job.waitUntilFinished(events, timeoutMs);
          } catch (e) {
            throw new NetworkFault(`--queue: task ${i} did not complete (${(e as Error).message.split('\n')[0]})`);
          }
          onTaskDone(tasks[i]!);
          return r;
        }),
      );
    },
    async close() {
      if (barsKey) await store.del(barsKey).catch(() => 0);
      await Promise.allSettled([queue.close(), events.close()]);
      store.disconnect();
    },
  };
}

export interface QueueWorkerOptions {
  concurrency: number;
  /** Called after each job (for logs). */
  onJob?: (info: { id: string; index: number; ms: number }) => void;
}

/** Run tasks from the queue until `stop()` is called; bars are fetched once per batch and kept. */
export async function startQueueWorker(url: string, opts: QueueWorkerOptions): Promise<{ stop: () => Promise<void> }> {
  const addr = parseQueueUrl(url);
  await probe(addr);
  const { Worker } = await import('bullmq');
  const { Redis } = await import('ioredis');
  const store = new Redis(connection(addr));
  store.on('error', () => {});
  const cache = new Map<string, Bars>();
  const barsFor = async (d: QueueJobData): Promise<Bars> => {
    let b = cache.get(d.barsKey);
    if (!b) {
      const bytes = await store.getBuffer(d.barsKey);
      if (!bytes) throw new Error(`bars ${d.barsKey} are gone from Redis`);
      b = barsFromBytes(bytes, d.length, d.intervalMicros);
      if (cache.size >= 4) cache.delete(cache.keys().next().value!);
      cache.set(d.barsKey, b);
    }
    return b;
  };
  const worker = new Worker<QueueJobData, TaskResult>(
    QUEUE_NAME,
    async (job) => {
      const t0 = performance.now();
      const r = evaluateTask(job.data.task, await barsFor(job.data));
      opts.onJob?.({ id: String(job.id), index: job.data.task.index, ms: performance.now() - t0 });
      return r;
    },
    { connection: connection(addr), concurrency: opts.concurrency },
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
