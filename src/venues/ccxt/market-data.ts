// Public market data through ccxt, in our types: books, trades, klines, the market's steps. Feeds, the recorder and history fetches read the exchange only through this.
import type { CcxtExchange } from './exchange.js';
import { parseFundingRates, parseKlines, parseOrderBook, parseTrades, type FundingRateRow, type Kline, type OrderBookView, type TradeView } from './parse.js';

/**
 * What the feeds (`CcxtFeed`), the recorder, the kline history and market snapshots need from an
 * exchange, answered in our types. Errors are ccxt's own (classify them with `classifyCcxtError`).
 * `levels` keeps only the best N levels per side before parsing (a websocket book holds the whole depth).
 */
export interface MarketData {
  /** The ccxt id, e.g. `binance`. */
  readonly id: string;
  /** Websocket order book and trades exist for this exchange in ccxt. */
  readonly streams: boolean;
  /** The book's next state from the websocket (ccxt keeps it from a snapshot and diffs). */
  streamBook(symbol: string, limit?: number, levels?: number): Promise<OrderBookView>;
  /** The next trades from the websocket. */
  streamTrades(symbol: string): Promise<TradeView[]>;
  /** The book now, over REST. */
  book(symbol: string, limit?: number, levels?: number): Promise<OrderBookView>;
  /** Recent trades over REST, from `sinceMs` when given. */
  trades(symbol: string, sinceMs?: number, limit?: number): Promise<TradeView[]>;
  /** The venue's own page size for klines, as ccxt describes it (at most 1000; 1000 when it does not say). */
  readonly klinePageLimit: number;
  /** Klines from `sinceMs` (the latest when undefined), at most `limit`, opening before `untilMs` when given. */
  klines(symbol: string, timeframe: string, sinceMs: number | undefined, limit: number, untilMs?: number): Promise<Kline[]>;
  /** ccxt has a funding-rate history for this exchange (perpetuals). */
  readonly fundingHistory: boolean;
  /** Funding payments of a perpetual from `sinceMs`, at most `limit`, at or before `untilMs` when given, oldest first. */
  fundingRates(symbol: string, sinceMs: number | undefined, limit: number, untilMs?: number): Promise<FundingRateRow[]>;
  /** Whether a loaded market is a perpetual (swap); undefined when the market is not loaded. */
  perpetual(symbol: string): boolean | undefined;
  /** The tick and lot size the exchange publishes for a loaded market (NaN when it gives none). */
  steps(symbol: string): { tick: number; lot: number };
  /** Close the websocket connections, if any (best effort). */
  close(): Promise<void>;
}

/** ccxt's precision modes: steps (TICK_SIZE) or a number of decimals (the others). */
const TICK_SIZE_MODE = 4;

function bookView(raw: unknown, levels: number | undefined): OrderBookView {
  if (levels === undefined) return parseOrderBook(raw);
  const r = raw as Record<string, unknown>;
  const bids = r['bids'];
  const asks = r['asks'];
  return parseOrderBook({
    bids: Array.isArray(bids) ? bids.slice(0, levels) : bids,
    asks: Array.isArray(asks) ? asks.slice(0, levels) : asks,
    nonce: r['nonce'],
    timestamp: r['timestamp'],
  });
}

/** The market data of a ccxt exchange (created with `createExchange`; markets loaded for `steps`). */
export function marketData(ex: CcxtExchange): MarketData {
  const features = (ex as unknown as { features?: { spot?: { fetchOHLCV?: { limit?: unknown } } } }).features;
  const venueLimit = features?.spot?.fetchOHLCV?.limit;
  return {
    klinePageLimit: typeof venueLimit === 'number' && venueLimit > 0 ? Math.min(venueLimit, 1000) : 1000,
    id: ex.id,
    streams: ex.has?.['watchOrderBook'] === true && ex.has?.['watchTrades'] === true,
    streamBook: async (symbol, limit, levels) => bookView(await ex.watchOrderBook(symbol, limit), levels),
    streamTrades: async (symbol) => parseTrades(await ex.watchTrades(symbol)),
    book: async (symbol, limit, levels) => bookView(await ex.fetchOrderBook(symbol, limit), levels),
    trades: async (symbol, sinceMs, limit) => parseTrades(await ex.fetchTrades(symbol, sinceMs, limit)),
    klines: async (symbol, timeframe, sinceMs, limit, untilMs) =>
      parseKlines(await ex.fetchOHLCV(symbol, timeframe, sinceMs, limit, untilMs !== undefined ? { until: untilMs } : undefined)),
    fundingHistory: ex.has?.['fetchFundingRateHistory'] === true,
    fundingRates: async (symbol, sinceMs, limit, untilMs) =>
      parseFundingRates(await ex.fetchFundingRateHistory(symbol, sinceMs, limit, untilMs !== undefined ? { until: untilMs } : undefined)).sort((a, b) => a.ts - b.ts),
    perpetual: (symbol) => {
      const m = ex.markets?.[symbol] as { swap?: boolean } | undefined;
      return m === undefined ? undefined : m.swap === true;
    },
    steps: (symbol) => {
      const m = ex.markets?.[symbol];
      const step = (v: unknown): number => {
        const x = Number(v ?? Number.NaN);
        if (!(x > 0)) return Number.NaN;
        return ex.precisionMode === TICK_SIZE_MODE ? x : 10 ** -x;
      };
      return { tick: step(m?.precision?.price), lot: step(m?.precision?.amount) };
    },
    close: async () => {
      const closable = ex as unknown as { close?: () => Promise<void> };
      try {
        await closable.close?.();
      } catch {
        // closing is best effort
      }
    },
  };
}
