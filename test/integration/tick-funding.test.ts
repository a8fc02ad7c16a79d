// Funding in the tick backtest: payments land exactly at their times, on the venue's position then, once each, and in metrics.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConstantFunding, SeriesFunding, type ContractSpec, type EventColumns } from '../../src/market/index.js';
import { ContractFees, constantLatency, riskAverseQueue } from '../../src/sim/index.js';
import type { MarketView, QuoteTarget, Strategy } from '../../src/strategy/index.js';
import { TickBacktest, TickSharedPass, paperOptionsFor, resolveTrading, runEventReplay, runTickBacktest, runTickJob, writeTickRunFolder, defaultTickLocalParams, type TickBacktestOptions } from '../../src/engine/index.js';
import { Ledger, checkLedgerInvariants } from '../../src/ledger/index.js';
import { loadFundingSeries } from '../../src/data/index.js';
import { EventBuilder } from '../fixtures/tick-events.js';
import { looseSession, flatConfig } from '../fixtures/trading-config.js';

const MS = 1000;
const T0 = 1_700_000_000_000 * MS; // exchange time of the first row
const LINEAR: ContractSpec = { kind: 'linear_perp', contractSize: 1 };

/** Bids 2 at 100.01 from 100 ms, asks 2 at 100.03 from 160 ms, nothing from 200 ms. */
class Scripted implements Strategy {
  readonly name = 'scripted';
  decide(v: Readonly<MarketView>, out: QuoteTarget): void {
    const t = v.now - T0;
    const bid = t >= 100 * MS && t < 160 * MS;
    const ask = t >= 160 * MS && t < 200 * MS;
    out.bidPrice = bid ? 100.01 : Number.NaN;
    out.askPrice = ask ? 100.03 : Number.NaN;
    out.bidQty = bid ? 2 : 0;
    out.askQty = ask ? 2 : 0;
    out.reservation = Number.NaN;
  }
}

function options(funding: TickBacktestOptions['funding']): TickBacktestOptions {
  return {
    session: { ...looseSession({ initialCash: 10_000, reconcile: { priceTolerance: 0, qtyTolerance: 0 }, limits: { maxOrderQty: 10, maxInventoryQty: 100, priceBandFraction: 0.5 } }), contract: LINEAR },
    local: { ...defaultTickLocalParams, ladderTicks: 4096 },
    exchange: { tickSize: 0.01, partialFills: false, ladderTicks: 4096 },
    queue: riskAverseQueue,
    latency: constantLatency(10 * MS, 10 * MS),
    fees: new ContractFees(LINEAR, 1, 5),
    feedLatencyMicros: 0,
    decisionIntervalMicros: 10 * MS,
    sampleIntervalMicros: 10 * MS,
    markoutSeconds: [1],
    ...(funding ? { funding } : {}),
  };
}

// Book 100.00 / 100.02. A sell through our bid at 150 ms fills +2 (the venue's position from 150 ms; the
// trading side hears of it at 160 ms); a buy through our ask at 180 ms takes it back to 0. Last row at 3 s.
function market(): EventColumns {
  return new EventBuilder()
    .snapshot(T0, [[100, 1]], [[100.02, 1]])
    .trade(T0 + 150 * MS, -1, 100, 5)
    .trade(T0 + 180 * MS, 1, 100.04, 5)
    .delta(T0 + 3000 * MS, [[1, 99.9, 1]])
    .build();
}

const at = (ms: number): number => T0 + ms * MS;
const RATE = 0.0001;
// Times (ms after the first row) and rates; the first and last lie outside the data.
const TIMES = [-50, 140, 150, 179, 180, 3000, 5000];
const RATES = [0.01, RATE, RATE, -RATE / 2, RATE, RATE, 0.01];
const schedule = (): SeriesFunding => new SeriesFunding(Float64Array.from(TIMES.map(at)), Float64Array.from(RATES));

/** Payments by hand: before the first row, not paid; 140 ms flat; 150 ms the fill at 150 ms counts (long 2);
 * 179 ms still long, a negative rate (the long receives); 180 ms the sale at 180 ms counts (flat); 3000 ms the
 * last row's time (paid, inclusive); 5000 ms after the data, not paid. Marked at the venue's mid 100.01. */
const EXPECTED: [number, number, number][] = [
  [140, 0, 0],
  [150, 2, -RATE * 2 * 100.01],
  [179, 2, (RATE / 2) * 2 * 100.01],
  [180, 0, 0],
  [3000, 0, 0],
];

function checkPayments(paid: readonly { ts: number; position: number; mark: number; amount: number }[]): void {
  assert.deepEqual(paid.map((p) => [(p.ts - T0) / MS, p.position]), EXPECTED.map(([t, q]) => [t, q]), 'each time once, on the position then');
  paid.forEach((p, k) => {
    assert.equal(p.mark, 100.01, 'marked at the venue mid');
    assert.ok(Math.abs(p.amount - EXPECTED[k]![2]) < 1e-12, `payment ${k}: ${p.amount} vs ${EXPECTED[k]![2]}`);
  });
}

test('funding lands exactly at its times, on the position the venue holds then (fills at or before count), once each', () => {
  const d = new TickBacktest(new Scripted(), options(schedule()));
  const r = d.run([market()]);
  assert.deepEqual(Array.from(r.core.fills.side.subarray(0, r.core.fills.length)), [1, -1], 'a buy at 150 ms, a sale at 180 ms');
  assert.deepEqual(Array.from(r.stats.exchangeTs.subarray(0, 2)).map((t) => (t - T0) / MS), [150, 180]);
  checkPayments(d.fundingPaid);
  const m = r.metrics;
  assert.equal(m.funding_payments, 5);
  assert.equal(m.instrument, 'linear_perp');
  assert.ok(Math.abs(m.pnl_funding - (EXPECTED[1]![2] + EXPECTED[2]![2])) < 1e-12);
  assert.ok(Math.abs(r.core.portfolio.funding - m.pnl_funding) < 1e-15);
  assert.ok(Math.abs(m.pnl_spread_capture + m.pnl_inventory - m.pnl_fees + m.pnl_funding - m.total_pnl) < 1e-9, 'the PnL split adds up');
  // Fees in quote on price × qty × size: maker 1 bp on both fills.
  assert.ok(Math.abs(m.pnl_fees - (100.01 * 2 + 100.03 * 2) * 1e-4) < 1e-12);
  // The same run without funding differs by the funding only.
  const r0 = runTickBacktest(market(), new Scripted(), options(undefined));
  assert.equal(r0.metrics.funding_payments, 0);
  assert.equal(r0.metrics.pnl_funding, 0);
  assert.ok(Math.abs(r.core.portfolio.equity(100.01) - r0.core.portfolio.equity(100.01) - m.pnl_funding) < 1e-9);
});

test('the shared pass pays each member its own funding, as its single run does', () => {
  const pass = new TickSharedPass([
    { strategy: new Scripted(), opts: options(schedule()) },
    { strategy: new Scripted(), opts: options(undefined) },
  ]);
  const [a, b] = pass.run([market()]);
  checkPayments(pass.drivers[0]!.fundingPaid);
  assert.equal(pass.drivers[1]!.fundingPaid.length, 0);
  assert.equal(a!.metrics.funding_payments, 5);
  assert.equal(b!.metrics.pnl_funding, 0);
});

test('market.funding from a config: a constant rate every interval, or a series file, reaches metrics.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-funding-'));
  const file = join(dir, 'funding.csv');
  writeFileSync(file, 'ts,rate\n' + TIMES.map((t, k) => `${at(t) / MS},${RATES[k]}`).join('\n') + '\n');
  const series = loadFundingSeries(file);
  assert.deepEqual(Array.from(series.ts), TIMES.map(at));
  const base = { market: { instrument: 'linear_perp', contract_size: 1, tick_size: 0.01, lot_size: 0.001 }, order_qty: 2, max_inventory_qty: 10, decision_interval_ms: 10, sample_interval_ms: 10, feed_latency_ms: 0 };
  const cfg = flatConfig({ ...base, market: { ...base.market, funding: { path: file } } });
  const r = runTickJob(cfg, [market()], { strategy: new Scripted() });
  assert.equal(r.metrics.funding_payments, 5);
  assert.ok(Math.abs(r.metrics.pnl_funding - (EXPECTED[1]![2] + EXPECTED[2]![2])) < 1e-12);
  const out = join(dir, 'run');
  writeTickRunFolder(out, { config: cfg, metrics: r.metrics, trace: r.trace, fills: r.core.fills, stats: r.stats, audit: r.exchange.audit, tickSize: 0.01, ...(r.funding ? { funding: r.funding } : {}) });
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.equal(m.pnl_funding, r.metrics.pnl_funding);
  assert.equal(m.instrument, 'linear_perp');
  const rows = readFileSync(join(out, 'funding.csv'), 'utf8').trim().split('\n');
  assert.equal(rows[0], 'ts_us,rate,position,mark,amount');
  assert.deepEqual(rows.slice(1).map((l) => l.split(',').slice(0, 3).map(Number)), EXPECTED.map(([t, q], k) => [at(t), RATES[k + 1], q]));
  // A constant rate every 0.0005 h (1.8 s) since the epoch: T0 lies 800 ms past a multiple, so payments at 1000 and 2800 ms, both flat.
  const c = runTickJob(flatConfig({ ...base, market: { ...base.market, funding: { rate: RATE, interval_hours: 0.0005 } } }), [market()], { strategy: new Scripted() });
  assert.equal(T0 % 1.8e6, 800 * MS);
  assert.equal(c.metrics.funding_payments, 2);
  assert.equal(c.metrics.pnl_funding, 0);
  const cf = new ConstantFunding(RATE, 8 * 3.6e9);
  cf.seek(at(1));
  assert.equal(new Date(cf.nextTs() / 1000).toISOString().slice(11), '00:00:00.000Z', 'every 8 h from midnight UTC');
});

test('paper on the event clock pays the backtest\'s funding and journals every payment with the cash it leaves; the ledger\'s invariants replay them', () => {
  const base = { market: { instrument: 'linear_perp', contract_size: 1, tick_size: 0.01, lot_size: 0.001 }, order_qty: 2, max_inventory_qty: 10, decision_interval_ms: 10, sample_interval_ms: 10, feed_latency_ms: 0 };
  const dir = mkdtempSync(join(tmpdir(), 'mm-funding-'));
  const file = join(dir, 'funding.csv');
  writeFileSync(file, 'ts,rate\n' + TIMES.map((t, k) => `${at(t) / MS},${RATES[k]}`).join('\n') + '\n');
  const cfg = flatConfig({ ...base, market: { ...base.market, funding: { path: file } } });
  const ledger = new Ledger(':memory:');
  try {
    ledger.startRun({ runId: 'paper_event', mode: 'paper', exchange: 'binanceusdm', symbol: cfg.market.symbol, config: cfg, initialCash: cfg.capital }, new Date(0));
    const r = runEventReplay(cfg, market(), ledger, { strategy: new Scripted() });
    checkPayments(r.funding!);
    assert.equal(r.metrics.funding_payments, 5);
    const rows = ledger.db.prepare<[], { ts: number; rate: number; position: number; mark: number; amount: number; source: string }>('SELECT ts, rate, position, mark, amount, source FROM funding ORDER BY id').all();
    assert.deepEqual(rows, r.funding!.map((f) => ({ ts: f.ts, rate: f.rate, position: f.position, mark: f.mark, amount: f.amount, source: 'sim' })));
    const pos = ledger.db.prepare<[], { cash: number; funding: number }>('SELECT cash, funding FROM positions').get()!;
    assert.ok(Math.abs(pos.funding - r.core.portfolio.funding) < 1e-12 && Math.abs(pos.cash - r.core.portfolio.cash) < 1e-9);
    assert.deepEqual(checkLedgerInvariants(ledger.db), []);
    // Paper on the wall clock takes the same schedule from the config.
    const paper = paperOptionsFor(resolveTrading(cfg, 100));
    assert.deepEqual([paper.funding?.describe, paper.funding?.nextTs()], [`series(${file})`, at(-50)]);
  } finally {
    ledger.close();
  }
});

test('the market section refuses funding on spot, contracts on spot, and a funding section with both or neither source', () => {
  for (const [market, msg] of [
    [{ funding: { rate: 0.0001 } }, /market\.funding: spot pays no funding/],
    [{ contract_size: 100 }, /market\.contract_size: spot has no contracts/],
    [{ instrument: 'linear_perp', funding: {} }, /exactly one of path .* or rate/],
    [{ instrument: 'linear_perp', funding: { rate: 0.0001, path: 'f.csv' } }, /exactly one of path .* or rate/],
    [{ instrument: 'perp' }, /market\.instrument: expected one of spot, linear_perp, inverse_perp/],
  ] as const)
    assert.throws(() => flatConfig({ market }), (e: Error) => msg.test(e.message), JSON.stringify(market));
});

test('inverse perpetual in the tick backtest: fees and funding in the coin, reported in quote at the last mid; the split adds up', () => {
  const INV: ContractSpec = { kind: 'inverse_perp', contractSize: 10 }; // 10 USD a contract
  const o = options(schedule());
  const opts: TickBacktestOptions = { ...o, session: { ...o.session, contract: INV }, fees: new ContractFees(INV, 1, 5) };
  const d = new TickBacktest(new Scripted(), opts);
  const r = d.run([market()]);
  const p = r.core.portfolio;
  // Buy 2 at 100.01, sell 2 at 100.03: (1/100.01 − 1/100.03) × 2 × 10 coin; maker fees 1 bp of 2 × 10 / price each.
  const realized = 2 * 10 * (1 / 100.01 - 1 / 100.03);
  const fees = (1e-4 * 20) / 100.01 + (1e-4 * 20) / 100.03;
  assert.ok(Math.abs(p.realizedPnl - realized) < 1e-15);
  assert.ok(Math.abs(p.fees - fees) < 1e-15);
  // Funding on the inverse notional 2 × 10 / mark, in the coin.
  const funding = -RATE * (20 / 100.01) + (RATE / 2) * (20 / 100.01);
  assert.ok(Math.abs(p.funding - funding) < 1e-15);
  const m = r.metrics;
  const mid = r.trace.mid[r.trace.length - 1]!;
  assert.ok(Math.abs(m.pnl_fees - fees * mid) < 1e-12, 'fees in quote at the last mid');
  assert.ok(Math.abs(m.pnl_funding - funding * mid) < 1e-12);
  assert.ok(Math.abs(m.total_pnl - (realized - fees + funding) * mid) < 1e-9, 'flat at the end: total = (realized − fees + funding) × mid');
  assert.ok(Math.abs(m.pnl_spread_capture + m.pnl_inventory - m.pnl_fees + m.pnl_funding - m.total_pnl) < 1e-9);
  assert.equal(m.instrument, 'inverse_perp');
  assert.equal(m.turnover, 40, 'inverse turnover: contracts × size in quote');
});

test('an inverse perpetual from the config: orders sized in contracts of contract_size quote, the notional rule values them so, none denied', () => {
  const cfg = flatConfig({ market: { instrument: 'inverse_perp', contract_size: 10, tick_size: 0.01, lot_size: 1 }, decision_interval_ms: 10, sample_interval_ms: 10, feed_latency_ms: 0 });
  const r = runTickJob(cfg, [market()], { strategy: new Scripted(), checkGate: true });
  // 1 % of the capital in contracts of 10 quote, whatever the price (100 here).
  const q = JSON.stringify(r.resolved).match(/"order_qty":(\d+(\.\d+)?)/);
  assert.equal(Number(q?.[1]), (cfg.capital * 0.01) / 10);
  assert.equal(r.core.counters.denied, 0);
  assert.ok(r.core.counters.placed > 0);
  const tight = flatConfig({ market: { instrument: 'inverse_perp', contract_size: 10, tick_size: 0.01, lot_size: 1 }, risk: { max_order_notional: 15 }, order_qty: 2, decision_interval_ms: 10, feed_latency_ms: 0 });
  const d = runTickJob(tight, [market()], { strategy: new Scripted() });
  assert.ok(d.core.counters.denied > 0, 'the Scripted 2-contract orders are 20 quote: above 15');
  assert.equal(d.metrics.risk.denials_by_rule['max_order_notional'] !== undefined, true);
});
