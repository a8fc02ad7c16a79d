// Risk-averse queue model: cancellations never happen ahead of us; only trades (or the level shrinking below us) move us.
import type { QueueModel } from './queue-model.js';

/**
 * The conservative bound used throughout the queue-position literature (e.g. Rigtorp, 2013): every
 * cancellation is assumed to come from behind our order, so `ahead` only falls when the level
 * becomes smaller than it: ahead' = min(ahead, level − Δ).
 */
export const riskAverseQueue: QueueModel = {
  name: 'risk-averse',
  afterCancel(ahead: number, level: number, decrease: number): number {
    const cap = level - decrease;
    return ahead < cap ? ahead : cap > 0 ? cap : 0;
  },
};
