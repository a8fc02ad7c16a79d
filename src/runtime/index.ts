// Public face of src/runtime: the multi-agent runtime (config.yaml → data → ml → execution → risk).
export * from './config.js';
export * from './agents.js';
export * from './load-config.js';
export * from './graph.js';
export * from './live-guard.js';
export * from './logger.js';
export * from './seeds.js';
export * from './frame.js';
export * from './agent-task.js';
export * from './scheduler.js';
export * from './runtime.js';
export type { FittedModel } from './roles/ml.js';
export type { RiskReport, RiskCheck } from './roles/risk.js';
