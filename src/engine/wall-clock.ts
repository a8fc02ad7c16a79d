// Wall clocks for the realtime loop, in µs: the real one, and an accelerated one for tests and demos.
import type { Micros } from '../core/index.js';

/** The process's wall clock, µs since the epoch (monotonic between calls: performance.now from a Date anchor). */
export function wallClock(): () => Micros {
  const anchor = Date.now() * 1000;
  const p0 = performance.now();
  return () => anchor + (performance.now() - p0) * 1000;
}

/** A wall clock running `factor` times faster than real time from `start` (µs): replayed markets in less time. */
export function acceleratedClock(factor: number, start: Micros): () => Micros {
  const p0 = performance.now();
  return () => start + (performance.now() - p0) * 1000 * factor;
}
