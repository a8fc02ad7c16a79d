// Kline CSV files to typed-array Bars: Binance's 12-column dump, our headed OHLCV CSV, and close-time files.
import { readFileSync, statSync } from 'node:fs';
import { UserError, msToMicros } from '../core/index.js';
import { type Bars, allocBars, sliceBars } from '../market/index.js';
import { parseIsoMillis, parseNumber } from './text-scan.js';

export type KlineFormat = 'binance' | 'headed';

export interface KlineLoad {
  bars: Bars;
  format: KlineFormat;
  /** Number of missing bars between consecutive rows (spacing larger than the interval). */
  gaps: number;
  path: string;
}

const TIME_COLUMNS = ['timestamp', 'open_time', 'time', 'date', 'datetime'];
const CLOSE_TIME_COLUMNS = ['close_datetime', 'close_time'];

/**
 * Load klines. Accepted layouts:
 * - Binance public dump: 12 columns, no header; open time in ms (or µs, as in dumps since 2025).
 * - A header with `timestamp` (or open_time/time/date/datetime) and open, high, low, close, volume;
 *   times in epoch ms or ISO-8601.
 * - A header with a close time (`close_datetime`/`close_time`) and no open time: the open time is
 *   close time + 1 ms − interval (Binance closes a bar at open + interval − 1 ms).
 * Rows must be in time order; bars must be consistent (low ≤ open, close ≤ high). A bad row is a
 * UserError naming the file, line and field.
 */
export function loadKlines(path: string): KlineLoad {
  let buf: Buffer;
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
    buf = readFileSync(path);
  } catch {
    throw new UserError(`--data: cannot read file ${path}`);
  }
  return parseKlines(buf, path);
}

export function parseKlines(buf: Uint8Array, path = '<input>'): KlineLoad {
  // Column positions.
  let lineStart = 0;
  const firstEnd = indexOfByte(buf, 10, 0);
  const firstLine = Buffer.from(buf.buffer, buf.byteOffset, firstEnd < 0 ? buf.length : firstEnd).toString('utf8').replace(/\r$/, '');
  const firstCells = firstLine.split(',').map((c) => c.trim().replace(/^"|"$/g, '').toLowerCase());
  const headed = firstCells.length > 0 && Number.isNaN(Number(firstCells[0])) && firstCells[0] !== '';
  let cTime = 0;
  let timeIsClose = false;
  let cOpen = 1;
  let cHigh = 2;
  let cLow = 3;
  let cClose = 4;
  let cVol = 5;
  let minCols = 12;
  if (headed) {
    const find = (names: readonly string[]): number => {
      for (const n of names) {
        const i = firstCells.indexOf(n);
        if (i >= 0) return i;
      }
      return -1;
    };
    cOpen = find(['open']);
    cHigh = find(['high']);
    cLow = find(['low']);
    cClose = find(['close']);
    cVol = find(['volume']);
    cTime = find(TIME_COLUMNS);
    if (cTime < 0) {
      cTime = find(CLOSE_TIME_COLUMNS);
      timeIsClose = cTime >= 0;
    }
    const missing = [
      ['timestamp', cTime],
      ['open', cOpen],
      ['high', cHigh],
      ['low', cLow],
      ['close', cClose],
      ['volume', cVol],
    ].filter(([, i]) => (i as number) < 0);
    if (missing.length > 0) {
      throw new UserError(`${path}: header lacks column(s) ${missing.map(([n]) => n).join(', ')} (expected timestamp,open,high,low,close,volume)`);
    }
    minCols = Math.max(cTime, cOpen, cHigh, cLow, cClose, cVol) + 1;
    lineStart = firstEnd < 0 ? buf.length : firstEnd + 1;
  }

  // Upper bound on rows: count newlines.
  let lines = 1;
  for (let i = 0; i < buf.length; i++) if (buf[i] === 10) lines++;
  const bars = allocBars(lines, 0);
  const fieldStart = new Int32Array(Math.max(minCols, 12) + 1);
  const fieldEnd = new Int32Array(Math.max(minCols, 12) + 1);
  let n = 0;
  let lineNo = headed ? 1 : 0;
  let pos = lineStart;
  while (pos < buf.length) {
    let end = indexOfByte(buf, 10, pos);
    if (end < 0) end = buf.length;
    lineNo++;
    let e = end;
    if (e > pos && buf[e - 1] === 13) e--;
    if (e > pos) {
      // Split fields.
      let f = 0;
      let s = pos;
      for (let i = pos; i <= e && f < fieldStart.length; i++) {
        if (i === e || buf[i] === 44) {
          fieldStart[f] = s;
          fieldEnd[f] = i;
          f++;
          s = i + 1;
        }
      }
      if (f < minCols) {
        throw new UserError(`${path}:${lineNo}: expected ${minCols} columns, found ${f}`);
      }
      const tField = parseNumber(buf, fieldStart[cTime]!, fieldEnd[cTime]!);
      let tMs = tField;
      if (Number.isNaN(tField)) tMs = parseIsoMillis(buf, fieldStart[cTime]!, fieldEnd[cTime]!);
      else if (tField > 1e14) tMs = tField / 1000; // µs timestamps
      else if (tField < 1e11) tMs = tField * 1000; // seconds
      if (!Number.isFinite(tMs)) throw new UserError(`${path}:${lineNo}: column ${cTime + 1} (time): expected epoch ms or ISO-8601`);
      const o = parseNumber(buf, fieldStart[cOpen]!, fieldEnd[cOpen]!);
      const h = parseNumber(buf, fieldStart[cHigh]!, fieldEnd[cHigh]!);
      const l = parseNumber(buf, fieldStart[cLow]!, fieldEnd[cLow]!);
      const c = parseNumber(buf, fieldStart[cClose]!, fieldEnd[cClose]!);
      const v = parseNumber(buf, fieldStart[cVol]!, fieldEnd[cVol]!);
      if (!(o > 0)) throw new UserError(`${path}:${lineNo}: open: expected a positive number`);
      if (!(h > 0)) throw new UserError(`${path}:${lineNo}: high: expected a positive number`);
      if (!(l > 0)) throw new UserError(`${path}:${lineNo}: low: expected a positive number`);
      if (!(c > 0)) throw new UserError(`${path}:${lineNo}: close: expected a positive number`);
      if (!(v >= 0)) throw new UserError(`${path}:${lineNo}: volume: expected a number >= 0`);
      if (l > o || l > c || h < o || h < c) throw new UserError(`${path}:${lineNo}: inconsistent bar (need low <= open, close <= high)`);
      if (n > 0 && !(tMs * 1000 > bars.ts[n - 1]!)) throw new UserError(`${path}:${lineNo}: time does not increase`);
      bars.ts[n] = msToMicros(tMs);
      bars.open[n] = o;
      bars.high[n] = h;
      bars.low[n] = l;
      bars.close[n] = c;
      bars.volume[n] = v;
      n++;
    }
    pos = end + 1;
  }
  if (n < 2) throw new UserError(`${path}: expected at least 2 bars, found ${n}`);

  // Interval: the most common spacing (robust to gaps).
  const interval = modeSpacing(bars.ts, n);
  let gaps = 0;
  for (let i = 1; i < n; i++) {
    const d = bars.ts[i]! - bars.ts[i - 1]!;
    if (d > interval * 1.5) gaps += Math.round(d / interval) - 1;
  }
  if (timeIsClose) {
    // close time + 1 ms − interval = open time
    for (let i = 0; i < n; i++) bars.ts[i] = Math.round((bars.ts[i]! + 1000 - interval) / 1000) * 1000;
  }
  const out = sliceBars({ ...bars, intervalMicros: interval }, 0, n);
  return { bars: out, format: headed ? 'headed' : 'binance', gaps, path };
}

function modeSpacing(ts: Float64Array, n: number): number {
  const counts = new Map<number, number>();
  const step = Math.max(1, Math.floor(n / 2000));
  for (let i = 1; i < n; i += step) {
    const d = Math.round((ts[i]! - ts[i - 1]!) / 1000) * 1000;
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best = 0;
  let bestCount = -1;
  for (const [d, c] of counts) if (c > bestCount || (c === bestCount && d < best)) [best, bestCount] = [d, c];
  return best;
}

function indexOfByte(buf: Uint8Array, byte: number, from: number): number {
  return buf.indexOf(byte, from);
}
