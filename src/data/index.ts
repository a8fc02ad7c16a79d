// Public face of src/data: file codecs, simulated data.
export * from './text-scan.js';
export * from './klines-csv.js';
export * from './funding-file.js';
export * from './funding-history.js';
export * from './simulate.js';
export * from './event-store.js';
export * from './session-recording.js';
export { arrowLib } from './arrow-lib.js';
export * from './event-buffer.js';
export * from './binance-capture.js';
export * from './capture-lines.js';
export * from './capture-convert.js';
export * from './history.js';
export * from './history-bars.js';
export * from './market-snapshot.js';
export * from './recorder.js';
export * from './event-source.js';
export * from './event-merge.js';
