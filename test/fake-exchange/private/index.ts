// The fake Binance private API for tests: account state, signature checks, the server with its fault switches.
export * from './account.js';
export * from './perp-account.js';
export * from './signature.js';
export * from './server.js';
