// Our open orders as the trading core believes them to be: a small struct-of-arrays table with a state machine.
import { InvariantError } from '../core/index.js';
import type { Side } from '../market/index.js';

/**
 * Order states: pending-new (sent, not yet acknowledged) → open → pending-cancel → gone.
 * A fill may arrive in any state (a cancel can race a fill); the order leaves the table when
 * its remaining quantity reaches zero, when it is canceled, or when it is rejected or denied.
 */
export const OrderState = { PendingNew: 1, Open: 2, PendingCancel: 3 } as const;
export type OrderStateCode = (typeof OrderState)[keyof typeof OrderState];

export class OpenOrders {
  readonly clientId: Float64Array;
  readonly side: Int8Array;
  readonly price: Float64Array;
  readonly remaining: Float64Array;
  readonly state: Uint8Array;
  /** 1 for an immediate-or-cancel order in flight: never a resting quote, so `reconcile` leaves it alone. */
  readonly ioc: Uint8Array;
  count = 0;
  /** Orders added since the table was made (never reset): a change here is the only way a side gains a live order. */
  adds = 0;

  constructor(readonly capacity = 64) {
    // One allocation for the six columns (a run builds two tables: the core's and the venue's).
    const buf = new ArrayBuffer(capacity * 27);
    this.clientId = new Float64Array(buf, 0, capacity);
    this.price = new Float64Array(buf, capacity * 8, capacity);
    this.remaining = new Float64Array(buf, capacity * 16, capacity);
    this.side = new Int8Array(buf, capacity * 24, capacity);
    this.state = new Uint8Array(buf, capacity * 25, capacity);
    this.ioc = new Uint8Array(buf, capacity * 26, capacity);
  }

  add(clientId: number, side: Side, price: number, qty: number, ioc = false): void {
    if (this.count === this.capacity) throw new InvariantError(`more than ${this.capacity} open orders`);
    const i = this.count++;
    this.adds++;
    this.clientId[i] = clientId;
    this.side[i] = side;
    this.price[i] = price;
    this.remaining[i] = qty;
    this.state[i] = OrderState.PendingNew;
    this.ioc[i] = ioc ? 1 : 0;
  }

  indexOf(clientId: number): number {
    for (let i = 0; i < this.count; i++) if (this.clientId[i] === clientId) return i;
    return -1;
  }

  setState(clientId: number, state: OrderStateCode): void {
    const i = this.indexOf(clientId);
    if (i >= 0) this.state[i] = state;
  }

  /** Apply a fill; returns the remaining quantity (0 removes the order), or −1 if the order is unknown. */
  fill(clientId: number, qty: number): number {
    const i = this.indexOf(clientId);
    if (i < 0) return -1;
    const left = this.remaining[i]! - qty;
    if (left <= 1e-12) {
      this.removeAt(i);
      return 0;
    }
    this.remaining[i] = left;
    return left;
  }

  remove(clientId: number): boolean {
    const i = this.indexOf(clientId);
    if (i < 0) return false;
    this.removeAt(i);
    return true;
  }

  /** Remove the order at row `i` (the last row moves into its place). */
  removeAt(i: number): void {
    const last = --this.count;
    if (i !== last) {
      this.clientId[i] = this.clientId[last]!;
      this.side[i] = this.side[last]!;
      this.price[i] = this.price[last]!;
      this.remaining[i] = this.remaining[last]!;
      this.state[i] = this.state[last]!;
      this.ioc[i] = this.ioc[last]!;
    }
  }

  /** Orders on a side that are not being canceled. */
  liveCount(side: Side): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) if (this.side[i] === side && this.state[i] !== OrderState.PendingCancel) n++;
    return n;
  }

  /** Immediate-or-cancel orders still in flight (sent, not yet answered to the end). */
  iocCount(): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) n += this.ioc[i]!;
    return n;
  }

  clear(): void {
    this.count = 0;
  }
}
