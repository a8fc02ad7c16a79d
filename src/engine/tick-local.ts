// What the trading side knows in tick mode: the local book and estimators, fed at local time, and the view they fill.
import type { Micros } from '../core/index.js';
import { L2Book, EventType, decimalsOf, type EventColumns } from '../market/index.js';
import { GridSignals, MidVolatility, SweepDetector, TradeIntensity, TradeFlowImbalance, VolatilityBurst, WindowTradeFlow, bookImbalance, microprice } from '../features/index.js';
import { defaultSignalBars } from '../strategy/index.js';
import { DEFAULT_LADDER_TICKS } from '../sim/index.js';
import type { TradingCore } from './trading-core.js';

export interface TickLocalParams {
  tickSize: number;
  /** Grid of the σ estimator, µs of market time. */
  sigmaSampleMicros: Micros;
  /** Number of grid intervals in the σ window. */
  sigmaWindow: number;
  /** Rolling window of the intensity fit, µs. */
  intensityWindowMicros: Micros;
  /** Refit schedule of the intensity, µs. */
  intensityRecalibrateMicros: Micros;
  /** Trades needed before A and k are reported. */
  intensityMinTrades: number;
  /** Ladder width of the local book, ticks. */
  ladderTicks: number;
  /** Half-life of the trade-flow imbalance, µs. */
  flowHalfLifeMicros: Micros;
  /** Order-flow features: levels per side of the book imbalance, the trade-flow window, the sweep flag's hold. */
  bookLevels: number;
  flowWindowMicros: Micros;
  sweepHoldMicros: Micros;
  /** Volatility burst flag: window, and the band in σ. */
  burstWindowMicros: Micros;
  burstSigmas: number;
}

export const defaultTickLocalParams: TickLocalParams = {
  tickSize: 0.01,
  sigmaSampleMicros: 1_000_000,
  sigmaWindow: 300,
  intensityWindowMicros: 300_000_000,
  intensityRecalibrateMicros: 10_000_000,
  intensityMinTrades: 50,
  ladderTicks: DEFAULT_LADDER_TICKS,
  flowHalfLifeMicros: 10_000_000,
  bookLevels: 5,
  flowWindowMicros: 5_000_000,
  sweepHoldMicros: 1_000_000,
  burstWindowMicros: 1_000_000,
  burstSigmas: 3,
};

/**
 * The local side of the two clocks: every event reaches it at its local time (publication time + feed
 * latency, or the file's own local time). Book rows update the local book; trades feed the intensity estimator with their distance
 * from the local mid at that moment, and the trade-flow imbalance. `refresh(now)` samples σ, runs the
 * intensity schedule and writes the view the strategy reads (mid, best bid/ask, σ, A, k, order-flow
 * imbalance, warm-up), then marks the portfolio. A strategy that reads trend / momentum / mean reversion
 * (`usesSignals`) gets them from the mid sampled at each refresh and closed on its `signalBars` grid.
 *
 * Replay shortcut (`fromVenue`): both sides apply the same rows in the same order, so after its first
 * n rows the local book equals the venue's book after those n rows. The tick backtest then keeps no
 * second book: it records the venue's touch whenever it changes (by row number) and hands the local
 * side the touch as of the rows it has received (`setTouch`). Same values, half the book work.
 */
export class TickLocal {
  readonly vol: MidVolatility;
  readonly intensity: TradeIntensity;
  readonly flow: TradeFlowImbalance;
  readonly windowFlow: WindowTradeFlow;
  readonly sweeps: SweepDetector;
  readonly bursts: VolatilityBurst;
  /** True when the touch comes from `setTouch` instead of the local book. */
  fromVenue = false;
  /**
   * With `fromVenue`: the driver still feeds book rows to the local book at local time (the strategy reads
   * the book features, `Strategy.usesBook`). Without `fromVenue` the local book is always there.
   */
  keepsBook = false;
  /** Tick indices of the touch given by `setTouch` (NaN: that side is empty). */
  bidTick = Number.NaN;
  askTick = Number.NaN;
  private readonly tick: number;
  private ownBook: L2Book | undefined;
  /** Trend / momentum / mean reversion of the mid on the strategy's signal bars, when it reads them. */
  private signals: GridSignals | undefined;
  private signalsChecked = false;
  private readonly scale: number;

  /** Order-flow imbalance at the last `advance`. */
  private flowValue = 0;
  /** The order-flow features at the last `advance` (book ones NaN without a local book). */
  private tradeFlowValue = Number.NaN;
  private sweepValue = 0;
  private burstValue = 0;
  private bookImbalanceValue = Number.NaN;
  private micropriceValue = Number.NaN;
  /** Where the market side comes from: this object, or the leader of a group that shares it. */
  private src: TickLocal = this;
  /** Local time since which the book is unknown (a gap row arrived: the depth stream broke); NaN while it is known. */
  private unknownSince = Number.NaN;

  /**
   * With `leader`, a follower: in a shared pass, members with the same local clock, decision timer and
   * estimator settings would compute the same estimators, so one leader takes the rows and `advance`s
   * once per decision, and each member only writes its own view from the leader's touch and estimators.
   * A follower builds no estimators of its own: its estimator fields are the leader's, never fed through it.
   */
  constructor(
    readonly params: Readonly<TickLocalParams>,
    leader?: TickLocal,
  ) {
    if (leader !== undefined) {
      this.vol = leader.vol;
      this.intensity = leader.intensity;
      this.flow = leader.flow;
      this.windowFlow = leader.windowFlow;
      this.sweeps = leader.sweeps;
      this.bursts = leader.bursts;
      this.src = leader;
      this.fromVenue = true;
    } else {
      this.vol = new MidVolatility(params.sigmaSampleMicros, params.sigmaWindow);
      this.intensity = new TradeIntensity(params.intensityWindowMicros, params.intensityRecalibrateMicros, params.intensityMinTrades);
      this.flow = new TradeFlowImbalance(params.flowHalfLifeMicros);
      this.windowFlow = new WindowTradeFlow(params.flowWindowMicros);
      this.sweeps = new SweepDetector(params.sweepHoldMicros);
      this.bursts = new VolatilityBurst(params.burstWindowMicros, params.burstSigmas);
    }
    this.tick = params.tickSize;
    this.scale = 10 ** decimalsOf(params.tickSize);
  }

  /** The local book (book mode; allocated on first use, the backtest never needs it). */
  get book(): L2Book {
    return (this.ownBook ??= new L2Book(this.params.tickSize, this.params.ladderTicks));
  }

  /** Row `i` arrives locally at time `t` (book mode). */
  onEvent(ev: EventColumns, i: number, t: Micros): void {
    if (ev.type[i] === EventType.Trade) this.onTradeRow(ev, i, t);
    else {
      this.bookState(ev, i, t);
      this.book.apply(ev, i);
    }
  }

  /** Book row `i` arrives locally at time `t` (touch mode): the local book when kept, the book's state (a gap, a resync). */
  onBookRow(ev: EventColumns, i: number, t: Micros): void {
    this.bookState(ev, i, t);
    if (this.keepsBook) this.book.apply(ev, i);
  }

  /** A gap row: the book is unknown from local time `t`; a snapshot row: known again (the resync). */
  private bookState(ev: EventColumns, i: number, t: Micros): void {
    const type = ev.type[i]!;
    if (type === EventType.Gap) {
      if (this.unknownSince !== this.unknownSince) this.unknownSince = t;
    } else if (type === EventType.Snapshot) this.unknownSince = Number.NaN;
  }

  /** Local time since which the book is unknown (NaN: known), as the market side (this, or the leader) has it. */
  get bookUnknownSince(): Micros {
    return this.src.unknownSince;
  }

  /**
   * Trade row `i` arrives locally at time `t`: its price, side and size read from the row here, not
   * passed (a call V8 does not inline boxes its number arguments: three per trade).
   */
  onTradeRow(ev: EventColumns, i: number, t: Micros): void {
    this.onTrade(t, ev.price[i]!, ev.side[i]!, ev.size[i]!);
  }

  /** A trade arrives locally at time `t` (touch mode: book rows need nothing). */
  onTrade(t: Micros, price: number, aggressor: number, size: number): void {
    this.intensity.onTrade(t, price, this.mid());
    this.flow.onTrade(t, aggressor, size);
    this.windowFlow.onTrade(t, aggressor, size);
    this.sweeps.onTrade(t, aggressor, price);
  }

  setTouch(bidTick: number, askTick: number): void {
    this.bidTick = bidTick;
    this.askTick = askTick;
  }

  mid(): number {
    return this.fromVenue ? ((this.bidTick + this.askTick) * this.tick) / 2 : this.book.mid();
  }

  /** Exact decimal price of a tick index (as `L2Book.priceOf`). */
  private priceOf(tick: number): number {
    const scale = this.scale;
    return tick === tick ? Math.round(tick * this.tick * scale) / scale : Number.NaN;
  }

  /** Estimators and view at local time `now` (a follower's leader has advanced already). */
  refresh(core: TradingCore, now: Micros): void {
    if (this.src === this) this.advance(now);
    this.write(core, now);
  }

  /** The estimators at local time `now`: σ sampled, the intensity schedule run, the flow imbalance decayed. */
  advance(now: Micros): void {
    const mid = this.mid();
    if (mid === mid) this.vol.observe(now, mid);
    this.intensity.update(now);
    this.flowValue = this.flow.value(now);
    // Order-flow features (estimator state: a follower in a shared pass reads its leader's values).
    this.tradeFlowValue = this.windowFlow.value(now);
    this.sweepValue = this.sweeps.value(now);
    this.bursts.observe(now, mid);
    this.burstValue = this.bursts.value(now, mid, this.vol.sigmaPerSecond());
    if (!this.fromVenue || this.keepsBook) {
      this.bookImbalanceValue = bookImbalance(this.book, this.params.bookLevels);
      this.micropriceValue = microprice(this.book);
    }
  }

  /** The view the strategy reads at local time `now`, from the market side's current state; marks the portfolio. */
  private write(core: TradingCore, now: Micros): void {
    const s = this.src;
    const v = core.view;
    const mid = s.mid();
    v.now = now;
    if (s.fromVenue) {
      v.bestBid = this.priceOf(s.bidTick);
      v.bestAsk = this.priceOf(s.askTick);
    } else {
      v.bestBid = s.book.bestBid();
      v.bestAsk = s.book.bestAsk();
    }
    v.sigma = s.vol.sigmaPerSecond();
    v.intensityA = s.intensity.A;
    v.intensityK = s.intensity.k;
    v.orderFlowImbalance = s.flowValue;
    v.tradeFlow = s.tradeFlowValue;
    v.sweep = s.sweepValue;
    v.burst = s.burstValue;
    v.bookImbalance = s.bookImbalanceValue;
    v.microprice = s.micropriceValue;
    if (!this.signalsChecked) {
      this.signalsChecked = true;
      const st = core.strategy;
      if (st.usesSignals === true) {
        const bars = st.signalBars ?? defaultSignalBars;
        this.signals = new GridSignals(bars.seconds * 1e6, bars.window);
      }
    }
    const sig = this.signals;
    if (sig !== undefined) {
      sig.observe(now, mid);
      v.trendStrength = sig.trendStrength;
      v.momentum = sig.momentum;
      v.meanReversion = sig.meanReversion;
    }
    // As in bar mode, a strategy that reads the signals waits for their window to fill.
    v.warm = v.sigma === v.sigma && mid === mid && (sig === undefined || sig.ready);
    if (mid === mid) core.mark(mid);
  }

}
