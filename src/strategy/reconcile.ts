// reconcile: turn the desired quote and our open orders into the fewest cancel / place commands.
import type { Micros } from '../core/index.js';
import type { Side } from '../market/index.js';
import { OrderState, type OpenOrders, type OrderSink } from '../orders/index.js';
import type { QuoteTarget } from './strategy.js';

export interface ReconcileOptions {
  /** Keep a resting order whose price is within this distance of the target (price units); 0 = exact. */
  priceTolerance: number;
  /** Keep it if its remaining quantity is within this fraction of the target quantity. */
  qtyTolerance: number;
}

export interface IdSource {
  nextId(): number;
}

/**
 * For each side: if exactly one live order rests within tolerance of the target, keep it; if exactly one
 * acknowledged order rests elsewhere and the sink can amend, move it (one command); otherwise cancel
 * every live order on that side and place the target. Orders already pending cancel are left
 * alone (their cancel is in flight). A NaN target price or a non-positive quantity cancels the side.
 * Quotes are sticky: an unchanged target produces no command at all. Returns the number of commands.
 */
export function reconcile(
  ts: Micros,
  target: Readonly<QuoteTarget>,
  open: OpenOrders,
  opts: Readonly<ReconcileOptions>,
  ids: IdSource,
  sink: OrderSink,
): number {
  return (
    reconcileSide(ts, 1, target.bidPrice, target.bidQty, open, opts, ids, sink) +
    reconcileSide(ts, -1, target.askPrice, target.askQty, open, opts, ids, sink)
  );
}

let scratch = new Float64Array(16);

function reconcileSide(
  ts: Micros,
  side: Side,
  price: number,
  qty: number,
  open: OpenOrders,
  opts: Readonly<ReconcileOptions>,
  ids: IdSource,
  sink: OrderSink,
): number {
  const want = price === price && qty > 0;
  let live = 0;
  let at = -1; // the last live order seen
  for (let i = 0; i < open.count; i++) {
    if (open.side[i] !== side || open.state[i] === OrderState.PendingCancel) continue;
    live++;
    at = i;
  }
  if (want && live === 1) {
    // The common case: one order rests on this side. Keep it, or move it if the venue can amend.
    if (
      Math.abs(open.price[at]! - price) <= opts.priceTolerance + 1e-12 &&
      Math.abs(open.remaining[at]! - qty) <= opts.qtyTolerance * qty + 1e-12
    ) {
      return 0;
    }
    if (sink.amend !== undefined && open.state[at] === OrderState.Open) {
      open.price[at] = price;
      open.remaining[at] = qty;
      sink.amend(ts, open.clientId[at]!, side, price, qty);
      return 1;
    }
  }
  let n = 0;
  // Cancel every live order on this side. Ids are copied first: a synchronous venue may answer
  // inside `cancel` and shrink the table while we walk it.
  if (live > 0) {
    if (scratch.length < live) scratch = new Float64Array(live * 2);
    let m = 0;
    for (let i = 0; i < open.count; i++) {
      if (open.side[i] === side && open.state[i] !== OrderState.PendingCancel) {
        open.state[i] = OrderState.PendingCancel;
        scratch[m++] = open.clientId[i]!;
      }
    }
    for (let j = 0; j < m; j++) {
      sink.cancel(ts, scratch[j]!);
      n++;
    }
  }
  if (want) {
    const id = ids.nextId();
    open.add(id, side, price, qty);
    sink.place(ts, id, side, price, qty);
    n++;
  }
  return n;
}
