// Public face of src/features: causal estimators and signals.
export * from './volatility.js';
export * from './signals.js';
export * from './grid-signals.js';
export * from './intensity.js';
export * from './bar-features.js';
export * from './bar-feature-frame.js';
export * from './mid-volatility.js';
export * from './trade-intensity.js';
export * from './trade-flow.js';
export * from './high-low-spread.js';
export * from './order-flow.js';
