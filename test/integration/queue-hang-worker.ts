// A queue worker that takes one job and then hangs inside it (as a machine that froze or died mid-case), for the queue failover test.
import { startQueueWorker } from '../../src/research/queue.js';

const [url, stall] = process.argv.slice(2);
if (url === undefined) throw new Error('usage: queue-hang-worker <redis-url> <stall-seconds>');
const frozen = new Int32Array(new SharedArrayBuffer(4));
await startQueueWorker(url, {
  concurrency: 1,
  stallSeconds: Number(stall ?? 2),
  onStart: (j) => {
    process.stderr.write(JSON.stringify({ worker: 'job', pid: process.pid, id: j.id, task: j.index }) + '\n', () => {
      // The event loop stops here: no result, no lock renewal, until the process is killed.
      Atomics.wait(frozen, 0, 0);
    });
  },
});
process.stderr.write(JSON.stringify({ worker: 'ready', pid: process.pid }) + '\n');
