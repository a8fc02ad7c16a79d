// Avellaneda–Stoikov and GLFT: the properties a quant checks first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { avellanedaStoikov, glft, type ModelState, type AsParams } from './index.js';

const state = (over: Partial<ModelState> = {}): ModelState => ({
  mid: 100,
  inventory: 0,
  sigma: 2,
  timeRemaining: 0.5,
  intensityA: Number.NaN,
  intensityK: Number.NaN,
  ...over,
});
const as: AsParams = { gamma: 0.1, k: 1.5, horizon: 'finite', maxInventoryLots: 10 };

test('AS: reservation price falls strictly as inventory rises', () => {
  let prev = Infinity;
  for (let q = -5; q <= 5; q++) {
    const r = avellanedaStoikov.quote(state({ inventory: q }), as).reservation;
    assert.ok(r < prev, `r(q=${q}) = ${r} should be below r(q=${q - 1}) = ${prev}`);
    prev = r;
  }
});

test('AS: quotes are symmetric around the mid at zero inventory, with the paper spread', () => {
  const q = avellanedaStoikov.quote(state(), as);
  assert.ok(Math.abs(q.ask - 100 - (100 - q.bid)) < 1e-12);
  const expected = 0.1 * 4 * 0.5 + (2 / 0.1) * Math.log(1 + 0.1 / 1.5);
  assert.ok(Math.abs(q.ask - q.bid - expected) < 1e-12);
  assert.equal(q.reservation, 100);
});

test('AS: r = s − qγσ²(T−t) and the horizon term vanishes at T', () => {
  const q = avellanedaStoikov.quote(state({ inventory: 3 }), as);
  assert.ok(Math.abs(q.reservation - (100 - 3 * 0.1 * 4 * 0.5)) < 1e-12);
  const atT = avellanedaStoikov.quote(state({ inventory: 3, timeRemaining: 0 }), as);
  assert.equal(atT.reservation, 100);
  assert.ok(Math.abs(atT.ask - atT.bid - 20 * Math.log(1 + 0.1 / 1.5)) < 1e-12);
});

test('AS: a state k estimate overrides the parameter; larger k means a tighter spread', () => {
  const a = avellanedaStoikov.quote(state({ intensityK: 1.5 }), as);
  const b = avellanedaStoikov.quote(state({ intensityK: 3 }), as);
  assert.ok(b.ask - b.bid < a.ask - a.bid);
});

test('AS infinite horizon: near-symmetric at q = 0, skewed with inventory, no bid at q_max', () => {
  const p: AsParams = { ...as, horizon: 'infinite', maxInventoryLots: 5 };
  const z = avellanedaStoikov.quote(state(), p);
  // (rᵃ − s) − (s − rᵇ) = (1/γ)·ln(1 − x²), x = γ²σ²/2ω: second order, as in the paper.
  const x = (0.1 * 0.1 * 4) / (0.1 * 0.1 * 4 * 36);
  const asym = z.ask - 100 - (100 - z.bid);
  assert.ok(Math.abs(asym - Math.log(1 - x * x) / 0.1) < 1e-9, `asymmetry ${asym}`);
  const long = avellanedaStoikov.quote(state({ inventory: 3 }), p);
  assert.ok(long.ask < z.ask && long.bid < z.bid, 'a long book lowers both quotes');
  const full = avellanedaStoikov.quote(state({ inventory: 5 }), p);
  assert.ok(Number.isNaN(full.bid), 'no more buying at the inventory bound');
  assert.ok(Number.isFinite(full.ask));
});

test('GLFT: symmetric at q = 0; each unit of inventory shifts both quotes by the same amount', () => {
  const p = { gamma: 0.1, k: 1.5, A: 140 };
  const z = glft.quote(state(), p);
  assert.ok(Math.abs(z.ask - 100 - (100 - z.bid)) < 1e-12);
  const one = glft.quote(state({ inventory: 1 }), p);
  const two = glft.quote(state({ inventory: 2 }), p);
  assert.ok(one.bid < z.bid && one.ask < z.ask);
  assert.ok(Math.abs(z.bid - one.bid - (one.bid - two.bid)) < 1e-12);
  assert.ok(Math.abs(z.ask - z.bid - (one.ask - one.bid)) < 1e-12, 'the spread does not depend on q');
  // Closed form at q = 0: half-spread = (1/γ)ln(1+γ/k) + ½·√(σ²γ/(2kA)·(1+γ/k)^(1+k/γ)).
  const c1 = Math.log(1 + 0.1 / 1.5) / 0.1;
  const c2 = Math.sqrt(((4 * 0.1) / (2 * 1.5 * 140)) * Math.pow(1 + 0.1 / 1.5, 1 + 1.5 / 0.1));
  assert.ok(Math.abs(z.ask - 100 - (c1 + c2 / 2)) < 1e-12);
});

test('GLFT: tiny γ tends to the risk-neutral half-spread 1/k', () => {
  const z = glft.quote(state({ sigma: 0 }), { gamma: 1e-14, k: 2, A: 1 });
  assert.ok(Math.abs(z.ask - 100 - 0.5) < 1e-9);
});
