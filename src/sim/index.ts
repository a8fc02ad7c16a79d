// Public face of src/sim: simulated exchanges and their plug-ins.
export * from './fees.js';
export * from './bar-fills.js';
export * from './queue/index.js';
export * from './latency/index.js';
export * from './l2-exchange.js';
export * from './venue-book.js';
export * from './order-audit.js';
