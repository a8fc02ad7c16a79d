// Causal estimators: known values on hand-made series, and no dependence on the future.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RollingVolatility, EwmaVolatility, RollingSignals, BarIntensity, BarFeatures, GridSignals, defaultBarFeatureParams } from './index.js';
import { Rng } from '../core/index.js';

test('rolling volatility of alternating ±1 changes is 1 per bar, and per second scales by 1/√Δt', () => {
  const v = new RollingVolatility(10);
  for (let i = 0; i < 30; i++) v.update(100 + (i % 2));
  assert.ok(Math.abs(v.perBar() - 1) < 1e-12);
});

test('EWMA volatility converges to the true σ of a random walk', () => {
  const rng = new Rng(1);
  const e = new EwmaVolatility(500);
  let x = 100;
  for (let i = 0; i < 20000; i++) {
    x += 0.5 * rng.normal();
    e.update(x);
  }
  assert.ok(Math.abs(e.perBar() - 0.5) < 0.05, `got ${e.perBar()}`);
});

test('signals: a straight line is a pure trend; a zig-zag is pure mean reversion', () => {
  const line = new RollingSignals(10);
  for (let i = 0; i < 20; i++) line.update(100 + i);
  assert.ok(Math.abs(line.trendStrength - 1) < 1e-12);
  assert.ok(line.momentum > 3);
  const zig = new RollingSignals(10);
  for (let i = 0; i < 20; i++) zig.update(100 + (i % 2));
  assert.ok(zig.trendStrength < 0.11);
  assert.ok(Math.abs(zig.meanReversion - 0.9) < 1e-9, `got ${zig.meanReversion}`); // 9 reversing pairs / 10 squares
});

test('O(1) signals agree with a direct computation over the window after many updates', () => {
  const rng = new Rng(5);
  const s = new RollingSignals(20);
  const closes: number[] = [];
  let x = 100;
  for (let i = 0; i < 70000; i++) {
    x += rng.normal();
    closes.push(x);
    s.update(x);
  }
  const d = closes.slice(-21).map((c, i, a) => (i === 0 ? 0 : c - a[i - 1]!)).slice(1);
  const sum = d.reduce((a, b) => a + b, 0);
  const abs = d.reduce((a, b) => a + Math.abs(b), 0);
  const sq = d.reduce((a, b) => a + b * b, 0);
  let cross = 0;
  for (let i = 1; i < d.length; i++) cross += d[i]! * d[i - 1]!;
  assert.ok(Math.abs(s.trendStrength - Math.abs(sum) / abs) < 1e-9);
  assert.ok(Math.abs(s.meanReversion + cross / sq) < 1e-9);
});

test('bar intensity recovers k of exponential excursions', () => {
  const rng = new Rng(2);
  const k = 4;
  const b = new BarIntensity(4000, 60);
  let c = 100;
  for (let i = 0; i < 5000; i++) {
    const low = c - rng.exponential(k);
    const high = c + rng.exponential(k);
    b.update(high, low, c);
  }
  assert.ok(Math.abs(b.k() - k) / k < 0.05, `got ${b.k()}`);
});

test('features after bar t do not depend on bars after t', () => {
  const rng = new Rng(9);
  const closes = Array.from({ length: 300 }, (_, i) => 100 + Math.sin(i / 7) + rng.normal() * 0.1);
  const run = (cs: number[]) => {
    const f = new BarFeatures(defaultBarFeatureParams, 60);
    const out: number[] = [];
    for (const c of cs) {
      f.update(c + 0.1, c - 0.1, c);
      out.push(f.values.sigmaPerSecond, f.values.momentum, f.values.intensityK);
    }
    return out;
  };
  const a = run(closes);
  const changed = closes.slice(0, 200).concat(closes.slice(200).map((c) => c * 1.5));
  const b = run(changed);
  assert.deepEqual(a.slice(0, 200 * 3), b.slice(0, 200 * 3));
});

test('BarIntensity.updateMany in chunks equals update then k() bar by bar', () => {
  const rng = new Rng(4);
  const n = 700;
  const close = Float64Array.from({ length: n }, (_, i) => 100 + Math.sin(i / 9) + rng.normal() * 0.2);
  const high = close.map((c) => c + Math.abs(rng.normal()) * 0.3);
  const low = close.map((c) => c - Math.abs(rng.normal()) * 0.3);
  const one = new BarIntensity(40, 60);
  const want = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    one.update(high[t]!, low[t]!, close[t]!);
    want[t] = one.k();
  }
  const many = new BarIntensity(40, 60);
  const got = new Float64Array(n);
  many.updateMany(high, low, close, 0, 123, got);
  many.updateMany(high, low, close, 123, n, got);
  assert.deepEqual([...got], [...want]);
  assert.equal(many.samples, one.samples);
});

test('GridSignals on a mid sampled every 100 ms equal RollingSignals on the closes of the same bars', () => {
  const rng = new Rng(12);
  const barMicros = 60e6;
  const grid = new GridSignals(barMicros, 10);
  const closes: number[] = [];
  let mid = 100;
  let lastInBar = Number.NaN;
  for (let t = 0; t < 40 * barMicros; t += 100_000) {
    if (t > 0 && t % barMicros === 0) closes.push(lastInBar);
    mid += rng.normal() * 0.01;
    grid.observe(t, mid);
    lastInBar = mid;
  }
  const ref = new RollingSignals(10);
  for (const c of closes) ref.update(c);
  assert.equal(closes.length, 39);
  assert.ok(grid.ready);
  assert.equal(grid.trendStrength, ref.trendStrength);
  assert.equal(grid.momentum, ref.momentum);
  assert.equal(grid.meanReversion, ref.meanReversion);
});

test('GridSignals: a bar with no observation closes flat; nothing after now is used', () => {
  const g = new GridSignals(1_000, 3);
  g.observe(0, 10);
  g.observe(1_500, 11); // closes bar 0 at 10
  g.observe(4_200, 12); // closes bar 1 at 11, bars 2 and 3 flat at 11
  const ref = new RollingSignals(3);
  for (const c of [10, 11, 11, 11]) ref.update(c);
  assert.equal(g.momentum, ref.momentum);
  assert.equal(g.trendStrength, ref.trendStrength);
});
