// The quoting strategy: asks a QuotingModel for a quote, then applies the market's and the user's rules.
import { type Instrument, roundDown, roundUp } from '../market/index.js';
import {
  type AsParams,
  type GlftParams,
  type ModelState,
  type Quote,
  type HorizonMode,
  avellanedaStoikov,
  glft,
  emptyQuote,
} from '../models/index.js';
import { type MarketView, type QuoteLevel, type QuoteTarget, type Strategy, clearTarget } from './strategy.js';

export interface QuotingParams {
  model: 'as' | 'glft';
  gamma: number;
  /** Fallback k (per price unit) when the view has no estimate, or always when `calibrate` is false. */
  k: number;
  /** Fallback A (per second), GLFT only. */
  A: number;
  /** Use the view's estimated k and A when available. */
  calibrate: boolean;
  horizon: HorizonMode;
  /** finite: session length (sessions aligned to epoch, e.g. 86400 = UTC days); rolling: the constant look-ahead. */
  horizonSeconds: number;
  /** Base quantity of each quote. */
  orderQty: number;
  /** |position| never exceeds this through a fill of ours: a side that could breach it is not quoted. */
  maxInventoryQty: number;
  /** Minimum distance between our bid and ask, in ticks. */
  minSpreadTicks: number;
  /** Orders per side (a ladder); 1 = one quote per side. Every level rests `orderQty`. */
  levels?: number;
  /** Distance between two levels of a ladder, bps of the mid (at least one tick). */
  levelSpacingBps?: number;
}

export const defaultQuotingParams: QuotingParams = {
  model: 'as',
  gamma: 0.1,
  k: 1.5,
  A: 140,
  calibrate: true,
  horizon: 'rolling',
  horizonSeconds: 600,
  orderQty: 1,
  maxInventoryQty: 10,
  minSpreadTicks: 1,
  levels: 1,
  levelSpacingBps: 1,
};

/**
 * Per decision: model state from the view (inventory in order-size units, σ per √s, time remaining from
 * the clock), the model's quote, then: minimum spread (widened symmetrically), post-only guard (the bid
 * stays below the reference ask / mid and the ask above), tick rounding (bid down, ask up), and inventory
 * limits. In `reducing` state only the side that reduces |position| is quoted; in `halted`, nothing.
 */
export class QuotingStrategy implements Strategy {
  readonly name: string;
  private readonly state: ModelState = { mid: 0, inventory: 0, sigma: 0, timeRemaining: 0, intensityA: Number.NaN, intensityK: Number.NaN };
  private readonly quote: Quote = emptyQuote();
  private readonly asParams: AsParams;
  private readonly glftParams: GlftParams;
  private readonly isGlft: boolean;
  private readonly finite: boolean;
  private readonly tick: number;
  private readonly minSpread: number;
  /**
   * Per-decision adjustments a wrapping strategy may set (the RL policy, rl-strategy.ts): γ × gammaMult;
   * the quotes' distances from the reservation price × spreadMult; the centre shifted by `skew` mean
   * half-spreads (positive = up). Identity by default, so plain AS / GLFT are unchanged.
   */
  readonly adjust = { gammaMult: 1, spreadMult: 1, skew: 0 };
  /** Orders per side; the deeper levels (levels − 1 per side) are reused objects, handed to the target. */
  private readonly levels: number;
  private readonly bids: QuoteLevel[] = [];
  private readonly asks: QuoteLevel[] = [];

  constructor(
    readonly params: Readonly<QuotingParams>,
    readonly instrument: Instrument,
  ) {
    this.name = params.model;
    this.asParams = {
      gamma: params.gamma,
      k: params.k,
      horizon: params.horizon,
      maxInventoryLots: params.maxInventoryQty / params.orderQty,
    };
    this.glftParams = { gamma: params.gamma, k: params.k, A: params.A };
    this.isGlft = params.model === 'glft';
    this.finite = params.horizon === 'finite';
    this.tick = instrument.tickSize;
    this.minSpread = params.minSpreadTicks * instrument.tickSize;
    this.levels = Math.max(1, Math.floor(params.levels ?? 1));
    for (let i = 1; i < this.levels; i++) {
      this.bids.push({ price: Number.NaN, qty: 0 });
      this.asks.push({ price: Number.NaN, qty: 0 });
    }
  }

  /** Seconds left to the horizon at time `now` (µs), per the horizon mode. */
  timeRemaining(now: number): number {
    const p = this.params;
    if (p.horizon === 'finite') {
      const len = p.horizonSeconds * 1e6;
      const end = (Math.floor(now / len) + 1) * len;
      return (end - now) / 1e6;
    }
    return p.horizonSeconds;
  }

  decide(view: Readonly<MarketView>, out: QuoteTarget): void {
    const p = this.params;
    if (!view.warm || view.tradingState === 'halted' || !(view.mid > 0) || !(view.sigma >= 0)) {
      clearTarget(out);
      return;
    }

    const st = this.state;
    st.mid = view.mid;
    st.inventory = view.position / p.orderQty;
    st.sigma = view.sigma;
    st.timeRemaining = this.finite ? this.timeRemaining(view.now) : p.horizonSeconds;
    st.intensityA = p.calibrate ? view.intensityA : Number.NaN;
    st.intensityK = p.calibrate ? view.intensityK : Number.NaN;
    const adj = this.adjust;
    let q: Quote;
    if (this.isGlft) {
      this.glftParams.gamma = p.gamma * adj.gammaMult;
      q = glft.quote(st, this.glftParams, this.quote);
    } else {
      this.asParams.gamma = p.gamma * adj.gammaMult;
      q = avellanedaStoikov.quote(st, this.asParams, this.quote);
    }

    let bid = q.bid;
    let ask = q.ask;
    let reservation = q.reservation;
    if (adj.spreadMult !== 1 || adj.skew !== 0) {
      const dBid = reservation - bid; // NaN when the model drops a side
      const dAsk = ask - reservation;
      const half = dBid === dBid ? (dAsk === dAsk ? (dBid + dAsk) / 2 : dBid) : dAsk;
      if (half === half) reservation += adj.skew * half;
      bid = reservation - dBid * adj.spreadMult;
      ask = reservation + dAsk * adj.spreadMult;
    }
    const tick = this.tick;
    const minSpread = this.minSpread;
    if (bid === bid && ask === ask && ask - bid < minSpread) {
      const c = (bid + ask) / 2;
      bid = c - minSpread / 2;
      ask = c + minSpread / 2;
    }
    // Post-only guard: never rest at or through the other side of the reference.
    const refBid = view.bestBid === view.bestBid ? view.bestBid : view.mid - tick / 2;
    const refAsk = view.bestAsk === view.bestAsk ? view.bestAsk : view.mid + tick / 2;
    // With a book: bid ≤ best ask − tick (strictly below it). Without one (bars): strictly below the mid.
    if (bid > refAsk - tick) bid = refAsk - tick;
    if (ask < refBid + tick) ask = refBid + tick;
    bid = roundDown(bid, tick);
    ask = roundUp(ask, tick);

    const pos = view.position;
    const qty = p.orderQty;
    const eps = qty * 1e-9;
    const reducing = view.tradingState === 'reducing';
    const canBuy = pos + qty <= p.maxInventoryQty + eps && !(reducing && pos >= 0) && bid > 0;
    const canSell = pos - qty >= -p.maxInventoryQty - eps && !(reducing && pos <= 0) && ask > 0;
    out.bidPrice = canBuy ? bid : Number.NaN;
    out.bidQty = canBuy ? qty : 0;
    out.askPrice = canSell ? ask : Number.NaN;
    out.askQty = canSell ? qty : 0;
    out.reservation = reservation;
    if (this.levels > 1) this.ladder(view, out);
  }

  /**
   * The deeper levels: level i rests `orderQty` at i × spacing beyond level 0 (spacing = level_spacing_bps
   * of the mid, at least one tick, on the grid), each strictly beyond the one before. A level is quoted only
   * if the position stays within max_inventory_qty when it and every level inside it fill (the gate's
   * worst case), and only if level 0 of its side is quoted.
   */
  private ladder(view: Readonly<MarketView>, out: QuoteTarget): void {
    const p = this.params;
    const tick = this.tick;
    const qty = p.orderQty;
    const eps = qty * 1e-9;
    const spacing = Math.max(tick, roundDown(((p.levelSpacingBps ?? 1) * view.mid) / 1e4, tick));
    const pos = view.position;
    const reducing = view.tradingState === 'reducing';
    let bid = out.bidPrice;
    let ask = out.askPrice;
    for (let i = 1; i < this.levels; i++) {
      const b = this.bids[i - 1]!;
      const a = this.asks[i - 1]!;
      bid = roundDown(bid - spacing, tick);
      ask = roundUp(ask + spacing, tick);
      const reach = (i + 1) * qty; // what this side fills if every level up to i does
      const canBuy = bid > 0 && pos + reach <= p.maxInventoryQty + eps && !(reducing && reach > -pos + eps); // NaN bid (side off) fails
      const canSell = ask === ask && pos - reach >= -p.maxInventoryQty - eps && !(reducing && reach > pos + eps);
      b.price = canBuy ? bid : Number.NaN;
      b.qty = canBuy ? qty : 0;
      a.price = canSell ? ask : Number.NaN;
      a.qty = canSell ? qty : 0;
    }
    out.bids = this.bids;
    out.asks = this.asks;
  }
}
