// The perpetual order-notional rule: contract terms, not price × qty, for the order and the orders resting on its side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxContractNotionalRule } from './contract-notional.js';
import type { MarketView } from '../strategy/index.js';
import type { RiskLimits } from './gate.js';

const v = {} as MarketView;
const l = {} as RiskLimits;

test('inverse: contracts × size whatever the price; resting orders count by their contracts', () => {
  const rule = maxContractNotionalRule(1000, { kind: 'inverse_perp', contractSize: 100 });
  assert.equal(rule(1, 60_000, 10, v, l, { qty: 0, notional: 0 }), undefined, '10 × 100 = 1000 USD, at any price');
  assert.match(rule(1, 60_000, 11, v, l, { qty: 0, notional: 0 })!, /order notional 1100 above/);
  assert.match(rule(1, 60_000, 5, v, l, { qty: 6, notional: 6 * 60_000 })!, /would reach 1100 with the orders resting/);
  assert.equal(rule.rule, 'max_order_notional');
});

test('linear: price × contracts × size', () => {
  const rule = maxContractNotionalRule(1000, { kind: 'linear_perp', contractSize: 0.01 });
  assert.equal(rule(1, 50_000, 2, v, l, { qty: 0, notional: 0 }), undefined); // 1000
  assert.match(rule(1, 50_000, 3, v, l, { qty: 0, notional: 0 })!, /1500/);
  assert.match(rule(-1, 50_000, 1, v, l, { qty: 2, notional: 100_000 })!, /would reach 1500/);
});
