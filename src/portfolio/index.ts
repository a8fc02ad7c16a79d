// Public face of src/portfolio.
export * from './portfolio.js';
