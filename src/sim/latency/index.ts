// Public face of src/sim/latency: the LatencyModel port, constant and series latency.
export * from './latency-model.js';
export * from './constant-latency.js';
export * from './series-latency.js';
