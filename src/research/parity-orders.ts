// Order-level parity figures: each order the session sent, its fate live and in the replay of the same order stream.
import { roundTo } from '../core/index.js';
import type { MidTimeline } from './parity-market.js';
import { matchFigures, qtyKey, sideFigures, type MatchFigures, type SideFigures } from './parity.js';
import type { SessionSide, SideFill, SideOrder } from './parity-side.js';

export interface OrderLevelParity {
  /** What is compared, in words (the page and the JSON say it where the figures are). */
  what: string;
  /** When the replay's venue saw each recorded row: at its exchange time (a live exchange; the tick backtest), or its local receive time (a wall-clock paper session's venue). */
  venue_clock: 'exchange' | 'local';
  orders: {
    /** Orders the session sent (its own risk gate's denials excluded), each replayed as sent. */
    sent: number;
    /** Orders whose fate the replay reproduced: both rejected, both unfilled, or both filled the same quantity with first fills within the tolerance. */
    same_fate: number;
    same_fate_share: number;
    filled_both: number;
    filled_only_live: number;
    filled_only_replay: number;
    rejected_live: number;
    rejected_replay: number;
  };
  /** Fills paired by order and quantity, time within the tolerance. `fill_ratio`: matched / live. */
  fills: MatchFigures & { fill_ratio: number; qty_ratio: number | null; qty_matched_share: number | null };
  /** The replay's own figures (the session's are `comparison.live`). */
  replay: SideFigures;
  pnl_gap: number;
  pnl_gap_share: number | null;
}

export const ORDER_LEVEL_WHAT =
  "the session's own orders, each sent to the simulated venue at its live send time with its side, price and quantity and withdrawn when the session withdrew it, on the recorded market: the fate of every live order under the simulator. Nothing depends on the replay's fills, so a fill that differs does not change the orders after it: these figures measure the simulator (queue, latency, fees), not the strategy";

const r = (x: number, d = 6): number => roundTo(x, d) ?? Number.NaN;

export interface OrderLevelInput {
  live: SessionSide;
  replay: SessionSide;
  replayQueue: readonly number[];
  liveQueue: readonly number[];
  mids: MidTimeline;
  endTs: number;
  markoutSeconds: readonly number[];
  toleranceMs: number;
  venueClock: 'exchange' | 'local';
}

export function compareOrderLevel(c: OrderLevelInput): OrderLevelParity {
  const tol = c.toleranceMs * 1000;
  const fkey = (f: SideFill): string => `${f.clientId}|${qtyKey(f.qty)}`;
  const fm = matchFigures(c.live.fills, c.replay.fills, fkey, (f) => f.ts, tol);
  const live = sideFigures(c.live, c.mids, c.markoutSeconds, c.endTs, c.liveQueue);
  const replay = sideFigures(c.replay, c.mids, c.markoutSeconds, c.endTs, c.replayQueue);
  const byId = new Map<number, SideOrder>(c.replay.orders.map((o) => [o.clientId, o]));
  const sent = c.live.orders.filter((o) => !o.denied);
  let same = 0;
  let both = 0;
  let onlyLive = 0;
  let onlyReplay = 0;
  let qtyMatched = 0;
  for (const o of sent) {
    const x = byId.get(o.clientId);
    const lf = o.filledQty > 0;
    const rf = x !== undefined && x.filledQty > 0;
    if (lf && rf) both++;
    else if (lf) onlyLive++;
    else if (rf) onlyReplay++;
    if (x !== undefined) qtyMatched += Math.min(o.filledQty, x.filledQty);
    if (x === undefined || o.rejected !== x.rejected) continue;
    if (!lf && !rf) same++;
    else if (lf && rf && Math.abs(o.filledQty - x!.filledQty) <= 1e-9 * o.qty && Math.abs(o.firstFillTs - x!.firstFillTs) <= tol) same++;
  }
  const gap = replay.pnl.total - live.pnl.total;
  return {
    what: ORDER_LEVEL_WHAT,
    venue_clock: c.venueClock,
    orders: {
      sent: sent.length,
      same_fate: same,
      same_fate_share: sent.length ? r(same / sent.length) : 1,
      filled_both: both,
      filled_only_live: onlyLive,
      filled_only_replay: onlyReplay,
      rejected_live: sent.filter((o) => o.rejected).length,
      rejected_replay: c.replay.orders.filter((o) => o.rejected).length,
    },
    fills: {
      ...fm.figures,
      fill_ratio: fm.figures.matched_share,
      qty_ratio: live.filled_qty > 0 ? r(replay.filled_qty / live.filled_qty, 4) : null,
      qty_matched_share: live.filled_qty > 0 ? r(qtyMatched / live.filled_qty, 4) : null,
    },
    replay,
    pnl_gap: r(gap),
    pnl_gap_share: live.pnl.total !== 0 ? r(Math.abs(gap) / Math.abs(live.pnl.total), 4) : null,
  };
}

/** Where the strategy's replay parts from the session: the orders both sent alike, then the first that differs, and the fill difference before it. */
export interface Divergence {
  /** Leading orders (in send order) the replay sent as the session did: same side, price, quantity, send times within the tolerance. */
  orders_alike: number;
  orders_live: number;
  /** Send time of the session's first order the replay did not send alike (null: none differs). */
  first_difference_ts: number | null;
  /** Among the orders sent alike, the first (by time) whose fills differ: the fill that changed the inventory the strategy then saw. */
  fill_difference: { ts: number; client_id: number; live_qty: number; replay_qty: number; live_rejected: boolean; replay_rejected: boolean } | null;
}

export function divergence(live: SessionSide, replay: SessionSide, toleranceMs: number): Divergence {
  const tol = toleranceMs * 1000;
  const L = live.orders;
  const R = replay.orders;
  let k = 0;
  while (k < L.length && k < R.length && L[k]!.side === R[k]!.side && L[k]!.price === R[k]!.price && qtyKey(L[k]!.qty) === qtyKey(R[k]!.qty) && Math.abs(L[k]!.sentTs - R[k]!.sentTs) <= tol) k++;
  const differs = k < L.length || k < R.length;
  const at = !differs ? null : k < L.length ? L[k]!.sentTs : R[k]!.sentTs;
  let fill: Divergence['fill_difference'] = null;
  for (let i = 0; i < k; i++) {
    const a = L[i]!;
    const b = R[i]!;
    if (Math.abs(a.filledQty - b.filledQty) <= 1e-9 * a.qty) continue;
    const ts = Math.min(...[a.firstFillTs, b.firstFillTs].filter((x) => x === x));
    if (fill === null || ts < fill.ts) fill = { ts, client_id: a.clientId, live_qty: r(a.filledQty, 12), replay_qty: r(b.filledQty, 12), live_rejected: a.rejected, replay_rejected: b.rejected };
  }
  return { orders_alike: k, orders_live: L.length, first_difference_ts: at, fill_difference: fill };
}
