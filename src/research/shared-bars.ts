// Bars in one SharedArrayBuffer: sent to worker threads without copying, or as bytes to remote workers.
import { allocBars, type Bars } from '../market/index.js';

export interface SharedBars {
  length: number;
  intervalMicros: number;
  /** ts, open, high, low, close, volume: `length` doubles each, in that order. */
  buffer: SharedArrayBuffer;
}

const COLUMNS = ['ts', 'open', 'high', 'low', 'close', 'volume'] as const;

export function toShared(bars: Bars): SharedBars {
  const n = bars.length;
  const buffer = new SharedArrayBuffer(n * 8 * COLUMNS.length);
  COLUMNS.forEach((c, i) => new Float64Array(buffer, i * n * 8, n).set(bars[c]));
  return { length: n, intervalMicros: bars.intervalMicros, buffer };
}

export function fromShared(s: SharedBars): Bars {
  const n = s.length;
  const col = (i: number): Float64Array => new Float64Array(s.buffer, i * n * 8, n);
  return { length: n, intervalMicros: s.intervalMicros, ts: col(0), open: col(1), high: col(2), low: col(3), close: col(4), volume: col(5) };
}

/** Bars as bytes (little-endian doubles, columns in order): the form stored on Redis for remote workers. */
export function barsToBytes(bars: Bars): Buffer {
  const n = bars.length;
  const out = new Float64Array(n * COLUMNS.length);
  COLUMNS.forEach((c, i) => out.set(bars[c], i * n));
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

export function barsFromBytes(bytes: Uint8Array, length: number, intervalMicros: number): Bars {
  const copy = new Float64Array(length * COLUMNS.length);
  new Uint8Array(copy.buffer).set(bytes.subarray(0, copy.byteLength));
  const b = allocBars(0, intervalMicros);
  const col = (i: number): Float64Array => copy.subarray(i * length, (i + 1) * length);
  return { ...b, length, ts: col(0), open: col(1), high: col(2), low: col(3), close: col(4), volume: col(5) };
}
