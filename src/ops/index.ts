// Public face of src/ops: the operations surface (docs consistency, data freshness, campaigns, risk calibration, weekly report, status page, smoke chains).
export * from './consistency.js';
export * from './freshness.js';
export * from './campaign.js';
export * from './risk-scenarios.js';
export * from './risk-calibration.js';
export * from './weekly-report.js';
export * from './weekly-parity.js';
export * from './status-page.js';
export * from './experiments.js';
export * from './steps.js';
export * from './dockerfile.js';
