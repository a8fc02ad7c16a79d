// The simulated L2 venue: replayed book at exchange time, our orders with queue position, latency, partial fills, fees.
import { InvariantError, unwrapRing, type Micros } from '../core/index.js';
import { EventFlag, EventType, decimalsOf, type EventColumns, type Side } from '../market/index.js';
import type { OrderEventHandler, OrderSink } from '../orders/index.js';
import type { FeeModel } from './fees.js';
import type { QueueModel } from './queue/index.js';
import type { LatencyModel } from './latency/index.js';
import { QueueAction, VenueBook } from './venue-book.js';
import { OrderAudit, OrderEnd } from './order-audit.js';

/**
 * Width of the simulated venue's book window, in ticks, unless `ladderTicks` says otherwise: ±65,536 ticks around
 * the touch (±655 USDT on BTCUSDT spot at a 0.01 tick) hold the levels a replay updates most, and the window
 * seldom has to move; the book keeps the others beside it (`L2Book`).
 */
export const DEFAULT_LADDER_TICKS = 1 << 17;

export interface L2ExchangeParams {
  tickSize: number;
  /**
   * Fill only the traded volume that reaches the order (default). `false` is the opt-in "whole order on
   * any touch" rule: an order reached by a trade, or traded through, fills whole whatever the trade's
   * size. It creates volume that never traded (`verify-fills` reports it) and is kept only to compare
   * with results made under it.
   */
  partialFills: boolean;
  /** Ladder width of the venue's book, ticks. */
  ladderTicks?: number;
  /**
   * The market's quantity step (base units or contracts). When set, an order must be a whole number of lots
   * (else it is rejected, as an exchange's lot filter does) and every fill is a whole number of lots: what a
   * trade leaves beyond the queue in front of an order is filled in whole lots, and the fraction of a lot
   * left over is carried to the order's next fill (see `matchTrade`). Unset: quantities are not stepped.
   */
  lotSize?: number;
  /**
   * Reject a place that would cross the book (default true). When false it is a plain limit order: it
   * takes the displayed liquidity up to its price as taker (at the levels' prices, taker fee), and the
   * rest of it rests.
   */
  postOnly?: boolean;
}

/** Kinds of messages the venue sends back. */
export const VenueMsg = { Accepted: 1, Rejected: 2, Canceled: 3, Filled: 4 } as const;

const TRADE = EventType.Trade;
const SNAPSHOT = EventType.Snapshot;
const END = EventFlag.EndOfMessage;
const REASONS = ['', 'post-only order would cross the book', 'quantity must be positive', 'the book is unknown (a gap in the depth stream, no snapshot since)', 'quantity is not a whole number of lots'] as const;
const IN_PLACE = 1;
const IN_CANCEL = 2;
const IN_TAKE = 3;
const RING = 64; // commands / answers in flight: rings start small (one venue per member of a shared pass) and double when full
const RESTING = 256; // full ladders on both sides, with replaced orders until their cancels arrive; grown by doubling beyond

/**
 * Messages travel with latency: a command sent at local time t reaches the venue at
 * t + entry(t) (never before an earlier command: one ordered connection); the venue's answer produced
 * at exchange time x reaches us at x + response(x), in order. The driver merges these times with the
 * market's exchange times and calls `processInbound`, `onBookRow` / `onTradeRow` and `deliver` in time
 * order; trades go in at their own trade time, which can be earlier than depth messages logged before
 * them (Binance's trade stream lags its depth stream by up to a few hundred ms).
 *
 * Matching (post-only by default: a place that would cross is rejected; see `postOnly`):
 * - an order arriving at exchange time `a` joins behind the level as the venue knows it at `a`: the
 *   size of the last depth message less what traded at that level since (`VenueBook`);
 * - only a trade with exchange time after the order's arrival can fill it;
 * - each trade's quantity is allocated once: our orders priced better than the trade (the aggressor
 *   swept through them) first, best price first, then our orders at the trade's price in queue order,
 *   each behind the real volume ahead of it. Orders at the trade's price see their queue shrink by the
 *   whole trade (the replayed market is not changed by our orders);
 * - a depth decrease at an order's level that the trades since its last reading do not explain is a
 *   cancellation, placed in the queue as the `QueueModel` says; BBO rows never move a queue;
 * - from a gap row until the snapshot that resyncs the book (`VenueBook.known` false), no trade fills an
 *   order (`stats.fillsSuppressed` counts those that reached one) and an arriving place or take is rejected;
 *   at the resync every resting order goes to the back of its level.
 * Fills are at the order's own price and carry the exchange time and id of the trade behind them.
 */
export class L2Exchange implements OrderSink {
  /** Our net position as the venue knows it (fills at their exchange time; the trading side learns of them later): funding is paid on it. */
  position = 0;
  readonly market: VenueBook;
  /** Latest arrival time of a command processed here (the market keeps the rows' clock). */
  private clock = Number.NEGATIVE_INFINITY;
  /** Every order sent, when it arrived and ended, and the queue it joined. */
  readonly audit = new OrderAudit();

  private readonly ownsMarket: boolean;
  private readonly partial: boolean;
  /** Quantity step (0: none) and 10^its decimals, so that a number of lots prints as the exact decimal. */
  private readonly lot: number;
  private readonly lotScale: number;

  /** Exchange clock: the latest exchange time processed, market rows or our commands (never goes back). */
  get now(): number {
    const m = this.market.now;
    return m > this.clock ? m : this.clock;
  }

  // Resting orders (struct of arrays).
  private nRest = 0;
  private rId = new Float64Array(RESTING);
  private rSide = new Int8Array(RESTING);
  private rTick = new Float64Array(RESTING);
  private rPrice = new Float64Array(RESTING);
  private rRem = new Float64Array(RESTING);
  private rAhead = new Float64Array(RESTING);
  /** Depth size of the order's level at its last reading (join, or a depth row naming it). */
  private rRef = new Float64Array(RESTING);
  /** Volume traded at the order's level since that reading, within depth message `rEpoch` (stale after it). */
  private rTraded = new Float64Array(RESTING);
  private rEpoch = new Float64Array(RESTING);
  private rJoinAhead = new Float64Array(RESTING);
  /** What reached the order beyond its queue but was less than a lot: carried to its next fill (< one lot). */
  private rCarry = new Float64Array(RESTING);
  private rSent = new Float64Array(RESTING);
  private rArrived = new Float64Array(RESTING);
  private rAudit = new Int32Array(RESTING);
  /** Best tick among our resting bids / asks (−∞ / +∞: none): a trade beyond both reaches no order. */
  private restBidMax = Number.NEGATIVE_INFINITY;
  private restAskMin = Number.POSITIVE_INFINITY;
  /** Scratch: resting orders a trade reaches, in allocation order. */
  private order = new Int32Array(RESTING);

  /** Twice the room for resting orders (a replay of a session's own orders is not bounded by a gate). */
  private growResting(): void {
    const n = this.rId.length * 2;
    const f64 = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.rId = f64(this.rId);
    this.rTick = f64(this.rTick);
    this.rPrice = f64(this.rPrice);
    this.rRem = f64(this.rRem);
    this.rAhead = f64(this.rAhead);
    this.rRef = f64(this.rRef);
    this.rTraded = f64(this.rTraded);
    this.rEpoch = f64(this.rEpoch);
    this.rJoinAhead = f64(this.rJoinAhead);
    this.rCarry = f64(this.rCarry);
    this.rSent = f64(this.rSent);
    this.rArrived = f64(this.rArrived);
    const side = new Int8Array(n);
    side.set(this.rSide);
    this.rSide = side;
    const audit = new Int32Array(n);
    audit.set(this.rAudit);
    this.rAudit = audit;
    this.order = new Int32Array(n);
  }

  // Inbound ring: commands on their way to the venue.
  private inHead = 0;
  private inCount = 0;
  private inMask = RING - 1;
  private lastIn = Number.NEGATIVE_INFINITY;
  private inKind = new Uint8Array(RING);
  private inTs = new Float64Array(RING);
  private inSent = new Float64Array(RING);
  private inId = new Float64Array(RING);
  private inSide = new Int8Array(RING);
  private inPrice = new Float64Array(RING);
  private inQty = new Float64Array(RING);
  private inAudit = new Int32Array(RING);

  // Outbound ring: answers on their way back.
  private outHead = 0;
  private outCount = 0;
  private outMask = RING - 1;
  private lastOut = Number.NEGATIVE_INFINITY;
  private oKind = new Uint8Array(RING);
  private oTs = new Float64Array(RING);
  private oExTs = new Float64Array(RING);
  private oId = new Float64Array(RING);
  private oSide = new Int8Array(RING);
  private oPrice = new Float64Array(RING);
  private oQty = new Float64Array(RING);
  private oFee = new Float64Array(RING);
  private oReason = new Uint8Array(RING);
  private oJoinAhead = new Float64Array(RING);
  private oMid = new Float64Array(RING);
  private oSent = new Float64Array(RING);
  private oThrough = new Uint8Array(RING);
  private oTaker = new Uint8Array(RING);
  private oTrade = new Float64Array(RING);

  /** Details of the last message `deliver` handed over (fills: for tick metrics and the audit trail). */
  readonly last = { kind: 0, exchangeTs: 0, joinAhead: 0, mid: 0, sentTs: 0, tradeThrough: false, tradeId: Number.NaN };
  /** Counters for metrics and tests. */
  readonly stats = {
    arrived: 0,
    placedQty: 0,
    rejectedPostOnly: 0,
    fills: 0,
    takerFills: 0,
    tradeThroughFills: 0,
    cancelsLate: 0,
    tradesBeforeArrival: 0,
    /** Trades that reached a resting order while the book was unknown (a gap): not matched. */
    fillsSuppressed: 0,
    /** Places and immediate-or-cancel orders that arrived while the book was unknown: rejected. */
    rejectedBookUnknown: 0,
    /** Resting orders put at the back of their level when a snapshot ended a gap. */
    requeued: 0,
  };

  constructor(
    readonly params: Readonly<L2ExchangeParams>,
    readonly queue: QueueModel,
    readonly latency: LatencyModel,
    readonly fees: FeeModel,
    /** A market shared with other venues replaying the same events (the driver feeds it); default: our own. */
    market?: VenueBook,
  ) {
    this.ownsMarket = market === undefined;
    this.market = market ?? new VenueBook(params.tickSize, params.ladderTicks ?? DEFAULT_LADDER_TICKS);
    this.partial = params.partialFills;
    this.lot = params.lotSize !== undefined && params.lotSize > 0 ? params.lotSize : 0;
    this.lotScale = this.lot > 0 ? 10 ** decimalsOf(this.lot) : 1;
  }

  /** Whole lots in `q` (a hair under a whole number counts as it: 0.3 − 0.1 is 0.19999999999999998). */
  private lotsIn(q: number): number {
    return Math.floor(q / this.lot + 1e-9);
  }

  /** `n` lots as the exact decimal quantity. */
  private lotsQty(n: number): number {
    return Math.round(n * this.lot * this.lotScale) / this.lotScale;
  }

  /** The book with every row applied (BBO included): the venue's touch. */
  get book(): VenueBook['book'] {
    return this.market.book;
  }

  // ---- OrderSink: called at local time by the core (through the risk gate) ----

  place(ts: Micros, clientId: number, side: Side, price: number, qty: number): void {
    const j = this.pushIn(ts);
    this.inKind[j] = IN_PLACE;
    this.inId[j] = clientId;
    this.inSide[j] = side;
    this.inPrice[j] = price;
    this.inQty[j] = qty;
    this.inAudit[j] = this.audit.open(clientId, side, price, qty, ts);
  }

  /**
   * An immediate-or-cancel order: when it arrives it takes the displayed levels from the touch up to
   * `price` as taker (taker fee, level prices, the replayed book unchanged), and the rest is cancelled.
   */
  take(ts: Micros, clientId: number, side: Side, price: number, qty: number): void {
    this.place(ts, clientId, side, price, qty);
    this.inKind[(this.inHead + this.inCount - 1) & this.inMask] = IN_TAKE;
  }

  cancel(ts: Micros, clientId: number): void {
    const j = this.pushIn(ts);
    this.inKind[j] = IN_CANCEL;
    this.inId[j] = clientId;
  }

  private pushIn(ts: Micros): number {
    if (this.inCount > this.inMask) this.growIn();
    let at = ts + this.latency.entry(ts);
    if (at < this.lastIn) at = this.lastIn;
    this.lastIn = at;
    const j = (this.inHead + this.inCount++) & this.inMask;
    this.inTs[j] = at;
    this.inSent[j] = ts;
    return j;
  }

  /** Twice the room for commands in flight, oldest first from slot 0. */
  private growIn(): void {
    const h = this.inHead;
    const c = this.inCount;
    this.inKind = unwrapRing(this.inKind, h, c);
    this.inTs = unwrapRing(this.inTs, h, c);
    this.inSent = unwrapRing(this.inSent, h, c);
    this.inId = unwrapRing(this.inId, h, c);
    this.inSide = unwrapRing(this.inSide, h, c);
    this.inPrice = unwrapRing(this.inPrice, h, c);
    this.inQty = unwrapRing(this.inQty, h, c);
    this.inAudit = unwrapRing(this.inAudit, h, c);
    this.inHead = 0;
    this.inMask = this.inMask * 2 + 1;
  }

  /** Twice the room for answers in flight, oldest first from slot 0. */
  private growOut(): void {
    const h = this.outHead;
    const c = this.outCount;
    this.oKind = unwrapRing(this.oKind, h, c);
    this.oTs = unwrapRing(this.oTs, h, c);
    this.oExTs = unwrapRing(this.oExTs, h, c);
    this.oId = unwrapRing(this.oId, h, c);
    this.oSide = unwrapRing(this.oSide, h, c);
    this.oPrice = unwrapRing(this.oPrice, h, c);
    this.oQty = unwrapRing(this.oQty, h, c);
    this.oFee = unwrapRing(this.oFee, h, c);
    this.oReason = unwrapRing(this.oReason, h, c);
    this.oJoinAhead = unwrapRing(this.oJoinAhead, h, c);
    this.oMid = unwrapRing(this.oMid, h, c);
    this.oSent = unwrapRing(this.oSent, h, c);
    this.oThrough = unwrapRing(this.oThrough, h, c);
    this.oTaker = unwrapRing(this.oTaker, h, c);
    this.oTrade = unwrapRing(this.oTrade, h, c);
    this.outHead = 0;
    this.outMask = this.outMask * 2 + 1;
  }

  /** Venue arrival time of the next command in flight (+∞ if none). */
  nextInboundTs(): number {
    return this.inCount > 0 ? this.inTs[this.inHead]! : Number.POSITIVE_INFINITY;
  }

  /** Local arrival time of the next answer in flight (+∞ if none). */
  nextOutboundTs(): number {
    return this.outCount > 0 ? this.oTs[this.outHead]! : Number.POSITIVE_INFINITY;
  }

  get resting(): number {
    return this.nRest;
  }

  /** Process the next command in flight at its venue arrival time. */
  processInbound(): void {
    const j = this.inHead;
    this.inHead = (j + 1) & this.inMask;
    this.inCount--;
    const t = this.inTs[j]!;
    if (t > this.clock) this.clock = t;
    this.stats.arrived++;
    const id = this.inId[j]!;
    if (this.inKind[j] === IN_CANCEL) {
      const r = this.find(id);
      if (r < 0) {
        this.stats.cancelsLate++; // already filled: the fill is on its way back
        return;
      }
      this.audit.end(this.rAudit[r]!, t, OrderEnd.Canceled);
      this.removeAt(r);
      this.pushOut(VenueMsg.Canceled, id, 0, 0, 0, 0, 0, 0, 0, t);
      return;
    }
    const a = this.inAudit[j]!;
    this.audit.arrived[a] = t;
    const side = this.inSide[j]! as Side;
    const price = this.inPrice[j]!;
    let qty = this.inQty[j]!;
    if (!(qty > 0)) {
      this.audit.end(a, t, OrderEnd.Rejected);
      this.pushOut(VenueMsg.Rejected, id, side, price, 0, 0, 2, 0, 0, t);
      return;
    }
    if (this.market.book.gapOpen) return this.rejectUnknownBook(j);
    if (this.lot > 0) {
      // A whole number of lots (up to the float noise of a computed size), kept as its exact decimal.
      const n = Math.round(qty / this.lot);
      if (!(n >= 1 && Math.abs(qty / this.lot - n) <= 1e-6)) {
        this.audit.end(a, t, OrderEnd.Rejected);
        this.pushOut(VenueMsg.Rejected, id, side, price, 0, 0, 4, 0, 0, t);
        return;
      }
      qty = this.lotsQty(n);
    }
    const book = this.market.book;
    const tick = book.tickOf(price);
    const opposite = side > 0 ? book.bestAskTick() : book.bestBidTick();
    if (this.inKind[j] === IN_TAKE) {
      this.stats.placedQty += qty;
      this.pushOut(VenueMsg.Accepted, id, side, price, 0, 0, 0, 0, 0, t);
      const crosses = opposite === opposite && (side > 0 ? tick >= opposite : tick <= opposite);
      const left = crosses ? this.sweep(id, side, tick, opposite, qty, this.inSent[j]!, a) : qty;
      if (left <= qty * 1e-9) this.audit.end(a, t, OrderEnd.Filled);
      else {
        // The rest expires at once (its fills travel first: the core books them before the order ends).
        this.audit.end(a, t, OrderEnd.Canceled);
        this.pushOut(VenueMsg.Canceled, id, 0, 0, 0, 0, 0, 0, 0, t);
      }
      return;
    }
    let rest = qty;
    if (opposite === opposite && (side > 0 ? tick >= opposite : tick <= opposite)) {
      if (this.params.postOnly !== false) {
        this.stats.rejectedPostOnly++;
        this.audit.end(a, t, OrderEnd.Rejected);
        this.pushOut(VenueMsg.Rejected, id, side, price, 0, 0, 1, 0, 0, t);
        return;
      }
      this.stats.placedQty += qty;
      this.pushOut(VenueMsg.Accepted, id, side, price, 0, 0, 0, 0, 0, t);
      rest = this.sweep(id, side, tick, opposite, qty, this.inSent[j]!, a);
      if (rest <= qty * 1e-9) {
        this.audit.end(a, t, OrderEnd.Filled);
        return;
      }
    } else {
      this.stats.placedQty += qty;
      this.pushOut(VenueMsg.Accepted, id, side, price, 0, 0, 0, 0, 0, t);
    }
    if (this.nRest === this.rId.length) this.growResting();
    const r = this.nRest++;
    // The depth level less what traded there since; where a BBO row shows the level differently (fresher
    // but of uncertain time), the larger of the two: an uncertain queue is taken as the longer one. A level
    // no depth message has stated (beyond the snapshot's levels, never named since) may hold any volume: the
    // queue is unknown (+∞) until one states it — unless the touch shows it: better than the touch it is
    // empty, at the bookTicker's price it holds the bookTicker's size.
    const level = this.market.depthQtyAt(side, tick);
    const traded = this.market.tradedAt(side, tick);
    let ahead = level > traded ? level - traded : 0;
    const shown = book.shownQtyAt(side, tick);
    if (shown !== level && shown > ahead) ahead = shown;
    if (!this.market.depthKnownAt(side, tick) && !this.touchShows(side, tick)) ahead = Number.POSITIVE_INFINITY;
    this.rId[r] = id;
    this.rSide[r] = side;
    this.rTick[r] = tick;
    this.rPrice[r] = price;
    this.rRem[r] = rest;
    this.rAhead[r] = ahead;
    this.rRef[r] = level;
    this.rTraded[r] = traded;
    this.rEpoch[r] = this.market.epoch;
    const known = ahead !== Number.POSITIVE_INFINITY;
    this.rJoinAhead[r] = known ? ahead : Number.NaN;
    this.rCarry[r] = 0;
    this.rSent[r] = this.inSent[j]!;
    this.rArrived[r] = t;
    this.rAudit[r] = a;
    if (known) this.audit.queueAhead[a] = ahead;
    this.market.addResting(side, tick);
    if (side > 0) {
      if (tick > this.restBidMax) this.restBidMax = tick;
    } else if (tick < this.restAskMin) this.restAskMin = tick;
  }

  /** True when the venue's touch tells a level's size: a price better than the best on its side (empty), or the bookTicker's. */
  private touchShows(side: number, tick: number): boolean {
    const book = this.market.book;
    if (side > 0 ? tick > book.touchBid : tick < book.touchAsk) return true;
    return book.bboActive && tick === (side > 0 ? book.bboBidTick : book.bboAskTick);
  }

  /**
   * A place or take arriving in a gap of the depth stream: the venue's book is unknown, so nothing can be
   * checked against it, taken from it or queued in it, and the order is refused (it never rests, so no fill
   * can come of it). A method of its own: `processInbound` stays small.
   */
  private rejectUnknownBook(j: number): void {
    const t = this.inTs[j]!;
    this.stats.rejectedBookUnknown++;
    this.audit.end(this.inAudit[j]!, t, OrderEnd.Rejected);
    this.pushOut(VenueMsg.Rejected, this.inId[j]!, this.inSide[j]!, this.inPrice[j]!, 0, 0, 3, 0, 0, t);
  }

  /**
   * A crossing limit order takes the displayed levels from the touch up to its price, as taker.
   * The replayed book is not changed (no market impact). Returns the quantity left to rest.
   */
  private sweep(id: number, side: Side, limit: number, from: number, qty: number, sent: Micros, a: number): number {
    const book = this.market.book;
    let left = qty;
    // A level more than the ladder away cannot be displayed: the walk stops there.
    for (let lvl = from, n = 0; left > qty * 1e-9 && (side > 0 ? lvl <= limit : lvl >= limit) && n < book.capacity; lvl += side, n++) {
      const avail = book.shownQtyAt(-side, lvl);
      if (!(avail > 0)) continue;
      let q = avail < left ? avail : left;
      if (this.lot > 0) {
        q = this.lotsQty(this.lotsIn(q));
        if (!(q > 0)) continue;
      }
      const px = book.priceOf(lvl);
      this.stats.fills++;
      this.stats.takerFills++;
      this.pushOut(VenueMsg.Filled, id, side, px, q, this.fees.fee(px, q, 'taker'), 0, 0, sent, this.now);
      const o = (this.outHead + this.outCount - 1) & this.outMask;
      this.oTaker[o] = 1;
      this.oThrough[o] = 0;
      this.oTrade[o] = Number.NaN;
      this.audit.filled[a] = this.audit.filled[a]! + q;
      left = this.lot > 0 ? this.lotsQty(Math.round((left - q) / this.lot)) : left - q;
    }
    return left;
  }

  /** Apply market-data row `i` at exchange time `t`: a book row or a trade (drivers that keep one time order for both). */
  onMarket(ev: EventColumns, i: number, t: Micros): void {
    if (ev.type[i] === TRADE) this.onTradeRow(ev, i, t);
    else this.onBookRow(ev, i, t);
  }

  /** A book row (snapshot, depth diff, BBO) at exchange time `t`. */
  onBookRow(ev: EventColumns, i: number, t: Micros): void {
    if (!this.ownsMarket) throw new InvariantError('a venue on a shared market takes book rows through afterBookRow');
    const market = this.market;
    const action = market.applyBookRow(ev, i, t);
    if (action !== QueueAction.None && this.nRest > 0) this.afterBookRow(action);
    market.finishRow();
  }

  /**
   * Our queues after a book row the market has applied (`action` from `VenueBook.applyBookRow`). A driver
   * feeding one market to several venues applies each row once, calls this on the venues it concerns,
   * then `market.finishRow()`.
   */
  afterBookRow(action: number): void {
    if (action === QueueAction.ReadNamed) {
      const tick = this.market.lastTick;
      const side = this.market.lastSide;
      if (side > 0 ? tick > this.restBidMax : tick < this.restAskMin) return; // better than all our orders on that side: none there
      for (let r = 0; r < this.nRest; r++) if (this.rTick[r] === tick && this.rSide[r] === side) this.read(r, true);
    } else if (action === QueueAction.ReadAllSnapshot) this.readAll();
    else if (action !== QueueAction.None) {
      const tick = this.market.lastTick;
      const side = this.market.lastSide;
      for (let r = 0; r < this.nRest; r++) this.read(r, this.rTick[r] === tick && this.rSide[r] === side);
    }
  }

  /**
   * Re-read an order's level in the depth book. A decrease beyond the volume traded there since the
   * last reading is a cancellation, placed by the queue model; an increase joins behind us.
   *
   * The level bounds the queue in front of the order only when the depth book states it afresh (`stated`:
   * a row named it, or a whole snapshot) or its size moved since the last reading. A re-read of every level
   * in the middle of a depth message (a row that cleared crossed levels) finds the order's level as it was
   * before the message; for an order that joined where only a BBO row showed the level (the depth book
   * had nothing there yet), that is 0, and bounding by it would put the order at the front of a queue the
   * rest of the message is about to state.
   */
  private read(r: number, stated: boolean): void {
    const q = this.market.depthQtyAt(this.rSide[r]!, this.rTick[r]!);
    if (this.rAhead[r] === Number.POSITIVE_INFINITY) {
      this.readUnknown(r, stated, q);
      return;
    }
    const ref = this.rRef[r]!;
    if (q < ref) {
      const dec = ref - q;
      const traded = this.rEpoch[r] === this.market.epoch ? this.rTraded[r]! : 0;
      this.rEpoch[r] = this.market.epoch;
      const explained = traded < dec ? traded : dec;
      this.rTraded[r] = traded - explained;
      const cancels = dec - explained;
      if (cancels > 0) this.rAhead[r] = this.queue.afterCancel(this.rAhead[r]!, ref - explained, cancels);
    }
    if ((stated || q !== ref) && this.rAhead[r]! > q) this.rAhead[r] = q;
    this.rRef[r] = q;
  }

  /**
   * A whole snapshot. A snapshot states the levels within its range: each order there has its level re-read;
   * an order beyond it keeps the queue it had (what was in front of it can only have left since, never grown).
   * After a gap (the snapshot resyncs the book) what happened in the queues meanwhile is unknown, so each
   * order goes to the back of its level instead (`requeue`).
   */
  private readAll(): void {
    const market = this.market;
    if (market.book.resyncing) for (let r = 0; r < this.nRest; r++) this.requeue(r);
    else for (let r = 0; r < this.nRest; r++) if (market.depthKnownAt(this.rSide[r]!, this.rTick[r]!)) this.read(r, true);
  }

  /**
   * After a gap, at the snapshot that resyncs the book: what happened in the queue meanwhile is unknown, so
   * the order is put at the back of its level as the snapshot states it (the longest queue it can have), or,
   * beyond the snapshot's range, gets an unknown queue (only a trade through its price fills it until a depth
   * row states its level).
   */
  private requeue(r: number): void {
    this.stats.requeued++;
    if (!this.market.depthKnownAt(this.rSide[r]!, this.rTick[r]!)) {
      this.rAhead[r] = Number.POSITIVE_INFINITY;
      return;
    }
    const q = this.market.depthQtyAt(this.rSide[r]!, this.rTick[r]!);
    this.rAhead[r] = q;
    this.rRef[r] = q;
    this.rTraded[r] = 0;
    this.rEpoch[r] = this.market.epoch;
  }

  /**
   * An order whose level no depth message had stated when it joined: the first statement (`stated`: a row
   * named it, or a snapshot reaching it) bounds its queue by the level's size then (everything in front of it
   * is in that level), which becomes its queue at join in the audit trail. Until then nothing moves it.
   */
  private readUnknown(r: number, stated: boolean, q: number): void {
    if (!stated || !this.market.depthKnownAt(this.rSide[r]!, this.rTick[r]!)) return;
    this.rAhead[r] = q;
    this.rRef[r] = q;
    this.rTraded[r] = 0;
    this.rEpoch[r] = this.market.epoch;
    this.rJoinAhead[r] = q;
    this.audit.queueAhead[this.rAudit[r]!] = q;
  }

  /** A trade row at its exchange (trade) time `t`. */
  onTradeRow(ev: EventColumns, i: number, t: Micros): void {
    if (!this.ownsMarket) throw new InvariantError('a venue on a shared market takes trades through matchTrade');
    const aggressor = ev.side[i]!;
    const size = ev.size[i]!;
    const tick = this.market.book.tickOf(ev.price[i]!);
    const id = ev.id[i]!;
    this.market.onTrade(aggressor, tick, size, t, id);
    if (this.reaches(aggressor, tick)) this.matchTrade(aggressor, tick, size, t, id);
  }

  /** True when a trade at `tick` by `aggressor` reaches one of our resting orders (at its price or through it). */
  reaches(aggressor: number, tick: number): boolean {
    return aggressor < 0 ? this.restBidMax >= tick : this.restAskMin <= tick;
  }

  /**
   * Allocate one trade's quantity to the resting orders it reaches (see the class comment). The market
   * has taken the trade first (`VenueBook.onTrade`). Callers ask `reaches` first: a trade that reaches no
   * order changes nothing here.
   */
  matchTrade(aggressor: number, tick: number, size: number, t: Micros, tradeId: number): void {
    // The book is unknown (a gap): no queue can be read, so no fill is computed (counted, not matched).
    if (this.market.book.gapOpen) return this.unmatched(aggressor, tick, t);
    const passive = -aggressor;
    const order = this.order;
    const epoch = this.market.epoch;
    // Orders the trade reaches: priced through it (best first), then at its price (front of the queue first).
    let n = 0;
    let nThrough = 0;
    for (let r = 0; r < this.nRest; r++) {
      if (this.rSide[r] !== passive) continue;
      const ot = this.rTick[r]!;
      const through = passive > 0 ? ot > tick : ot < tick;
      if (!through && ot !== tick) continue;
      if (ot === tick) {
        if (this.rEpoch[r] !== epoch) {
          this.rTraded[r] = 0;
          this.rEpoch[r] = epoch;
        }
        this.rTraded[r] = this.rTraded[r]! + size;
      }
      if (this.rArrived[r]! > t) {
        // Printed before the order reached the venue (a trade replayed late): it took volume in front of
        // the order, but cannot fill it.
        this.stats.tradesBeforeArrival++;
        if (ot === tick) this.rAhead[r] = this.rAhead[r]! > size ? this.rAhead[r]! - size : 0;
        continue;
      }
      // Insertion by (through first, better price first, smaller queue first).
      const key = through ? -passive * ot : Number.POSITIVE_INFINITY;
      let k = n++;
      if (through) nThrough++;
      while (k > 0) {
        const p = order[k - 1]!;
        const pThrough = this.rTick[p] !== tick;
        const pKey = pThrough ? -passive * this.rTick[p]! : Number.POSITIVE_INFINITY;
        if (pKey < key || (pKey === key && (through || this.rAhead[p]! <= this.rAhead[r]!))) break;
        order[k] = p;
        k--;
      }
      order[k] = r;
    }
    if (n === 0) return;
    let budget = size;
    let realTaken = 0;
    const whole = !this.partial;
    const lot = whole ? 0 : this.lot;
    // Whole lots of the trade not yet given to our orders: our fills from one trade never exceed it.
    let tradeLots = lot > 0 ? this.lotsIn(size) : 0;
    // Fill in priority order first, remove filled orders afterwards.
    for (let k = 0; k < n; k++) {
      const r = order[k]!;
      const rem = this.rRem[r]!;
      let q: number;
      if (k < nThrough) {
        q = whole ? rem : rem < budget ? rem : budget;
        this.rAhead[r] = 0;
      } else {
        const ahead = this.rAhead[r]!;
        // The real volume in front of this order takes the trade first.
        const need = ahead - realTaken;
        if (need > 0) {
          const give = need < budget ? need : budget;
          budget -= give;
          realTaken += give;
        }
        const reached = realTaken >= ahead && (budget > 0 || (whole && size > ahead));
        q = !reached ? 0 : whole ? rem : rem < budget ? rem : budget;
        this.rAhead[r] = ahead > size ? ahead - size : 0;
      }
      if (lot > 0) {
        // Whole lots only: what reached the order (a probabilistic queue makes it fractional) plus the
        // fraction carried from before, floored to lots; the fraction left is carried to its next fill.
        const credit = q + this.rCarry[r]!;
        const lots = this.lotsIn(credit);
        this.rCarry[r] = lots > 0 ? Math.max(0, credit - lots * lot) : credit;
        let fillLots = lots < tradeLots ? lots : tradeLots;
        const remLots = Math.round(rem / lot);
        if (remLots < fillLots) fillLots = remLots;
        if (fillLots <= 0) continue;
        tradeLots -= fillLots;
        q = this.lotsQty(fillLots);
      } else if (!(q > size * 1e-9)) continue; // what a trade leaves after the queue in front can be a floating-point remainder (1e-17): no fill
      budget -= q;
      if (budget < 0) budget = 0;
      this.fill(r, q, k < nThrough, t, tradeId);
    }
    // Remove filled orders (highest index first keeps the others' indices valid).
    for (let r = this.nRest - 1; r >= 0; r--) if (this.rRem[r]! <= 0) this.removeAt(r);
  }

  /** A trade in a gap that reached a resting order (at or through its price, printed after its arrival): counted. */
  private unmatched(aggressor: number, tick: number, t: Micros): void {
    const passive = -aggressor;
    for (let r = 0; r < this.nRest; r++) {
      if (this.rSide[r] !== passive || this.rArrived[r]! > t) continue;
      const ot = this.rTick[r]!;
      if (ot === tick || (passive > 0 ? ot > tick : ot < tick)) {
        this.stats.fillsSuppressed++;
        return;
      }
    }
  }

  private fill(r: number, qty: number, through: boolean, t: Micros, tradeId: number): void {
    const price = this.rPrice[r]!;
    const side = this.rSide[r]!;
    const fee = this.fees.fee(price, qty, 'maker');
    this.stats.fills++;
    if (through) this.stats.tradeThroughFills++;
    this.pushOut(VenueMsg.Filled, this.rId[r]!, side, price, qty, fee, 0, this.rJoinAhead[r]!, this.rSent[r]!, t);
    const o = (this.outHead + this.outCount - 1) & this.outMask;
    this.oThrough[o] = through ? 1 : 0;
    this.oTaker[o] = 0;
    this.oTrade[o] = tradeId;
    const a = this.rAudit[r]!;
    this.audit.filled[a] = this.audit.filled[a]! + qty;
    const left = this.lot > 0 ? this.lotsQty(Math.round((this.rRem[r]! - qty) / this.lot)) : this.rRem[r]! - qty;
    if (left <= qty * 1e-9) {
      this.rRem[r] = 0;
      // At the venue's clock: a trade replayed late (t < now) may complete an order another trade began.
      this.audit.end(a, t > this.now ? t : this.now, OrderEnd.Filled);
    } else this.rRem[r] = left;
  }

  private find(id: number): number {
    for (let r = 0; r < this.nRest; r++) if (this.rId[r] === id) return r;
    return -1;
  }

  private removeAt(r: number): void {
    const side = this.rSide[r]!;
    const tick = this.rTick[r]!;
    this.market.removeResting(side, tick);
    const l = --this.nRest;
    if (r !== l) this.moveRow(l, r);
    if (side > 0 ? tick === this.restBidMax : tick === this.restAskMin) this.rescanBest(side);
  }

  /** The best resting tick of a side again, after its holder left. */
  private rescanBest(side: number): void {
    let best = side > 0 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    for (let k = 0; k < this.nRest; k++) {
      if (this.rSide[k] !== side) continue;
      const t = this.rTick[k]!;
      if (side > 0 ? t > best : t < best) best = t;
    }
    if (side > 0) this.restBidMax = best;
    else this.restAskMin = best;
  }

  /** Row `l` of the resting table into row `r`. */
  private moveRow(l: number, r: number): void {
    this.rId[r] = this.rId[l]!;
    this.rSide[r] = this.rSide[l]!;
    this.rTick[r] = this.rTick[l]!;
    this.rPrice[r] = this.rPrice[l]!;
    this.rRem[r] = this.rRem[l]!;
    this.rAhead[r] = this.rAhead[l]!;
    this.rRef[r] = this.rRef[l]!;
    this.rTraded[r] = this.rTraded[l]!;
    this.rEpoch[r] = this.rEpoch[l]!;
    this.rJoinAhead[r] = this.rJoinAhead[l]!;
    this.rCarry[r] = this.rCarry[l]!;
    this.rSent[r] = this.rSent[l]!;
    this.rArrived[r] = this.rArrived[l]!;
    this.rAudit[r] = this.rAudit[l]!;
  }

  private pushOut(kind: number, id: number, side: number, price: number, qty: number, fee: number, reason: number, joinAhead: number, sent: number, exTs: Micros): void {
    if (this.outCount > this.outMask) this.growOut();
    if (kind === VenueMsg.Filled) this.position += side * qty;
    const x = this.now;
    let at = x + this.latency.response(x);
    if (at < this.lastOut) at = this.lastOut;
    this.lastOut = at;
    const j = (this.outHead + this.outCount++) & this.outMask;
    this.oKind[j] = kind;
    this.oTs[j] = at;
    this.oExTs[j] = exTs;
    this.oId[j] = id;
    this.oSide[j] = side;
    this.oPrice[j] = price;
    this.oQty[j] = qty;
    this.oFee[j] = fee;
    this.oReason[j] = reason;
    this.oJoinAhead[j] = joinAhead;
    this.oMid[j] = this.market.book.mid();
    this.oSent[j] = sent;
  }

  /** Hand the next answer to `handler`, stamped with its local arrival time. Returns its kind. */
  deliver(handler: OrderEventHandler): number {
    const j = this.outHead;
    this.outHead = (j + 1) & this.outMask;
    this.outCount--;
    const ts = this.oTs[j]!;
    const id = this.oId[j]!;
    const kind = this.oKind[j]!;
    const last = this.last;
    last.kind = kind;
    last.exchangeTs = this.oExTs[j]!;
    last.joinAhead = this.oJoinAhead[j]!;
    last.mid = this.oMid[j]!;
    last.sentTs = this.oSent[j]!;
    last.tradeThrough = this.oThrough[j] === 1;
    last.tradeId = kind === VenueMsg.Filled ? this.oTrade[j]! : Number.NaN;
    switch (kind) {
      case VenueMsg.Accepted:
        handler.onAccepted(ts, id);
        break;
      case VenueMsg.Rejected:
        handler.onRejected(ts, id, REASONS[this.oReason[j]!] ?? 'rejected');
        break;
      case VenueMsg.Canceled:
        handler.onCanceled(ts, id);
        break;
      default:
        handler.onFill(ts, id, this.oSide[j]! as Side, this.oPrice[j]!, this.oQty[j]!, this.oFee[j]!, this.oTaker[j] === 1 ? 'taker' : 'maker');
    }
    return kind;
  }

  /** Queue ahead of a resting order (tests, diagnostics); NaN if it does not rest. */
  queueAhead(clientId: number): number {
    const r = this.find(clientId);
    return r < 0 ? Number.NaN : this.rAhead[r]!;
  }
}
