// Order-flow features: values on hand-made books and trade streams, checked against direct computation; causality.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { L2Book } from '../market/index.js';
import { Rng } from '../core/index.js';
import { SweepDetector, VolatilityBurst, WindowTradeFlow, bookImbalance, microprice } from './order-flow.js';

function book(bids: [number, number][], asks: [number, number][]): L2Book {
  const b = new L2Book(0.01, 4096);
  for (const [p, q] of bids) b.set(1, p, q);
  for (const [p, q] of asks) b.set(-1, p, q);
  return b;
}

test('book imbalance at N levels sums the first N non-empty levels of each side', () => {
  const b = book(
    [[100.0, 3], [99.98, 1], [99.95, 6]],
    [[100.01, 1], [100.02, 2], [100.1, 4]],
  );
  assert.equal(bookImbalance(b, 1), (3 - 1) / (3 + 1));
  assert.equal(bookImbalance(b, 2), (4 - 3) / (4 + 3)); // gaps are skipped: levels, not ticks
  assert.equal(bookImbalance(b, 3), (10 - 7) / (10 + 7));
  assert.equal(bookImbalance(b, 50), (10 - 7) / (10 + 7));
  assert.ok(Number.isNaN(bookImbalance(book([[100, 1]], []), 5)), 'one side empty: NaN');
  // More asks: negative.
  const m = book(
    [[100.0, 1], [99.99, 2]],
    [[100.01, 3], [100.02, 6]],
  );
  assert.equal(bookImbalance(m, 2), (3 - 9) / 12);
});

test('microprice leans toward the side with the smaller queue, inside the touch', () => {
  const b = book([[100.0, 3]], [[100.02, 1]]);
  assert.ok(Math.abs(microprice(b) - (100.0 * 1 + 100.02 * 3) / 4) < 1e-12);
  const even = book([[100.0, 2]], [[100.02, 2]]);
  assert.ok(Math.abs(microprice(even) - 100.01) < 1e-12);
  assert.ok(Number.isNaN(microprice(book([], [[100, 1]]))));
});

test('windowed trade flow equals the direct sum over (t − w, t] on a random stream, and never looks ahead', () => {
  const rng = new Rng(11);
  const w = 2_000_000;
  const f = new WindowTradeFlow(w);
  const trades: [number, number, number][] = [];
  let t = 0;
  for (let i = 0; i < 5000; i++) {
    t += Math.floor(rng.next() * 50_000);
    const side = rng.next() < 0.5 ? 1 : -1;
    const size = 0.001 + rng.next();
    trades.push([t, side, size]);
    f.onTrade(t, side, size);
    if (i % 37 === 0) {
      const now = t + Math.floor(rng.next() * 100_000);
      let b = 0;
      let s = 0;
      for (const [tt, sd, q] of trades) if (tt > now - w && tt <= now) sd > 0 ? (b += q) : (s += q);
      const want = b + s > 0 ? (b - s) / (b + s) : 0;
      assert.ok(Math.abs(f.value(now) - want) < 1e-9, `at ${now}: ${f.value(now)} vs ${want}`);
    }
  }
  assert.equal(f.value(t + w + 1), 0, 'an empty window is 0');
});

test('sweep flag: one aggressor at several prices at the same time; held for its window', () => {
  const s = new SweepDetector(1_000_000);
  s.onTrade(10, 1, 100.0);
  s.onTrade(10, 1, 100.0); // two fills at one level: not a sweep
  assert.equal(s.value(10), 0);
  s.onTrade(20, -1, 99.99);
  s.onTrade(21, -1, 99.98); // different times: separate orders
  assert.equal(s.value(21), 0);
  s.onTrade(30, 1, 100.01);
  s.onTrade(30, 1, 100.02); // one buy took two levels
  assert.equal(s.count, 1);
  assert.equal(s.value(30), 1);
  assert.equal(s.value(1_000_030), 1);
  assert.equal(s.value(1_000_031), 0);
  assert.equal(s.value(29), 0, 'not before it happened');
  s.onTrade(40, 1, 100.03);
  s.onTrade(40, -1, 100.02); // other side at the same time: not the same aggressor
  assert.equal(s.count, 1);
  const three = new SweepDetector(500, 3);
  three.onTrade(5, -1, 10);
  three.onTrade(5, -1, 9.99);
  assert.equal(three.value(5), 0);
  three.onTrade(5, -1, 9.98);
  assert.equal(three.value(5), 1);
});

test('volatility burst: a move beyond k·σ·√w within the window raises the flag; a slow drift of the same size does not', () => {
  const b = new VolatilityBurst(1_000_000, 3);
  const sigma = 0.01; // per √s: band 0.03 over 1 s
  let t = 0;
  for (; t <= 5_000_000; t += 100_000) {
    b.observe(t, 100);
    assert.equal(b.value(t, 100, sigma), 0);
  }
  // A jump of 0.05 within 300 ms.
  b.observe(t, 100.05);
  assert.equal(b.value(t, 100.05, sigma), 1);
  assert.equal(b.value(t, 100.05, Number.NaN), 0, 'no σ: no flag');
  // 1.1 s later the reference is after the jump: the flag drops.
  for (let k = 0; k < 11; k++) {
    t += 100_000;
    b.observe(t, 100.05);
  }
  assert.equal(b.value(t, 100.05, sigma), 0);
  // A drift of 0.05 over 5 s: never more than 0.01 per second.
  const d = new VolatilityBurst(1_000_000, 3);
  for (let s = 0, m = 100; s <= 50; s++, m += 0.001) {
    d.observe(s * 100_000, m);
    assert.equal(d.value(s * 100_000, m, sigma), 0);
  }
  // Causal: nothing before the first full window.
  const e = new VolatilityBurst(1_000_000, 3);
  e.observe(0, 100);
  e.observe(500_000, 101);
  assert.equal(e.value(500_000, 101, sigma), 0, 'no observation a window old yet');
});
