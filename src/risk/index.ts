// Public face of src/risk: the pre-trade gate and its rules.
export * from './gate.js';
