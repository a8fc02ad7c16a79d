// Tick estimators on a synthetic market with known σ, A and k: the calibrator must recover them within 10%.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../core/index.js';
import { MidVolatility, TradeIntensity, TradeFlowImbalance } from './index.js';

/**
 * Synthetic market: the mid is a Brownian motion with σ per √s, observed every 100 ms; market orders of
 * each side arrive as a Poisson process of rate A·(total over distances) and print at distance
 * d ~ Exp(k) from the mid, so a quote at δ is reached at rate A·e^{−kδ} per side.
 */
function market(seed: number, sigma: number, A: number, k: number, seconds: number) {
  const rng = new Rng(seed);
  const vol = new MidVolatility(1e6, 1_000_000);
  const intensity = new TradeIntensity(seconds * 1e6 + 1, 10e6);
  let mid = 100;
  const step = 100_000; // µs
  let nextTrade = rng.exponential(2 * A) * 1e6;
  for (let t = 0; t <= seconds * 1e6; t += step) {
    while (nextTrade < t + step) {
      const d = rng.exponential(k);
      intensity.onTrade(nextTrade, rng.next() < 0.5 ? mid + d : mid - d, mid);
      nextTrade += rng.exponential(2 * A) * 1e6;
    }
    mid += sigma * Math.sqrt(step / 1e6) * rng.normal();
    vol.observe(t + step, mid);
    intensity.update(t + step);
  }
  return { vol, intensity };
}

test('σ, A and k of a synthetic market are recovered within 10%', () => {
  for (const [sigma, A, k] of [
    [0.05, 2, 20],
    [1.5, 8, 3],
  ] as const) {
    const { vol, intensity } = market(11, sigma, A, k, 1800);
    const rel = (x: number, y: number): number => Math.abs(x / y - 1);
    assert.ok(rel(vol.sigmaPerSecond(), sigma) < 0.1, `σ ${vol.sigmaPerSecond()} vs ${sigma}`);
    assert.ok(rel(intensity.k, k) < 0.1, `k ${intensity.k} vs ${k}`);
    assert.ok(rel(intensity.A, A) < 0.1, `A ${intensity.A} vs ${A}`);
  }
});

test('intensity fits only the tail beyond a threshold, and forgets trades outside its window', () => {
  const est = new TradeIntensity(10e6, 1e6, 5, 0.5);
  const rng = new Rng(2);
  // 60 s of trades at 0.5 + Exp(4) from the mid, 10 per second on both sides together.
  for (let t = 0; t < 60e6; t += 100_000) est.onTrade(t, 100 + 0.5 + rng.exponential(4), 100);
  est.recalibrate(60e6);
  assert.ok(Math.abs(est.k / 4 - 1) < 0.2, `k ${est.k}`);
  assert.ok(Math.abs((est.A * Math.exp(-est.k * 0.5)) / 5 - 1) < 0.1, `λ(δ₀) = ${est.A * Math.exp(-est.k * 0.5)}: 10 per second over 2 sides`);
  assert.ok(est.trades <= 101, `window keeps the last 10 s only (${est.trades})`);
});

test('σ is NaN until enough intervals and ignores sub-grid observations', () => {
  const v = new MidVolatility(1e6, 100, 3);
  v.observe(0, 100);
  v.observe(500_000, 105);
  v.observe(1e6, 101);
  v.observe(2e6, 100);
  assert.ok(Number.isNaN(v.sigmaPerSecond()));
  v.observe(3e6, 101);
  assert.equal(v.samples, 3);
  assert.ok(Math.abs(v.sigmaPerSecond() - 1) < 1e-12);
});

test('trade-flow imbalance: signed volume, decaying with its half-life', () => {
  const f = new TradeFlowImbalance(10e6);
  assert.equal(f.value(0), 0);
  f.onTrade(0, 1, 3);
  f.onTrade(0, -1, 1);
  assert.equal(f.value(0), 0.5);
  // 10 s later the old flow weighs half: B = 1.5, S = 0.5 + 1.
  f.onTrade(10e6, -1, 1);
  assert.ok(Math.abs(f.value(10e6) - 0) < 1e-12);
});
