// Rollouts serially or on worker threads; the rewards are identical either way for the same inputs.
import { Piscina } from 'piscina';
import { runRollouts, policyDim, type RolloutTask } from './rollout.js';

/**
 * Splits the candidates of a task into contiguous batches, runs them on `workers` threads and puts the
 * rewards back in candidate order. Each candidate's reward depends only on its parameters, the bars and
 * the episode starts, never on the batch or thread it ran in, so 1 and N workers give the same numbers.
 */
export class RolloutPool {
  private readonly pool: Piscina | null;

  constructor(readonly workers: number) {
    if (workers > 1) {
      const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
      this.pool = new Piscina({
        filename: new URL(`./rollout-worker${ext}`, import.meta.url).href,
        minThreads: workers,
        maxThreads: workers,
        idleTimeout: 60_000,
      });
    } else {
      this.pool = null;
    }
  }

  async run(task: Readonly<RolloutTask>): Promise<Float64Array> {
    if (!this.pool) return runRollouts(task);
    const dim = policyDim(task);
    const count = task.params.length / dim;
    const batches = Math.min(count, this.workers * 4);
    const per = Math.ceil(count / batches);
    const jobs: Promise<Float64Array>[] = [];
    for (let b = 0; b * per < count; b++) {
      const lo = b * per;
      const hi = Math.min(count, lo + per);
      jobs.push(this.pool.run({ ...task, params: task.params.slice(lo * dim, hi * dim) }) as Promise<Float64Array>);
    }
    const parts = await Promise.all(jobs);
    const out = new Float64Array(count);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.pool) await this.pool.destroy();
  }
}
