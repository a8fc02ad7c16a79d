// Binance spot exchangeInfo for the fake venue: a few real symbols with their real filters (tick, lot, notional).

export interface FakeSymbol {
  symbol: string;
  base: string;
  quote: string;
  tickSize: string;
  stepSize: string;
}

export const DEFAULT_SYMBOLS: readonly FakeSymbol[] = [
  { symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', tickSize: '0.01000000', stepSize: '0.00001000' },
  { symbol: 'ETHUSDT', base: 'ETH', quote: 'USDT', tickSize: '0.01000000', stepSize: '0.00010000' },
  { symbol: 'BTCUSDC', base: 'BTC', quote: 'USDC', tickSize: '0.01000000', stepSize: '0.00001000' },
  { symbol: 'ETHBTC', base: 'ETH', quote: 'BTC', tickSize: '0.00001000', stepSize: '0.00010000' },
];

export function exchangeInfo(symbols: readonly FakeSymbol[], serverTimeMs: number): unknown {
  return {
    timezone: 'UTC',
    serverTime: serverTimeMs,
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
    ],
    exchangeFilters: [],
    symbols: symbols.map((s) => ({
      symbol: s.symbol,
      status: 'TRADING',
      baseAsset: s.base,
      baseAssetPrecision: 8,
      quoteAsset: s.quote,
      quotePrecision: 8,
      quoteAssetPrecision: 8,
      baseCommissionPrecision: 8,
      quoteCommissionPrecision: 8,
      orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
      icebergAllowed: true,
      ocoAllowed: true,
      otoAllowed: true,
      quoteOrderQtyMarketAllowed: true,
      allowTrailingStop: true,
      cancelReplaceAllowed: true,
      isSpotTradingAllowed: true,
      isMarginTradingAllowed: false,
      filters: [
        { filterType: 'PRICE_FILTER', minPrice: s.tickSize, maxPrice: '1000000.00000000', tickSize: s.tickSize },
        { filterType: 'LOT_SIZE', minQty: s.stepSize, maxQty: '9000.00000000', stepSize: s.stepSize },
        { filterType: 'NOTIONAL', minNotional: '5.00000000', applyMinToMarket: true, maxNotional: '9000000.00000000', applyMaxToMarket: false, avgPriceMins: 5 },
        { filterType: 'MARKET_LOT_SIZE', minQty: '0.00000000', maxQty: '100.00000000', stepSize: '0.00000000' },
        { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
      ],
      permissions: [],
      permissionSets: [['SPOT']],
      defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
      allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
    })),
  };
}
