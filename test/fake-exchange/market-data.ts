// The real data a fake venue serves: the Binance captures (spot and the USD-M perpetual: depth diffs, trades, bookTicker, snapshot) and kline files, loaded once per process.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { CAPTURE_DIR, KLINES_1M, KLINES_5M, SHARED_DATA } from '../fixtures/shared-data.js';
import { loadKlines } from '../../src/data/index.js';

export type Level = [string, string];

/** Which capture a replay serves: Binance spot, or the USD-M perpetual of the same minutes. */
export type FakeVenue = 'spot' | 'usdm';

/**
 * A diff-depth message. USD-M adds `T` (transaction time) and `pu` (the previous message's `u`: the
 * stream's continuity is `pu == previous u`; spot's is `U == previous u + 1`).
 */
export interface DepthMsg {
  e: 'depthUpdate';
  E: number;
  T?: number;
  s: string;
  U: number;
  u: number;
  pu?: number;
  b: Level[];
  a: Level[];
}

export interface TradeMsg {
  e: 'trade';
  E: number;
  s: string;
  t: number;
  p: string;
  q: string;
  T: number;
  m: boolean;
  M?: boolean;
  /** USD-M: the order type that traded (MARKET, ...). */
  X?: string;
}

/** Best bid and ask: `u` is the order-book update id it reflects. USD-M adds `e`, `E`, `T`. */
export interface BookTickerMsg {
  e?: 'bookTicker';
  u: number;
  s: string;
  b: string;
  B: string;
  a: string;
  A: string;
  E?: number;
  T?: number;
}

export interface Snapshot {
  lastUpdateId: number;
  /** USD-M: message and transaction time of the snapshot. */
  E?: number;
  T?: number;
  bids: Level[];
  asks: Level[];
}

export interface CaptureData {
  venue: FakeVenue;
  snapshot: Snapshot;
  /** Depth diffs that follow the snapshot (the first covers it), in order. */
  depth: DepthMsg[];
  /** Trades in order; `afterDepth[i]` = how many depth messages precede trade i in arrival order. */
  trades: TradeMsg[];
  afterDepth: Int32Array;
  /** bookTicker messages in order; `tickerAfterDepth[i]` as `afterDepth`. */
  tickers: BookTickerMsg[];
  tickerAfterDepth: Int32Array;
}

/** One kline row in Binance's REST layout. */
export type KlineRow = [number, string, string, string, string, string, number, string, number, string, string, string];

/** The first file of each shared capture: spot (about six minutes) and the USD-M perpetual (the same first 5.75 minutes). */
export const CAPTURE_FILES: Readonly<Record<FakeVenue, string>> = {
  spot: join(CAPTURE_DIR, 'btcusdt_20240808.gz'),
  usdm: join(SHARED_DATA, 'binance-l2-trades-hftbacktest-20240808', 'usdm', 'btcusdt_20240808.gz'),
};

const captures = new Map<FakeVenue, CaptureData>();
const klines = new Map<string, KlineRow[]>();

/** A shared capture's first file, parsed once: the REST snapshot, the diffs from it on, trades and bookTickers in arrival order. */
export function captureData(venue: FakeVenue = 'spot'): CaptureData {
  const hit = captures.get(venue);
  if (hit) return hit;
  const text = gunzipSync(readFileSync(CAPTURE_FILES[venue])).toString('utf8');
  let snapshot: Snapshot | null = null;
  const pre: DepthMsg[] = [];
  const depth: DepthMsg[] = [];
  const trades: TradeMsg[] = [];
  const after: number[] = [];
  const tickers: BookTickerMsg[] = [];
  const tickerAfter: number[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const msg = JSON.parse(line.slice(line.indexOf(' ') + 1)) as { stream?: string; data?: { e?: string } } & Partial<Snapshot>;
    if (msg.lastUpdateId !== undefined) {
      snapshot = msg as Snapshot;
      continue;
    }
    const data = msg.data;
    if (data?.e === 'depthUpdate') (snapshot ? depth : pre).push(data as DepthMsg);
    else if (data?.e === 'trade') {
      trades.push(data as TradeMsg);
      after.push(depth.length);
    } else if (msg.stream?.endsWith('@bookTicker') === true) {
      tickers.push(data as unknown as BookTickerMsg);
      tickerAfter.push(depth.length);
    }
  }
  if (!snapshot) throw new Error('capture has no snapshot');
  const L = snapshot.lastUpdateId;
  // The fake's book starts at the snapshot; the diffs it replays are those that end after it.
  const synced = [...pre, ...depth].filter((d) => d.u > L);
  const shift = synced.length - depth.length;
  const data: CaptureData = {
    venue,
    snapshot,
    depth: synced,
    trades,
    afterDepth: Int32Array.from(after, (a) => a + shift),
    tickers,
    tickerAfterDepth: Int32Array.from(tickerAfter, (a) => a + shift),
  };
  captures.set(venue, data);
  return data;
}

const fmt = (x: number, d = 8): string => x.toFixed(d);

/** Kline rows for an interval: 5m from the Aug 2024 dump (exact rows), 1m from the Dec 2024 file; others empty. */
export function klineRows(interval: string): KlineRow[] {
  const hit = klines.get(interval);
  if (hit) return hit;
  let rows: KlineRow[] = [];
  if (interval === '5m') {
    rows = readFileSync(KLINES_5M, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const c = l.split(',');
        return [Number(c[0]), c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, Number(c[6]), c[7]!, Number(c[8]), c[9]!, c[10]!, '0'];
      });
  } else if (interval === '1m') {
    const { bars } = loadKlines(KLINES_1M);
    for (let i = 0; i < bars.length; i++) {
      const t = bars.ts[i]! / 1000;
      rows.push([t, fmt(bars.open[i]!), fmt(bars.high[i]!), fmt(bars.low[i]!), fmt(bars.close[i]!), fmt(bars.volume[i]!), t + 59_999, '0', 0, '0', '0', '0']);
    }
  }
  klines.set(interval, rows);
  return rows;
}
