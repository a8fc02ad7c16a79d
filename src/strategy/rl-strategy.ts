// The RL strategy: at each decision interval a learned policy reads causal state and retunes the wrapped AS / GLFT quoting.
import type { Instrument } from '../market/index.js';
import {
  type ActionDim,
  type PolicyNet,
  type RlPolicy,
  type StateFeature,
  STATE_FEATURES,
  policyNet,
} from '../models/index.js';
import { QuotingStrategy, type QuotingParams } from './quoting-strategy.js';
import { type MarketView, type QuoteTarget, type SignalBars, type Strategy, clearTarget, defaultSignalBars } from './strategy.js';

const MICROS_PER_DAY = 86_400e6;

/** What the strategy needs to know about the policy's state and action spaces (the policy file's definitions). */
export interface RlSpec {
  features: readonly StateFeature[];
  /** Relative σ per √second at which the volatility feature is 0. */
  sigmaRef: number;
  dims: readonly ActionDim[];
  decisionSeconds: number;
  /** The bars the trend / momentum / mean-reversion features were trained on (policy `state.signals`). */
  signalBars?: SignalBars;
}

export function specOf(p: Readonly<RlPolicy>): RlSpec {
  const sb = p.state.signals;
  return {
    features: p.state.features,
    sigmaRef: p.state.sigma_ref,
    dims: p.action.dims,
    decisionSeconds: p.action.decision_seconds,
    signalBars: sb ? { seconds: sb.bar_seconds, window: sb.window } : defaultSignalBars,
  };
}

/** The wrapped model's quoting parameters, with the model, γ and horizon taken from the policy. */
export function rlQuotingParams(p: Readonly<RlPolicy>, q: Readonly<QuotingParams>): QuotingParams {
  return { ...q, model: p.base.model, gamma: p.base.gamma, horizon: p.base.horizon, horizonSeconds: p.base.horizon_seconds };
}

const clip = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);

/** Feature names as indices into STATE_FEATURES (a string switch per decision is measurably slow). */
export function featureCodes(features: readonly StateFeature[]): Uint8Array {
  return Uint8Array.from(features, (f) => STATE_FEATURES.indexOf(f));
}

/** Write the state vector for `view` into `out` (NaN inputs become 0, the feature's neutral value). */
export function buildState(view: Readonly<MarketView>, spec: Readonly<RlSpec>, maxInventoryQty: number, out: Float64Array): void {
  buildStateCoded(view, featureCodes(spec.features), spec.sigmaRef, maxInventoryQty, out);
}

function buildStateCoded(view: Readonly<MarketView>, codes: Uint8Array, sigmaRef: number, maxInventoryQty: number, out: Float64Array): void {
  let phase = Number.NaN; // UTC time of day in radians, computed once
  for (let i = 0; i < codes.length; i++) {
    let x: number;
    switch (codes[i]!) {
      case 0: // inventory
        x = clip(view.position / maxInventoryQty, -1, 1);
        break;
      case 1: // volatility
        x = 0.5 * clip(Math.log(view.sigma / view.mid / sigmaRef), -3, 3);
        break;
      case 2: // trend
        x = 2 * view.trendStrength - 1;
        break;
      case 3: // momentum
        x = view.momentum / (2 + Math.abs(view.momentum)); // softsign(momentum / 2)
        break;
      case 4: // signed_trend
        x = view.momentum > 0 ? view.trendStrength : view.momentum < 0 ? -view.trendStrength : 0;
        break;
      case 5: // mean_reversion
        x = clip(view.meanReversion, -1, 1);
        break;
      case 6: // order_flow
        x = clip(view.orderFlowImbalance, -1, 1);
        break;
      case 7: // time_of_day_sin
        if (phase !== phase) phase = ((2 * Math.PI) / MICROS_PER_DAY) * (view.now % MICROS_PER_DAY);
        x = Math.sin(phase);
        break;
      default: // time_of_day_cos
        if (phase !== phase) phase = ((2 * Math.PI) / MICROS_PER_DAY) * (view.now % MICROS_PER_DAY);
        x = Math.cos(phase);
        break;
    }
    out[i] = x === x ? x : 0;
  }
}

/**
 * Every `decisionSeconds` of the driver's clock: build the state from the view, let the policy pick an
 * action u ∈ (−1, 1)^A, and set the wrapped `QuotingStrategy`'s adjustments (γ multiplier, spread
 * multiplier, skew) from it; between decisions the action is held. Without a policy (`net` null) the
 * action comes from outside (`setAction`, used by the RL environment). Deterministic: no clock of its
 * own, no chance. `paused` quotes nothing (the environment's warm-up).
 */
export class RlStrategy implements Strategy {
  readonly name = 'rl';
  /** True when a state feature is built from the trend / momentum / mean-reversion signals. */
  readonly usesSignals: boolean;
  readonly signalBars: SignalBars;
  readonly inner: QuotingStrategy;
  readonly state: Float64Array;
  readonly action: Float64Array;
  paused = false;
  /** Decisions taken so far. */
  decisions = 0;
  private nextDecisionAt = Number.NEGATIVE_INFINITY;
  private readonly intervalMicros: number;
  private readonly gammaIdx: number;
  private readonly spreadIdx: number;
  private readonly skewIdx: number;
  private readonly codes: Uint8Array;
  // value = isLog ? exp(a + u·b) : a + u·b, precomputed per action (the same numbers as actionValue).
  private readonly actA: Float64Array;
  private readonly actB: Float64Array;
  private readonly actLog: Uint8Array;

  constructor(
    readonly spec: Readonly<RlSpec>,
    quoting: Readonly<QuotingParams>,
    instrument: Instrument,
    readonly net: PolicyNet | null,
  ) {
    this.inner = new QuotingStrategy(quoting, instrument);
    this.usesSignals = spec.features.some((f) => f === 'trend' || f === 'momentum' || f === 'signed_trend' || f === 'mean_reversion');
    this.signalBars = spec.signalBars ?? defaultSignalBars;
    this.state = new Float64Array(spec.features.length);
    this.action = new Float64Array(spec.dims.length);
    this.intervalMicros = spec.decisionSeconds * 1e6;
    this.gammaIdx = spec.dims.findIndex((d) => d.name === 'gamma_mult');
    this.spreadIdx = spec.dims.findIndex((d) => d.name === 'spread_mult');
    this.skewIdx = spec.dims.findIndex((d) => d.name === 'skew');
    this.codes = featureCodes(spec.features);
    this.actA = Float64Array.from(spec.dims, (d) => (d.scale === 'log' ? Math.log(Math.sqrt(d.min * d.max)) : (d.min + d.max) / 2));
    this.actB = Float64Array.from(spec.dims, (d) => (d.scale === 'log' ? 0.5 * Math.log(d.max / d.min) : (d.max - d.min) / 2));
    this.actLog = Uint8Array.from(spec.dims, (d) => (d.scale === 'log' ? 1 : 0));
    if (net && (net.features !== spec.features.length || net.actions !== spec.dims.length)) throw new RangeError('policy shape does not match its spec');
  }

  /** A strategy quoting with a trained policy. */
  static fromPolicy(p: Readonly<RlPolicy>, quoting: Readonly<QuotingParams>, instrument: Instrument): RlStrategy {
    return new RlStrategy(specOf(p), rlQuotingParams(p, quoting), instrument, policyNet(p));
  }

  /** Set the action u (used when `net` is null) for the next decision. */
  setAction(u: ArrayLike<number>): void {
    for (let i = 0; i < this.action.length; i++) this.action[i] = clip(u[i] ?? 0, -1, 1);
  }

  /** Time of the next decision, µs (−∞ before the first). */
  get nextDecision(): number {
    return this.nextDecisionAt;
  }

  /** Restart the decision clock (after a pause). */
  resetClock(): void {
    this.nextDecisionAt = Number.NEGATIVE_INFINITY;
  }

  decide(view: Readonly<MarketView>, out: QuoteTarget): void {
    if (this.paused) {
      clearTarget(out);
      return;
    }
    if (view.now >= this.nextDecisionAt) {
      if (this.net) {
        this.observe(view, this.state);
        this.net.act(this.state, this.action);
      }
      this.apply();
      this.nextDecisionAt = view.now + this.intervalMicros;
      this.decisions++;
    }
    this.inner.decide(view, out);
  }

  /** The policy's state for `view`, written into `out`. */
  observe(view: Readonly<MarketView>, out: Float64Array): void {
    buildStateCoded(view, this.codes, this.spec.sigmaRef, this.inner.params.maxInventoryQty, out);
  }

  private value(i: number): number {
    const x = this.actA[i]! + this.action[i]! * this.actB[i]!;
    return this.actLog[i] === 1 ? Math.exp(x) : x;
  }

  private apply(): void {
    const adj = this.inner.adjust;
    adj.gammaMult = this.gammaIdx >= 0 ? this.value(this.gammaIdx) : 1;
    adj.spreadMult = this.spreadIdx >= 0 ? this.value(this.spreadIdx) : 1;
    adj.skew = this.skewIdx >= 0 ? this.value(this.skewIdx) : 0;
  }
}
