// Live against replay: the orders and fills of a session matched with those of its replay, and each side's PnL split, markouts, queue and latency.
import { quantileOfSorted, roundTo } from '../core/index.js';
import { midAt, type MidTimeline } from './parity-market.js';
import type { SessionSide, SideFill, SideOrder } from './parity-side.js';

export interface Stat {
  n: number;
  median: number | null;
  p90: number | null;
}

export interface SideFigures {
  orders: number;
  accepted: number;
  rejected: number;
  filled_orders: number;
  fills: number;
  filled_qty: number;
  traded_notional: number;
  /** total = spread_capture + inventory − fees (the tick metrics' split), quote currency; mids from the recording. */
  pnl: { total: number; spread_capture: number; inventory: number; fees: number };
  markouts: { horizon_seconds: number; fills: number; mean_bps: number | null; pnl: number }[];
  latency_ms: { ack: Stat; cancel: Stat; order_to_first_fill: Stat };
  queue: { source: 'simulated venue' | 'recorded book'; orders: number; median_queue_ahead: number | null; median_time_to_fill_s: number | null };
}

export interface MatchFigures {
  live: number;
  replay: number;
  matched: number;
  only_live: number;
  only_replay: number;
  /** matched / live (1 when live has none and neither has any). */
  matched_share: number;
  /** |replay time − live time| of the matched pairs, ms. */
  abs_dt_ms: Stat;
}

export interface QueueBucket {
  queue_from: number;
  queue_to: number;
  live: { orders: number; filled_share: number | null; median_time_to_fill_s: number | null };
  replay: { orders: number; filled_share: number | null; median_time_to_fill_s: number | null };
}

export interface ParityComparison {
  tolerance_ms: number;
  orders: MatchFigures;
  fills: MatchFigures & { fill_ratio: number; qty_ratio: number | null };
  live: SideFigures;
  replay: SideFigures;
  pnl_gap: number;
  /** |pnl_gap| / |live total PnL| (null when live PnL is 0). */
  pnl_gap_share: number | null;
  queue_buckets: QueueBucket[];
  /** Matched fills and unmatched ones for the page: time (µs), side, price, qty, which side. */
  fill_points: { ts: number; side: number; price: number; qty: number; kind: 'matched' | 'only live' | 'only replay' }[];
  queue_points: { queue_ahead: number; time_to_fill_s: number; side: 'live' | 'replay' }[];
}

const r = (x: number, d = 6): number => roundTo(x, d) ?? Number.NaN;

export function stat(xs: number[], d = 3): Stat {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return { n: s.length, median: s.length ? r(quantileOfSorted(s, 0.5), d) : null, p90: s.length ? r(quantileOfSorted(s, 0.9), d) : null };
}

const median = (xs: number[], d = 6): number | null => stat(xs, d).median;

/** A quantity as a pairing key: to 10 significant digits, so that the float residue of a split (0.00018999999999999993) is the quantity it stands for. */
export const qtyKey = (q: number): string => q.toPrecision(10);

/**
 * Greedy pairing by key (side, price, quantity) and time: each live item, in time order, takes the
 * unmatched replay item of the same key nearest in time, if within the tolerance.
 */
function pairUp<T>(live: readonly T[], replay: readonly T[], key: (x: T) => string, time: (x: T) => number, tolUs: number): { pairs: [number, number][]; usedL: Uint8Array; usedR: Uint8Array } {
  const byKey = new Map<string, number[]>();
  replay.forEach((x, j) => {
    const k = key(x);
    const list = byKey.get(k);
    if (list) list.push(j);
    else byKey.set(k, [j]);
  });
  const usedL = new Uint8Array(live.length);
  const usedR = new Uint8Array(replay.length);
  const pairs: [number, number][] = [];
  const orderL = live.map((_, i) => i).sort((a, b) => time(live[a]!) - time(live[b]!));
  for (const i of orderL) {
    const cands = byKey.get(key(live[i]!));
    if (!cands) continue;
    const t = time(live[i]!);
    let best = -1;
    let bestDt = Number.POSITIVE_INFINITY;
    for (const j of cands) {
      if (usedR[j]) continue;
      const dt = Math.abs(time(replay[j]!) - t);
      if (dt <= tolUs && dt < bestDt) {
        best = j;
        bestDt = dt;
      }
    }
    if (best >= 0) {
      usedL[i] = 1;
      usedR[best] = 1;
      pairs.push([i, best]);
    }
  }
  return { pairs, usedL, usedR };
}

export function matchFigures<T>(live: readonly T[], replay: readonly T[], key: (x: T) => string, time: (x: T) => number, tolUs: number) {
  const m = pairUp(live, replay, key, time, tolUs);
  const figures: MatchFigures = {
    live: live.length,
    replay: replay.length,
    matched: m.pairs.length,
    only_live: live.length - m.pairs.length,
    only_replay: replay.length - m.pairs.length,
    matched_share: live.length === 0 ? (replay.length === 0 ? 1 : 0) : r(m.pairs.length / live.length),
    abs_dt_ms: stat(m.pairs.map(([i, j]) => Math.abs(time(replay[j]!) - time(live[i]!)) / 1000)),
  };
  return { figures, ...m };
}

/** One side's own figures against the recorded market. */
export function sideFigures(s: SessionSide, mids: MidTimeline, markoutSeconds: readonly number[], endTs: number, queue: readonly number[]): SideFigures {
  let flow = 0;
  let pos = 0;
  let capture = 0;
  let fees = 0;
  let qty = 0;
  let notional = 0;
  for (const f of s.fills) {
    flow += -f.side * f.price * f.qty - f.fee;
    pos += f.side * f.qty;
    fees += f.fee;
    qty += f.qty;
    notional += f.price * f.qty;
    const m = midAt(mids, f.ts);
    if (m === m) capture += f.side * f.qty * (m - f.price);
  }
  const endMid = midAt(mids, endTs);
  const total = flow + (pos !== 0 ? pos * endMid : 0);
  const markouts = markoutSeconds.map((h) => {
    let n = 0;
    let bps = 0;
    let pnl = 0;
    for (const f of s.fills) {
      const t = f.ts + h * 1e6;
      if (t > endTs) continue;
      const m = midAt(mids, t);
      if (m !== m) continue;
      const d = f.side * (m - f.price);
      n++;
      bps += (d / f.price) * 1e4;
      pnl += d * f.qty;
    }
    return { horizon_seconds: h, fills: n, mean_bps: n ? r(bps / n, 4) : null, pnl: r(pnl) };
  });
  const o = s.orders;
  const joined = o.filter((x) => !x.rejected);
  return {
    orders: o.length,
    accepted: o.filter((x) => x.acceptedTs === x.acceptedTs).length,
    rejected: o.filter((x) => x.rejected).length,
    filled_orders: o.filter((x) => x.filledQty > 0).length,
    fills: s.fills.length,
    filled_qty: r(qty, 9),
    traded_notional: r(notional),
    pnl: { total: r(total), spread_capture: r(capture), inventory: r(total - capture + fees), fees: r(fees) },
    markouts,
    latency_ms: {
      ack: stat(o.map((x) => (x.acceptedTs - x.sentTs) / 1000)),
      cancel: stat(o.map((x) => (x.canceledTs - x.cancelRequestedTs) / 1000)),
      order_to_first_fill: stat(o.map((x) => (x.firstFillTs - x.sentTs) / 1000)),
    },
    queue: {
      source: s.queueFromVenue ? 'simulated venue' : 'recorded book',
      orders: joined.length,
      median_queue_ahead: median(o.flatMap((x, i) => (x.rejected ? [] : [queue[i]!]))),
      median_time_to_fill_s: median(o.map(timeToFill)),
    },
  };
}

/** Seconds from the order's acknowledgement (else its sending) to its first fill; NaN if never filled. */
function timeToFill(x: SideOrder): number {
  const from = x.acceptedTs === x.acceptedTs ? x.acceptedTs : x.sentTs;
  return (x.firstFillTs - from) / 1e6;
}

function bucketSide(orders: readonly SideOrder[], queue: readonly number[], lo: number, hi: number, last: boolean): QueueBucket['live'] {
  const inB = orders.filter((x, i) => !x.rejected && queue[i]! >= lo && (last ? queue[i]! <= hi : queue[i]! < hi));
  const filled = inB.filter((x) => x.filledQty > 0);
  return { orders: inB.length, filled_share: inB.length ? r(filled.length / inB.length, 4) : null, median_time_to_fill_s: median(filled.map(timeToFill), 3) };
}

export interface CompareInput {
  live: SessionSide;
  replay: SessionSide;
  /** Queue ahead at join of each order of each side (the venue's audit, or the recorded book's level). */
  liveQueue: readonly number[];
  replayQueue: readonly number[];
  mids: MidTimeline;
  endTs: number;
  markoutSeconds: readonly number[];
  toleranceMs: number;
}

export function compareSides(c: CompareInput): ParityComparison {
  const tol = c.toleranceMs * 1000;
  const okey = (o: SideOrder): string => `${o.side}|${o.price}|${qtyKey(o.qty)}`;
  const fkey = (f: SideFill): string => `${f.side}|${f.price}|${qtyKey(f.qty)}`;
  const om = matchFigures(c.live.orders, c.replay.orders, okey, (o) => o.sentTs, tol);
  const fm = matchFigures(c.live.fills, c.replay.fills, fkey, (f) => f.ts, tol);
  const live = sideFigures(c.live, c.mids, c.markoutSeconds, c.endTs, c.liveQueue);
  const replay = sideFigures(c.replay, c.mids, c.markoutSeconds, c.endTs, c.replayQueue);
  const gap = replay.pnl.total - live.pnl.total;

  // Queue buckets: nothing ahead (a new level, or the front of one), then the quartiles of the sizes ahead over both sides' orders.
  const all = [...c.liveQueue, ...c.replayQueue].filter((x) => Number.isFinite(x) && x > 0).sort((a, b) => a - b);
  const buckets: QueueBucket[] = [];
  if ([...c.liveQueue, ...c.replayQueue].some((x) => x === 0))
    buckets.push({ queue_from: 0, queue_to: 0, live: bucketSide(c.live.orders, c.liveQueue, 0, 0, true), replay: bucketSide(c.replay.orders, c.replayQueue, 0, 0, true) });
  const edges = all.length === 0 ? [] : [...new Set([0, 0.25, 0.5, 0.75, 1].map((p) => quantileOfSorted(all, p)))];
  if (edges.length === 1) edges.push(edges[0]!);
  for (let k = 0; k + 1 < edges.length; k++) {
    const last = k + 2 === edges.length;
    const lo = k === 0 ? Number.MIN_VALUE : edges[k]!;
    buckets.push({ queue_from: r(edges[k]!, 9), queue_to: r(edges[k + 1]!, 9), live: bucketSide(c.live.orders, c.liveQueue, lo, edges[k + 1]!, last), replay: bucketSide(c.replay.orders, c.replayQueue, lo, edges[k + 1]!, last) });
  }
  const points: ParityComparison['fill_points'] = [];
  for (const [i] of fm.pairs) points.push({ ...pick(c.live.fills[i]!), kind: 'matched' });
  c.live.fills.forEach((f, i) => fm.usedL[i] || points.push({ ...pick(f), kind: 'only live' }));
  c.replay.fills.forEach((f, j) => fm.usedR[j] || points.push({ ...pick(f), kind: 'only replay' }));
  const qp = (s: SessionSide, queue: readonly number[], side: 'live' | 'replay') =>
    s.orders.flatMap((o, i) => (o.filledQty > 0 && Number.isFinite(queue[i]!) ? [{ queue_ahead: queue[i]!, time_to_fill_s: r(timeToFill(o), 3), side }] : []));
  return {
    tolerance_ms: c.toleranceMs,
    orders: om.figures,
    fills: { ...fm.figures, fill_ratio: fm.figures.matched_share, qty_ratio: live.filled_qty > 0 ? r(replay.filled_qty / live.filled_qty, 4) : null },
    live,
    replay,
    pnl_gap: r(gap),
    pnl_gap_share: live.pnl.total !== 0 ? r(Math.abs(gap) / Math.abs(live.pnl.total), 4) : null,
    queue_buckets: buckets,
    fill_points: points.sort((a, b) => a.ts - b.ts),
    queue_points: [...qp(c.live, c.liveQueue, 'live'), ...qp(c.replay, c.replayQueue, 'replay')],
  };
}

const pick = (f: SideFill) => ({ ts: f.ts, side: f.side, price: f.price, qty: f.qty });
