// Parity's pairing and figures on hand-made sides, and the recording's book read at given times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocEvents, EventFlag, EventType } from '../market/index.js';
import { compareSides } from './parity.js';
import { compareOrderLevel, divergence } from './parity-orders.js';
import { midAt, scanRecording, type MidTimeline } from './parity-market.js';
import type { SessionSide, SideFill, SideOrder } from './parity-side.js';

const order = (clientId: number, side: 1 | -1, price: number, sentTs: number, o: Partial<SideOrder> = {}): SideOrder => ({
  clientId, side, price, qty: 1, sentTs, acceptedTs: sentTs + 20_000, cancelRequestedTs: Number.NaN, canceledTs: Number.NaN, rejected: false, rejectedTs: Number.NaN, denied: false, queueAhead: 0, filledQty: 0, firstFillTs: Number.NaN, lastFillTs: Number.NaN, ...o,
});
const fill = (clientId: number, side: 1 | -1, price: number, ts: number, qty = 1, fee = 0.01): SideFill => ({ clientId, ts, side, price, qty, fee });
const flatMid = (mid: number): MidTimeline => ({ ts: Float64Array.of(0), mid: Float64Array.of(mid), length: 1 });

test('fills pair by side, price and quantity within the tolerance, nearest first; the rest are only-live or only-replay', () => {
  const live: SessionSide = { orders: [order(1, 1, 99, 1e6)], fills: [fill(1, 1, 99, 2_000_000), fill(1, 1, 99, 3_000_000), fill(2, -1, 101, 4_000_000)], queueFromVenue: true };
  const replay: SessionSide = {
    orders: [order(7, 1, 99, 1e6 + 100_000)],
    fills: [fill(7, 1, 99, 2_900_000), fill(7, 1, 99, 2_050_000), fill(8, -1, 101, 4_000_000, 2), fill(9, -1, 101, 9_000_000)],
    queueFromVenue: true,
  };
  const c = compareSides({ live, replay, liveQueue: [0], replayQueue: [0], mids: flatMid(100), endTs: 10e6, markoutSeconds: [1], toleranceMs: 200 });
  assert.equal(c.fills.matched, 2, 'the two 99 buys pair with the two replay buys; the 101 sell differs in quantity, then in time');
  assert.equal(c.fills.only_live, 1);
  assert.equal(c.fills.only_replay, 2);
  assert.deepEqual([c.fills.abs_dt_ms.median, c.fills.abs_dt_ms.n], [100, 2], 'nearest in time: |Δt| 50 and 100 ms');
  assert.equal(c.fills.fill_ratio, Number((2 / 3).toFixed(6)));
  assert.equal(c.orders.matched, 1, 'the order sent 100 ms later matches');
  const tight = compareSides({ live, replay, liveQueue: [0], replayQueue: [0], mids: flatMid(100), endTs: 10e6, markoutSeconds: [1], toleranceMs: 10 });
  assert.equal(tight.fills.matched, 0, 'outside a 10 ms tolerance nothing matches');
  assert.equal(tight.orders.matched, 0);
});

test('the PnL split adds up: total = spread capture + inventory − fees, marked on the recorded mid', () => {
  // Buy 1 at 99 and sell 1 at 102 with the mid at 100 throughout, then the mid moves to 104 with a buy of 1 at 103 left open.
  const mids: MidTimeline = { ts: Float64Array.of(0, 5e6), mid: Float64Array.of(100, 104), length: 2 };
  const s: SessionSide = { orders: [], fills: [fill(1, 1, 99, 1e6), fill(2, -1, 102, 2e6), fill(3, 1, 103, 6e6)], queueFromVenue: true };
  const c = compareSides({ live: s, replay: s, liveQueue: [], replayQueue: [], mids, endTs: 8e6, markoutSeconds: [1, 5], toleranceMs: 0 });
  const p = c.live.pnl;
  // Cash: −99 + 102 − 103 − 3 × 0.01; position +1 marked at 104.
  assert.ok(Math.abs(p.total - (-99 + 102 - 103 - 0.03 + 104)) < 1e-9);
  assert.ok(Math.abs(p.spread_capture - ((100 - 99) + (102 - 100) + (104 - 103))) < 1e-9);
  assert.ok(Math.abs(p.fees - 0.03) < 1e-12);
  assert.ok(Math.abs(p.spread_capture + p.inventory - p.fees - p.total) < 1e-9);
  assert.equal(c.pnl_gap, 0);
  // Markout at 5 s: the first two fills see the mid at 104 by then (6 s, 7 s); the third would need 11 s > the end.
  const m5 = c.live.markouts[1]!;
  assert.equal(m5.fills, 2);
  assert.ok(Math.abs(m5.pnl - ((104 - 99) - (104 - 102))) < 1e-9);
});

test('latencies and queue at join are each side’s own', () => {
  const mk = (ack: number, q: number): SessionSide => ({ orders: [order(1, 1, 99, 0, { acceptedTs: ack, filledQty: 1, firstFillTs: 3e6, queueAhead: q })], fills: [fill(1, 1, 99, 3e6)], queueFromVenue: true });
  const c = compareSides({ live: mk(40_000, 5), replay: mk(400_000, 0), liveQueue: [5], replayQueue: [0], mids: flatMid(100), endTs: 10e6, markoutSeconds: [], toleranceMs: 500 });
  assert.equal(c.live.latency_ms.ack.median, 40);
  assert.equal(c.replay.latency_ms.ack.median, 400);
  assert.equal(c.live.queue.median_queue_ahead, 5);
  assert.equal(c.replay.queue.median_time_to_fill_s, 2.6);
  assert.equal(c.queue_buckets[0]!.queue_to, 0, 'a first bucket for orders with nothing ahead');
  assert.equal(c.queue_buckets[0]!.replay.orders, 1);
  assert.equal(c.queue_buckets[1]!.live.orders, 1);
});

test('the recorded book answers the size at a level as of a time, and the mid after each message', () => {
  const ev = allocEvents(8);
  const row = (type: number, side: number, flags: number, t: number, price: number, size: number, id: number) => {
    const i = ev.length++;
    ev.type[i] = type; ev.side[i] = side; ev.flags[i] = flags; ev.tsExchange[i] = t; ev.tsLocal[i] = t; ev.price[i] = price; ev.size[i] = size; ev.id[i] = id;
  };
  row(EventType.Snapshot, 1, EventFlag.SnapshotStart, 1000, 99, 3, 10);
  row(EventType.Snapshot, -1, EventFlag.EndOfMessage, 1000, 101, 4, 10);
  row(EventType.Delta, 1, EventFlag.EndOfMessage, 2000, 99, 7, 11);
  row(EventType.Delta, -1, EventFlag.EndOfMessage, 3000, 100, 1, 12);
  const s = scanRecording(ev, 1, [{ ts: 2500, side: 1, price: 99 }, { ts: 1500, side: 1, price: 99 }, { ts: 500, side: 1, price: 99 }, { ts: 9000, side: -1, price: 100 }]);
  assert.deepEqual(Array.from(s.levelQty).slice(0, 2), [7, 3], 'as of 2.5 ms: 7; as of 1.5 ms: 3 (queries in any order)');
  assert.ok(Number.isNaN(s.levelQty[2]!), 'before the first book: unknown');
  assert.equal(s.levelQty[3], 1);
  assert.equal(midAt(s.mids, 1500), 100);
  assert.equal(midAt(s.mids, 3000), 99.5);
  assert.ok(Number.isNaN(midAt(s.mids, 999)));
});

test('order-level: fills pair by order and quantity (a float residue is the quantity it stands for); an order meets its fate when both reject it, neither fills it, or both fill it alike in time', () => {
  const live: SessionSide = {
    orders: [
      order(1, 1, 99, 0, { filledQty: 1, firstFillTs: 2e6 }),
      order(2, -1, 101, 0, { rejected: true, rejectedTs: 40_000 }),
      order(3, 1, 98, 1e6),
      order(4, -1, 102, 1e6, { filledQty: 1, firstFillTs: 3e6 }),
      order(5, -1, 103, 1e6, { rejected: true, denied: true }),
    ],
    fills: [fill(1, 1, 99, 2e6, 0.3), fill(1, 1, 99, 2.1e6, 0.7), fill(4, -1, 102, 3e6)],
    queueFromVenue: false,
  };
  const replay: SessionSide = {
    orders: [
      order(1, 1, 99, 0, { filledQty: 1, firstFillTs: 2.05e6 }),
      order(2, -1, 101, 0, { filledQty: 0 }),
      order(3, 1, 98, 1e6, { filledQty: 1, firstFillTs: 5e6 }),
      order(4, -1, 102, 1e6),
    ],
    fills: [fill(1, 1, 99, 2.05e6, 0.3), fill(1, 1, 99, 2.1e6, 0.7000000000000001), fill(3, 1, 98, 5e6)],
    queueFromVenue: true,
  };
  const o = compareOrderLevel({ live, replay, liveQueue: [], replayQueue: [], mids: flatMid(100), endTs: 10e6, markoutSeconds: [], toleranceMs: 100, venueClock: 'exchange' });
  assert.equal(o.orders.sent, 4, 'the order our own risk gate denied never left');
  assert.equal(o.orders.same_fate, 1, 'order 1 only: 2 was rejected live and rested in the replay, 3 filled only in the replay, 4 only live');
  assert.deepEqual([o.orders.filled_both, o.orders.filled_only_live, o.orders.filled_only_replay], [1, 1, 1]);
  assert.deepEqual([o.fills.matched, o.fills.only_live, o.fills.only_replay], [2, 1, 1]);
  assert.equal(o.fills.qty_matched_share, 0.5);
  // Live: bought 1 at 99, sold 1 at 102 (fees 0.01 each); replay: bought 1 at 99 and 1 at 98, long 2 marked at 100.
  assert.ok(Math.abs(o.replay.pnl.total - (-99 - 98 - 0.03 + 200)) < 1e-9);
  const d = divergence(live, replay, 100);
  assert.equal(d.orders_alike, 4, 'the same orders at the same times');
  assert.equal(d.first_difference_ts, 1e6, "the live order the replay did not send");
  assert.deepEqual(d.fill_difference, { ts: 3e6, client_id: 4, live_qty: 1, replay_qty: 0, live_rejected: false, replay_rejected: false });
});
