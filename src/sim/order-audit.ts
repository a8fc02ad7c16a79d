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
  id = new Float64Array(64);
  side = new Int8Array(64);
  price = new Float64Array(64);
  qty = new Float64Array(64);
  sent = new Float64Array(64);
  arrived = new Float64Array(64);
  ended = new Float64Array(64);
  reason = new Uint8Array(64);
  queueAhead = new Float64Array(64);
  filled = new Float64Array(64);

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

  private grow(): void {
    const n = this.id.length * 2;
    const f = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.id = f(this.id);
    this.price = f(this.price);
    this.qty = f(this.qty);
    this.sent = f(this.sent);
    this.arrived = f(this.arrived);
    this.ended = f(this.ended);
    this.queueAhead = f(this.queueAhead);
    this.filled = f(this.filled);
    const side = new Int8Array(n);
    side.set(this.side);
    this.side = side;
    const reason = new Uint8Array(n);
    reason.set(this.reason);
    this.reason = reason;
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
