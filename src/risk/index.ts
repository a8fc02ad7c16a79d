// Public face of src/risk: the pre-trade gate and its rules, the risk engine, trading states and the kill switch.
export * from './gate.js';
export * from './place-rules.js';
export * from './trading-state.js';
export * from './risk-config.js';
export * from './risk-engine.js';
export * from './kill-switch.js';
