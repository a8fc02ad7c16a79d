// Order-level parity: the session's own orders, sent to the simulated venue at their live times on the recorded market, each one's fate compared with what happened to it.
import type { Micros } from '../core/index.js';
import { venueOrder, type EventColumns, type Side } from '../market/index.js';
import type { OrderEventHandler } from '../orders/index.js';
import { L2Exchange } from '../sim/index.js';
import type { VenueOptions } from '../engine/index.js';
import type { SessionSide, SideFill, SideOrder } from './parity-side.js';

interface Command {
  ts: Micros;
  cancel: boolean;
  o: SideOrder;
}

/**
 * How long each live order lives in the replay: until the session asked to cancel it; an order the
 * session saw filled in full, or rejected, is withdrawn once a replayed fill could no longer match the
 * live one (its last live fill, or the rejection, plus the tolerance, less the entry latency so the
 * cancel is at the venue by then); an order still open at the end of the session stays to the end.
 * Local time µs, or NaN for "never".
 */
function withdrawAt(o: SideOrder, tolUs: number, entryUs: (t: Micros) => number): number {
  if (o.cancelRequestedTs === o.cancelRequestedTs) return o.cancelRequestedTs;
  const end = o.filledQty >= o.qty * (1 - 1e-9) ? o.lastFillTs : o.rejected ? o.rejectedTs : Number.NaN;
  if (end !== end) return Number.NaN;
  return Math.max(o.sentTs, end + tolUs - entryUs(end));
}

/**
 * Replay the session's order stream as given: every order the session sent (not those its own risk gate
 * denied) is placed on the simulated venue at its live send time, with its side, price and quantity,
 * and withdrawn as `withdrawAt` says; the venue sees the recorded market at exchange time (trades at
 * their own time, as in the tick backtest). Nothing the strategy decides depends on the replay's fills,
 * so the figures measure the simulator (queue, latency, fees), not the strategy's path.
 * `fillClock`: which time each replayed fill is stamped with, to be compared with the session's
 * (`exchange` for live sessions, whose ledger books the exchange's trade time; `local` for paper).
 */
export function replayOrderStream(ev: EventColumns, live: SessionSide, venue: VenueOptions, fillClock: 'exchange' | 'local', tolUs: number, venueClock: 'exchange' | 'local' = 'exchange'): SessionSide {
  const ex = new L2Exchange(venue.exchange, venue.queue, venue.latency, venue.fees);
  const sent = live.orders.filter((o) => !o.denied);
  const out = new Map<number, SideOrder>();
  const cmds: Command[] = [];
  for (const o of sent) {
    out.set(o.clientId, { ...o, acceptedTs: Number.NaN, canceledTs: Number.NaN, rejected: false, rejectedTs: Number.NaN, queueAhead: Number.NaN, filledQty: 0, firstFillTs: Number.NaN, lastFillTs: Number.NaN });
    cmds.push({ ts: o.sentTs, cancel: false, o });
    const w = withdrawAt(o, tolUs, (t) => venue.latency.entry(t));
    if (w === w) cmds.push({ ts: w, cancel: true, o });
  }
  cmds.sort((a, b) => a.ts - b.ts || Number(a.cancel) - Number(b.cancel) || a.o.clientId - b.o.clientId);
  const fills: SideFill[] = [];
  const h: OrderEventHandler = {
    onAccepted: (ts, id) => {
      const o = out.get(id)!;
      if (o.acceptedTs !== o.acceptedTs) o.acceptedTs = ts;
    },
    onRejected: (ts, id) => {
      const o = out.get(id)!;
      o.rejected = true;
      o.rejectedTs = ts;
    },
    onDenied: () => {},
    onCanceled: (ts, id) => {
      const o = out.get(id)!;
      if (o.canceledTs !== o.canceledTs) o.canceledTs = ts;
    },
    onFill: (ts, id, side, price, qty, fee) => {
      const o = out.get(id)!;
      const at = fillClock === 'exchange' ? ex.last.exchangeTs : ts;
      fills.push({ clientId: id, ts: at, side: side > 0 ? 1 : -1, price, qty, fee });
      o.filledQty += qty;
      if (o.firstFillTs !== o.firstFillTs) o.firstFillTs = at;
      o.lastFillTs = at;
    },
  };
  const order = venueClock === 'exchange' ? venueOrder(ev) : Int32Array.from({ length: ev.length }, (_, i) => i);
  const rowTs = venueClock === 'exchange' ? ev.tsExchange : ev.tsLocal;
  const n = order.length;
  let k = 0;
  let c = 0;
  let clock = Number.NEGATIVE_INFINITY;
  for (;;) {
    const i = k < n ? order[k]! : -1;
    const tRow = i >= 0 ? Math.max(clock, rowTs[i]!) : Number.POSITIVE_INFINITY;
    const tCmd = c < cmds.length ? cmds[c]!.ts : Number.POSITIVE_INFINITY;
    const tIn = ex.nextInboundTs();
    const tOut = ex.nextOutboundTs();
    const m = Math.min(tRow, tCmd, tIn, tOut);
    if (m === Number.POSITIVE_INFINITY) break;
    // At one instant: market rows at the venue, then commands leaving us, then arriving, then answers (the tick backtest's order).
    if (tRow === m) {
      clock = tRow;
      ex.onMarket(ev, i, tRow);
      k++;
    } else if (tCmd === m) {
      const x = cmds[c++]!;
      if (x.cancel) ex.cancel(x.ts, x.o.clientId);
      else ex.place(x.ts, x.o.clientId, x.o.side as Side, x.o.price, x.o.qty);
    } else if (tIn === m) ex.processInbound();
    else ex.deliver(h);
  }
  const a = ex.audit;
  for (let r = 0; r < a.length; r++) {
    const o = out.get(a.id[r]!);
    if (o !== undefined && o.queueAhead !== o.queueAhead) o.queueAhead = a.queueAhead[r]!;
  }
  return { orders: [...out.values()], fills, queueFromVenue: true };
}
