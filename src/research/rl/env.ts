// The RL environment: reset/step over a BarSession, with the RL strategy's action held between decisions.
import { type Bars, type Instrument, sliceBars, makeInstrument } from '../../market/index.js';
import { type PolicyNet } from '../../models/index.js';
import { type MarketView, RlStrategy, type RlSpec, emptyView } from '../../strategy/index.js';
import { BarSession, type TradingConfig, type BarBacktestOptions, barOptionsFor, resolveTrading } from '../../engine/index.js';

/** Everything an episode needs besides the bars; plain data, so it crosses to worker threads. */
export interface EnvSpec {
  backtest: TradingConfig;
  rl: RlSpec;
  base: { model: 'as' | 'glft'; gamma: number; horizon: 'finite' | 'rolling' | 'infinite'; horizonSeconds: number };
  warmupBars: number;
  episodeBars: number;
  /** η of the running inventory penalty. */
  inventoryPenalty: number;
}

export interface StepResult {
  reward: number;
  done: boolean;
}

/**
 * Reward per bar, in basis points of one order's notional at the episode's first price:
 *
 *   r_t = (E_t − E_{t−1}) / (orderQty · p₀ · 10⁻⁴) − η · |q_t| · σ_t
 *
 * E is mark-to-market equity (fills, fees and inventory marked at the close), q the inventory in
 * order-size units and σ_t the bar's estimated volatility in bps: the running inventory penalty of
 * Spooner et al. (2018, "Market making via reinforcement learning", AAMAS), scaled by volatility so that
 * η = 1 charges one standard deviation of the inventory's PnL per bar.
 *
 * An episode: a fresh session on bars [start − warmup, start + episodeBars); the warm-up bars only feed
 * the estimators (the strategy is paused, nothing rests); rewards are counted from `start`. A step runs
 * from one decision of the strategy to the next (`decision_seconds`, one bar by default).
 */
export class RlEnv {
  session!: BarSession;
  strategy!: RlStrategy;
  /** Total reward of the current episode so far. */
  episodeReward = 0;
  private end = 0;
  private readonly obs: Float64Array;
  private readonly peek: MarketView = emptyView();
  /** Reused by `step` (no allocation per step): read it before the next step. */
  private readonly result: StepResult = { reward: 0, done: false };
  private readonly instrument: Instrument;
  private readonly meter: RewardMeter;

  constructor(
    readonly bars: Bars,
    readonly spec: Readonly<EnvSpec>,
  ) {
    const m = spec.backtest.market;
    this.instrument = makeInstrument(m.symbol, m.tick_size, m.lot_size);
    this.obs = new Float64Array(spec.rl.features.length);
    this.meter = new RewardMeter(spec.inventoryPenalty, bars.intervalMicros / 1e6);
  }

  /** Start an episode whose first rewarded bar is `start`; `net` = the policy inside the strategy, or null for `step(u)`. */
  reset(start: number, net: PolicyNet | null = null): Float64Array {
    const { warmupBars, episodeBars } = this.spec;
    const from = Math.max(0, start - warmupBars);
    const to = Math.min(this.bars.length, start + episodeBars);
    const window = sliceBars(this.bars, from, to);
    const resolved = resolveTrading(this.spec.backtest, window.open[0]!);
    const quoting = resolved.quoting;
    const b = this.spec.base;
    const q = { ...quoting, model: b.model, gamma: b.gamma, horizon: b.horizon, horizonSeconds: b.horizonSeconds };
    this.strategy = new RlStrategy(this.spec.rl, q, this.instrument, net);
    const opts: BarBacktestOptions = barOptionsFor(resolved);
    this.session = new BarSession(window, this.strategy, opts);
    this.strategy.paused = true;
    this.session.runUntil(start - from);
    this.strategy.paused = false;
    this.strategy.resetClock();
    this.end = to - from;
    this.meter.start(this.session.core.view.equity, quoting.orderQty, window.open[start - from]!);
    this.episodeReward = 0;
    return this.observe();
  }

  get done(): boolean {
    return this.session.t >= this.end;
  }

  /** The state the strategy would build at the next decision (what the view will hold then). */
  observe(): Float64Array {
    const s = this.session;
    const t = s.t;
    const v = this.peek;
    const cur = s.core.view;
    v.now = t < s.bars.length ? s.bars.ts[t]! : cur.now;
    v.sigma = cur.sigma;
    v.trendStrength = cur.trendStrength;
    v.momentum = cur.momentum;
    v.meanReversion = cur.meanReversion;
    v.orderFlowImbalance = cur.orderFlowImbalance;
    v.mid = cur.mid;
    v.position = cur.position;
    if (t > 0) {
      const f = s.features;
      const sig = f.signals();
      v.sigma = f.sigmaPerSecond[t - 1]!;
      v.trendStrength = sig.trendStrength[t - 1]!;
      v.momentum = sig.momentum[t - 1]!;
      v.meanReversion = sig.meanReversion[t - 1]!;
      v.mid = s.bars.close[t - 1]!;
      v.position = s.core.portfolio.position;
    }
    this.strategy.observe(v, this.obs);
    return this.obs;
  }

  /** Apply action u (ignored when the policy is inside the strategy) until the next decision; returns the step's reward. */
  step(u?: ArrayLike<number>): StepResult {
    const out = this.result;
    const strat = this.strategy;
    if (u && !strat.net) strat.setAction(u);
    const s = this.session;
    const ts = s.bars.ts;
    let reward = this.bar();
    while (s.t < this.end && ts[s.t]! < strat.nextDecision) reward += this.bar();
    out.reward = reward;
    out.done = s.t >= this.end;
    return out;
  }

  /** Run the rest of the episode with the policy inside the strategy; returns the episode's total reward. */
  run(): number {
    while (this.session.t < this.end) this.bar();
    return this.episodeReward;
  }

  private bar(): number {
    const s = this.session;
    s.runUntil(s.t + 1);
    const r = this.meter.add(s.core.view);
    this.episodeReward += r;
    return r;
  }
}

/** The reward above, bar by bar, for any strategy's run (environment and evaluation share it). */
export class RewardMeter {
  private unit = 1;
  private orderQty = 1;
  private prevEquity = 0;
  private readonly barSqrtSeconds: number;

  constructor(
    readonly inventoryPenalty: number,
    barSeconds: number,
  ) {
    this.barSqrtSeconds = Math.sqrt(barSeconds);
  }

  start(equity: number, orderQty: number, firstPrice: number): void {
    this.prevEquity = equity;
    this.orderQty = orderQty;
    this.unit = orderQty * firstPrice * 1e-4;
  }

  /** Reward of the bar just played (the view is marked at its close). */
  add(v: Readonly<MarketView>): number {
    const e = v.equity;
    const qLots = Math.abs(v.position) / this.orderQty;
    const sigmaBps = (v.sigma * this.barSqrtSeconds * 1e4) / v.mid;
    let r = (e - this.prevEquity) / this.unit;
    if (qLots > 0 && sigmaBps === sigmaBps) r -= this.inventoryPenalty * qLots * sigmaBps;
    this.prevEquity = e;
    return r;
  }
}

/** Mean total reward of episodes starting at `starts`, with `net` quoting. */
export function meanEpisodeReward(env: RlEnv, net: PolicyNet | null, starts: readonly number[]): number {
  let sum = 0;
  for (const s of starts) {
    env.reset(s, net);
    sum += env.run();
  }
  return starts.length > 0 ? sum / starts.length : 0;
}
