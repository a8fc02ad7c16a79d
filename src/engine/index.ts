// Public face of src/engine: the trading core, drivers, traces and metrics.
export * from './trading-core.js';
export * from './fill-log.js';
export * from './trace.js';
export * from './metrics.js';
export * from './bar-backtest.js';
export * from './run-folder.js';
export * from './backtest-job.js';
export * from './paper-journal.js';
export * from './tick-local.js';
export * from './tick-metrics.js';
export * from './tick-backtest.js';
export * from './tick-job.js';
export * from './paper-session.js';
export * from './paper-loop.js';
export * from './market-feed.js';
export * from './replay-feed.js';
export * from './wall-clock.js';
