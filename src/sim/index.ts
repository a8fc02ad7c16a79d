// Public face of src/sim: simulated exchanges and their plug-ins.
export * from './fees.js';
export * from './bar-fills.js';
