// Public face of src/core: units, seeded randomness, errors, return statistics.
export * from './time.js';
export * from './rng.js';
export * from './errors.js';
export * from './fs.js';
export * from './columns.js';
export * from './sharpe-confidence.js';
export * from './config-file.js';
export * from './numbers.js';
export * from './suggest.js';
export * from './strict-config.js';
export * from './out-paths.js';
export * from './secrets.js';
