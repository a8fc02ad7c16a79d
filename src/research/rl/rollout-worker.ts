// The worker-thread entry of parallel rollouts (piscina): runs one batch and returns its rewards.
import { runRollouts, type RolloutTask } from './rollout.js';

export default function rolloutWorker(task: RolloutTask): Float64Array {
  return runRollouts(task);
}
