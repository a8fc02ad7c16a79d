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
 * Causality, by construction: the quote resting during bar t is decided at the bar's open from a view
 * updated with bars ≤ t−1 only (features and mid = close of t−1). Bar t's high and low are seen by the
 * fill simulator only after the decision, and by the features only after the fills.
 * Trace row t: the quotes that rested during bar t and the state at its close (marked at close t).
 */
export function runBarBacktest(bars: Bars, strategy: Strategy, opts: Readonly<BarBacktestOptions>): BarBacktestResult {
  const n = bars.length;
  const barSeconds = bars.intervalMicros / MICROS_PER_SECOND;
  const core = new TradingCore(strategy, opts.core);
  const sim = new BarFillSim({ touchFillProbability: opts.touchFillProbability }, new BpsFees(opts.makerFeeBps, 0), new Rng(opts.seed));
  sim.connect(core);
  core.connect(sim);
  const features = new BarFeatures(opts.features, barSeconds);
  const fv = features.values;
  const trace = new Trace(n);
  const view = core.view;
  const { ts, high, low, close } = bars;
  view.start = n > 0 ? ts[0]! : 0;

  const t0 = performance.now();
  for (let t = 0; t < n; t++) {
    if (t > 0) {
      view.sigma = fv.sigmaPerSecond;
      view.intensityA = fv.intensityA;
      view.intensityK = fv.intensityK;
      view.trendStrength = fv.trendStrength;
      view.momentum = fv.momentum;
      view.meanReversion = fv.meanReversion;
      view.warm = features.warm;
      core.mark(close[t - 1]!);
    }
    core.sampleIndex = t;
    core.decide(ts[t]!);
    const bid = core.restingPrice(1);
    const ask = core.restingPrice(-1);
    sim.matchBar(ts[t]!, high[t]!, low[t]!);
    features.update(high[t]!, low[t]!, close[t]!);
    core.mark(close[t]!);
    trace.push(ts[t]!, close[t]!, bid, ask, core.target.reservation, view.position, view.cash, view.equity);
  }
  const engineSeconds = (performance.now() - t0) / 1000;

  const metrics = computeMetrics({
    trace,
    fills: core.fills,
    portfolio: core.portfolio,
    sampleSeconds: barSeconds,
    counters: core.counters,
    markoutHorizons: opts.markoutHorizons,
  });
  return { trace, core, metrics, engineSeconds };
}
