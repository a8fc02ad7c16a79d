// `marketmakerl worker --queue redis://HOST:PORT`: process analysis tasks from the Redis queue until stopped.
import { UserError } from '../../core/index.js';
import { startQueueWorker } from '../../research/queue.js';

export async function workerCommand(flags: { queue: string; concurrency?: number }): Promise<void> {
  const concurrency = flags.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new UserError(`--concurrency: expected an integer from 1 to 64, got ${concurrency}`);
  let jobs = 0;
  const w = await startQueueWorker(flags.queue, { concurrency, onJob: () => void jobs++ });
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
