// Constant latency: the same entry and response delay for every message.
import type { Micros } from '../../core/index.js';
import type { LatencyModel } from './latency-model.js';

export function constantLatency(entryMicros: Micros, responseMicros: Micros = entryMicros): LatencyModel {
  if (!(entryMicros >= 0) || !(responseMicros >= 0)) throw new RangeError('latency must be ≥ 0');
  return {
    name: `constant(${entryMicros}us,${responseMicros}us)`,
    entry: () => entryMicros,
    response: () => responseMicros,
  };
}
