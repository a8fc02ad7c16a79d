// Public face of src/ledger: the SQLite ledger of paper and live runs, its reader and its invariants.
export * from './ledger.js';
export * from './ledger-reader.js';
export * from './invariants.js';
export * from './schema.js';
export * from './recordings.js';
export * from './venue-audit.js';
export * from './order-history.js';
