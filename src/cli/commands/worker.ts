// `marketmakerl worker --queue redis://HOST:PORT`: process analysis tasks from the Redis queue until stopped.
import { UserError } from '../../core/index.js';
import { startQueueWorker } from '../../research/queue.js';

export async function workerCommand(flags: { queue: string; concurrency?: number; stallSeconds?: number }): Promise<void> {
  const concurrency = flags.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new UserError(`--concurrency: expected an integer from 1 to 64, got ${concurrency}`);
  const stall = flags.stallSeconds;
  if (stall !== undefined && !(Number.isFinite(stall) && stall >= 1 && stall <= 3600)) throw new UserError(`--stall-seconds: expected a number of seconds from 1 to 3600, got ${stall}`);
  let jobs = 0;
  const w = await startQueueWorker(flags.queue, {
    concurrency,
    ...(stall !== undefined ? { stallSeconds: stall } : {}),
    // One line per job: which task this process took and when it finished (a task another worker
    // had started and died on shows up here again).
    onStart: (j) => process.stderr.write(JSON.stringify({ worker: 'job', pid: process.pid, id: j.id, task: j.index }) + '\n'),
    onJob: (j) => {
      jobs++;
      process.stderr.write(JSON.stringify({ worker: 'done', pid: process.pid, id: j.id, task: j.index, ms: Math.round(j.ms) }) + '\n');
    },
  });
  process.stderr.write(JSON.stringify({ worker: 'ready', queue: flags.queue, pid: process.pid, concurrency }) + '\n');
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await w.stop();
  process.stderr.write(JSON.stringify({ worker: 'stopped', pid: process.pid, jobs }) + '\n');
}
