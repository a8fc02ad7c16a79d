// The simulated L2 venue on hand-made sequences: queue position, trade-through, partial fills, post-only, latency, fees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventColumns } from '../market/index.js';
import type { OrderEventHandler, OrderEvent } from '../orders/index.js';
import { L2Exchange, BpsFees, constantLatency, riskAverseQueue, powerQueue, type QueueModel } from './index.js';
import { EventBuilder } from '../../test/fixtures/tick-events.js';

class Recorder implements OrderEventHandler {
  readonly events: OrderEvent[] = [];
  onAccepted(ts: number, clientId: number): void {
    this.events.push({ type: 'accepted', ts, clientId });
  }
  onRejected(ts: number, clientId: number, reason: string): void {
    this.events.push({ type: 'rejected', ts, clientId, reason });
  }
  onDenied(ts: number, clientId: number, reason: string): void {
    this.events.push({ type: 'denied', ts, clientId, reason });
  }
  onCanceled(ts: number, clientId: number): void {
    this.events.push({ type: 'canceled', ts, clientId });
  }
  onFill(ts: number, clientId: number, side: 1 | -1, price: number, qty: number, fee: number, liquidity: 'maker' | 'taker'): void {
    this.events.push({ type: 'filled', ts, clientId, side, price, qty, fee, liquidity });
  }
  fills() {
    return this.events.filter((e) => e.type === 'filled') as Extract<OrderEvent, { type: 'filled' }>[];
  }
}

interface Harness {
  ex: L2Exchange;
  rec: Recorder;
  /** Play market rows, commands in flight and answers up to time `until` (exchange data first at ties). */
  run(until: number): void;
}

function harness(ev: EventColumns, opts: { queue?: QueueModel; latencyUs?: number; partial?: boolean; makerBps?: number; lot?: number } = {}): Harness {
  const lat = opts.latencyUs ?? 0;
  const ex = new L2Exchange(
    { tickSize: 0.01, partialFills: opts.partial ?? true, ladderTicks: 4096, ...(opts.lot !== undefined ? { lotSize: opts.lot } : {}) },
    opts.queue ?? riskAverseQueue,
    constantLatency(lat, lat),
    new BpsFees(opts.makerBps ?? 0, 5),
  );
  const rec = new Recorder();
  let i = 0;
  return {
    ex,
    rec,
    run(until: number) {
      for (;;) {
        const tE = i < ev.length ? ev.tsExchange[i]! : Infinity;
        const tIn = ex.nextInboundTs();
        const tOut = ex.nextOutboundTs();
        const t = Math.min(tE, tIn, tOut);
        if (t > until || t === Infinity) return;
        if (tE === t) ex.onMarket(ev, i++, tE);
        else if (tIn === t) ex.processInbound();
        else ex.deliver(rec);
      }
    },
  };
}

const book = () => new EventBuilder().snapshot(0, [[100, 5], [99.99, 10]], [[100.01, 4], [100.02, 8]]);

test('a new order joins behind the displayed size; trades at its price move it and then fill it', () => {
  const ev = book().trade(20, -1, 100, 3).trade(30, -1, 100, 2.5).build();
  const h = harness(ev);
  h.run(1);
  h.ex.place(1, 1, 1, 100, 1);
  h.run(10);
  assert.equal(h.ex.queueAhead(1), 5);
  h.run(25);
  assert.equal(h.ex.queueAhead(1), 2);
  assert.equal(h.rec.fills().length, 0);
  h.run(40);
  const f = h.rec.fills();
  assert.equal(f.length, 1);
  assert.deepEqual([f[0]!.price, f[0]!.qty, f[0]!.liquidity], [100, 0.5, 'maker'], 'reached: only what traded beyond the queue fills');
  // The opt-in whole-order rule fills all of it on the same trade.
  const w = harness(ev, { partial: false });
  w.run(1);
  w.ex.place(1, 1, 1, 100, 1);
  w.run(40);
  assert.deepEqual(w.rec.fills().map((x) => x.qty), [1]);
});

test('an order that joined where only the BBO showed its level keeps that queue through a depth message re-read midway', () => {
  // The depth book has no bid at 100.01; a bookTicker shows 6 there. The next depth message first sets a bid
  // at 100.05 (clearing the stale ask there: every level is re-read, ours still 0 in the depth book), then
  // states our level at 6. The 6 in front of us never traded: a sell of 1 at our price cannot fill us.
  const ev = new EventBuilder()
    .snapshot(0, [[100, 5], [99.99, 10]], [[100.05, 4], [100.06, 8]])
    .bbo(5, [100.01, 6], [100.05, 4])
    .delta(20, [[1, 100.05, 1], [1, 100.01, 6], [-1, 100.05, 0], [1, 100.05, 0]])
    .trade(30, -1, 100.01, 1)
    .build();
  const h = harness(ev);
  h.run(6);
  h.ex.place(6, 1, 1, 100.01, 1);
  h.run(10);
  assert.equal(h.ex.queueAhead(1), 6, "the BBO's size: the longer of two uncertain queues");
  h.run(25);
  assert.equal(h.ex.queueAhead(1), 6);
  h.run(40);
  assert.equal(h.rec.fills().length, 0);
  assert.equal(h.ex.queueAhead(1), 5);
});

test('a trade that only just clears the queue fills nothing: no fill of a floating-point remainder', () => {
  // 0.3 − 0.1 is 0.19999999999999998: a trade of 0.2 then leaves 3e-17 beyond the queue.
  const ev = new EventBuilder().snapshot(0, [[100, 0.3]], [[100.01, 4]]).trade(20, -1, 100, 0.1).trade(30, -1, 100, 0.2).trade(40, -1, 100, 0.25).build();
  const h = harness(ev);
  h.run(1);
  h.ex.place(1, 1, 1, 100, 1);
  h.run(35);
  assert.deepEqual(h.rec.fills().map((f) => f.qty), []);
  h.run(45);
  assert.deepEqual(h.rec.fills().map((f) => f.qty), [0.25]);
});

test('partial fills: only the traded quantity beyond the queue fills', () => {
  const ev = book().trade(20, -1, 100, 5.25).trade(30, -1, 100, 2).build();
  const h = harness(ev, { partial: true });
  h.run(1);
  h.ex.place(1, 1, 1, 100, 1);
  h.run(25);
  assert.deepEqual(h.rec.fills().map((f) => f.qty), [0.25]);
  h.run(40);
  assert.deepEqual(h.rec.fills().map((f) => f.qty), [0.25, 0.75]);
  assert.equal(h.ex.resting, 0);
});

test('a trade through our price fills at our price by at most its own size; a trade short of it does not', () => {
  const ev = book().trade(20, -1, 99.99, 0.1).trade(30, 1, 100.01, 9).build();
  const h = harness(ev);
  h.run(1);
  h.ex.place(1, 1, -1, 100.02, 2); // ask behind 8 at 100.02: a buy at 100.01 does not reach it
  h.ex.place(1, 2, 1, 100, 2); // bid behind 5 at 100: a sell at 99.99 went through it
  h.run(100);
  const f = h.rec.fills();
  assert.equal(f.length, 1);
  assert.deepEqual([f[0]!.clientId, f[0]!.price, f[0]!.qty], [2, 100, 0.1]);
  assert.equal(h.ex.stats.tradeThroughFills, 1);
});

test('a through-trade of 0.001 fills a 0.01 order by 0.001 only', () => {
  const ev = book().trade(20, -1, 99.98, 0.001).build();
  const h = harness(ev);
  h.run(1);
  h.ex.place(1, 1, 1, 100, 0.01);
  h.run(100);
  assert.deepEqual(h.rec.fills().map((x) => x.qty), [0.001]);
  assert.equal(h.ex.resting, 1);
});

test('two of our orders at one level share one trade without exceeding it; a through order comes first', () => {
  // Bids at 100.01 (a new level: nothing ahead) and 100 (behind 5). A sell of 0.015 at 100.01, then one of 5.02 at 100.
  const ev = new EventBuilder().snapshot(0, [[100, 5]], [[100.02, 4]]).trade(20, -1, 100.01, 0.015).trade(30, -1, 100, 5.02).build();
  const h = harness(ev);
  h.run(1);
  h.ex.place(1, 1, 1, 100.01, 0.01);
  h.ex.place(1, 2, 1, 100.01, 0.01);
  h.ex.place(1, 3, 1, 100, 0.01);
  h.run(25);
  const first = h.rec.fills().map((x) => [x.clientId, Math.round(x.qty * 1e9) / 1e9]);
  assert.deepEqual(first, [[1, 0.01], [2, 0.005]], 'the first order in the queue, then what is left for the second');
  h.run(100);
  const all = h.rec.fills();
  const second = all.slice(2);
  // 5.02 at 100 went through the bid left at 100.01 (0.005 of it) and then 5 of real queue at 100: 0.015 left for order 3.
  assert.deepEqual(second.map((x) => [x.clientId, Math.round(x.qty * 1e9) / 1e9]), [[2, 0.005], [3, 0.01]]);
  const total = second.reduce((a, x) => a + x.qty, 0);
  assert.ok(total <= 5.02 - 5 + 1e-12, `no more than the trade left beyond the queue: ${total}`);
});

test('no trade, no fill: the book can move anywhere without filling a resting order', () => {
  const ev = book()
    .delta(20, [[1, 100, 0], [1, 99.99, 0], [-1, 100.01, 0], [-1, 100.02, 0]])
    .delta(30, [[-1, 99.5, 1], [1, 99.4, 1]])
    .build();
  const h = harness(ev);
  h.run(1);
  h.ex.place(1, 1, 1, 100, 1);
  h.run(100);
  assert.equal(h.rec.fills().length, 0);
  assert.equal(h.ex.queueAhead(1), 0, 'its level emptied: it is first in line');
});

test('post-only: an order that would cross the book is rejected', () => {
  const h = harness(book().build());
  h.run(1);
  h.ex.place(1, 1, 1, 100.01, 1);
  h.ex.place(1, 2, -1, 100, 1);
  h.ex.place(1, 3, 1, 100.0, 1);
  h.run(10);
  assert.deepEqual(h.rec.events.map((e) => e.type), ['rejected', 'rejected', 'accepted']);
});

test('latency: an order sent at t cannot fill on a trade before t + entry latency (a trade at exactly that time comes first)', () => {
  const L = 10_000;
  const ev = new EventBuilder().snapshot(0, [[100, 0.5]], [[100.01, 1]]).trade(1_000 + L - 1, -1, 99.9, 1).trade(1_000 + L, -1, 99.9, 1).trade(1_000 + L + 1, -1, 99.9, 1).build();
  const h = harness(ev, { latencyUs: L });
  h.run(999);
  h.ex.place(1_000, 7, 1, 100, 1);
  h.run(1e9);
  const f = h.rec.fills();
  assert.equal(f.length, 1);
  assert.equal(f[0]!.ts, 1_000 + L + 1 + L, 'filled by the third trade, known locally one response latency later');
  assert.equal(h.rec.events[0]!.type, 'accepted');
  assert.equal(h.rec.events[0]!.ts, 1_000 + 2 * L);
});

test('a cancel takes effect after latency: a fill can arrive while it is in flight', () => {
  const L = 10_000;
  const ev = book().trade(25_000, -1, 99.5, 1).build();
  const h = harness(ev, { latencyUs: L });
  h.run(1);
  h.ex.place(1, 1, 1, 100, 1);
  h.run(20_000);
  h.ex.cancel(20_000, 1); // reaches the venue at 30 000, after the trade at 25 000
  h.run(1e9);
  assert.deepEqual(h.rec.events.map((e) => e.type), ['accepted', 'filled']);
  assert.equal(h.ex.stats.cancelsLate, 1);
  const h2 = harness(ev, { latencyUs: L });
  h2.run(1);
  h2.ex.place(1, 1, 1, 100, 1);
  h2.run(5_000);
  h2.ex.cancel(5_000, 1);
  h2.run(1e9);
  assert.deepEqual(h2.rec.events.map((e) => e.type), ['accepted', 'canceled']);
});

test('queue models: cancels ahead move a probabilistic queue, never a risk-averse one; trades are not counted twice', () => {
  // Level 100: 5 ahead of us. A trade of 2 (ahead 3), then the depth stream shows 5 → 1: 2 traded + 2 cancelled.
  const seq = () => book().trade(20, -1, 100, 2).delta(30, [[1, 100, 1]]).build();
  const ra = harness(seq());
  ra.run(1);
  ra.ex.place(1, 1, 1, 100, 1);
  ra.run(100);
  assert.equal(ra.ex.queueAhead(1), 1, 'risk-averse: capped by the level (1 left)');
  const pw = harness(seq(), { queue: powerQueue(1) });
  pw.run(1);
  pw.ex.place(1, 1, 1, 100, 1);
  pw.run(100);
  // After the trade: ahead 3 of a level of 3 → the 2 cancelled were all ahead: 1 left, same cap here.
  assert.equal(pw.ex.queueAhead(1), 1);
  // Joining a level with others behind us: 5 ahead, then 5 more join, then 4 cancel.
  const seq2 = () => book().delta(20, [[1, 100, 10]]).delta(30, [[1, 100, 6]]).build();
  const a = harness(seq2());
  a.run(1);
  a.ex.place(1, 1, 1, 100, 1);
  a.run(100);
  assert.equal(a.ex.queueAhead(1), 5);
  const b = harness(seq2(), { queue: powerQueue(1) });
  b.run(1);
  b.ex.place(1, 1, 1, 100, 1);
  b.run(100);
  assert.ok(Math.abs(b.ex.queueAhead(1) - 3) < 1e-12, 'uniform: half of the 4 cancelled were ahead');
});

test('fees: maker fee in bps of notional; a negative maker fee is a rebate', () => {
  const ev = book().trade(20, -1, 99.5, 2).build();
  const h = harness(ev, { makerBps: -1 });
  h.run(1);
  h.ex.place(1, 1, 1, 100, 2);
  h.run(100);
  const f = h.rec.fills()[0]!;
  assert.ok(Math.abs(f.fee - -0.02) < 1e-12, `fee ${f.fee}`);
  assert.equal(new BpsFees(2, 7).fee(100, 3, 'taker'), 0.21);
});

test('without post-only, a crossing order takes the displayed levels up to its price as taker, then rests', () => {
  const ev = book().build(); // asks 100.01 × 4, 100.02 × 8
  const ex = new L2Exchange({ tickSize: 0.01, partialFills: true, ladderTicks: 4096, postOnly: false }, riskAverseQueue, constantLatency(0, 0), new BpsFees(-1, 5));
  const rec = new Recorder();
  for (let i = 0; i < ev.length; i++) ex.onMarket(ev, i, 0);
  ex.place(1, 1, 1, 100.02, 6);
  ex.place(1, 2, 1, 100.01, 5);
  while (ex.nextInboundTs() < Infinity) ex.processInbound();
  while (ex.nextOutboundTs() < Infinity) ex.deliver(rec);
  const f = rec.fills();
  assert.deepEqual(f.map((x) => [x.clientId, x.price, x.qty, x.liquidity]), [
    [1, 100.01, 4, 'taker'],
    [1, 100.02, 2, 'taker'],
    [2, 100.01, 4, 'taker'],
  ]);
  assert.ok(Math.abs(f[0]!.fee - (100.01 * 4 * 5) / 1e4) < 1e-12, 'taker fee');
  assert.equal(ex.resting, 1, 'order 2 rests its last unit');
  assert.equal(ex.stats.takerFills, 3);
});

test('a snapshot (resync) restating the book keeps our queue position; one that shrinks our level moves it as one change', () => {
  // 5 ahead of us at 100; a resync snapshot restates the same book, our level listed last.
  const same = () => book().snapshot(50, [[99.99, 10], [100, 5]], [[100.01, 4], [100.02, 8]]).build();
  for (const queue of [riskAverseQueue, powerQueue(2)]) {
    const h = harness(same(), { queue });
    h.run(1);
    h.ex.place(1, 1, 1, 100, 1);
    h.run(100);
    assert.equal(h.ex.queueAhead(1), 5, 'a resync is not a reason to move to the front');
  }
  // The resync shows 3 left at 100 (2 gone while we were disconnected): the queue model places that cancel.
  const shrunk = () => book().snapshot(50, [[100, 3], [99.99, 10]], [[100.01, 4]]).build();
  const ra = harness(shrunk());
  ra.run(1);
  ra.ex.place(1, 1, 1, 100, 1);
  ra.run(100);
  assert.equal(ra.ex.queueAhead(1), 3, 'risk-averse: capped by the level');
  const pw = harness(shrunk(), { queue: powerQueue(1) });
  pw.run(1);
  pw.ex.place(1, 1, 1, 100, 1);
  pw.run(100);
  assert.ok(pw.ex.queueAhead(1) > 0 && pw.ex.queueAhead(1) <= 3, `uniform: part of the cancel was ahead, got ${pw.ex.queueAhead(1)}`);
});

test('an immediate-or-cancel order takes the book as it is when it arrives (after the entry latency), taker fee, the rest cancelled', () => {
  // Asks 100.02 × 0.5, 100.03 × 1; at t = 1500 the touch moves up: 100.02 is gone, 100.04 × 2 appears.
  const ev = new EventBuilder()
    .snapshot(1000, [[100.0, 1]], [[100.02, 0.5], [100.03, 1]])
    .delta(1500, [[-1, 100.02, 0], [-1, 100.04, 2]])
    .build();
  const h = harness(ev, { latencyUs: 1000 });
  h.run(1200);
  // Sent at 1200 with the touch at 100.02 in view; it arrives at 2200, after the touch moved.
  h.ex.take(1200, 1, 1, 100.03, 2);
  h.run(10_000);
  const f = h.rec.fills();
  assert.equal(f.length, 1, 'only 100.03 is within the limit at arrival');
  assert.equal(f[0]!.price, 100.03);
  assert.equal(f[0]!.qty, 1);
  assert.equal(f[0]!.liquidity, 'taker');
  assert.ok(Math.abs(f[0]!.fee - (100.03 * 1 * 5) / 10_000) < 1e-12, 'taker fee 5 bps');
  const kinds = h.rec.events.map((e) => e.type);
  assert.deepEqual(kinds, ['accepted', 'filled', 'canceled'], 'the rest expires after the fill');
  assert.equal(h.rec.events[1]!.ts, 3200, 'arrived at 2200, answered 1000 later');
  assert.equal(h.ex.resting, 0, 'nothing rests');
  assert.equal(h.ex.position, 1);
  // A limit the book no longer reaches: accepted, nothing taken, cancelled.
  h.ex.take(20_000, 2, 1, 100.02, 1);
  h.run(30_000);
  assert.deepEqual(h.rec.events.slice(3).map((e) => e.type), ['accepted', 'canceled']);
  assert.equal(h.ex.resting, 0);
});

test('more than 256 resting orders (a replay of a session\'s own orders has no gate): the venue makes room, keeps every order and fills them in time priority', () => {
  // 600 bids at 99.99..94.00 (one per tick), then a sell sweeping down to 99.00 through the displayed 10 at 99.99.
  // The snapshot reaches 94 (a level of 1 there): every level of ours is stated, empty above it.
  const ev = new EventBuilder().snapshot(0, [[100, 5], [99.99, 10], [94, 1]], [[100.01, 4], [100.02, 8]]).trade(50, -1, 99, 200).build();
  const h = harness(ev);
  h.run(1);
  for (let k = 0; k < 600; k++) h.ex.place(1, k + 1, 1, Math.round((99.99 - k * 0.01) * 100) / 100, 0.1);
  h.run(10);
  assert.equal(h.ex.resting, 600);
  h.run(100);
  const f = h.rec.fills();
  // A trade at 99 reaches the bids at 99.00 and above: 100 levels, each filled at its own price behind its queue.
  const ids = f.map((x) => x.clientId).sort((a, b) => a - b);
  assert.deepEqual(ids, Array.from({ length: 100 }, (_, k) => k + 1));
  for (const x of f) assert.equal(x.price, Math.round((99.99 - (x.clientId - 1) * 0.01) * 100) / 100);
  assert.equal(h.ex.resting, 500);
});

test('commands and answers in flight beyond the rings’ first size keep their order (the rings grow while wrapped)', () => {
  const ev = book().build();
  const ex = new L2Exchange({ tickSize: 0.01, partialFills: true, ladderTicks: 4096 }, riskAverseQueue, constantLatency(10, 10), new BpsFees(0, 5));
  const rec = new Recorder();
  for (let i = 0; i < ev.length; i++) ex.onMarket(ev, i, 0);
  const place = (id: number): void => ex.place(id, id, 1, 99, 0.01);
  let id = 1;
  for (; id <= 40; id++) place(id);
  for (let k = 0; k < 30; k++) ex.processInbound(); // the inbound ring's head moves on
  for (let k = 0; k < 20; k++) ex.deliver(rec); // and the outbound ring's
  for (; id <= 5000; id++) place(id); // thousands in flight at once: both rings wrap, then grow
  while (ex.nextInboundTs() < Infinity) ex.processInbound();
  while (ex.nextOutboundTs() < Infinity) ex.deliver(rec);
  assert.equal(ex.resting, 5000);
  const accepted = rec.events.map((e) => (e.type === 'accepted' ? e.clientId : -1));
  assert.deepEqual(accepted, Array.from({ length: 5000 }, (_, i) => i + 1), 'every order accepted once, in the order sent');
  assert.ok(rec.events.every((e, i) => i === 0 || e.ts >= rec.events[i - 1]!.ts), 'answers in time order');
});

test('a gap in the depth stream: no trade fills a resting order until the resync, which puts it at the back of its level', () => {
  // Our bid joins behind 5 at 100; a gap at 20; trades at 30 and 40 would fill it (through and at its price);
  // the snapshot at 50 resyncs with 7 at 100; a trade of 6 at 60 then leaves 1 ahead; 2 more at 70 fill it.
  const ev = book()
    .gap(20)
    .trade(30, -1, 99.99, 4)
    .trade(40, -1, 100, 9)
    .snapshot(50, [[100, 7], [99.99, 10]], [[100.01, 4]])
    .trade(60, -1, 100, 6)
    .trade(70, -1, 100, 2)
    .build();
  const h = harness(ev);
  h.run(1);
  h.ex.place(1, 1, 1, 100, 1);
  h.run(10);
  assert.equal(h.ex.queueAhead(1), 5);
  h.run(45);
  assert.equal(h.rec.fills().length, 0, 'nothing filled while the book is unknown');
  assert.equal(h.ex.stats.fillsSuppressed, 2, 'the two trades that reached it');
  assert.equal(h.ex.market.known, false);
  assert.equal(h.ex.market.gaps, 1);
  h.run(55);
  assert.equal(h.ex.market.known, true);
  assert.equal(h.ex.queueAhead(1), 7, 'at the back of the level the snapshot states');
  assert.equal(h.ex.stats.requeued, 1);
  assert.equal(h.ex.market.unknownMicrosAt(1000), 30, 'unknown from 20 to 50');
  h.run(65);
  assert.equal(h.ex.queueAhead(1), 1);
  assert.equal(h.rec.fills().length, 0);
  h.run(80);
  const f = h.rec.fills();
  assert.equal(f.length, 1);
  assert.deepEqual([f[0]!.price, f[0]!.qty], [100, 1]);
});

test('in a gap a place or an immediate-or-cancel order is rejected (the book is unknown); cancels still work; after the resync places rest again', () => {
  const ev = book().gap(20).trade(40, 1, 100.01, 1).snapshot(50, [[100, 5]], [[100.01, 4]]).build();
  const h = harness(ev);
  h.run(1);
  h.ex.place(1, 1, -1, 100.02, 1); // rests before the gap
  h.run(25);
  h.ex.place(25, 2, 1, 99.99, 1); // arrives in the gap
  h.ex.take(25, 3, 1, 100.01, 1); // would take the stale ask
  h.ex.cancel(26, 1);
  h.run(45);
  const rejected = h.rec.events.filter((e) => e.type === 'rejected');
  assert.deepEqual(rejected.map((e) => [e.clientId, (e as { reason: string }).reason]), [
    [2, 'the book is unknown (a gap in the depth stream, no snapshot since)'],
    [3, 'the book is unknown (a gap in the depth stream, no snapshot since)'],
  ]);
  assert.deepEqual(h.rec.events.filter((e) => e.type === 'canceled').map((e) => e.clientId), [1]);
  assert.equal(h.ex.stats.rejectedBookUnknown, 2);
  assert.equal(h.rec.fills().length, 0);
  h.run(55);
  h.ex.place(55, 4, 1, 100, 1);
  h.run(60);
  assert.equal(h.ex.queueAhead(4), 5);
  assert.equal(h.ex.audit.reason[1], 3, 'orders.csv: rejected');
});

// The venue's book keeps a window of ticks around the touch as a dense ladder (here 4096 ticks: ±20.48 at a
// 0.01 tick); the levels beyond it are kept too, and a level no depth message has stated is unknown.

test('an order resting beyond the ladder window joins behind the size the snapshot showed there', () => {
  // The snapshot shows 7 at 70, 3000 ticks below the touch: far outside the window, still part of the book.
  const ev = new EventBuilder().snapshot(0, [[100, 5], [99.99, 10], [70, 7]], [[100.01, 4]]).trade(20, -1, 70, 3).trade(30, -1, 70, 5).build();
  const h = harness(ev);
  h.run(1);
  h.ex.place(1, 1, 1, 70, 1);
  h.run(10);
  assert.equal(h.ex.queueAhead(1), 7);
  h.run(25);
  assert.deepEqual(h.rec.fills(), [], 'a sell of 3 at 70 goes to the 7 in front of us');
  h.run(40);
  assert.deepEqual(h.rec.fills().map((f) => f.qty), [1], 'the next 5: 4 to the queue, then us');
});

test('a level the window leaves when the market jumps, and comes back to, keeps its size and our place behind it', () => {
  // Our bid rests at 95 behind 7. The market jumps 30 (3000 ticks: the window re-centres there, 95 falls out of
  // it), then comes back. Nothing at 95 was cancelled: we are still behind the 7.
  const ev = new EventBuilder()
    .snapshot(0, [[100, 5], [95, 7]], [[100.01, 4]])
    .delta(20, [[-1, 100.01, 0], [1, 130, 1], [-1, 130.01, 1]])
    .delta(30, [[1, 130, 0], [-1, 130.01, 0], [1, 100, 5], [-1, 100.01, 4]])
    .trade(40, -1, 95, 3)
    .build();
  const h = harness(ev);
  h.run(1);
  h.ex.place(1, 1, 1, 95, 1);
  h.run(25);
  assert.equal(h.ex.queueAhead(1), 7, 'out of the window: the level is still there');
  h.run(35);
  assert.equal(h.ex.book.qtyAt(1, 95), 7, 'back in the window with its size');
  assert.equal(h.ex.book.bestBid(), 100);
  h.run(100);
  assert.deepEqual(h.rec.fills(), [], 'a sell of 3 at 95 goes to the 7 in front of us');
  assert.equal(h.ex.queueAhead(1), 4);
});

test('an order at a level no depth message has stated has an unknown queue: only a trade through its price fills it, until its level is stated', () => {
  // The snapshot lists bids down to 99.99 only: what rests at 99.50 is unknown (Binance's snapshot holds the
  // best N levels). Sells at 99.50 may all have gone to orders in front of ours.
  const ev = new EventBuilder()
    .snapshot(0, [[100, 5], [99.99, 10]], [[100.01, 4]])
    .trade(20, -1, 99.5, 3)
    .delta(30, [[1, 99.5, 2]])
    .trade(40, -1, 99.5, 2.5)
    .trade(50, -1, 99.5, 1)
    .build();
  const h = harness(ev);
  h.run(1);
  h.ex.place(1, 1, 1, 99.5, 1);
  h.run(10);
  assert.equal(h.ex.queueAhead(1), Infinity);
  assert.ok(Number.isNaN(h.ex.audit.queueAhead[0]!), 'orders.csv leaves the queue at join empty while unknown');
  h.run(25);
  assert.deepEqual(h.rec.fills(), []);
  h.run(35);
  assert.equal(h.ex.queueAhead(1), 2, 'the diff states the level: at most its 2 are in front of us');
  assert.equal(h.ex.audit.queueAhead[0], 2, 'the first queue known is recorded');
  h.run(60);
  assert.deepEqual(h.rec.fills().map((f) => f.qty), [0.5, 0.5]);
  // A trade through the price of an order with an unknown queue fills it: everything at its price was taken.
  const through = new EventBuilder().snapshot(0, [[100, 5], [99.99, 10]], [[100.01, 4]]).trade(20, -1, 99.4, 0.3).build();
  const t = harness(through);
  t.run(1);
  t.ex.place(1, 1, 1, 99.5, 1);
  t.run(100);
  assert.deepEqual(t.rec.fills().map((f) => f.qty), [0.3]);
});

test('a resync snapshot that no longer reaches our level leaves our queue as it was', () => {
  // We rest at 99 behind 7; the resync snapshot lists bids down to 99.5 only: 99 is not stated, not emptied.
  const ev = new EventBuilder()
    .snapshot(0, [[100, 5], [99, 7]], [[100.01, 4]])
    .snapshot(20, [[100, 5], [99.5, 1]], [[100.01, 4]])
    .trade(30, -1, 99, 3)
    .build();
  const h = harness(ev);
  h.run(1);
  h.ex.place(1, 1, 1, 99, 1);
  h.run(25);
  assert.equal(h.ex.queueAhead(1), 7);
  h.run(100);
  assert.deepEqual(h.rec.fills(), []);
  assert.equal(h.ex.queueAhead(1), 4);
});

test('beyond the snapshot range, a price better than the touch is an empty level and the bookTicker shows its own', () => {
  // The market falls below the snapshot's bids (down to 99.99): the best bid is 99.00, named by a diff.
  const ev = new EventBuilder()
    .snapshot(0, [[100, 5], [99.99, 10]], [[100.01, 4]])
    .delta(10, [[1, 100, 0], [1, 99.99, 0], [-1, 100.01, 0], [1, 99, 3], [-1, 99.2, 1]])
    .trade(30, -1, 99.1, 0.5)
    .build();
  const h = harness(ev);
  h.run(15);
  h.ex.place(15, 1, 1, 99.1, 1); // improves the touch: nobody can be in front
  h.ex.place(15, 2, 1, 99, 1); // the best bid, stated: behind its 3
  h.ex.place(15, 3, 1, 98.5, 1); // never stated: unknown
  h.run(20);
  assert.deepEqual([h.ex.queueAhead(1), h.ex.queueAhead(2), h.ex.queueAhead(3)], [0, 3, Infinity]);
  h.run(100);
  assert.deepEqual(h.rec.fills().map((f) => [f.clientId, f.qty]), [[1, 0.5]]);
  // A bookTicker newer than the depth shows 2 at 99.05: an order there joins behind those 2.
  const b = new EventBuilder()
    .snapshot(0, [[100, 5], [99.99, 10]], [[100.01, 4]])
    .delta(10, [[1, 100, 0], [1, 99.99, 0], [-1, 100.01, 0], [1, 99, 3], [-1, 99.2, 1]])
    .bbo(12, [99.05, 2], [99.2, 1])
    .build();
  const k = harness(b);
  k.run(15);
  k.ex.place(15, 1, 1, 99.05, 1);
  k.run(20);
  assert.equal(k.ex.queueAhead(1), 2);
});

// With the market's lot size the venue fills whole lots only, as an exchange does.

test('a probabilistic queue fills whole lots: the fraction of a lot beyond the queue is carried to the next fill', () => {
  // Lot 1. We join behind 5 at 100; 10 join behind us, then 3 cancel: power:2 puts 0.6 of them ahead (p = 5² /
  // (5² + 10²)), 4.4 ahead. A sell of 4, then one of 1 leaves 0.6 beyond the queue: less than a lot, no fill
  // (it is carried). A sell of 2 reaches us whole: 2.6, 2 lots and 0.6 carried; a sell of 1 gives the last lot.
  const ev = book()
    .delta(20, [[1, 100, 15]])
    .delta(30, [[1, 100, 12]])
    .trade(40, -1, 100, 4)
    .trade(50, -1, 100, 1)
    .trade(60, -1, 100, 2)
    .trade(70, -1, 100, 1)
    .build();
  const h = harness(ev, { queue: powerQueue(2), lot: 1 });
  h.run(1);
  h.ex.place(1, 1, 1, 100, 3);
  h.run(35);
  assert.ok(Math.abs(h.ex.queueAhead(1) - 4.4) < 1e-9, `ahead ${h.ex.queueAhead(1)}`);
  h.run(55);
  assert.deepEqual(h.rec.fills(), [], 'less than a lot beyond the queue');
  h.run(100);
  assert.deepEqual(h.rec.fills().map((f) => f.qty), [2, 1]);
  assert.equal(h.ex.resting, 0);
  // Without the lot the same trades fill fractions of it: 0.6, 2, 0.4.
  const free = harness(ev, { queue: powerQueue(2) });
  free.run(1);
  free.ex.place(1, 1, 1, 100, 3);
  free.run(100);
  assert.deepEqual(free.rec.fills().map((f) => Math.round(f.qty * 1e9) / 1e9), [0.6, 2, 0.4]);
});

test('fills of a lot-sized market are exact decimals of the lot, and an order that is not a whole number of lots is rejected', () => {
  // Lot 0.00001: 0.3 − 0.1 in floating point is 0.19999999999999998; the fill prints as 0.2 nonetheless.
  const ev = new EventBuilder().snapshot(0, [[100, 0.1]], [[100.01, 4]]).trade(20, -1, 100, 0.3).build();
  const h = harness(ev, { lot: 0.00001 });
  h.run(1);
  h.ex.place(1, 1, 1, 100, 0.5);
  h.ex.place(1, 2, 1, 100, 0.000015);
  h.run(100);
  assert.deepEqual(h.rec.fills().map((f) => String(f.qty)), ['0.2']);
  const rejected = h.rec.events.find((e) => e.type === 'rejected');
  assert.deepEqual(rejected, { type: 'rejected', ts: 1, clientId: 2, reason: 'quantity is not a whole number of lots' });
});
