// The quoting strategy's rules around the model: ticks, minimum spread, post-only, inventory limits, states.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QuotingStrategy, defaultQuotingParams, emptyTarget, emptyView, type MarketView } from './index.js';
import { makeInstrument } from '../market/index.js';

const inst = makeInstrument('X/USD', 0.01, 0.001);
const view = (over: Partial<MarketView> = {}): MarketView => ({
  ...emptyView(),
  now: 1_700_000_000_000_000,
  mid: 100,
  sigma: 0.01,
  warm: true,
  ...over,
});

test('quotes are on the tick: bid rounded down, ask rounded up', () => {
  const s = new QuotingStrategy({ ...defaultQuotingParams, calibrate: false, k: 7 }, inst);
  const out = emptyTarget();
  s.decide(view({ mid: 100.003 }), out);
  for (const p of [out.bidPrice, out.askPrice]) assert.equal(Math.round(p * 100) / 100, p);
  assert.ok(out.bidPrice < 100.003 && out.askPrice > 100.003);
});

test('symmetric at zero inventory (within a tick of rounding)', () => {
  const s = new QuotingStrategy({ ...defaultQuotingParams, calibrate: false, k: 5 }, inst);
  const out = emptyTarget();
  s.decide(view(), out);
  assert.ok(Math.abs(out.askPrice - 100 - (100 - out.bidPrice)) <= 0.01 + 1e-9);
});

test('minimum spread is enforced', () => {
  const s = new QuotingStrategy({ ...defaultQuotingParams, calibrate: false, k: 1e6, minSpreadTicks: 10 }, inst);
  const out = emptyTarget();
  s.decide(view(), out);
  assert.ok(out.askPrice - out.bidPrice >= 0.1 - 1e-9);
});

test('a side that could breach max inventory is not quoted', () => {
  const p = { ...defaultQuotingParams, orderQty: 1, maxInventoryQty: 3 };
  const s = new QuotingStrategy(p, inst);
  const out = emptyTarget();
  s.decide(view({ position: 3 }), out);
  assert.ok(Number.isNaN(out.bidPrice) && out.bidQty === 0);
  assert.ok(out.askQty === 1);
  s.decide(view({ position: -2.5 }), out);
  assert.ok(Number.isNaN(out.askPrice), 'selling 1 more would reach −3.5');
});

test('reducing quotes only the side that reduces; halted and cold quote nothing', () => {
  const s = new QuotingStrategy(defaultQuotingParams, inst);
  const out = emptyTarget();
  s.decide(view({ position: 2, tradingState: 'reducing' }), out);
  assert.ok(Number.isNaN(out.bidPrice) && Number.isFinite(out.askPrice));
  s.decide(view({ tradingState: 'halted' }), out);
  assert.ok(Number.isNaN(out.bidPrice) && Number.isNaN(out.askPrice));
  s.decide(view({ warm: false }), out);
  assert.ok(Number.isNaN(out.bidPrice) && Number.isNaN(out.askPrice));
});

test('a huge inventory skew never crosses the reference (post-only)', () => {
  const s = new QuotingStrategy({ ...defaultQuotingParams, gamma: 50, horizonSeconds: 1e6, maxInventoryQty: 100 }, inst);
  const out = emptyTarget();
  s.decide(view({ position: 50, sigma: 1 }), out);
  assert.ok(out.askPrice > 100, `ask ${out.askPrice} must stay above the mid`);
});

test('finite horizon: time remaining comes from the clock and falls through the session', () => {
  const s = new QuotingStrategy({ ...defaultQuotingParams, horizon: 'finite', horizonSeconds: 3600 }, inst);
  const hour = 3600e6;
  assert.equal(s.timeRemaining(10 * hour), 3600);
  assert.equal(s.timeRemaining(10 * hour + 900e6), 2700);
  assert.equal(s.timeRemaining(11 * hour - 1e6), 1);
});
