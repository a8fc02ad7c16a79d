// The market data frame the data agent produces: OHLCV, spread and causal features as typed columns, and its CSV.
import { type Bars, decimalsOf } from '../market/index.js';
import type { BarFeatureParams } from '../features/index.js';

/** Plain data (structured-clone safe): it crosses worker threads as is. */
export interface MarketFrame {
  symbol: string;
  tickSize: number;
  lotSize: number;
  barSeconds: number;
  /** Where the bars came from (kind, path or seed, rows, gaps). */
  source: Record<string, string | number | boolean>;
  /** The feature parameters the columns below were computed with. */
  features: BarFeatureParams;
  /** Bar open time, epoch µs. */
  ts: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  /** Corwin–Schultz spread estimate over bars t−1 and t, price units. */
  spread: Float64Array;
  /** σ per bar in price units at the close of t (the configured estimator). */
  volatility: Float64Array;
  trendStrength: Float64Array;
  momentum: Float64Array;
  meanReversion: Float64Array;
}

export const FRAME_COLUMNS = 'ts,open,high,low,close,volume,spread,volatility,trend_strength,momentum,mean_reversion';

/** The frame's OHLCV as engine Bars over rows [from, to) (shares memory). */
export function frameBars(f: MarketFrame, from = 0, to = f.ts.length): Bars {
  return {
    length: to - from,
    ts: f.ts.subarray(from, to),
    open: f.open.subarray(from, to),
    high: f.high.subarray(from, to),
    low: f.low.subarray(from, to),
    close: f.close.subarray(from, to),
    volume: f.volume.subarray(from, to),
    intervalMicros: f.barSeconds * 1e6,
  };
}

const fixed = (x: number, d: number): string => (Number.isFinite(x) ? x.toFixed(d) : '');
/** 12 significant digits: stable text, no float noise in the last places. */
const sig = (x: number): string => (Number.isFinite(x) ? String(Number(x.toPrecision(12))) : '');

/** CSV with header FRAME_COLUMNS; ts in epoch ms; a feature is empty while its window warms up. */
export function frameCsv(f: MarketFrame): string {
  const pd = decimalsOf(f.tickSize);
  const rows: string[] = [FRAME_COLUMNS];
  for (let i = 0; i < f.ts.length; i++) {
    rows.push(
      `${Math.floor(f.ts[i]! / 1000)},${fixed(f.open[i]!, pd)},${fixed(f.high[i]!, pd)},${fixed(f.low[i]!, pd)},${fixed(f.close[i]!, pd)},${sig(f.volume[i]!)},${sig(f.spread[i]!)},${sig(f.volatility[i]!)},${sig(f.trendStrength[i]!)},${sig(f.momentum[i]!)},${sig(f.meanReversion[i]!)}`,
    );
  }
  return rows.join('\n') + '\n';
}
