// The noisy cross-entropy method over policy parameters: sample a population, keep the elite, refit a diagonal Gaussian.
import type { Rng } from '../../core/index.js';

export interface CemParams {
  population: number;
  eliteFraction: number;
  initStd: number;
  /** α: new = α·elite statistics + (1 − α)·old. */
  smoothing: number;
  /** Extra std at generation 0, falling linearly to 0 at `generations`. */
  extraNoise: number;
  generations: number;
}

/**
 * Why the cross-entropy method (Rubinstein, 1999; with the decreasing extra noise of Szita & Lőrincz,
 * 2006, "Learning Tetris using the noisy cross-entropy method", Neural Computation):
 * - an episode is a whole backtest whose reward arrives through fills and marks long after a quote; a
 *   black-box search over a small policy needs no value function, no gradient and no credit assignment,
 *   and ranks candidates, so the reward's scale and heavy tails matter little;
 * - every candidate in a generation is scored on the same training windows (common random numbers),
 *   so their differences are policy, not luck;
 * - candidates are independent, so rollouts parallelise perfectly over worker threads and the result
 *   does not depend on how they were spread: the same seed gives the same policy;
 * - the learned policy is deterministic (the Gaussian's mean), as required at evaluation.
 * Falces Marín et al. (PLOS One, 2022) tune the same AS parameters with a deep Q-network; with a dozen
 * state features and three continuous actions, a linear or small MLP policy searched this way is far
 * cheaper to train and to audit.
 */
export class Cem {
  readonly mean: Float64Array;
  readonly std: Float64Array;
  generation = 0;

  constructor(
    readonly dim: number,
    readonly p: Readonly<CemParams>,
    init?: Float64Array,
  ) {
    this.mean = init ? Float64Array.from(init) : new Float64Array(dim);
    this.std = new Float64Array(dim).fill(p.initStd);
  }

  /** The generation's candidates, row-major (population × dim), drawn from `rng`. */
  ask(rng: Rng): Float64Array {
    const { population } = this.p;
    const out = new Float64Array(population * this.dim);
    for (let i = 0; i < population; i++) {
      for (let j = 0; j < this.dim; j++) out[i * this.dim + j] = this.mean[j]! + this.std[j]! * rng.normal();
    }
    return out;
  }

  /** Refit to the elite of `candidates` by `scores` (higher is better; ties keep the lower index). */
  tell(candidates: Float64Array, scores: Float64Array): void {
    const { population, eliteFraction, smoothing, extraNoise, generations } = this.p;
    const nElite = Math.max(2, Math.round(population * eliteFraction));
    const order = Array.from({ length: population }, (_, i) => i);
    const score = (i: number): number => (Number.isFinite(scores[i]!) ? scores[i]! : Number.NEGATIVE_INFINITY);
    order.sort((a, b) => score(b) - score(a) || a - b);
    const extra = extraNoise * Math.max(0, 1 - (this.generation + 1) / Math.max(1, generations));
    for (let j = 0; j < this.dim; j++) {
      let m = 0;
      for (let e = 0; e < nElite; e++) m += candidates[order[e]! * this.dim + j]!;
      m /= nElite;
      let v = 0;
      for (let e = 0; e < nElite; e++) {
        const d = candidates[order[e]! * this.dim + j]! - m;
        v += d * d;
      }
      const s = Math.sqrt(v / nElite);
      this.mean[j] = smoothing * m + (1 - smoothing) * this.mean[j]!;
      this.std[j] = smoothing * s + (1 - smoothing) * this.std[j]! + extra;
    }
    this.generation++;
  }
}
