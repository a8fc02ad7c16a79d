// The bar backtest driver: bar cursor + bar-fill simulator + simulated clock around the trading core.
import { Rng, MICROS_PER_SECOND } from '../core/index.js';
import type { Bars } from '../market/index.js';
import { BarFeatureFrame, type BarFeatureParams } from '../features/index.js';
import { BarFillSim, BpsFees } from '../sim/index.js';
import type { Strategy } from '../strategy/index.js';
import type { TradingCore } from './trading-core.js';
import { TradingSession } from './trading-session.js';
import type { SessionSettings } from './trading-resolve.js';
import { Trace } from './trace.js';
import { barPnlSplit, computeMetrics, type Metrics } from './metrics.js';

export interface BarBacktestOptions {
  /** The session's settings (capital, reconcile, risk limits); a bar backtest decides once per bar whatever the timer says. */
  session: SessionSettings;
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
  /** Seconds spent building the session (features included) and in the replay loop; loading and metrics excluded. */
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
 *
 * The trading session is the one of every mode: at each bar's open the risk engine evaluates first
 * (equity as of the last close), so a loss limit that would halt live trading halts the backtest at
 * the same bar, and the gate applies the same rules as paper and live.
 */
export class BarSession {
  readonly session: TradingSession;
  readonly core: TradingCore;
  readonly sim: BarFillSim;
  /** The features of every bar, computed once at construction (see BarFeatureFrame). */
  readonly features: BarFeatureFrame;
  readonly trace: Trace;
  /** Copy trend, momentum and mean reversion into the view (the strategy reads them). */
  private readonly signals: boolean;
  private readonly resting = { bid: Number.NaN, ask: Number.NaN };
  /** Index of the next bar to play. */
  t = 0;
  private readonly barSeconds: number;

  /**
   * `frame`: the features of these bars under `opts.features`, when the caller already has them (runs
   * that share bars and feature parameters share one frame: it is read-only once built).
   */
  constructor(
    readonly bars: Bars,
    strategy: Strategy,
    readonly opts: Readonly<BarBacktestOptions>,
    frame?: BarFeatureFrame,
  ) {
    this.barSeconds = bars.intervalMicros / MICROS_PER_SECOND;
    this.sim = new BarFillSim({ touchFillProbability: opts.touchFillProbability }, new BpsFees(opts.makerFeeBps, 0), new Rng(opts.seed));
    this.session = new TradingSession(strategy, opts.session, { venue: this.sim });
    this.core = this.session.core;
    this.sim.connect(this.session.answers);
    this.features = frame ?? new BarFeatureFrame(bars, opts.features, this.barSeconds);
    this.signals = strategy.usesSignals === true;
    this.trace = new Trace(bars.length, { ts: bars.ts, mid: bars.close });
    this.core.view.start = bars.length > 0 ? bars.ts[0]! : 0;
  }

  get done(): boolean {
    return this.t >= this.bars.length;
  }

  /** Play bars until `end` (exclusive) or the last bar. */
  runUntil(end: number): void {
    const { ts, high, low, close } = this.bars;
    const core = this.core;
    const session = this.session;
    const view = core.view;
    const sim = this.sim;
    const trace = this.trace;
    const target = core.target;
    const f = this.features;
    const sigma = f.sigmaPerSecond;
    const kCol = f.intensityK;
    const warmFrom = f.warmBars - 1;
    const sig = this.signals ? f.signals() : undefined;
    const resting = this.resting;
    view.intensityA = f.intensityA;
    const stop = Math.min(end, this.bars.length);
    for (let t = this.t; t < stop; t++) {
      // The view holds what is known at the close of bar t − 1 (the core was marked there at the end
      // of the previous bar).
      if (t > 0) {
        const p = t - 1;
        view.sigma = sigma[p]!;
        view.intensityK = kCol[p]!;
        view.warm = p >= warmFrom;
        if (sig !== undefined) {
          view.trendStrength = sig.trendStrength[p]!;
          view.momentum = sig.momentum[p]!;
          view.meanReversion = sig.meanReversion[p]!;
        }
      }
      const tsT = ts[t]!;
      core.sampleIndex = t;
      // The bar that closed at tsT is the newest data: never stale.
      session.decide(tsT, tsT, true);
      core.restingQuote(resting);
      sim.matchBar(tsT, high[t]!, low[t]!);
      core.mark(close[t]!);
      trace.pushState(resting.bid, resting.ask, target.reservation, view.position, view.cash, view.equity, session.stateCode);
      // Bar by bar, not once after the loop: optimised code entered inside the loop (on-stack replacement)
      // would leave V8 no feedback for a read after it, and throw the code away at the end of every run.
      this.t = t + 1;
    }
  }

  metrics(): Metrics {
    const m = computeMetrics({
      trace: this.trace,
      fills: this.core.fills,
      portfolio: this.core.portfolio,
      sampleSeconds: this.barSeconds,
      counters: this.core.counters,
      maxOrdersPerSide: this.core.maxOrdersPerSide,
      gapThroughs: this.sim.gapThroughs,
      markoutHorizons: this.opts.markoutHorizons,
      risk: this.session.riskMetrics(this.t > 0 ? this.bars.ts[this.t - 1]! + this.bars.intervalMicros : this.core.view.start),
    });
    return { ...m, ...barPnlSplit(this.core.fills, this.trace.mid, this.trace.length, this.core.portfolio.spec, m) };
  }
}

export function runBarBacktest(bars: Bars, strategy: Strategy, opts: Readonly<BarBacktestOptions>): BarBacktestResult {
  const t0 = performance.now();
  const session = new BarSession(bars, strategy, opts);
  session.runUntil(bars.length);
  const engineSeconds = (performance.now() - t0) / 1000;
  return { trace: session.trace, core: session.core, metrics: session.metrics(), engineSeconds };
}
