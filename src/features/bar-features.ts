// All bar features in one place: updated at each bar close, read by strategies at the next decision.
import { EwmaVolatility, RollingVolatility, perSecond } from './volatility.js';
import { RollingSignals } from './signals.js';
import { BarIntensity } from './intensity.js';

export interface BarFeatureParams {
  /** Window of the rolling volatility, bars. */
  volWindow: number;
  /** Half-life of the EWMA volatility, bars. */
  ewmaHalfLife: number;
  /** Which σ the models use. */
  volEstimator: 'rolling' | 'ewma';
  /** Window of trend, momentum and mean-reversion signals, bars. */
  signalWindow: number;
  /** Window of the excursion-based intensity estimate, bars. */
  intensityWindow: number;
}

export const defaultBarFeatureParams: BarFeatureParams = {
  volWindow: 60,
  ewmaHalfLife: 30,
  volEstimator: 'ewma',
  signalWindow: 30,
  intensityWindow: 240,
};

/** Feature values known at the close of the last bar given to `update`. */
export interface BarFeatureValues {
  /** Bars seen. */
  bars: number;
  lastClose: number;
  /** σ per bar (price units) of the rolling and EWMA estimators. */
  volRollingPerBar: number;
  volEwmaPerBar: number;
  /** The chosen σ per √second. */
  sigmaPerSecond: number;
  trendStrength: number;
  momentum: number;
  meanReversion: number;
  intensityK: number;
  intensityA: number;
}

export class BarFeatures {
  readonly values: BarFeatureValues;
  private readonly rolling: RollingVolatility;
  private readonly ewma: EwmaVolatility;
  private readonly signals: RollingSignals;
  private readonly intensity: BarIntensity;

  constructor(
    readonly params: BarFeatureParams,
    readonly barSeconds: number,
  ) {
    this.rolling = new RollingVolatility(params.volWindow);
    this.ewma = new EwmaVolatility(params.ewmaHalfLife);
    this.signals = new RollingSignals(params.signalWindow);
    this.intensity = new BarIntensity(params.intensityWindow, barSeconds);
    this.values = {
      bars: 0,
      lastClose: Number.NaN,
      volRollingPerBar: Number.NaN,
      volEwmaPerBar: Number.NaN,
      sigmaPerSecond: Number.NaN,
      trendStrength: Number.NaN,
      momentum: Number.NaN,
      meanReversion: Number.NaN,
      intensityK: Number.NaN,
      intensityA: Number.NaN,
    };
  }

  /** Feed one closed bar. */
  update(high: number, low: number, close: number): void {
    this.rolling.update(close);
    this.ewma.update(close);
    this.signals.update(close);
    this.intensity.update(high, low, close);
    const v = this.values;
    v.bars++;
    v.lastClose = close;
    v.volRollingPerBar = this.rolling.perBar();
    v.volEwmaPerBar = this.ewma.perBar();
    const chosen = this.params.volEstimator === 'rolling' ? v.volRollingPerBar : v.volEwmaPerBar;
    v.sigmaPerSecond = perSecond(chosen, this.barSeconds);
    v.trendStrength = this.signals.trendStrength;
    v.momentum = this.signals.momentum;
    v.meanReversion = this.signals.meanReversion;
    v.intensityK = this.intensity.k();
    v.intensityA = this.intensity.A();
  }

  /** True once every estimator has a full window. */
  get warm(): boolean {
    return this.signals.ready && this.rolling.samples >= Math.min(this.params.volWindow, 10) && this.intensity.samples >= 16;
  }
}
