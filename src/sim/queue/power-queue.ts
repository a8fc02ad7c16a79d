// Power-law probabilistic queue model: f(x) = x^N in the cancel-position probability (power:N).
import { probabilisticAfterCancel, type QueueModel } from './queue-model.js';

/**
 * p(cancel ahead) = aheadᴺ / (aheadᴺ + behindᴺ) (Rigtorp, 2013). N = 1: uniform over the queue;
 * larger N: cancels concentrate in the larger part of the queue.
 */
export function powerQueue(n: number): QueueModel {
  if (!(n > 0)) throw new RangeError(`power queue exponent must be > 0, got ${n}`);
  const f = (x: number): number => Math.pow(x, n);
  return {
    name: `power:${n}`,
    afterCancel: (ahead, level, decrease) => probabilisticAfterCancel(f, ahead, level, decrease),
  };
}
