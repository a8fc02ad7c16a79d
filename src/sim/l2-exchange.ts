// The simulated L2 venue: replayed book at exchange time, our orders with queue position, latency, partial fills, fees.
import { InvariantError, type Micros } from '../core/index.js';
import { L2Book, EventFlag, EventType, type EventColumns, type Side } from '../market/index.js';
import type { OrderEventHandler, OrderSink } from '../orders/index.js';
import type { FeeModel } from './fees.js';
import type { QueueModel } from './queue/index.js';
import type { LatencyModel } from './latency/index.js';

/** Width of the simulated venue's book ladder, in ticks, unless `ladderTicks` says otherwise. */
export const DEFAULT_LADDER_TICKS = 1 << 14;

export interface L2ExchangeParams {
  tickSize: number;
  /** Fill only what the trades beyond our queue position cover (else: the whole order once reached). */
  partialFills: boolean;
  /** Ladder width of the venue's book, ticks. */
  ladderTicks?: number;
  /**
   * Reject a place that would cross the book (default true). When false it is a plain limit order: it
   * takes the displayed liquidity up to its price as taker (at the levels' prices, taker fee), and the
   * rest of it rests.
   */
  postOnly?: boolean;
}

/** Kinds of messages the venue sends back. */
export const VenueMsg = { Accepted: 1, Rejected: 2, Canceled: 3, Filled: 4 } as const;

const REASONS = ['', 'post-only order would cross the book', 'quantity must be positive'] as const;
const IN_PLACE = 1;
const IN_CANCEL = 2;
const RING = 1 << 12;
const MAX_RESTING = 64;

/**
 * Messages travel with latency: a command sent at local time t reaches the venue at
 * t + entry(t) (never before an earlier command: one ordered connection); the venue's answer produced
 * at exchange time x reaches us at x + response(x), in order. The driver merges these times with the
 * market data clock and calls `processInbound`, `onMarket` and `deliver` in time order.
 *
 * Matching (post-only by default: a place that would cross is rejected; see `postOnly`):
 * - a new order joins behind the displayed size of its level (`ahead`);
 * - a trade at our price consumes the queue from the front; the part beyond `ahead` fills us (all of
 *   the order, or only that part with `partialFills`);
 * - a trade through our price (a sell below our bid, a buy above our ask) fills the whole order: the
 *   aggressor swept our level to print beyond it;
 * - a level decrease that trades do not explain moves us forward as the `QueueModel` says.
 * Fills are at the order's own price; no fill happens without a trade at or through that price.
 */
export class L2Exchange implements OrderSink {
  readonly book: L2Book;
  /** Exchange clock: the latest exchange time processed (never goes back). */
  now = Number.NEGATIVE_INFINITY;

  // Resting orders (struct of arrays).
  private nRest = 0;
  /** Inside a snapshot message (its rows are applied, our levels re-read at its end). */
  private snapshotOpen = false;
  private readonly rId = new Float64Array(MAX_RESTING);
  private readonly rSide = new Int8Array(MAX_RESTING);
  private readonly rTick = new Float64Array(MAX_RESTING);
  private readonly rPrice = new Float64Array(MAX_RESTING);
  private readonly rRem = new Float64Array(MAX_RESTING);
  private readonly rAhead = new Float64Array(MAX_RESTING);
  private readonly rLevel = new Float64Array(MAX_RESTING);
  private readonly rTraded = new Float64Array(MAX_RESTING);
  private readonly rJoinAhead = new Float64Array(MAX_RESTING);
  private readonly rSent = new Float64Array(MAX_RESTING);

  // Inbound ring: commands on their way to the venue.
  private inHead = 0;
  private inCount = 0;
  private lastIn = Number.NEGATIVE_INFINITY;
  private readonly inKind = new Uint8Array(RING);
  private readonly inTs = new Float64Array(RING);
  private readonly inSent = new Float64Array(RING);
  private readonly inId = new Float64Array(RING);
  private readonly inSide = new Int8Array(RING);
  private readonly inPrice = new Float64Array(RING);
  private readonly inQty = new Float64Array(RING);

  // Outbound ring: answers on their way back.
  private outHead = 0;
  private outCount = 0;
  private lastOut = Number.NEGATIVE_INFINITY;
  private readonly oKind = new Uint8Array(RING);
  private readonly oTs = new Float64Array(RING);
  private readonly oExTs = new Float64Array(RING);
  private readonly oId = new Float64Array(RING);
  private readonly oSide = new Int8Array(RING);
  private readonly oPrice = new Float64Array(RING);
  private readonly oQty = new Float64Array(RING);
  private readonly oFee = new Float64Array(RING);
  private readonly oReason = new Uint8Array(RING);
  private readonly oJoinAhead = new Float64Array(RING);
  private readonly oMid = new Float64Array(RING);
  private readonly oSent = new Float64Array(RING);
  private readonly oThrough = new Uint8Array(RING);
  private readonly oTaker = new Uint8Array(RING);

  /** Details of the last message `deliver` handed over (fills: for tick metrics). */
  readonly last = { kind: 0, exchangeTs: 0, joinAhead: 0, mid: 0, sentTs: 0, tradeThrough: false };
  /** Counters for metrics and tests. */
  readonly stats = { arrived: 0, placedQty: 0, rejectedPostOnly: 0, fills: 0, takerFills: 0, tradeThroughFills: 0, cancelsLate: 0 };

  constructor(
    readonly params: Readonly<L2ExchangeParams>,
    readonly queue: QueueModel,
    readonly latency: LatencyModel,
    readonly fees: FeeModel,
  ) {
    this.book = new L2Book(params.tickSize, params.ladderTicks ?? DEFAULT_LADDER_TICKS);
  }

  // ---- OrderSink: called at local time by the core (through the risk gate) ----

  place(ts: Micros, clientId: number, side: Side, price: number, qty: number): void {
    const j = this.pushIn(ts);
    this.inKind[j] = IN_PLACE;
    this.inId[j] = clientId;
    this.inSide[j] = side;
    this.inPrice[j] = price;
    this.inQty[j] = qty;
  }

  cancel(ts: Micros, clientId: number): void {
    const j = this.pushIn(ts);
    this.inKind[j] = IN_CANCEL;
    this.inId[j] = clientId;
  }

  private pushIn(ts: Micros): number {
    if (this.inCount === RING) throw new InvariantError('more than 4096 commands in flight');
    let at = ts + this.latency.entry(ts);
    if (at < this.lastIn) at = this.lastIn;
    this.lastIn = at;
    const j = (this.inHead + this.inCount++) & (RING - 1);
    this.inTs[j] = at;
    this.inSent[j] = ts;
    return j;
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
    this.inHead = (j + 1) & (RING - 1);
    this.inCount--;
    const t = this.inTs[j]!;
    if (t > this.now) this.now = t;
    this.stats.arrived++;
    const id = this.inId[j]!;
    if (this.inKind[j] === IN_CANCEL) {
      const r = this.find(id);
      if (r < 0) {
        this.stats.cancelsLate++; // already filled: the fill is on its way back
        return;
      }
      this.removeAt(r);
      this.pushOut(VenueMsg.Canceled, id, 0, 0, 0, 0, 0, 0, 0);
      return;
    }
    const side = this.inSide[j]! as Side;
    const price = this.inPrice[j]!;
    const qty = this.inQty[j]!;
    if (!(qty > 0)) {
      this.pushOut(VenueMsg.Rejected, id, side, price, 0, 0, 2, 0, 0);
      return;
    }
    const book = this.book;
    const tick = book.tickOf(price);
    const opposite = side > 0 ? book.bestAskTick() : book.bestBidTick();
    let rest = qty;
    if (opposite === opposite && (side > 0 ? tick >= opposite : tick <= opposite)) {
      if (this.params.postOnly !== false) {
        this.stats.rejectedPostOnly++;
        this.pushOut(VenueMsg.Rejected, id, side, price, 0, 0, 1, 0, 0);
        return;
      }
      this.stats.placedQty += qty;
      this.pushOut(VenueMsg.Accepted, id, side, price, 0, 0, 0, 0, 0);
      rest = this.take(id, side, tick, opposite, qty, this.inSent[j]!);
      if (rest <= qty * 1e-9) return;
    } else {
      this.stats.placedQty += qty;
      this.pushOut(VenueMsg.Accepted, id, side, price, 0, 0, 0, 0, 0);
    }
    if (this.nRest === MAX_RESTING) throw new InvariantError(`more than ${MAX_RESTING} resting orders`);
    const r = this.nRest++;
    const level = book.qtyAtTick(side, tick);
    this.rId[r] = id;
    this.rSide[r] = side;
    this.rTick[r] = tick;
    this.rPrice[r] = price;
    this.rRem[r] = rest;
    this.rAhead[r] = level;
    this.rLevel[r] = level;
    this.rTraded[r] = 0;
    this.rJoinAhead[r] = level;
    this.rSent[r] = this.inSent[j]!;
  }

  /**
   * A crossing limit order takes the displayed levels from the touch up to its price, as taker.
   * The replayed book is not changed (no market impact). Returns the quantity left to rest.
   */
  private take(id: number, side: Side, limit: number, from: number, qty: number, sent: Micros): number {
    const book = this.book;
    let left = qty;
    // A level more than the ladder away cannot be displayed: the walk stops there.
    for (let lvl = from, n = 0; left > qty * 1e-9 && (side > 0 ? lvl <= limit : lvl >= limit) && n < book.capacity; lvl += side, n++) {
      const avail = book.qtyAtTick(-side, lvl);
      if (!(avail > 0)) continue;
      const q = avail < left ? avail : left;
      const px = book.priceOf(lvl);
      this.stats.fills++;
      this.stats.takerFills++;
      this.pushOut(VenueMsg.Filled, id, side, px, q, this.fees.fee(px, q, 'taker'), 0, 0, sent);
      const o = (this.outHead + this.outCount - 1) & (RING - 1);
      this.oTaker[o] = 1;
      this.oThrough[o] = 0;
      left -= q;
    }
    return left;
  }

  /** Apply market-data row `i` at exchange time `t`: book update (queue moves) or trade (matching). */
  onMarket(ev: EventColumns, i: number, t: Micros): void {
    if (t > this.now) this.now = t;
    if (ev.type[i] === EventType.Trade) {
      if (this.nRest > 0) this.onTrade(ev.side[i]!, ev.price[i]!, ev.size[i]!);
      return;
    }
    const book = this.book;
    const serial = book.serial;
    const changed = book.apply(ev, i);
    if (ev.type[i] === EventType.Snapshot) {
      // A snapshot (the first book, or a resync after a reconnect or a gap) is one change: the book is
      // cleared at its first row and refilled row by row, so our levels are re-read only once it is
      // whole. Re-reading mid-way would see our level empty, count its whole size as cancelled and put
      // us at the front of the queue on every resync.
      if ((ev.flags[i]! & EventFlag.EndOfMessage) === 0) {
        this.snapshotOpen = true;
        return;
      }
      this.snapshotOpen = false;
      if (this.nRest > 0) this.refreshLevels();
      return;
    }
    if (this.snapshotOpen) {
      // A snapshot whose last row was not marked: it ends where other rows begin.
      this.snapshotOpen = false;
      if (this.nRest > 0) this.refreshLevels();
    }
    if (!changed || this.nRest === 0) return;
    if (book.serial !== serial) {
      this.refreshLevels();
      return;
    }
    // Only the level the row names changed: re-read it if one of our orders rests there.
    const tick = book.lastTick;
    const side = ev.side[i]!;
    for (let r = 0; r < this.nRest; r++) {
      if (this.rTick[r] === tick && this.rSide[r] === side) {
        this.refreshLevels();
        return;
      }
    }
  }

  /** Our levels after a book change: a decrease not explained by trades is a cancel, placed by the queue model. */
  private refreshLevels(): void {
    const book = this.book;
    for (let r = 0; r < this.nRest; r++) {
      const q = book.qtyAtTick(this.rSide[r]!, this.rTick[r]!);
      const last = this.rLevel[r]!;
      if (q === last) continue;
      if (q < last) {
        let dec = last - q;
        const traded = this.rTraded[r]!;
        const explained = traded < dec ? traded : dec;
        dec -= explained;
        this.rTraded[r] = traded - explained;
        if (dec > 0) this.rAhead[r] = this.queue.afterCancel(this.rAhead[r]!, last - explained, dec);
        if (this.rAhead[r]! > q) this.rAhead[r] = q;
      }
      this.rLevel[r] = q;
    }
  }

  private onTrade(aggressor: number, price: number, size: number): void {
    const tick = this.book.tickOf(price);
    for (let r = this.nRest - 1; r >= 0; r--) {
      const side = this.rSide[r]!;
      if (side === aggressor) continue;
      const ot = this.rTick[r]!;
      let fillQty = 0;
      let through = false;
      if (side > 0 ? tick < ot : tick > ot) {
        fillQty = this.rRem[r]!;
        through = true;
        this.stats.tradeThroughFills++;
      } else if (tick === ot) {
        this.rTraded[r] = this.rTraded[r]! + size;
        const ahead = this.rAhead[r]! - size;
        if (ahead >= 0) {
          this.rAhead[r] = ahead;
          continue;
        }
        this.rAhead[r] = 0;
        const rem = this.rRem[r]!;
        fillQty = this.params.partialFills && -ahead < rem ? -ahead : rem;
      } else continue;
      this.fill(r, fillQty, through);
    }
  }

  private fill(r: number, qty: number, through: boolean): void {
    const price = this.rPrice[r]!;
    const side = this.rSide[r]!;
    const fee = this.fees.fee(price, qty, 'maker');
    this.stats.fills++;
    this.pushOut(VenueMsg.Filled, this.rId[r]!, side, price, qty, fee, 0, this.rJoinAhead[r]!, this.rSent[r]!);
    const o = (this.outHead + this.outCount - 1) & (RING - 1);
    this.oThrough[o] = through ? 1 : 0;
    this.oTaker[o] = 0;
    const left = this.rRem[r]! - qty;
    if (left <= qty * 1e-9) this.removeAt(r);
    else this.rRem[r] = left;
  }

  private find(id: number): number {
    for (let r = 0; r < this.nRest; r++) if (this.rId[r] === id) return r;
    return -1;
  }

  private removeAt(r: number): void {
    const l = --this.nRest;
    if (r === l) return;
    this.rId[r] = this.rId[l]!;
    this.rSide[r] = this.rSide[l]!;
    this.rTick[r] = this.rTick[l]!;
    this.rPrice[r] = this.rPrice[l]!;
    this.rRem[r] = this.rRem[l]!;
    this.rAhead[r] = this.rAhead[l]!;
    this.rLevel[r] = this.rLevel[l]!;
    this.rTraded[r] = this.rTraded[l]!;
    this.rJoinAhead[r] = this.rJoinAhead[l]!;
    this.rSent[r] = this.rSent[l]!;
  }

  private pushOut(kind: number, id: number, side: number, price: number, qty: number, fee: number, reason: number, joinAhead: number, sent: number): void {
    if (this.outCount === RING) throw new InvariantError('more than 4096 venue messages in flight');
    const x = this.now;
    let at = x + this.latency.response(x);
    if (at < this.lastOut) at = this.lastOut;
    this.lastOut = at;
    const j = (this.outHead + this.outCount++) & (RING - 1);
    this.oKind[j] = kind;
    this.oTs[j] = at;
    this.oExTs[j] = x;
    this.oId[j] = id;
    this.oSide[j] = side;
    this.oPrice[j] = price;
    this.oQty[j] = qty;
    this.oFee[j] = fee;
    this.oReason[j] = reason;
    this.oJoinAhead[j] = joinAhead;
    this.oMid[j] = this.book.mid();
    this.oSent[j] = sent;
  }

  /** Hand the next answer to `handler`, stamped with its local arrival time. Returns its kind. */
  deliver(handler: OrderEventHandler): number {
    const j = this.outHead;
    this.outHead = (j + 1) & (RING - 1);
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
