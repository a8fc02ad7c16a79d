// The bar-fill simulator: our resting limit orders against each bar's high and low.
import type { Micros, Rng } from '../core/index.js';
import type { Side } from '../market/index.js';
import { OpenOrders, type OrderEventHandler, type OrderSink } from '../orders/index.js';
import type { FeeModel } from './fees.js';

export interface BarFillParams {
  /** Probability that an order resting exactly at the bar's low (bid) or high (ask) fills. Default 0. */
  touchFillProbability: number;
}

/**
 * Fill rule, honest by construction: a resting bid at price b fills during a bar only if the bar's
 * low is strictly below b (the market traded through it, so our queue was necessarily consumed);
 * a resting ask at a only if the high is strictly above a. A touch (low = b, high = a) fills with
 * `touchFillProbability`, drawn from the seeded Rng. Fills are whole, at the order's own price, as
 * maker. Orders are accepted and canceled at once (bar mode has no latency: decisions happen at bar
 * boundaries).
 *
 * Gap-through: if a whole bar lies beyond a resting order (bid > high, ask < low), the market jumped
 * over it between two trades. Had the order really rested there, it would have traded at its own
 * price, a price the bar never printed; bars cannot tell that counterfactual, so such an order does
 * not fill: the venue expires it (`onCanceled`) and `gapThroughs` counts it, so a user can see how
 * often it happened. A fill price therefore always lies inside [low, high].
 */
export class BarFillSim implements OrderSink {
  readonly resting = new OpenOrders(256);
  /** Orders expired because a bar gapped through them (see the class comment). */
  gapThroughs = 0;
  private handler: OrderEventHandler | undefined;

  constructor(
    readonly params: Readonly<BarFillParams>,
    readonly fees: FeeModel,
    readonly rng: Rng,
  ) {}

  connect(handler: OrderEventHandler): void {
    this.handler = handler;
  }

  place(ts: Micros, clientId: number, side: Side, price: number, qty: number): void {
    this.resting.add(clientId, side, price, qty);
    this.handler!.onAccepted(ts, clientId);
  }

  cancel(ts: Micros, clientId: number): void {
    if (this.resting.remove(clientId)) this.handler!.onCanceled(ts, clientId);
  }

  amend(ts: Micros, clientId: number, side: Side, price: number, qty: number): void {
    const r = this.resting;
    const i = r.indexOf(clientId);
    if (i < 0 || r.side[i] !== side) return this.handler!.onRejected(ts, clientId, 'unknown order');
    r.price[i] = price;
    r.remaining[i] = qty;
  }

  /**
   * Match resting orders against one bar; fills are stamped `ts` (the bar's close time). The rare outcomes
   * (a gap-through, a touch) are methods of their own: this loop runs at every bar, and V8 inlines it into
   * the driver's only while it stays small.
   */
  matchBar(ts: Micros, high: number, low: number): void {
    const r = this.resting;
    for (let i = r.count - 1; i >= 0; i--) {
      const price = r.price[i]!;
      const buy = r.side[i]! > 0;
      // Each outcome removes row i at most (the last row moves into it, already visited).
      if (buy ? price > high : price < low) this.gapThrough(ts, i);
      else if (buy ? low < price : high > price) this.fillAt(ts, i);
      else if (buy ? low === price : high === price) this.touch(ts, i);
    }
  }

  /** The whole bar lies beyond the order at row `i`: expired, not filled (see the class comment). */
  private gapThrough(ts: Micros, i: number): void {
    const r = this.resting;
    const id = r.clientId[i]!;
    this.gapThroughs++;
    r.removeAt(i);
    this.handler!.onCanceled(ts, id);
  }

  /** The bar touched the order at row `i` without trading through it: a fill with `touchFillProbability`. */
  private touch(ts: Micros, i: number): void {
    const p = this.params.touchFillProbability;
    if (p > 0 && this.rng.next() < p) this.fillAt(ts, i);
  }

  /** The order at row `i` fills whole at its own price, as maker. */
  private fillAt(ts: Micros, i: number): void {
    const r = this.resting;
    const id = r.clientId[i]!;
    const side = r.side[i]! as Side;
    const price = r.price[i]!;
    const qty = r.remaining[i]!;
    r.removeAt(i);
    this.handler!.onFill(ts, id, side, price, qty, this.fees.fee(price, qty, 'maker'), 'maker');
  }
}
