// The live adapter's memory of orders: lookups by client id, client order id and exchange id; settled orders forgotten in time.
import type { Side } from '../../market/index.js';
import type { LiveTrade } from './live-types.js';

/** One order as the adapter knows it. `filled` counts what was reported to the handler (or resumed from the ledger). */
export interface TrackedOrder {
  clientId: number;
  clientOrderId: string;
  side: Side;
  price: number;
  qty: number;
  filled: number;
  orderId: string | undefined;
  accepted: boolean;
  state: 'pending' | 'open' | 'canceling' | 'uncertain' | 'done';
  /** When it was first tracked, ms. */
  createdMs: number;
  /** When its last create was sent, ms (the start of its settle window). */
  sentMs: number;
  /** When it was settled, ms (NaN while live). */
  doneMs: number;
  /** Trade ids applied to it (forgotten with it). */
  tradeIds: string[];
  /** An immediate-or-cancel order: it never rests; the exchange ends it at once (filled, or expired with what filled). */
  ioc?: boolean;
}

/**
 * Settled orders stay for `forgetAfterMs` (a late fill or a duplicate stream message still finds them),
 * then go with their trade ids; so does a fill whose order never showed up. A day of live trading keeps
 * the orders of the last `forgetAfterMs` only: memory stays bounded (the ledger keeps everything).
 */
export class OrderTracker {
  readonly byClientId = new Map<number, TrackedOrder>();
  private readonly coid = new Map<string, TrackedOrder>();
  private readonly oid = new Map<string, TrackedOrder>();
  private readonly trades = new Set<string>();
  private readonly orphans = new Map<string, { at: number; trades: LiveTrade[] }>();
  /** Settled orders in the order they settled (the forgetting queue). */
  private readonly settled: TrackedOrder[] = [];
  private settledHead = 0;

  constructor(
    readonly forgetAfterMs: number,
    private readonly log: (event: string, fields: Readonly<Record<string, unknown>>) => void = () => {},
  ) {}

  track(clientId: number, clientOrderId: string, side: Side, price: number, qty: number, filled: number, nowMs: number): TrackedOrder {
    const t: TrackedOrder = { clientId, clientOrderId, side, price, qty, filled, orderId: undefined, accepted: false, state: 'pending', createdMs: nowMs, sentMs: nowMs, doneMs: Number.NaN, tradeIds: [] };
    this.byClientId.set(clientId, t);
    this.coid.set(clientOrderId, t);
    return t;
  }

  byCoid(clientOrderId: string): TrackedOrder | undefined {
    return this.coid.get(clientOrderId);
  }

  byOrderId(orderId: string): TrackedOrder | undefined {
    return this.oid.get(orderId);
  }

  setOrderId(t: TrackedOrder, orderId: string): void {
    t.orderId = orderId;
    this.oid.set(orderId, t);
  }

  seen(tradeId: string): boolean {
    return this.trades.has(tradeId);
  }

  markSeen(t: TrackedOrder, tradeId: string): void {
    this.trades.add(tradeId);
    t.tradeIds.push(tradeId);
  }

  holdOrphan(x: LiveTrade, nowMs: number): void {
    const o = this.orphans.get(x.orderId) ?? { at: nowMs, trades: [] };
    if (!o.trades.some((y) => y.id === x.id)) o.trades.push(x);
    this.orphans.set(x.orderId, o);
  }

  takeOrphans(orderId: string): LiveTrade[] {
    const o = this.orphans.get(orderId);
    if (o === undefined) return [];
    this.orphans.delete(orderId);
    return o.trades;
  }

  done(t: TrackedOrder, nowMs: number): void {
    if (t.state === 'done') return;
    t.state = 'done';
    t.doneMs = nowMs;
    this.settled.push(t);
  }

  live(): TrackedOrder[] {
    const out: TrackedOrder[] = [];
    for (const t of this.byClientId.values()) if (t.state !== 'done') out.push(t);
    return out;
  }

  /** Forget what settled more than `forgetAfterMs` ago, and fills whose order never showed up by then. */
  prune(nowMs: number): void {
    const cutoff = nowMs - this.forgetAfterMs;
    while (this.settledHead < this.settled.length && this.settled[this.settledHead]!.doneMs <= cutoff) {
      const t = this.settled[this.settledHead++]!;
      if (t.state !== 'done' || this.byClientId.get(t.clientId) !== t) continue;
      this.byClientId.delete(t.clientId);
      if (this.coid.get(t.clientOrderId) === t) this.coid.delete(t.clientOrderId);
      if (t.orderId !== undefined && this.oid.get(t.orderId) === t) this.oid.delete(t.orderId);
      for (const id of t.tradeIds) this.trades.delete(id);
    }
    if (this.settledHead > 1024 && this.settledHead * 2 > this.settled.length) {
      this.settled.splice(0, this.settledHead);
      this.settledHead = 0;
    }
    for (const [orderId, o] of this.orphans) {
      if (o.at > cutoff) continue;
      this.orphans.delete(orderId);
      this.log('live_trade_unattributed', { orderId, trades: o.trades.map((x) => x.id), reason: `no order of ours showed up within ${this.forgetAfterMs} ms` });
    }
  }

  /** Sizes, for tests of bounded memory. */
  sizes(): { orders: number; trades: number; orphans: number; queue: number } {
    return { orders: this.byClientId.size, trades: this.trades.size, orphans: this.orphans.size, queue: this.settled.length - this.settledHead };
  }
}
