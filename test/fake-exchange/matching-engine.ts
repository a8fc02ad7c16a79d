// The fake exchange's own matching engine: our orders filled from the replayed capture under a hidden queue model and hidden latencies.
import type { Micros } from '../../src/core/index.js';
import { EventFlag, EventType, type EventColumns, type Side } from '../../src/market/index.js';
import type { OrderEventHandler } from '../../src/orders/index.js';

/**
 * Where a cancellation in our level falls, as this exchange decides it (the test's hidden truth):
 * - `fifo`: never ahead of us (the risk-averse bound): we move up only when the level shrinks below us;
 * - `power`: ahead of us with probability aheadᴺ / (aheadᴺ + behindᴺ) (Rigtorp's power-law family),
 *   taken in expectation, and never less than what cannot have come from behind us.
 */
export type HiddenQueue = { family: 'fifo' } | { family: 'power'; n: number };

/** A latency: `ms` each way, each message drawn uniformly within ±`jitter` of it (0: constant). */
export interface HiddenLatency {
  ms: number;
  jitter?: number;
}

export interface MatchingEngineOptions {
  tickSize: number;
  queue: HiddenQueue;
  /** Our command's trip to the engine. */
  entry: HiddenLatency;
  /** The engine's answer's trip back to us. */
  response: HiddenLatency;
  /** Maker fee, fraction of notional (default 0). */
  makerFee?: number;
  /** Seed of the latency jitter. */
  seed?: number;
}

const MSG_ACCEPTED = 1;
const MSG_REJECTED = 2;
const MSG_CANCELED = 3;
const MSG_FILLED = 4;

interface Resting {
  id: number;
  side: Side;
  tick: number;
  price: number;
  rem: number;
  arrived: Micros;
  /** Displayed size in front of us. */
  ahead: number;
  /** The level's depth at our last reading of it. */
  seen: number;
  /** Volume traded at our level since the last depth message (a depth decrease it explains is no cancel). */
  traded: number;
}

interface Outbound {
  kind: number;
  at: Micros;
  exchangeTs: Micros;
  id: number;
  side: Side;
  price: number;
  qty: number;
  fee: number;
}

interface Inbound {
  at: Micros;
  cancel: boolean;
  id: number;
  side: Side;
  price: number;
  qty: number;
}

/**
 * A price-time venue on the replayed market, written apart from the project's simulator so that a
 * calibration fitted against it proves something. The book is the capture's depth (snapshots and
 * diffs); its touch for the post-only check is the more aggressive of the depth's and the BBO rows'. An order
 * joins behind the depth shown at its price less what traded there since that depth was stated.
 * A trade fills our orders it sweeps through, then those at its price whose queue it exhausts, each
 * with at most the trade's volume beyond the real queue ahead (one trade's volume is used once).
 * A depth decrease at our level beyond the trades since the last depth message is a cancellation,
 * placed by the hidden queue model. Commands reach it after the entry latency, in the order sent;
 * answers reach us after the response latency, in the order produced. The driver calls the same
 * methods as on the project's venue (`onMarket`, `processInbound`, `deliver`, ...).
 */
export class MatchingEngine {
  readonly last = { kind: 0, exchangeTs: 0 };
  /** What the engine did, for tests: every arrival, queue at join, fill. */
  readonly log: { kind: 'arrived' | 'fill' | 'cancel' | 'reject'; id: number; ts: Micros; ahead?: number; qty?: number }[] = [];
  private readonly bids = new Map<number, number>();
  private readonly asks = new Map<number, number>();
  private bboBid = Number.NaN;
  private bboAsk = Number.NaN;
  /** Volume traded per level (key: side·tick) since the last depth message. */
  private readonly tradedAt = new Map<number, number>();
  private resting: Resting[] = [];
  private readonly inbound: Inbound[] = [];
  private readonly outbound: Outbound[] = [];
  private lastIn = Number.NEGATIVE_INFINITY;
  private lastOut = Number.NEGATIVE_INFINITY;
  private now = Number.NEGATIVE_INFINITY;
  private rng: number;

  constructor(readonly o: Readonly<MatchingEngineOptions>) {
    if (o.queue.family === 'power' && !(o.queue.n > 0)) throw new RangeError('power queue needs n > 0');
    this.rng = (o.seed ?? 1) >>> 0 || 1;
  }

  // ---- commands, at local time ----

  place(ts: Micros, id: number, side: Side, price: number, qty: number): void {
    this.inbound.push({ at: this.entryAt(ts), cancel: false, id, side, price, qty });
  }

  cancel(ts: Micros, id: number): void {
    this.inbound.push({ at: this.entryAt(ts), cancel: true, id, side: 1, price: 0, qty: 0 });
  }

  nextInboundTs(): number {
    return this.inbound.length > 0 ? this.inbound[0]!.at : Number.POSITIVE_INFINITY;
  }

  nextOutboundTs(): number {
    return this.outbound.length > 0 ? this.outbound[0]!.at : Number.POSITIVE_INFINITY;
  }

  /** The touch as the engine knows it (NaN: none yet). */
  touch(): { bid: number; ask: number } {
    const t = this.o.tickSize;
    const [b, a] = [this.bestBidTick(), this.bestAskTick()];
    return { bid: b === b ? b * t : Number.NaN, ask: a === a ? a * t : Number.NaN };
  }

  processInbound(): void {
    const c = this.inbound.shift()!;
    if (c.at > this.now) this.now = c.at;
    const t = this.now;
    if (c.cancel) {
      const k = this.resting.findIndex((r) => r.id === c.id);
      if (k < 0) return; // filled already: its fill is on the way
      this.resting.splice(k, 1);
      this.log.push({ kind: 'cancel', id: c.id, ts: t });
      this.answer(MSG_CANCELED, t, c.id, 1, 0, 0, 0);
      return;
    }
    const tick = Math.round(c.price / this.o.tickSize);
    const crosses = c.side > 0 ? tick >= this.bestAskTick() : tick <= this.bestBidTick();
    if (crosses || !(c.qty > 0)) {
      this.log.push({ kind: 'reject', id: c.id, ts: t });
      this.answer(MSG_REJECTED, t, c.id, c.side, c.price, 0, 0);
      return;
    }
    const depth = (c.side > 0 ? this.bids : this.asks).get(tick) ?? 0;
    const traded = this.tradedAt.get(c.side * tick) ?? 0;
    const ahead = Math.max(0, depth - traded);
    this.resting.push({ id: c.id, side: c.side, tick, price: c.price, rem: c.qty, arrived: t, ahead, seen: depth, traded });
    this.log.push({ kind: 'arrived', id: c.id, ts: t, ahead });
    this.answer(MSG_ACCEPTED, t, c.id, c.side, c.price, 0, 0);
  }

  // ---- the market, at exchange time ----

  onMarket(ev: EventColumns, i: number, t: Micros): void {
    if (t > this.now) this.now = t;
    const type = ev.type[i]!;
    const side = ev.side[i]! as Side;
    const tick = Math.round(ev.price[i]! / this.o.tickSize);
    if (type === EventType.Trade) return this.onTrade(side, tick, ev.size[i]!, t);
    if (type === EventType.Bbo) {
      if (side > 0) this.bboBid = tick;
      else this.bboAsk = tick;
      return;
    }
    if (type !== EventType.Snapshot && type !== EventType.Delta) return;
    const flags = ev.flags[i]!;
    if ((flags & EventFlag.SnapshotStart) !== 0) {
      this.bids.clear();
      this.asks.clear();
    }
    const levels = side > 0 ? this.bids : this.asks;
    const size = ev.size[i]!;
    if (size > 0) levels.set(tick, size);
    else levels.delete(tick);
    for (const r of this.resting) if (r.side === side && r.tick === tick) this.reread(r, size);
    if ((flags & EventFlag.EndOfMessage) !== 0) {
      // A depth message states every level after every trade before it: traded volume is accounted for.
      this.tradedAt.clear();
      for (const r of this.resting) r.traded = 0;
      if (type === EventType.Snapshot) for (const r of this.resting) this.reread(r, (r.side > 0 ? this.bids : this.asks).get(r.tick) ?? 0);
    }
  }

  private reread(r: Resting, size: number): void {
    if (size < r.seen) {
      const drop = r.seen - size;
      const explained = Math.min(drop, r.traded);
      r.traded -= explained;
      const cancelled = drop - explained;
      if (cancelled > 0) r.ahead = this.afterCancel(r.ahead, r.seen - explained, cancelled);
    }
    if (r.ahead > size) r.ahead = size;
    r.seen = size;
  }

  private afterCancel(ahead: number, level: number, cancelled: number): number {
    const behind = Math.max(0, level - ahead);
    const q = this.o.queue;
    let fromAhead: number;
    if (q.family === 'fifo') fromAhead = Math.max(0, cancelled - behind);
    else {
      const a = Math.pow(ahead, q.n);
      const b = Math.pow(behind, q.n);
      const share = a + b > 0 ? a / (a + b) : 1;
      fromAhead = Math.max(share * cancelled, cancelled - behind);
    }
    return Math.max(0, ahead - fromAhead);
  }

  private onTrade(aggressor: Side, tick: number, size: number, t: Micros): void {
    const passive = -aggressor as Side;
    const key = passive * tick;
    this.tradedAt.set(key, (this.tradedAt.get(key) ?? 0) + size);
    const through: Resting[] = [];
    const atPrice: Resting[] = [];
    for (const r of this.resting) {
      if (r.side !== passive) continue;
      if (r.tick === tick) r.traded += size;
      if (r.arrived > t) {
        if (r.tick === tick) r.ahead = Math.max(0, r.ahead - size);
        continue;
      }
      if (passive > 0 ? r.tick > tick : r.tick < tick) through.push(r);
      else if (r.tick === tick) atPrice.push(r);
    }
    through.sort((x, y) => passive * (y.tick - x.tick));
    atPrice.sort((x, y) => x.ahead - y.ahead);
    let left = size;
    for (const r of through) {
      const q = Math.min(r.rem, left);
      left -= q;
      if (q > 0) this.fill(r, q, t);
    }
    // The real queue in front takes the trade first, then our orders in front; one trade's volume is used once.
    for (const r of atPrice) {
      const q = Math.min(r.rem, left - r.ahead);
      r.ahead = Math.max(0, r.ahead - size);
      if (q > 0) {
        left -= q;
        this.fill(r, q, t);
      }
    }
    this.resting = this.resting.filter((r) => r.rem > 1e-12);
  }

  private fill(r: Resting, qty: number, t: Micros): void {
    r.rem -= qty;
    if (r.rem < 1e-12) r.rem = 0;
    this.log.push({ kind: 'fill', id: r.id, ts: t, qty });
    this.answer(MSG_FILLED, t, r.id, r.side, r.price, qty, r.price * qty * (this.o.makerFee ?? 0));
  }

  // ---- answers, at local time ----

  deliver(h: OrderEventHandler): number {
    const m = this.outbound.shift()!;
    this.last.kind = m.kind;
    this.last.exchangeTs = m.exchangeTs;
    if (m.kind === MSG_ACCEPTED) h.onAccepted(m.at, m.id);
    else if (m.kind === MSG_REJECTED) h.onRejected(m.at, m.id, 'post-only order would cross the book');
    else if (m.kind === MSG_CANCELED) h.onCanceled(m.at, m.id);
    else h.onFill(m.at, m.id, m.side, m.price, m.qty, m.fee, 'maker');
    return m.kind;
  }

  private answer(kind: number, exchangeTs: Micros, id: number, side: Side, price: number, qty: number, fee: number): void {
    let at = this.now + this.draw(this.o.response);
    if (at < this.lastOut) at = this.lastOut;
    this.lastOut = at;
    this.outbound.push({ kind, at, exchangeTs, id, side, price, qty, fee });
  }

  private entryAt(ts: Micros): Micros {
    let at = ts + this.draw(this.o.entry);
    if (at < this.lastIn) at = this.lastIn;
    this.lastIn = at;
    return at;
  }

  /** One latency draw, µs (mulberry32: the engine needs no one else's generator). */
  private draw(l: HiddenLatency): number {
    const j = l.jitter ?? 0;
    if (j === 0) return Math.round(l.ms * 1000);
    let x = (this.rng = (this.rng + 0x6d2b79f5) >>> 0);
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    const u = ((x ^ (x >>> 14)) >>> 0) / 4294967296;
    return Math.round((l.ms + (2 * u - 1) * j) * 1000);
  }

  private bestBidTick(): number {
    let best = Number.NaN;
    for (const k of this.bids.keys()) if (!(k <= best)) best = k;
    return this.bboBid === this.bboBid && !(this.bboBid <= best) ? this.bboBid : best;
  }

  private bestAskTick(): number {
    let best = Number.NaN;
    for (const k of this.asks.keys()) if (!(k >= best)) best = k;
    return this.bboAsk === this.bboAsk && !(this.bboAsk >= best) ? this.bboAsk : best;
  }
}
