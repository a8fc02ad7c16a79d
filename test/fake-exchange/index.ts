// Public face of the fake venues used by tests: a Binance spot fake replaying real data.
export * from './fake-binance.js';
export * from './exchange-info.js';
export { captureData, klineRows } from './market-data.js';
