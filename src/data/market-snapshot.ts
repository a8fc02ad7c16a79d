// One-shot market snapshot through ccxt: recent klines, the order book and recent trades, written as CSV files plus meta.
import { join } from 'node:path';
import { UserError, utcStamp, writeFileAtomic } from '../core/index.js';
import { checkTimeframe, DEFAULT_RETRY, marketData, resolveSymbol, withRetry, type CcxtExchange, type RetryHooks, type RetryPolicy } from '../venues/index.js';

export const DEFAULT_SNAPSHOT_DIR = join('data', 'real');

export interface SnapshotSpec {
  symbol: string;
  timeframe: string;
  klineLimit: number;
  orderBookLimit: number;
  tradesLimit: number;
  outputDir: string;
  /** Clock for the file token and fetched_at_utc (tests pin it). */
  now?: () => Date;
}

export interface SnapshotMeta {
  exchange: string;
  symbol: string;
  timeframe: string;
  fetched_at_utc: string;
  kline_rows: number;
  bid_levels: number;
  ask_levels: number;
  trade_rows: number;
}

export interface SnapshotFiles {
  klines: string;
  orderbook_bids: string;
  orderbook_asks: string;
  trades: string;
  meta: string;
}

/** The limits of a snapshot, checked before anything is fetched. */
export function checkSnapshotLimits(spec: Pick<SnapshotSpec, 'klineLimit' | 'orderBookLimit' | 'tradesLimit'>): void {
  checkLimit('--kline-limit', spec.klineLimit, 1000);
  checkLimit('--order-book-limit', spec.orderBookLimit, 5000);
  checkLimit('--trades-limit', spec.tradesLimit, 1000);
}

function checkLimit(flag: string, v: number, max: number): number {
  if (!Number.isInteger(v) || v < 1 || v > max) throw new UserError(`${flag}: expected a whole number from 1 to ${max}, got ${v}`);
  return v;
}

/** Fetch and write the snapshot files; the meta file is written last, so its presence means the set is complete. */
export async function fetchMarketSnapshot(
  ex: CcxtExchange,
  spec: SnapshotSpec,
  retry: RetryPolicy = DEFAULT_RETRY,
  hooks: RetryHooks = {},
): Promise<{ meta: SnapshotMeta; files: SnapshotFiles }> {
  checkLimit('--kline-limit', spec.klineLimit, 1000);
  checkLimit('--order-book-limit', spec.orderBookLimit, 5000);
  checkLimit('--trades-limit', spec.tradesLimit, 1000);
  const symbol = resolveSymbol(ex, spec.symbol);
  const timeframe = checkTimeframe(ex, spec.timeframe);
  const md = marketData(ex);
  const what = `${md.id} ${symbol}`;
  const klines = await withRetry(`${what}: klines`, () => md.klines(symbol, timeframe, undefined, spec.klineLimit), retry, hooks);
  const book = await withRetry(`${what}: order book`, () => md.book(symbol, spec.orderBookLimit), retry, hooks);
  const trades = await withRetry(`${what}: trades`, () => md.trades(symbol, undefined, spec.tradesLimit), retry, hooks);
  const now = (spec.now ?? (() => new Date()))();
  const token = utcStamp(now);
  const file = (name: string): string => join(spec.outputDir, `${token}_${name}`);
  const files: SnapshotFiles = {
    klines: file('klines.csv'),
    orderbook_bids: file('orderbook_bids.csv'),
    orderbook_asks: file('orderbook_asks.csv'),
    trades: file('trades.csv'),
    meta: file('meta.json'),
  };
  writeFileAtomic(files.klines, ['timestamp,open,high,low,close,volume', ...klines.map((k) => `${k.openMs},${k.open},${k.high},${k.low},${k.close},${k.volume}`)].join('\n') + '\n');
  const levels = (ls: { price: number; size: number }[]): string => ['price,size', ...ls.slice(0, spec.orderBookLimit).map((l) => `${l.price},${l.size}`)].join('\n') + '\n';
  writeFileAtomic(files.orderbook_bids, levels(book.bids));
  writeFileAtomic(files.orderbook_asks, levels(book.asks));
  writeFileAtomic(files.trades, ['timestamp,id,price,size,side', ...trades.map((t) => `${t.tsExchange / 1000},${t.idText},${t.price},${t.size},${t.aggressor === 1 ? 'buy' : 'sell'}`)].join('\n') + '\n');
  const meta: SnapshotMeta = {
    exchange: md.id,
    symbol,
    timeframe,
    fetched_at_utc: now.toISOString(),
    kline_rows: klines.length,
    bid_levels: Math.min(book.bids.length, spec.orderBookLimit),
    ask_levels: Math.min(book.asks.length, spec.orderBookLimit),
    trade_rows: trades.length,
  };
  writeFileAtomic(files.meta, JSON.stringify(meta, null, 2) + '\n');
  return { meta, files };
}
