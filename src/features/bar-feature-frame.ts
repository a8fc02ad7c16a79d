// Bar features of a whole series at once, as columns: what a bar backtest reads at each decision.
import { float64Columns } from '../core/index.js';
import { EwmaVolatility, RollingVolatility } from './volatility.js';
import { RollingSignals } from './signals.js';
import { BarIntensity } from './intensity.js';
import type { BarFeatureParams } from './bar-features.js';

export interface BarColumns {
  readonly length: number;
  readonly high: ArrayLike<number>;
  readonly low: ArrayLike<number>;
  readonly close: ArrayLike<number>;
}

/**
 * Entry t of every column is the value `BarFeatures` holds after `update(bar t)`: known at the close
 * of bar t, computed from bars 0..t only. A driver deciding at the open of bar t reads entry t − 1.
 *
 * Why columns: a backtest knows its bars in advance, and the features depend on the bars only (never
 * on our orders), so each estimator runs once over the series in its own tight loop instead of all of
 * them being interleaved with the order path bar by bar. The estimators are the same classes as
 * `BarFeatures` (one definition of the maths; a test checks both give identical values). Columns no
 * strategy asked for are not computed: the signals on first use of `signals()`, the rolling σ only
 * when it is the chosen estimator.
 */
export class BarFeatureFrame {
  readonly length: number;
  /** The chosen σ, price units per √second (NaN until estimated). */
  readonly sigmaPerSecond: Float64Array;
  /** The chosen σ, price units per bar. */
  readonly volPerBar: Float64Array;
  /** Intensity decay k, per price unit (NaN until estimated). */
  readonly intensityK: Float64Array;
  /** Intensity A per second (constant in bar mode: 1 / bar seconds). */
  readonly intensityA: number;
  /** Bars that must have closed before the estimators are warm (`BarFeatures.warm`). */
  readonly warmBars: number;
  private signalColumns: { trendStrength: Float64Array; momentum: Float64Array; meanReversion: Float64Array } | undefined;

  constructor(
    readonly bars: BarColumns,
    readonly params: Readonly<BarFeatureParams>,
    readonly barSeconds: number,
  ) {
    const n = bars.length;
    const { high, low, close } = bars;
    this.length = n;
    [this.volPerBar, this.sigmaPerSecond, this.intensityK] = float64Columns(3, n) as [Float64Array, Float64Array, Float64Array];

    const vol = this.volPerBar;
    if (params.volEstimator === 'rolling') {
      const est = new RollingVolatility(params.volWindow);
      for (let t = 0; t < n; t++) {
        est.update(close[t]!);
        vol[t] = est.perBar();
      }
    } else {
      const est = new EwmaVolatility(params.ewmaHalfLife);
      for (let t = 0; t < n; t++) {
        est.update(close[t]!);
        vol[t] = est.perBar();
      }
    }
    const sigma = this.sigmaPerSecond;
    const sqrtBar = Math.sqrt(barSeconds); // as perSecond(), hoisted out of the loop
    for (let t = 0; t < n; t++) sigma[t] = vol[t]! / sqrtBar;

    const intensity = new BarIntensity(params.intensityWindow, barSeconds);
    intensity.updateMany(high, low, close, 0, n, this.intensityK);
    this.intensityA = intensity.A();

    // BarFeatures.warm: full signal window (signalWindow changes), min(volWindow, 10) changes in the
    // rolling σ, 16 excursions (two per change, held in a ring of 2 × intensityWindow).
    const changes = Math.max(params.signalWindow, Math.min(params.volWindow, 10), 8);
    this.warmBars = 2 * params.intensityWindow >= 16 ? changes + 1 : Number.POSITIVE_INFINITY;
  }

  /** True once bar t has closed with every estimator warm. */
  warmAt(t: number): boolean {
    return t + 1 >= this.warmBars;
  }

  /** Trend strength, momentum and mean reversion columns (`RollingSignals`), computed on first use. */
  signals(): { readonly trendStrength: Float64Array; readonly momentum: Float64Array; readonly meanReversion: Float64Array } {
    if (this.signalColumns !== undefined) return this.signalColumns;
    const n = this.length;
    const close = this.bars.close;
    const est = new RollingSignals(this.params.signalWindow);
    const [trendStrength, momentum, meanReversion] = float64Columns(3, n) as [Float64Array, Float64Array, Float64Array];
    const cols = { trendStrength, momentum, meanReversion };
    for (let t = 0; t < n; t++) {
      est.update(close[t]!);
      cols.trendStrength[t] = est.trendStrength;
      cols.momentum[t] = est.momentum;
      cols.meanReversion[t] = est.meanReversion;
    }
    this.signalColumns = cols;
    return cols;
  }
}
