// Portfolio accounting: cash + position value is conserved net of fees; realized + inventory PnL explain equity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Portfolio } from './portfolio.js';
import { Rng } from '../core/index.js';

test('a round trip realizes the spread minus fees', () => {
  const p = new Portfolio(1000);
  p.apply(1, 100, 2, 0.02);
  p.apply(-1, 101, 2, 0.02);
  assert.equal(p.position, 0);
  assert.ok(Math.abs(p.realizedPnl - 2) < 1e-12);
  assert.ok(Math.abs(p.cash - (1000 + 2 - 0.04)) < 1e-12);
});

test('identity holds over random fills, including flips through zero and rebates', () => {
  const rng = new Rng(3);
  const p = new Portfolio(10_000);
  let mid = 100;
  for (let i = 0; i < 5000; i++) {
    mid += rng.normal() * 0.1;
    const side = rng.next() < 0.5 ? 1 : -1;
    const qty = 1 + rng.int(5);
    const price = Math.round((mid - side * 0.05) * 100) / 100;
    const fee = price * qty * (rng.next() < 0.5 ? 0.0002 : -0.0001);
    p.apply(side as 1 | -1, price, qty, fee);
    const lhs = p.cash + p.position * mid;
    const rhs = p.initialCash + p.realizedPnl + p.unrealizedPnl(mid) - p.fees;
    assert.ok(Math.abs(lhs - rhs) < 1e-6, `step ${i}: ${lhs} vs ${rhs}`);
  }
});
