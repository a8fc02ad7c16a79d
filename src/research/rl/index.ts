// Public face of src/research/rl: environment, training (cross-entropy method), baselines and held-out evaluation.
export * from './config.js';
export * from './data.js';
export * from './env.js';
export * from './cem.js';
export * from './rollout.js';
export * from './rollout-pool.js';
export * from './baselines.js';
export * from './train.js';
export * from './evaluate.js';
export * from './learning-curve.js';
