// Public face of src/strategy: the Strategy port, the quoting strategy, reconcile.
export * from './strategy.js';
export * from './quoting-strategy.js';
export * from './reconcile.js';
export * from './rl-strategy.js';
export * from './plugin-types.js';
export * from './plugin-strategy.js';
export * from './plugin-loader.js';
export * from './hedge-strategy.js';
