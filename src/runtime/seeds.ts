// Per-agent seeds: each agent's randomness depends only on the run seed and its own name, never on scheduling.
import { Rng } from '../core/index.js';

/** A 32-bit seed for agent `name` in a run seeded `runSeed`: a fresh generator per call, so order cannot matter. */
export function agentSeed(runSeed: number, name: string): number {
  return new Rng(runSeed).fork(`agent:${name}`).nextU32();
}
