// Bars (OHLCV) as struct-of-arrays typed columns: what klines load into and the bar engine replays.
import type { Micros } from '../core/index.js';

export interface Bars {
  readonly length: number;
  /** Open time of each bar, epoch µs. */
  readonly ts: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  /** Base-asset volume. */
  readonly volume: Float64Array;
  /** Bar length in µs (the spacing of `ts`). */
  readonly intervalMicros: Micros;
}

export function allocBars(length: number, intervalMicros: Micros): Bars {
  return {
    length,
    ts: new Float64Array(length),
    open: new Float64Array(length),
    high: new Float64Array(length),
    low: new Float64Array(length),
    close: new Float64Array(length),
    volume: new Float64Array(length),
    intervalMicros,
  };
}

/** A view of bars [from, to) sharing memory with the source. */
export function sliceBars(bars: Bars, from: number, to: number): Bars {
  return {
    length: to - from,
    ts: bars.ts.subarray(from, to),
    open: bars.open.subarray(from, to),
    high: bars.high.subarray(from, to),
    low: bars.low.subarray(from, to),
    close: bars.close.subarray(from, to),
    volume: bars.volume.subarray(from, to),
    intervalMicros: bars.intervalMicros,
  };
}

/** A deep copy (tests mutate copies to prove causality). */
export function cloneBars(bars: Bars): Bars {
  return {
    length: bars.length,
    ts: bars.ts.slice(),
    open: bars.open.slice(),
    high: bars.high.slice(),
    low: bars.low.slice(),
    close: bars.close.slice(),
    volume: bars.volume.slice(),
    intervalMicros: bars.intervalMicros,
  };
}

/** Index of the first bar whose OHLC is inconsistent (low > min(open,close) or high < max(open,close)), or -1. */
export function firstInconsistentBar(bars: Bars): number {
  for (let i = 0; i < bars.length; i++) {
    const o = bars.open[i]!;
    const h = bars.high[i]!;
    const l = bars.low[i]!;
    const c = bars.close[i]!;
    if (!(l <= o && l <= c && h >= o && h >= c && l > 0)) return i;
  }
  return -1;
}

/**
 * Aggregate bars into bars `factor` times longer, aligned on multiples of the new interval
 * (so 1m bars become the exchange's own 5m bars). Partial buckets at the edges are kept.
 */
export function resampleBars(bars: Bars, factor: number): Bars {
  const interval = bars.intervalMicros * factor;
  const out = allocBars(Math.ceil(bars.length / factor) + 1, interval);
  let n = -1;
  let bucket = Number.NaN;
  for (let i = 0; i < bars.length; i++) {
    const b = Math.floor(bars.ts[i]! / interval) * interval;
    if (b !== bucket) {
      n++;
      bucket = b;
      out.ts[n] = b;
      out.open[n] = bars.open[i]!;
      out.high[n] = bars.high[i]!;
      out.low[n] = bars.low[i]!;
      out.volume[n] = 0;
    }
    if (bars.high[i]! > out.high[n]!) out.high[n] = bars.high[i]!;
    if (bars.low[i]! < out.low[n]!) out.low[n] = bars.low[i]!;
    out.close[n] = bars.close[i]!;
    out.volume[n] = out.volume[n]! + bars.volume[i]!;
  }
  return sliceBars(out, 0, n + 1);
}
