// Public face of src/strategy: the Strategy port, the quoting strategy, reconcile.
export * from './strategy.js';
export * from './quoting-strategy.js';
export * from './reconcile.js';
export * from './rl-strategy.js';
