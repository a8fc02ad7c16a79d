// The audit trail of a simulated venue: every order sent, when it reached the venue and ended, why, and the queue it joined.
import type { Micros } from '../core/index.js';

/** Why an order stopped resting (`open`: still resting, or still on its way, when the run ended). */
export const OrderEnd = { Open: 0, Filled: 1, Canceled: 2, Rejected: 3 } as const;
export const ORDER_END_NAMES = ['open', 'filled', 'canceled', 'rejected'] as const;
export type OrderEndName = (typeof ORDER_END_NAMES)[number];

/**
 * One row per order, in the order they were sent. `sent` is on the local clock; `arrived` and `ended`
 * on the exchange clock (NaN: not yet). `queueAhead`: the size in front of the order when it joined its
 * level (NaN if it never rested). Growable struct-of-arrays; `row` is what the venue keeps per order.
 */
export class OrderAudit {
  length = 0;
  id!: Float64Array;
  side!: Int8Array;
  price!: Float64Array;
  qty!: Float64Array;
  sent!: Float64Array;
  arrived!: Float64Array;
  ended!: Float64Array;
  reason!: Uint8Array;
  queueAhead!: Float64Array;
  filled!: Float64Array;

  constructor(capacity = 64) {
    this.allocate(capacity);
  }

  /** A new order sent at local time `sent`; returns its row. */
  open(id: number, side: number, price: number, qty: number, sent: Micros): number {
    if (this.length === this.id.length) this.grow();
    const r = this.length++;
    this.id[r] = id;
    this.side[r] = side;
    this.price[r] = price;
    this.qty[r] = qty;
    this.sent[r] = sent;
    this.arrived[r] = Number.NaN;
    this.ended[r] = Number.NaN;
    this.reason[r] = OrderEnd.Open;
    this.queueAhead[r] = Number.NaN;
    this.filled[r] = 0;
    return r;
  }

  end(r: number, ts: Micros, reason: number): void {
    this.ended[r] = ts;
    this.reason[r] = reason;
  }

  /** All ten columns in one ArrayBuffer (the eight 8-byte columns first, then the two 1-byte ones). */
  private allocate(n: number): void {
    const buf = new ArrayBuffer(n * 66);
    this.id = new Float64Array(buf, 0, n);
    this.price = new Float64Array(buf, n * 8, n);
    this.qty = new Float64Array(buf, n * 16, n);
    this.sent = new Float64Array(buf, n * 24, n);
    this.arrived = new Float64Array(buf, n * 32, n);
    this.ended = new Float64Array(buf, n * 40, n);
    this.queueAhead = new Float64Array(buf, n * 48, n);
    this.filled = new Float64Array(buf, n * 56, n);
    this.side = new Int8Array(buf, n * 64, n);
    this.reason = new Uint8Array(buf, n * 65, n);
  }

  private grow(): void {
    const { id, price, qty, sent, arrived, ended, queueAhead, filled, side, reason } = this;
    this.allocate(id.length * 2);
    this.id.set(id);
    this.price.set(price);
    this.qty.set(qty);
    this.sent.set(sent);
    this.arrived.set(arrived);
    this.ended.set(ended);
    this.queueAhead.set(queueAhead);
    this.filled.set(filled);
    this.side.set(side);
    this.reason.set(reason);
  }
}

const us = (x: number): string => (Number.isFinite(x) ? String(Math.round(x)) : '');

/** `orders.csv`: `order_id,side,price,qty,sent_us,arrived_us,ended_us,end_reason,queue_ahead`. */
export function ordersCsv(a: OrderAudit, priceDecimals: number): string {
  const rows: string[] = ['order_id,side,price,qty,sent_us,arrived_us,ended_us,end_reason,queue_ahead'];
  for (let r = 0; r < a.length; r++) {
    const q = a.queueAhead[r]!;
    rows.push(
      `${a.id[r]!},${a.side[r]! > 0 ? 'buy' : 'sell'},${a.price[r]!.toFixed(priceDecimals)},${a.qty[r]!},${us(a.sent[r]!)},${us(a.arrived[r]!)},${us(a.ended[r]!)},${ORDER_END_NAMES[a.reason[r]!]},${Number.isFinite(q) ? String(q) : ''}`,
    );
  }
  return rows.join('\n') + '\n';
}

/** One fill as the simulated venue made it (a paper ledger's `venue_fills` row). */
export interface VenueFill {
  clientId: number;
  /** When it reached us (local clock), µs. */
  tsLocal: number;
  /** The exchange time of the trade behind it (of the taker walk for a taker fill), µs. */
  tsExchange: number;
  /** The exchange's id of that trade (NaN for a taker fill: it walked the book). */
  tradeId: number;
  side: number;
  price: number;
  qty: number;
}
