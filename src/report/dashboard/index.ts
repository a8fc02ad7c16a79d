// Public face of src/report/dashboard: the live dashboard server, its state, and its sources (a running loop, a ledger, run folders).
export * from './dashboard-state.js';
export * from './server.js';
export * from './live.js';
export * from './ledger-source.js';
export * from './run-folders.js';
export * from './page.js';
export * from './status-route.js';
export * from './live-markets.js';
