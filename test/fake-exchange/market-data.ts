// The real data a fake venue serves: the Binance capture (depth diffs, trades, snapshot) and kline files, loaded once per process.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { CAPTURE_DIR, KLINES_1M, KLINES_5M } from '../fixtures/shared-data.js';
import { loadKlines } from '../../src/data/index.js';

export type Level = [string, string];

export interface DepthMsg {
  e: 'depthUpdate';
  E: number;
  s: string;
  U: number;
  u: number;
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
  M: boolean;
}

export interface Snapshot {
  lastUpdateId: number;
  bids: Level[];
  asks: Level[];
}

export interface CaptureData {
  snapshot: Snapshot;
  /** Depth diffs that follow the snapshot (the first covers lastUpdateId + 1), in order. */
  depth: DepthMsg[];
  /** Trades in order; `afterDepth[i]` = how many depth messages precede trade i in arrival order. */
  trades: TradeMsg[];
  afterDepth: Int32Array;
}

/** One kline row in Binance's REST layout. */
export type KlineRow = [number, string, string, string, string, string, number, string, number, string, string, string];

let capture: CaptureData | null = null;
const klines = new Map<string, KlineRow[]>();

/** The first file of the shared capture (about six minutes), parsed once. */
export function captureData(): CaptureData {
  if (capture) return capture;
  const text = gunzipSync(readFileSync(join(CAPTURE_DIR, 'btcusdt_20240808.gz'))).toString('utf8');
  let snapshot: Snapshot | null = null;
  const pre: DepthMsg[] = [];
  const depth: DepthMsg[] = [];
  const trades: TradeMsg[] = [];
  const after: number[] = [];
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
    }
  }
  if (!snapshot) throw new Error('capture has no snapshot');
  const L = snapshot.lastUpdateId;
  const synced = [...pre, ...depth].filter((d) => d.u > L);
  capture = { snapshot, depth: synced, trades, afterDepth: Int32Array.from(after, (a) => a + (synced.length - depth.length)) };
  return capture;
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
