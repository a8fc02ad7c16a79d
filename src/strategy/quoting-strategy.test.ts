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

test('levels: a ladder of order_qty per level, level_spacing_bps apart, cut where a full fill would breach max inventory', () => {
  const p = { ...defaultQuotingParams, calibrate: false, k: 5, orderQty: 1, maxInventoryQty: 3, levels: 4, levelSpacingBps: 2 };
  const s = new QuotingStrategy(p, inst);
  const one = new QuotingStrategy({ ...p, levels: 1 }, inst);
  const out = emptyTarget();
  const ref = emptyTarget();
  s.decide(view(), out);
  one.decide(view(), ref);
  assert.deepEqual([out.bidPrice, out.askPrice, out.bidQty], [ref.bidPrice, ref.askPrice, ref.bidQty], 'level 0 is the one-level quote');
  assert.equal(ref.bids, undefined, 'one level: no deeper lists');
  // Spacing 2 bps of 100 = 0.02. Flat, max 3: levels 1 and 2 (reaching 2 and 3) quote, level 3 (reaching 4) does not.
  const bids = out.bids!.map((l) => [Math.round(l.price * 100) / 100, l.qty]);
  assert.deepEqual(bids, [[Math.round((ref.bidPrice - 0.02) * 100) / 100, 1], [Math.round((ref.bidPrice - 0.04) * 100) / 100, 1], [Number.NaN, 0]]);
  const asks = out.asks!.map((l) => [Math.round(l.price * 100) / 100, l.qty]);
  assert.deepEqual(asks, [[Math.round((ref.askPrice + 0.02) * 100) / 100, 1], [Math.round((ref.askPrice + 0.04) * 100) / 100, 1], [Number.NaN, 0]]);
  // Long 2: only level 0 may buy (a second bid filling would reach 4); all four asks sell within the limit? 2 − 4 = −2: yes.
  s.decide(view({ position: 2 }), out);
  assert.equal(out.bids!.filter((l) => l.qty > 0).length, 0);
  assert.ok(out.bidPrice === out.bidPrice);
  assert.equal(out.asks!.filter((l) => l.qty > 0).length, 3);
  // Reducing while long 2: no bid, and asks only as deep as the position (2 levels).
  s.decide(view({ position: 2, tradingState: 'reducing' }), out);
  assert.ok(out.bidPrice !== out.bidPrice);
  assert.equal(out.asks!.filter((l) => l.qty > 0).length, 1);
});
