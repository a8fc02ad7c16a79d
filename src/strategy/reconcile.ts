// reconcile: turn the desired quote (one level or a ladder per side) and our open orders into the fewest commands.
import type { Micros } from '../core/index.js';
import type { Side } from '../market/index.js';
import { OrderState, type OpenOrders, type OrderSink } from '../orders/index.js';
import type { QuoteLevel, QuoteTarget } from './strategy.js';

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
 * Immediate-or-cancel orders in flight (`open.ioc`) are not quotes: reconcile never keeps, moves or
 * cancels them (they end by themselves at the venue).
 *
 * For each side: if exactly one live order rests within tolerance of the target, keep it; if exactly one
 * acknowledged order rests elsewhere and the sink can amend, move it (one command); otherwise cancel
 * every live order on that side and place the target. Orders already pending cancel are left
 * alone (their cancel is in flight). A NaN target price or a non-positive quantity cancels the side.
 * Quotes are sticky: an unchanged target produces no command at all. Returns the number of commands.
 *
 * A side with deeper levels (`target.bids` / `target.asks`, a ladder) goes through `reconcileLadder`:
 * every live order within tolerance of some level keeps it, the rest are amended onto the missing
 * levels where the sink can amend, cancelled otherwise, and the still missing levels are placed.
 */
export function reconcile(
  ts: Micros,
  target: Readonly<QuoteTarget>,
  open: OpenOrders,
  opts: Readonly<ReconcileOptions>,
  ids: IdSource,
  sink: OrderSink,
): number {
  const bids = target.bids;
  const asks = target.asks;
  return (
    (bids === undefined || bids.length === 0
      ? reconcileSide(ts, 1, target, open, opts, ids, sink)
      : reconcileLadder(ts, 1, target.bidPrice, target.bidQty, bids, open, opts, ids, sink)) +
    (asks === undefined || asks.length === 0
      ? reconcileSide(ts, -1, target, open, opts, ids, sink)
      : reconcileLadder(ts, -1, target.askPrice, target.askQty, asks, open, opts, ids, sink))
  );
}

let scratch = new Float64Array(16);
const NO_LEVELS: readonly QuoteLevel[] = [];

/**
 * One quote on a side (the target's level 0): keep or move the order resting there (the usual case, kept small enough for V8 to
 * inline into `reconcile`: it runs twice per decision), else `replaceSide`; several live orders go to
 * the ladder rule, which keeps the one on the target and cancels the others (a ladder that shrank,
 * orders found at a restart).
 */
function reconcileSide(ts: Micros, side: Side, target: Readonly<QuoteTarget>, open: OpenOrders, opts: Readonly<ReconcileOptions>, ids: IdSource, sink: OrderSink): number {
  // The side's price and quantity read here, not passed: a call V8 does not inline boxes its number arguments.
  const price = side > 0 ? target.bidPrice : target.askPrice;
  const qty = side > 0 ? target.bidQty : target.askQty;
  let live = 0;
  let at = -1; // the last live order seen
  for (let i = 0; i < open.count; i++) {
    if (open.side[i] !== side || open.state[i] === OrderState.PendingCancel || open.ioc[i] === 1) continue;
    live++;
    at = i;
  }
  if (live === 1 && price === price && qty > 0) {
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
  return live > 1 ? reconcileLadder(ts, side, price, qty, NO_LEVELS, open, opts, ids, sink) : replaceSide(ts, side, price, qty, live, open, ids, sink);
}

/**
 * Cancel every live order on this side (`live` of them, at most one), then place the target if there is
 * one. Ids are copied first: a synchronous venue may answer inside `cancel` and shrink the table while
 * we walk it.
 */
function replaceSide(ts: Micros, side: Side, price: number, qty: number, live: number, open: OpenOrders, ids: IdSource, sink: OrderSink): number {
  let n = 0;
  if (live > 0) {
    if (scratch.length < live) scratch = new Float64Array(live * 2);
    let m = 0;
    for (let i = 0; i < open.count; i++) {
      if (open.side[i] === side && open.state[i] !== OrderState.PendingCancel && open.ioc[i] === 0) {
        open.state[i] = OrderState.PendingCancel;
        scratch[m++] = open.clientId[i]!;
      }
    }
    for (let j = 0; j < m; j++) {
      sink.cancel(ts, scratch[j]!);
      n++;
    }
  }
  if (price === price && qty > 0) {
    const id = ids.nextId();
    open.add(id, side, price, qty);
    sink.place(ts, id, side, price, qty);
    n++;
  }
  return n;
}

// Scratch for ladders (grown on demand, never shrunk): the side's levels and live orders, and the matching.
let lvPrice = new Float64Array(16);
let lvQty = new Float64Array(16);
let lvTaken = new Uint8Array(16); // level i already has an order
let orRow = new Int32Array(16); // live order j's row in `open` at the start
let orId = new Float64Array(16);
let orKept = new Uint8Array(16); // order j matched a level
let lvOrder = new Int32Array(16); // the order matched to level i (−1: none)
let lvSeen = new Uint8Array(16); // visited in the current augmenting search

function grow(n: number): void {
  if (lvPrice.length >= n) return;
  const m = n * 2;
  lvPrice = new Float64Array(m);
  lvQty = new Float64Array(m);
  lvTaken = new Uint8Array(m);
  orRow = new Int32Array(m);
  orId = new Float64Array(m);
  orKept = new Uint8Array(m);
  lvOrder = new Int32Array(m);
  lvSeen = new Uint8Array(m);
}

/** Order j (row orRow[j]) sits on level i: price and remaining quantity within tolerance. */
function fits(open: OpenOrders, j: number, i: number, tol: number, qtol: number): boolean {
  const r = orRow[j]!;
  return Math.abs(open.price[r]! - lvPrice[i]!) <= tol && Math.abs(open.remaining[r]! - lvQty[i]!) <= qtol * lvQty[i]! + 1e-12;
}

/** Kuhn's augmenting path from order j; true if the matching grew. */
function augment(j: number, nl: number, open: OpenOrders, tol: number, qtol: number): boolean {
  for (let i = 0; i < nl; i++) {
    if (lvSeen[i] === 1 || !fits(open, j, i, tol, qtol)) continue;
    lvSeen[i] = 1;
    const o = lvOrder[i]!;
    if (o < 0 || augment(o, nl, open, tol, qtol)) {
      lvOrder[i] = j;
      return true;
    }
  }
  return false;
}

/**
 * One side of a ladder. The levels are level 0 (`price`, `qty`) and the valid entries of `more`.
 * 1. Keep: live orders are matched to levels within tolerance (price and quantity), as many as possible
 *    (a maximum matching), so an order that can sit on a level is never cancelled.
 * 2. Move: where the sink can amend, unmatched acknowledged orders are moved onto unmatched levels (one
 *    command instead of a cancel and a place), paired in price order.
 * 3. Cancel the orders still unmatched (ids copied first: a synchronous venue may answer inside `cancel`
 *    and shrink the table), then place the levels still missing, level order.
 * With K orders kept, O live orders and L levels this sends (O − K) + (L − K) commands, or
 * max(O − K, L − K) when every unmatched order can be amended: the fewest for that matching.
 */
function reconcileLadder(
  ts: Micros,
  side: Side,
  price: number,
  qty: number,
  more: readonly QuoteLevel[],
  open: OpenOrders,
  opts: Readonly<ReconcileOptions>,
  ids: IdSource,
  sink: OrderSink,
): number {
  grow(more.length + 1 + open.count);
  let nl = 0;
  if (price === price && qty > 0) {
    lvPrice[nl] = price;
    lvQty[nl++] = qty;
  }
  for (let i = 0; i < more.length; i++) {
    const l = more[i]!;
    if (l.price === l.price && l.qty > 0) {
      lvPrice[nl] = l.price;
      lvQty[nl++] = l.qty;
    }
  }
  lvTaken.fill(0, 0, nl);
  let no = 0;
  for (let i = 0; i < open.count; i++) {
    if (open.side[i] !== side || open.state[i] === OrderState.PendingCancel || open.ioc[i] === 1) continue;
    orRow[no] = i;
    orId[no] = open.clientId[i]!;
    orKept[no++] = 0;
  }
  // 1. Keep: a maximum matching of orders to levels within tolerance (augmenting paths; sides are small),
  // so no order that could sit on a level is cancelled.
  lvOrder.fill(-1, 0, nl);
  const tol = opts.priceTolerance + 1e-12;
  const qtol = opts.qtyTolerance;
  let kept = 0;
  for (let j = 0; j < no; j++) {
    lvSeen.fill(0, 0, nl);
    if (augment(j, nl, open, tol, qtol)) kept++;
  }
  for (let i = 0; i < nl; i++) {
    const j = lvOrder[i]!;
    if (j >= 0) {
      lvTaken[i] = 1;
      orKept[j] = 1;
    }
  }
  if (kept === no && kept === nl) return 0; // sticky
  let n = 0;
  // 2. Move unmatched acknowledged orders onto missing levels, both in price order.
  if (sink.amend !== undefined && kept < no && kept < nl) {
    for (;;) {
      // Rows are looked up by id: a gate that denies an amend removes the order from the table at once.
      let j = -1;
      let r = -1;
      for (let k = 0; k < no; k++) {
        if (orKept[k] === 1) continue;
        const rk = open.indexOf(orId[k]!);
        if (rk < 0) {
          orKept[k] = 1; // gone (denied amend, cancelled by the gate): nothing left to cancel
          continue;
        }
        if (open.state[rk] !== OrderState.Open) continue;
        if (j < 0 || open.price[rk]! < open.price[r]!) {
          j = k;
          r = rk;
        }
      }
      let i = -1;
      for (let k = 0; k < nl; k++) if (lvTaken[k] === 0 && (i < 0 || lvPrice[k]! < lvPrice[i]!)) i = k;
      if (j < 0 || i < 0) break;
      orKept[j] = 1;
      lvTaken[i] = 1;
      open.price[r] = lvPrice[i]!;
      open.remaining[r] = lvQty[i]!;
      sink.amend(ts, orId[j]!, side, lvPrice[i]!, lvQty[i]!);
      n++;
    }
  }
  // 3. Cancel the rest (rows may have moved if an amend was answered at once: find them by id), place the missing.
  for (let j = 0; j < no; j++) {
    if (orKept[j] === 1) continue;
    const r = open.indexOf(orId[j]!);
    if (r >= 0) open.state[r] = OrderState.PendingCancel;
  }
  for (let j = 0; j < no; j++) {
    if (orKept[j] === 1) continue;
    sink.cancel(ts, orId[j]!);
    n++;
  }
  for (let i = 0; i < nl; i++) {
    if (lvTaken[i] === 1) continue;
    const id = ids.nextId();
    open.add(id, side, lvPrice[i]!, lvQty[i]!);
    sink.place(ts, id, side, lvPrice[i]!, lvQty[i]!);
    n++;
  }
  return n;
}
