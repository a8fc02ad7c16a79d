// Logarithmic probabilistic queue model: f(x) = ln(1 + x) in the cancel-position probability.
import { probabilisticAfterCancel, type QueueModel } from './queue-model.js';

/** p(cancel ahead) = ln(1+ahead) / (ln(1+ahead) + ln(1+behind)) (Rigtorp, 2013): concave, so milder than power:1. */
const f = (x: number): number => Math.log1p(x);

export const logQueue: QueueModel = {
  name: 'log',
  afterCancel: (ahead, level, decrease) => probabilisticAfterCancel(f, ahead, level, decrease),
};
