// Public face of the fake venues used by tests: a Binance fake replaying real data (spot, and the USD-M perpetual with `usdm`).
export * from './fake-binance.js';
export * from './exchange-info.js';
export { captureData, klineRows, CAPTURE_FILES, type FakeVenue, type BookTickerMsg, type DepthMsg, type TradeMsg } from './market-data.js';
export { StreamHub, VenueReplay } from './streams.js';
