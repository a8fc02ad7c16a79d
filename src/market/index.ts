// Public face of src/market: instruments, bars, normalized events.
export * from './instrument.js';
export * from './bar.js';
export * from './events.js';
export * from './book.js';
export * from './trade-time-order.js';
export * from './funding.js';
