// L2 book invariants: best levels, removal, never crossed after a message, re-centring, snapshots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../core/index.js';
import { L2Book, allocEvents, EventFlag, EventType } from './index.js';
import { EventBuilder } from '../../test/fixtures/tick-events.js';

test('best bid and ask follow level updates and removals', () => {
  const b = new L2Book(0.01, 1024);
  b.set(1, 100.0, 1);
  b.set(1, 99.98, 2);
  b.set(-1, 100.02, 3);
  assert.equal(b.bestBid(), 100);
  assert.equal(b.bestAsk(), 100.02);
  assert.equal(b.mid(), 100.01);
  b.set(1, 100.0, 0);
  assert.equal(b.bestBid(), 99.98);
  assert.equal(b.bestBidQty(), 2);
  b.set(1, 99.98, 0);
  assert.ok(Number.isNaN(b.bestBid()));
  assert.equal(b.qtyAt(-1, 100.02), 3);
});

test('a level that crosses the other side clears the stale crossed levels', () => {
  const b = new L2Book(0.01, 1024);
  b.set(1, 100, 1);
  b.set(-1, 100.01, 1);
  b.set(-1, 100.02, 1);
  b.set(1, 100.01, 5);
  assert.equal(b.bestBid(), 100.01);
  assert.equal(b.bestAsk(), 100.02);
  assert.equal(b.qtyAt(-1, 100.01), 0);
  assert.ok(!b.isCrossed());
});

test('random messages never leave the book crossed, and best levels match a brute-force scan', () => {
  const rng = new Rng(3);
  const b = new L2Book(0.5, 256);
  for (let n = 0; n < 20_000; n++) {
    const side = rng.next() < 0.5 ? 1 : -1;
    const mid = 1000 + Math.round(rng.normal() * 10);
    const price = mid + side * -0.5 * (1 + rng.int(20));
    b.set(side, price, rng.next() < 0.3 ? 0 : 1 + rng.int(5));
    assert.ok(!b.isCrossed(), `crossed after message ${n}`);
    if (n % 500 === 0) {
      const bids = b.levels(1, 1);
      const asks = b.levels(-1, 1);
      let bb = -1;
      for (let i = 0; i < b.capacity; i++) if (b.bidQty[i]! > 0) bb = i;
      assert.equal(bids.length ? bids[0]![0] : NaN, bb >= 0 ? b.priceOf(b.base + bb) : NaN);
      assert.equal(b.bestAsk(), asks.length ? asks[0]![0] : NaN);
    }
  }
});

test('the ladder re-centres when the market walks away, keeping the levels near the touch', () => {
  const b = new L2Book(1, 64);
  for (let p = 100; p < 400; p++) {
    b.set(1, p, 1);
    b.set(-1, p + 2, 1);
    b.set(1, p - 5, 0);
    b.set(-1, p + 1, 0);
    assert.equal(b.bestBid(), p);
    assert.equal(b.bestAsk(), p + 2);
    if (p > 100) assert.equal(b.qtyAt(1, p - 1), 1);
  }
});

test('events: snapshot replaces the book, stale deltas are skipped, trades leave it alone', () => {
  const ev = new EventBuilder()
    .snapshot(1, [[100, 1], [99.99, 2]], [[100.01, 3]])
    .delta(2, [[1, 100, 4], [-1, 100.02, 1]])
    .trade(3, -1, 100, 0.5)
    .build();
  const b = new L2Book(0.01, 1024);
  for (let i = 0; i < ev.length; i++) b.apply(ev, i);
  assert.equal(b.bestBidQty(), 4);
  assert.equal(b.qtyAt(-1, 100.02), 1);
  const ev2 = new EventBuilder().snapshot(5, [[50, 1]], [[50.5, 1]]).build();
  for (let i = 0; i < ev2.length; i++) b.apply(ev2, i);
  assert.equal(b.bestBid(), 50);
  assert.equal(b.qtyAt(1, 100), 0, 'the old book is gone');
});

test('random BBO and level updates: never crossed, and the best levels are the extreme non-empty slots', () => {
  const rng = new Rng(9);
  const b = new L2Book(0.5, 512);
  for (let n = 0; n < 20_000; n++) {
    const side = rng.next() < 0.5 ? 1 : -1;
    const mid = 1000 + Math.round(rng.normal() * 5);
    const price = mid + side * -0.5 * (1 + rng.int(10));
    if (rng.next() < 0.3) b.setBest(side, price, 1 + rng.int(5));
    else b.set(side, price, rng.next() < 0.3 ? 0 : 1 + rng.int(5));
    assert.ok(!b.isCrossed(), `crossed after update ${n}`);
    if (n % 250 === 0) {
      let bb = -1;
      let ba = b.capacity;
      for (let i = 0; i < b.capacity; i++) {
        if (b.bidQty[i]! > 0) bb = i;
        if (b.askQty[i]! > 0 && ba === b.capacity) ba = i;
      }
      assert.equal(b.bestBidSlot, bb, `best bid after ${n}`);
      assert.equal(b.bestAskSlot, ba, `best ask after ${n}`);
    }
  }
});

test('BBO overlay: a bookTicker newer than the last depth message is the touch; the ladder keeps the depth sizes', () => {
  const ev = new EventBuilder().snapshot(0, [[100, 5], [99.99, 3]], [[100.01, 4], [100.02, 2]]).build();
  const b = new L2Book(0.01, 1024);
  for (let i = 0; i < ev.length; i++) b.apply(ev, i);
  const snapId = b.lastUpdateId;
  // The bid level at 100 traded away: the bookTicker says 99.99 × 3 / 100.01 × 1.5.
  const bbo = allocEvents(2);
  const put = (side: number, price: number, size: number, id: number) => {
    const i = bbo.length++;
    bbo.type[i] = EventType.Bbo;
    bbo.side[i] = side;
    bbo.price[i] = price;
    bbo.size[i] = size;
    bbo.id[i] = id;
    bbo.flags[i] = side < 0 ? EventFlag.EndOfMessage : 0;
  };
  put(1, 99.99, 3, snapId + 1);
  put(-1, 100.01, 1.5, snapId + 1);
  for (let i = 0; i < bbo.length; i++) b.apply(bbo, i);
  assert.deepEqual([b.bestBid(), b.bestAsk(), b.bestBidQty(), b.bestAskQty()], [99.99, 100.01, 3, 1.5]);
  assert.equal(b.qtyAt(1, 100), 5, 'the ladder still says what the depth messages said');
  assert.equal(b.shownQtyAt(1, b.tickOf(100)), 0, 'nothing is shown better than the bookTicker');
  assert.equal(b.shownQtyAt(-1, b.tickOf(100.01)), 1.5);
  // A depth message newer than the bookTicker: the ladder is the touch again.
  const d = new EventBuilder().delta(10, [[1, 100, 0]]).build();
  d.id[0] = snapId + 2;
  b.apply(d, 0);
  assert.deepEqual([b.bestBid(), b.bestAsk(), b.bestAskQty()], [99.99, 100.01, 4]);
  // A stale bookTicker (older than the ladder) changes nothing.
  const stale = allocEvents(1);
  stale.length = 1;
  stale.type[0] = EventType.Bbo;
  stale.side[0] = 1;
  stale.price[0] = 100.5;
  stale.size[0] = 1;
  stale.id[0] = snapId;
  assert.equal(b.apply(stale, 0), false);
  assert.equal(b.bestBid(), 99.99);
});

test('levels outside the window are kept: read by qtyAt, listed, and back in the window when it moves over them', () => {
  const b = new L2Book(1, 64); // a window of 64 ticks around the touch
  b.set(1, 1000, 1);
  b.set(-1, 1001, 1);
  b.set(1, 900, 7); // 100 ticks below: outside
  b.set(-1, 1200, 3);
  assert.deepEqual([b.qtyAt(1, 900), b.qtyAt(-1, 1200)], [7, 3]);
  assert.deepEqual(b.levels(1), [[1000, 1], [900, 7]]);
  assert.deepEqual(b.levels(-1), [[1001, 1], [1200, 3]]);
  // The market walks down to 900: each new touch re-centres the window, the level at 900 comes into it.
  for (let p = 999; p > 900; p--) {
    b.set(1, p + 1, 0);
    b.set(-1, p + 2, 0);
    b.set(1, p, 1);
    b.set(-1, p + 1, 1);
  }
  assert.equal(b.qtyAt(1, 900), 7);
  const s = b.tickOf(900) - b.base;
  assert.ok(s >= 0 && s < b.capacity, 'in the window');
  assert.equal(b.bidQty[s], 7);
  assert.equal(b.qtyAt(-1, 1200), 3, 'and the far ask, now further away, is still there');
  // A side emptied in the window takes its touch from the levels kept outside it.
  const c = new L2Book(1, 64);
  c.set(-1, 1001, 1); // the window: 969..1032
  c.set(1, 1000, 1);
  c.set(1, 968, 2); // just below it
  c.set(-1, 990, 1); // an ask through the bid at 1000: that bid is stale, the best bid left is 968
  assert.deepEqual([c.bestBid(), c.bestAsk(), c.bestBidQty()], [968, 990, 2]);
  assert.ok(!c.isCrossed());
  // Unless the spread is wider than half the window: the side then reads empty, its levels still kept.
  c.set(1, 900, 3);
  c.set(1, 968, 0);
  assert.ok(Number.isNaN(c.bestBid()));
  assert.equal(c.qtyAt(1, 900), 3);
});

test('random updates over a range far wider than the window: every level equals a full book, and the touch its best levels', () => {
  const rng = new Rng(11);
  const b = new L2Book(1, 64);
  const bids = new Map<number, number>();
  const asks = new Map<number, number>();
  let mid = 10_000;
  for (let n = 0; n < 30_000; n++) {
    mid += Math.round(rng.normal() * 2);
    const side = rng.next() < 0.5 ? 1 : -1;
    const price = mid - side * (1 + rng.int(rng.next() < 0.1 ? 400 : 20));
    const qty = rng.next() < 0.3 ? 0 : 1 + rng.int(5);
    b.set(side, price, qty);
    // The full book: a level that crosses the other side clears the crossed levels there.
    (side > 0 ? bids : asks).set(price, qty);
    if (qty > 0) for (const [p] of side > 0 ? asks : bids) if (side > 0 ? p <= price : p >= price) (side > 0 ? asks : bids).delete(p);
    assert.ok(!b.isCrossed(), `crossed after update ${n}`);
    if (n % 100 === 0) {
      const full = (m: Map<number, number>, s: number) => [...m].filter(([, q]) => q > 0).sort((x, y) => (s > 0 ? y[0] - x[0] : x[0] - y[0]));
      assert.deepEqual(b.levels(1, Infinity), full(bids, 1), `bids after update ${n}`);
      assert.deepEqual(b.levels(-1, Infinity), full(asks, -1), `asks after update ${n}`);
      const bb = full(bids, 1)[0];
      const ba = full(asks, -1)[0];
      // The touch is the best levels unless the spread is wider than half the window (one side then stays outside).
      if (bb !== undefined && ba !== undefined && ba[0] - bb[0] < b.capacity / 2) assert.deepEqual([b.bestBid(), b.bestAsk()], [bb[0], ba[0]], `touch after update ${n}`);
    }
  }
});

test('what the depth messages state: a snapshot its range on each side, a diff the levels it names; the rest is unknown', () => {
  const ev = new EventBuilder()
    .snapshot(0, [[100, 5], [99.9, 1]], [[100.01, 4], [100.2, 1]])
    .delta(10, [[1, 99.5, 2], [-1, 101, 0]])
    .build();
  const b = new L2Book(0.01, 1024);
  for (let i = 0; i < ev.length; i++) b.apply(ev, i);
  const known = (side: number, p: number) => b.depthKnownAt(side, b.tickOf(p));
  assert.deepEqual([known(1, 100.5), known(1, 99.95), known(1, 99.9), known(1, 99.89), known(1, 99.5), known(1, 99.49)], [true, true, true, false, true, false]);
  assert.deepEqual([known(-1, 99), known(-1, 100.2), known(-1, 100.21), known(-1, 101), known(-1, 100.5)], [true, true, false, true, false]);
  assert.deepEqual(b.statedBeyond(1), [b.tickOf(99.5)]);
  assert.deepEqual(b.statedBeyond(-1), [b.tickOf(101)]);
  // A new snapshot starts over.
  const again = new EventBuilder().snapshot(20, [[100, 5]], [[100.01, 4]]).build();
  for (let i = 0; i < again.length; i++) b.apply(again, i);
  assert.deepEqual([known(1, 99.5), known(-1, 101), known(1, 100)], [false, false, true]);
  // Rows without a snapshot (hand-made) are taken as the whole book.
  const bare = new L2Book(0.01, 1024);
  bare.set(1, 100, 1);
  assert.ok(bare.depthKnownAt(1, bare.tickOf(50)) && bare.depthKnownAt(-1, bare.tickOf(150)));
});
