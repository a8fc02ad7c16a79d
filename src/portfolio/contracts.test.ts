// Linear and inverse perpetual accounting against hand calculations: round trips, partial closes, flips, fees, funding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Portfolio } from './portfolio.js';
import { Rng } from '../core/index.js';
import { contractPnl, notionalSettle, type ContractSpec } from '../market/index.js';

const LINEAR: ContractSpec = { kind: 'linear_perp', contractSize: 0.01 }; // 1 contract = 0.01 BTC, USDT-settled
const INVERSE: ContractSpec = { kind: 'inverse_perp', contractSize: 100 }; // 1 contract = 100 USD, BTC-settled

const near = (a: number, b: number, tol = 1e-9, what = ''): void => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what} ${a} != ${b}`);

test('linear: a round trip earns contracts × size × (exit − entry) in quote, fees in quote on price × qty × size', () => {
  const p = new Portfolio(10_000, LINEAR);
  const fee = (px: number, q: number): number => 0.0002 * notionalSettle(LINEAR, px, q);
  near(fee(60_000, 10), 1.2); // 2 bp of 0.1 BTC at 60 000 USDT
  p.apply(1, 60_000, 10, fee(60_000, 10));
  assert.equal(p.cash, 10_000 - 1.2, 'a perpetual pays no notional: only the fee leaves the margin');
  near(p.unrealizedPnl(60_050), 5); // 10 × 0.01 × 50
  p.apply(-1, 60_100, 10, fee(60_100, 10));
  assert.equal(p.position, 0);
  near(p.realizedPnl, 10); // 10 × 0.01 × 100
  near(p.fees, 1.2 + 1.202);
  near(p.equity(59_000), 10_000 + 10 - 2.402, 1e-12, 'flat: equity does not depend on the mark');
  near(p.turnover, 6000 + 6010);
});

test('linear: partial closes keep the average entry, a flip through zero reopens at the fill price', () => {
  const p = new Portfolio(0, LINEAR);
  p.apply(1, 100, 10, 0);
  p.apply(1, 110, 10, 0);
  near(p.avgCost, 105);
  p.apply(-1, 120, 5, 0);
  near(p.realizedPnl, 5 * 0.01 * 15);
  assert.equal(p.position, 15);
  near(p.avgCost, 105);
  near(p.unrealizedPnl(100), 15 * 0.01 * -5);
  p.apply(-1, 90, 25, 0); // close 15 at 90 (−15 × 0.01 × 15), open 10 short at 90
  near(p.realizedPnl, 0.75 - 2.25);
  assert.equal(p.position, -10);
  near(p.avgCost, 90);
  near(p.unrealizedPnl(80), -10 * 0.01 * (80 - 90));
  near(p.equity(80), -1.5 + 1);
});

test('inverse: a long round trip earns contracts × size × (1/entry − 1/exit) in the coin, fees in the coin', () => {
  const p = new Portfolio(100_000, INVERSE);
  const fee = (px: number, q: number): number => 0.0005 * notionalSettle(INVERSE, px, q);
  near(fee(50_000, 1000), 0.001); // 5 bp of 100 000 USD = 2 BTC at 50 000
  p.apply(1, 50_000, 1000, fee(50_000, 1000));
  near(p.unrealizedPnl(55_000), 1000 * 100 * (1 / 50_000 - 1 / 55_000));
  p.apply(-1, 55_000, 1000, fee(55_000, 1000));
  const pnlBtc = 100_000 * (1 / 50_000 - 1 / 55_000); // 0.181818… BTC
  near(p.realizedPnl, pnlBtc);
  near(p.realizedPnl, 2 / 11, 1e-12, 'closed form'); // 10^5 × 5000 / (5·10^4 × 5.5·10^4)
  near(p.fees, 0.001 + 0.05 * (100_000 / 55_000) / 100);
  near(p.balance, pnlBtc - p.fees);
  // Reported in quote at the mark: the coin amount × mark.
  near(p.equity(55_000), 100_000 + (pnlBtc - p.fees) * 55_000);
  near(p.totalPnl(60_000), (pnlBtc - p.fees) * 60_000);
  near(p.turnover, 200_000, 1e-12, 'inverse notional is contracts × size, whatever the price');
});

test('inverse: a short from 50 000 to 40 000 earns 0.5 BTC on 100 000 USD (the textbook case)', () => {
  const p = new Portfolio(0, INVERSE);
  p.apply(-1, 50_000, 1000, 0);
  p.apply(1, 40_000, 1000, 0);
  near(p.realizedPnl, 0.5);
  near(contractPnl(INVERSE, -1000, 50_000, 40_000), 0.5);
});

test('inverse: the average entry is harmonic, partial closes and flips realize against it', () => {
  const p = new Portfolio(0, INVERSE);
  p.apply(1, 40_000, 100, 0);
  p.apply(1, 60_000, 100, 0);
  near(p.avgCost, 48_000); // 200 / (100/40 000 + 100/60 000)
  near(p.unrealizedPnl(48_000), 0, 1e-15, 'marked at the harmonic average, the position is worth its coin cost');
  p.apply(-1, 50_000, 50, 0);
  near(p.realizedPnl, 50 * 100 * (1 / 48_000 - 1 / 50_000)); // 0.004166… BTC
  assert.equal(p.position, 150);
  near(p.avgCost, 48_000);
  p.apply(-1, 45_000, 250, 0); // close 150 at 45 000, open 100 short there
  const r2 = 150 * 100 * (1 / 48_000 - 1 / 45_000);
  near(p.realizedPnl, 50 * 100 * (1 / 48_000 - 1 / 50_000) + r2);
  assert.equal(p.position, -100);
  near(p.avgCost, 45_000);
  near(p.unrealizedPnl(40_000), -100 * 100 * (1 / 45_000 - 1 / 40_000)); // +0.02777… BTC
});

test('funding: longs pay when the rate is positive, in the settlement currency, on the notional at the mark', () => {
  const lin = new Portfolio(1000, { kind: 'linear_perp', contractSize: 1 });
  lin.apply(1, 60_000, 2, 0);
  near(lin.applyFunding(0.0001, 60_000), -12); // 0.01 % of 2 BTC × 60 000
  near(lin.funding, -12);
  near(lin.equity(60_000), 1000 - 12);
  const short = new Portfolio(1000, { kind: 'linear_perp', contractSize: 1 });
  short.apply(-1, 60_000, 2, 0);
  near(short.applyFunding(0.0001, 60_000), 12);
  near(short.applyFunding(-0.0001, 60_000), -12, 1e-9, 'a negative rate: shorts pay');
  const inv = new Portfolio(0, INVERSE);
  inv.apply(1, 50_000, 1000, 0);
  near(inv.applyFunding(0.0001, 50_000), -0.0002); // 0.01 % of 2 BTC
  near(inv.totalPnl(50_000), -0.0002 * 50_000);
  const spot = new Portfolio(1000);
  spot.apply(1, 100, 1, 0);
  assert.equal(spot.applyFunding(0.01, 100), 0, 'spot has no funding');
  assert.equal(new Portfolio(0, INVERSE).applyFunding(0.01, 100), 0, 'flat: nothing to pay');
});

test('perpetual identity over random fills and funding: equity = capital + toQuote(realized + unrealized − fees + funding)', () => {
  for (const spec of [LINEAR, INVERSE]) {
    const rng = new Rng(11);
    const p = new Portfolio(50_000, spec);
    let mid = 50_000;
    for (let i = 0; i < 5000; i++) {
      mid *= 1 + rng.normal() * 0.001;
      const side = rng.next() < 0.5 ? 1 : -1;
      const qty = 1 + rng.int(20);
      const price = Math.round(mid - side * 0.5);
      p.apply(side as 1 | -1, price, qty, notionalSettle(spec, price, qty) * (rng.next() < 0.5 ? 0.0002 : -0.0001));
      if (i % 97 === 0) p.applyFunding(rng.normal() * 0.0003, mid);
      const rhs = p.initialCash + p.toQuote(p.realizedPnl + p.unrealizedPnl(mid) - p.fees + p.funding, mid);
      assert.ok(Math.abs(p.equity(mid) - rhs) < 1e-6, `${spec.kind} step ${i}: ${p.equity(mid)} vs ${rhs}`);
    }
  }
});
