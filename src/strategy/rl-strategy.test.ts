// The RL strategy: the zero policy is the plain model; skew and spread actions move the quotes as named; actions hold between decisions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeInstrument } from '../market/index.js';
import { PolicyNet, STATE_FEATURES, defaultActionDims, paramCount } from '../models/index.js';
import { QuotingStrategy, RlStrategy, defaultQuotingParams, emptyTarget, emptyView, buildState, type MarketView, type RlSpec } from './index.js';

const inst = makeInstrument('X/USD', 0.01, 0.001);
const spec: RlSpec = { features: [...STATE_FEATURES], sigmaRef: 1e-4, dims: defaultActionDims, decisionSeconds: 60 };
const quoting = { ...defaultQuotingParams, gamma: 0.5, calibrate: false, k: 2 };
const view = (over: Partial<MarketView> = {}): MarketView => ({
  ...emptyView(),
  now: 1_700_000_000_000_000,
  mid: 100,
  sigma: 0.01,
  trendStrength: 0.4,
  momentum: 1.2,
  meanReversion: -0.1,
  warm: true,
  ...over,
});
const zeroNet = () => new PolicyNet('linear', 0, spec.features.length, 3, new Float64Array(paramCount('linear', 0, spec.features.length, 3)));

test('a zero policy quotes exactly like the wrapped model', () => {
  const rl = new RlStrategy(spec, quoting, inst, zeroNet());
  const plain = new QuotingStrategy(quoting, inst);
  const a = emptyTarget();
  const b = emptyTarget();
  for (let i = 0; i < 50; i++) {
    const v = view({ now: 1_700_000_000_000_000 + i * 60e6, position: ((i % 7) - 3) * 1, mid: 100 + Math.sin(i), sigma: 0.005 + (i % 5) * 0.003 });
    rl.decide(v, a);
    plain.decide(v, b);
    assert.deepEqual(a, b);
  }
});

test('skew > 0 raises both quotes; spread_mult > 1 widens them', () => {
  const base = emptyTarget();
  new QuotingStrategy(quoting, inst).decide(view(), base);
  const up = new RlStrategy(spec, quoting, inst, null);
  up.setAction([0, 0, 0.5]);
  const o = emptyTarget();
  up.decide(view(), o);
  assert.ok(o.bidPrice > base.bidPrice && o.askPrice > base.askPrice, `${o.bidPrice} ${o.askPrice} vs ${base.bidPrice} ${base.askPrice}`);
  const wide = new RlStrategy(spec, quoting, inst, null);
  wide.setAction([0, 1, 0]);
  wide.decide(view(), o);
  assert.ok(o.askPrice - o.bidPrice > 1.9 * (base.askPrice - base.bidPrice) - 0.03);
});

test('the action is held between decisions and re-chosen on the decision interval', () => {
  const rl = new RlStrategy(spec, quoting, inst, null);
  const o = emptyTarget();
  const t0 = 1_700_000_000_000_000;
  rl.setAction([0, 0, 1]);
  rl.decide(view({ now: t0 }), o);
  assert.equal(rl.inner.adjust.skew, 1);
  rl.setAction([0, 0, -1]);
  rl.decide(view({ now: t0 + 30e6 }), o);
  assert.equal(rl.inner.adjust.skew, 1, 'not yet a decision');
  rl.decide(view({ now: t0 + 60e6 }), o);
  assert.equal(rl.inner.adjust.skew, -1);
  assert.equal(rl.decisions, 2);
});

test('the state is finite and bounded, and NaN inputs are neutral', () => {
  const x = new Float64Array(spec.features.length);
  buildState(view({ position: 25, sigma: 1e9 }), spec, 10, x);
  for (const v of x) assert.ok(Number.isFinite(v) && Math.abs(v) <= 1.5);
  assert.equal(x[0], 1);
  buildState(view({ sigma: Number.NaN, momentum: Number.NaN, trendStrength: Number.NaN }), spec, 10, x);
  assert.equal(x[1], 0);
  assert.equal(x[3], 0);
});
