// The latency fit on hand-made order histories: exact constants, the interval of the median, refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OrderHistory, OrderRecord } from '../ledger/index.js';
import { UserError } from '../core/index.js';
import { fitLatency, medianEstimate } from './latency-fit.js';

function history(n: number, entryUs: (k: number) => number, responseUs: (k: number) => number): OrderHistory {
  const orders: OrderRecord[] = [];
  const receipts: OrderHistory['receipts'] = [];
  for (let k = 0; k < n; k++) {
    const sent = 1_000_000 * k;
    const arrived = sent + entryUs(k);
    orders.push({ clientId: k + 1, side: 1, price: 100, qty: 1, sentTs: sent, acceptedTs: arrived + responseUs(k), cancelTs: Number.NaN, canceledTs: Number.NaN, rejected: false, fills: [{ ts: arrived + 500_000, qty: 1 }] });
    receipts.push({ clientId: k + 1, exchangeTs: arrived + 500_000, localTs: arrived + 500_000 + responseUs(n - 1 - k) });
  }
  return { runId: 'r', mode: 'live', symbol: 'BTC/USDT', config: null, orders, receipts, recording: undefined };
}

test('constant latencies are found exactly, with no spread', () => {
  const f = fitLatency(history(50, () => 30_000, () => 20_000));
  assert.equal(f.entry.median_ms, 30);
  assert.equal(f.response.median_ms, 20);
  assert.equal(f.round_trip.median_ms, 50);
  assert.equal(f.entry.spread_ms, 0);
  assert.deepEqual(f.entry.ci95_ms, [30, 30]);
});

test('jittered latencies: medians near the centres, spreads near σ, intervals around the medians', () => {
  // Deterministic uniform draws over ±6 ms and ±2 ms (σ = j/√3).
  const u = (k: number, m: number) => (((k * 7919) % m) / (m - 1)) * 2 - 1;
  const f = fitLatency(history(2_001, (k) => 30_000 + 6_000 * u(k, 997), (k) => 20_000 + 2_000 * u(k, 991)));
  assert.ok(Math.abs(f.entry.median_ms - 30) < 0.5, JSON.stringify(f.entry));
  assert.ok(Math.abs(f.response.median_ms - 20) < 0.2, JSON.stringify(f.response));
  assert.ok(Math.abs(f.response.spread_ms - 2 / Math.sqrt(3)) < 0.4, JSON.stringify(f.response));
  assert.ok(f.entry.ci95_ms[0] <= f.entry.median_ms && f.entry.median_ms <= f.entry.ci95_ms[1]);
});

test('median estimate: the 95% interval of the median by order statistics', () => {
  const e = medianEstimate(Array.from({ length: 101 }, (_, k) => k * 1000));
  assert.equal(e.median_ms, 50);
  assert.ok(e.ci95_ms[0] >= 39 && e.ci95_ms[0] <= 41 && e.ci95_ms[1] >= 59 && e.ci95_ms[1] <= 61, JSON.stringify(e));
});

test('without acknowledgements or fill receipts there is nothing to fit: a UserError naming what is missing', () => {
  const h = history(5, () => 30_000, () => 20_000);
  assert.throws(() => fitLatency({ ...h, receipts: [] }), (e: unknown) => e instanceof UserError && /no fill receipts/.test(e.message));
  assert.throws(() => fitLatency({ ...h, orders: h.orders.map((o) => ({ ...o, acceptedTs: Number.NaN })) }), (e: unknown) => e instanceof UserError && /no acknowledged order/.test(e.message));
});
