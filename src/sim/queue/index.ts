// Public face of src/sim/queue: the QueueModel port and its implementations.
export * from './queue-model.js';
export * from './risk-averse.js';
export * from './power-queue.js';
export * from './log-queue.js';
export * from './parse-queue.js';
