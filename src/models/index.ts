// Public face of src/models: the QuotingModel port and its implementations.
export * from './quoting-model.js';
export * from './avellaneda-stoikov.js';
export * from './glft.js';
export * from './rl-policy.js';
