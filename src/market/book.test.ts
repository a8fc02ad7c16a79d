// L2 book invariants: best levels, removal, never crossed after a message, re-centring, snapshots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../core/index.js';
import { L2Book } from './index.js';
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
