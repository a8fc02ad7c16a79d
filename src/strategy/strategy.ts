// The Strategy port: what a strategy reads (MarketView) and what it answers (a desired two-sided quote).
import type { Micros } from '../core/index.js';

export type TradingState = 'active' | 'reducing' | 'halted';

/**
 * What the trading core knows at a decision, maintained in place by the core (read-only to strategies).
 * Everything here is known at `now`: drivers update it only from events with local time ≤ now.
 */
export interface MarketView {
  /** Decision time, µs (simulated or wall clock, from the driver's Clock). */
  now: Micros;
  /** Start of the run, µs. */
  start: Micros;
  /** Reference price: mid of the local book, or the last close in bar mode. */
  mid: number;
  /** Best bid and ask known locally (NaN in bar mode, where only `mid` is known). */
  bestBid: number;
  bestAsk: number;
  /** σ of the mid, price units per √second (NaN until estimated). */
  sigma: number;
  /** Intensity λ(δ) = A·e^{−kδ} estimates (NaN until estimated). */
  intensityA: number;
  intensityK: number;
  /** Causal signals (see src/features). */
  trendStrength: number;
  momentum: number;
  meanReversion: number;
  /** Order-flow imbalance in [−1, 1] (tick mode; 0 in bar mode). */
  orderFlowImbalance: number;
  /**
   * Order-flow features (src/features/order-flow.ts), computed from what has been received by `now`.
   * Book ones need a book: paper and live always, the tick backtest when the strategy says `usesBook`;
   * NaN otherwise and in bar mode. Trade ones: every tick mode; NaN / 0 in bar mode.
   */
  /** Depth imbalance of the first `features.book_levels` levels per side, in [−1, 1]; positive = more bids. */
  bookImbalance: number;
  /** Queue-weighted touch price (Stoikov's microprice). */
  microprice: number;
  /** Trade-flow imbalance over the last `features.flow_window_ms`, in [−1, 1]. */
  tradeFlow: number;
  /** 1 while a sweep (an aggressor taking several levels at once) is at most `features.sweep_hold_ms` old, else 0. */
  sweep: number;
  /** 1 while the mid moved more than `features.burst_sigmas` σ over the last `features.burst_window_ms`, else 0. */
  burst: number;
  /** Signed position in base units. */
  position: number;
  /**
   * With a hedge market (`hedge:` in a config of several markets): its position (its own unit: base
   * coin, or contracts) and its touch, as known locally at `now`; NaN without one. Read them to write
   * `QuoteTarget.hedge`.
   */
  hedgePosition: number;
  hedgeBid: number;
  hedgeAsk: number;
  cash: number;
  equity: number;
  tradingState: TradingState;
  /** False until the estimators have enough history to quote. */
  warm: boolean;
}

export function emptyView(): MarketView {
  return {
    now: 0,
    start: 0,
    mid: Number.NaN,
    bestBid: Number.NaN,
    bestAsk: Number.NaN,
    sigma: Number.NaN,
    intensityA: Number.NaN,
    intensityK: Number.NaN,
    trendStrength: Number.NaN,
    momentum: Number.NaN,
    meanReversion: Number.NaN,
    orderFlowImbalance: 0,
    bookImbalance: Number.NaN,
    microprice: Number.NaN,
    tradeFlow: Number.NaN,
    sweep: 0,
    burst: 0,
    position: 0,
    hedgePosition: Number.NaN,
    hedgeBid: Number.NaN,
    hedgeAsk: Number.NaN,
    cash: 0,
    equity: 0,
    tradingState: 'active',
    warm: false,
  };
}

/** One resting order of a ladder: its price and quantity. */
export interface QuoteLevel {
  price: number;
  qty: number;
}

/** An immediate-or-cancel order: buy (side 1) or sell (−1) up to `qty`, at `price` or better, the rest cancelled. */
export interface TakeOrder {
  side: 1 | -1;
  price: number;
  qty: number;
}

/**
 * Orders on the hedge market (a config of several markets with `hedge:`), asked by the quoted market's
 * strategy: trade `qty` there now (signed, in that market's unit: + buys, − sells; 0: nothing), by the
 * hedge's mode (`taker`: an immediate-or-cancel order at its touch, `passive`: an order resting at its
 * touch) unless `mode` says otherwise, at `price` instead of the touch when given. Desired state, like
 * the quote: while an immediate-or-cancel hedge travels no other is sent; a passive one rests until the
 * answer changes. Left undefined, the hedge follows `hedge.band` / `hedge.ratio`.
 */
export interface HedgeRequest {
  qty: number;
  mode?: 'taker' | 'passive' | undefined;
  price?: number | undefined;
}

/**
 * The desired resting quote. NaN price or qty ≤ 0 on a side means: nothing resting on that side.
 *
 * One level per side is `bidPrice`/`bidQty` and `askPrice`/`askQty`. A ladder (several resting orders per
 * side) adds the deeper levels in `bids` / `asks`: level 0 is always the one-level fields, level i ≥ 1 is
 * `bids[i − 1]`. A deeper level with a NaN price or qty ≤ 0 is skipped (so a strategy can keep fixed-size
 * arrays and switch levels off). Absent or empty lists: one level, exactly as before ladders existed.
 */
export interface QuoteTarget {
  bidPrice: number;
  bidQty: number;
  askPrice: number;
  askQty: number;
  /** The model's reservation price, for the trace. */
  reservation: number;
  /** Bid levels beyond the first (a ladder), usually further from the mid. */
  bids?: readonly QuoteLevel[] | undefined;
  /** Ask levels beyond the first. */
  asks?: readonly QuoteLevel[] | undefined;
  /** An immediate-or-cancel order to send now on this market (sent once no other is in flight). */
  take?: TakeOrder | undefined;
  /** Orders on the hedge market (see `HedgeRequest`); only with `hedge:` in a config of several markets. */
  hedge?: HedgeRequest | undefined;
}

/** Nothing resting on either side. */
export function clearTarget(out: QuoteTarget): void {
  out.bidPrice = Number.NaN;
  out.askPrice = Number.NaN;
  out.bidQty = 0;
  out.askQty = 0;
  out.reservation = Number.NaN;
  if (out.bids !== undefined) out.bids = undefined;
  if (out.asks !== undefined) out.asks = undefined;
  if (out.take !== undefined) out.take = undefined;
  if (out.hedge !== undefined) out.hedge = undefined;
}

export function emptyTarget(): QuoteTarget {
  return { bidPrice: Number.NaN, bidQty: 0, askPrice: Number.NaN, askQty: 0, reservation: Number.NaN, bids: undefined, asks: undefined, take: undefined, hedge: undefined };
}

/** Levels a target rests on one side (level 0 and every valid deeper level). */
export function levelCount(t: Readonly<QuoteTarget>, side: 1 | -1): number {
  const more = side > 0 ? t.bids : t.asks;
  let n = side > 0 ? (t.bidPrice === t.bidPrice && t.bidQty > 0 ? 1 : 0) : t.askPrice === t.askPrice && t.askQty > 0 ? 1 : 0;
  if (more !== undefined) for (let i = 0; i < more.length; i++) if (more[i]!.price === more[i]!.price && more[i]!.qty > 0) n++;
  return n;
}

/**
 * A strategy decides, synchronously and deterministically, which quote should rest now.
 * No `await`, no wall clock, no Math.random: time is `view.now`, chance comes from a seeded Rng.
 * The same object runs in bar backtest, tick backtest, paper and live.
 */
export interface SignalBars {
  readonly seconds: number;
  readonly window: number;
}

export const defaultSignalBars: SignalBars = { seconds: 60, window: 30 };

export interface Strategy {
  readonly name: string;
  /**
   * True if `decide` reads the view's trend strength, momentum or mean reversion. Drivers that can skip
   * work skip those signals otherwise (they stay NaN in the view).
   */
  readonly usesSignals?: boolean;
  /**
   * With `usesSignals`: the bars the signals are defined on (bar length, window in bars). Drivers without
   * bars (tick, paper, live) build them from the mid sampled on this grid; default 60 s bars, window 30.
   */
  readonly signalBars?: SignalBars;
  /**
   * True if `decide` reads the book features (`bookImbalance`, `microprice`): the tick backtest then keeps
   * a local book fed at local time, as paper and live do (otherwise it reads only the venue's touch).
   */
  readonly usesBook?: boolean;
  decide(view: Readonly<MarketView>, out: QuoteTarget): void;
}
