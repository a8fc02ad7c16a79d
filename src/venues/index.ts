// Public face of src/venues: the ccxt boundary (exchange creation, parsing, error classification, retries).
// Importing this never loads ccxt; `createExchange` does, on first use.
export * from './ccxt/errors.js';
export * from './ccxt/retry.js';

export * from './ccxt/urls.js';
export * from './ccxt/parse.js';
export * from './ccxt/exchange.js';
export * from './ccxt/market-data.js';
// Live trading: the LiveExchange port and its ccxt implementation, the live adapter, preflight, reconciliation.
export * from './ccxt/live-types.js';
export * from './ccxt/live-ccxt.js';
export * from './ccxt/client-order-id.js';
export * from './ccxt/live-adapter.js';
export * from './ccxt/preflight.js';
export * from './ccxt/reconcile-positions.js';
