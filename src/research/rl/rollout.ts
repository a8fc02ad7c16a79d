// One batch of rollouts: candidates' policy parameters in, their mean episode rewards out. Pure: runs the same in any thread.
import { PolicyNet, paramCount } from '../../models/index.js';
import { loadSpec, type DataSpec } from './data.js';
import { RlEnv, meanEpisodeReward, type EnvSpec } from './env.js';

/** Plain data, so it can be posted to a worker thread. */
export interface RolloutTask {
  data: DataSpec;
  env: EnvSpec;
  kind: 'linear' | 'mlp';
  hidden: number;
  /** Candidates' parameters, row-major (count × paramCount). */
  params: Float64Array;
  /** First rewarded bar of each episode; every candidate plays all of them. */
  starts: number[];
}

export function policyDim(t: Pick<RolloutTask, 'env' | 'kind' | 'hidden'>): number {
  return paramCount(t.kind, t.hidden, t.env.rl.features.length, t.env.rl.dims.length);
}

/** Mean total episode reward of each candidate over `starts`. */
export function runRollouts(task: Readonly<RolloutTask>): Float64Array {
  const bars = loadSpec(task.data);
  const env = new RlEnv(bars, task.env);
  const dim = policyDim(task);
  const count = task.params.length / dim;
  const out = new Float64Array(count);
  const F = task.env.rl.features.length;
  const A = task.env.rl.dims.length;
  for (let i = 0; i < count; i++) {
    const net = new PolicyNet(task.kind, task.hidden, F, A, task.params.subarray(i * dim, (i + 1) * dim));
    out[i] = meanEpisodeReward(env, net, task.starts);
  }
  return out;
}
