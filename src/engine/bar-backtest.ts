// The bar backtest driver: bar cursor + bar-fill simulator + simulated clock around the trading core.
import { Rng, MICROS_PER_SECOND } from '../core/index.js';
import type { Bars } from '../market/index.js';
import { BarFeatures, type BarFeatureParams } from '../features/index.js';
import { BarFillSim, BpsFees } from '../sim/index.js';
import type { Strategy } from '../strategy/index.js';
import { TradingCore, type CoreOptions } from './trading-core.js';
import { Trace } from './trace.js';
import { computeMetrics, type Metrics } from './metrics.js';

export interface BarBacktestOptions {
  core: CoreOptions;
  features: BarFeatureParams;
  makerFeeBps: number;
  touchFillProbability: number;
  seed: number;
  markoutHorizons: readonly number[];
}

export interface BarBacktestResult {
  trace: Trace;
  core: TradingCore;
  metrics: Metrics;
  /** Seconds spent in the replay loop (loading and metrics excluded). */
  engineSeconds: number;
}

/**
 * A bar backtest that can be advanced bar by bar (the RL environment steps it; `runBarBacktest` runs
 * it to the end).
 *
 * Causality, by construction: the quote resting during bar t is decided at the bar's open from a view
 * updated with bars ≤ t−1 only (features and mid = close of t−1). Bar t's high and low are seen by the
 * fill simulator only after the decision, and by the features only after the fills.
 * Trace row t: the quotes that rested during bar t and the state at its close (marked at close t).
 */
export class BarSession {
  readonly core: TradingCore;
  readonly sim: BarFillSim;
  readonly features: BarFeatures;
  readonly trace: Trace;
  /** Index of the next bar to play. */
  t = 0;
  private readonly barSeconds: number;

  constructor(
    readonly bars: Bars,
    strategy: Strategy,
    readonly opts: Readonly<BarBacktestOptions>,
  ) {
    this.barSeconds = bars.intervalMicros / MICROS_PER_SECOND;
    this.core = new TradingCore(strategy, opts.core);
    this.sim = new BarFillSim({ touchFillProbability: opts.touchFillProbability }, new BpsFees(opts.makerFeeBps, 0), new Rng(opts.seed));
    this.sim.connect(this.core);
    this.core.connect(this.sim);
    this.features = new BarFeatures(opts.features, this.barSeconds);
    this.trace = new Trace(bars.length);
    this.core.view.start = bars.length > 0 ? bars.ts[0]! : 0;
  }

  get done(): boolean {
    return this.t >= this.bars.length;
  }

  /** Play bars until `end` (exclusive) or the last bar. */
  runUntil(end: number): void {
    const { ts, high, low, close } = this.bars;
    const core = this.core;
    const view = core.view;
    const fv = this.features.values;
    const stop = Math.min(end, this.bars.length);
    for (let t = this.t; t < stop; t++) {
      if (t > 0) {
        view.sigma = fv.sigmaPerSecond;
        view.intensityA = fv.intensityA;
        view.intensityK = fv.intensityK;
        view.trendStrength = fv.trendStrength;
        view.momentum = fv.momentum;
        view.meanReversion = fv.meanReversion;
        view.warm = this.features.warm;
        core.mark(close[t - 1]!);
      }
      core.sampleIndex = t;
      core.decide(ts[t]!);
      const bid = core.restingPrice(1);
      const ask = core.restingPrice(-1);
      this.sim.matchBar(ts[t]!, high[t]!, low[t]!);
      this.features.update(high[t]!, low[t]!, close[t]!);
      core.mark(close[t]!);
      this.trace.push(ts[t]!, close[t]!, bid, ask, core.target.reservation, view.position, view.cash, view.equity);
    }
    if (stop > this.t) this.t = stop;
  }

  metrics(): Metrics {
    return computeMetrics({
      trace: this.trace,
      fills: this.core.fills,
      portfolio: this.core.portfolio,
      sampleSeconds: this.barSeconds,
      counters: this.core.counters,
      gapThroughs: this.sim.gapThroughs,
      markoutHorizons: this.opts.markoutHorizons,
    });
  }
}

export function runBarBacktest(bars: Bars, strategy: Strategy, opts: Readonly<BarBacktestOptions>): BarBacktestResult {
  const session = new BarSession(bars, strategy, opts);
  const t0 = performance.now();
  session.runUntil(bars.length);
  const engineSeconds = (performance.now() - t0) / 1000;
  return { trace: session.trace, core: session.core, metrics: session.metrics(), engineSeconds };
}
