// Ledger: what a run writes is what a restart resumes and what the dashboard reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Portfolio } from '../portfolio/index.js';
import { Ledger } from './ledger.js';
import { LedgerReader } from './ledger-reader.js';
import { checkLedgerInvariants } from './invariants.js';

test('orders, fills, denials and risk events round-trip; resume gives position, cash, open orders and the id sequence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-'));
  try {
    const path = join(dir, 'l.sqlite');
    const l = new Ledger(path);
    assert.equal(l.resume('BTC/USDT'), undefined, 'a new ledger has nothing to resume');
    l.startRun({ runId: 'r1', mode: 'paper', exchange: 'binance', symbol: 'BTC/USDT', config: { a: 1 }, initialCash: 1000 }, new Date(0));
    const pf = new Portfolio(1000);
    l.placed(1, 1, 1, 100, 2);
    l.orderEvent(1, 1, 'accepted');
    l.placed(2, 2, -1, 101, 1);
    l.orderEvent(2, 2, 'accepted');
    l.orderEvent(3, 3, 'denied', 'order notional above max');
    pf.apply(1, 100, 0.5, 0.01);
    l.fill(4, 1, 1, 100, 0.5, 0.01, 'maker', pf);
    pf.apply(-1, 101, 1, 0.01);
    l.fill(5, 2, -1, 101, 1, 0.01, 'maker', pf);
    l.risk({ ts: 6, condition: 'stale-data', raised: true, from: 'active', to: 'halted', reason: 'no market data' });
    l.quote({ ts: 6, mid: 100.5, bid: 100, ask: Number.NaN, position: pf.position, equity: pf.equity(100.5), tradingState: 'halted' });
    l.riskMarks({ dayIndex: 1, dayStartEquity: 1000, peakEquity: 1001 });
    assert.deepEqual(checkLedgerInvariants(l.db), []);
    l.close();

    const again = new Ledger(path);
    const r = again.resume('BTC/USDT');
    assert.ok(r);
    assert.equal(r.position, -0.5);
    assert.ok(Math.abs(r.cash - (1000 - 50 + 101 - 0.02)) < 1e-9);
    assert.equal(r.fills, 2);
    assert.equal(r.lastClientId, 3, 'a denied id is never reused');
    assert.deepEqual(r.openOrders, [{ clientId: 1, side: 1, price: 100, remaining: 1.5, qty: 2, createdTs: 1 }]);
    assert.deepEqual(r.riskMarks, { dayIndex: 1, dayStartEquity: 1000, peakEquity: 1001 });
    again.close();

    const reader = new LedgerReader(path);
    const s = reader.snapshot();
    reader.close();
    assert.equal(s.run?.runId, 'r1');
    assert.equal(s.fills.length, 2);
    assert.equal(s.quotes[0]?.ask, null);
    assert.deepEqual(s.riskEvents.map((e) => e.kind).sort(), ['denial', 'raised']);
    assert.equal(s.openOrders, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupted position row is reported by the invariant check', () => {
  const l = new Ledger(':memory:');
  l.startRun({ runId: 'r', mode: 'paper', exchange: 'x', symbol: 'S', config: {}, initialCash: 10 }, new Date(0));
  const pf = new Portfolio(10);
  pf.apply(1, 2, 1, 0);
  l.fill(1, 1, 1, 2, 1, 0, 'maker', pf);
  l.db.prepare('UPDATE positions SET position = 5').run();
  assert.match(checkLedgerInvariants(l.db).join('\n'), /position 5 != sum of fills 1/);
  l.close();
});

test('an order whose cancel was in flight at a crash is not carried over', () => {
  const l = new Ledger(':memory:');
  l.startRun({ runId: 'r', mode: 'paper', exchange: 'x', symbol: 'S', config: {}, initialCash: 10 }, new Date(0));
  l.placed(1, 1, 1, 2, 1);
  l.orderEvent(1, 1, 'accepted');
  l.placed(2, 2, -1, 3, 1);
  l.orderEvent(2, 2, 'accepted');
  l.orderEvent(3, 2, 'cancel-requested');
  assert.deepEqual(l.resume('S')?.openOrders.map((o) => o.clientId), [1]);
  l.close();
});

test('one writer per ledger: a second writer is refused with who holds it; a killed writer leaves no stale lock and its run is marked crashed', async () => {
  const { spawn } = await import('node:child_process');
  const { UserError } = await import('../core/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'ledger-lock-'));
  const path = join(dir, 'l.sqlite');
  const first = new Ledger(path);
  first.startRun({ runId: 'paper_a', mode: 'paper', exchange: 'binance', symbol: 'BTC/USDT', config: {}, initialCash: 1000 }, new Date());
  assert.throws(
    () => new Ledger(path),
    (e: unknown) => e instanceof UserError && new RegExp(`^--ledger: .*l\\.sqlite is in use by process ${process.pid} \\(run paper_a\\) since .*; one writer per ledger`).test(e.message),
  );
  first.close();

  // Another process takes the ledger, starts a run and is killed while it runs.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '-e', `import { Ledger } from ${JSON.stringify(join(import.meta.dirname, 'ledger.ts'))}; const l = new Ledger(${JSON.stringify(path)}); l.startRun({ runId: 'paper_b', mode: 'paper', exchange: 'binance', symbol: 'BTC/USDT', config: {}, initialCash: 1000 }, new Date()); console.log('ready'); setInterval(() => {}, 1000);`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
  });
  assert.throws(() => new Ledger(path), (e: unknown) => e instanceof UserError && /in use by process \d+ \(run paper_b\)/.test(e.message));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const after = new Ledger(path);
  assert.deepEqual(after.crashedRuns, ['paper_b']);
  const runs = after.db.prepare<[], { run_id: string; status: string }>('SELECT run_id, status FROM runs ORDER BY started_at').all();
  // paper_a was left running too (closed without an end): the child's open marked it.
  assert.deepEqual(runs, [{ run_id: 'paper_a', status: 'crashed' }, { run_id: 'paper_b', status: 'crashed' }]);
  // A paper ledger is never used for live trading, nor a live one for paper.
  assert.throws(
    () => after.startRun({ runId: 'live_1', mode: 'live', exchange: 'binance', symbol: 'BTC/USDT', config: {}, initialCash: 1000 }, new Date()),
    (e: unknown) => e instanceof UserError && /holds paper runs; live trading needs a ledger of its own/.test(e.message),
  );
  after.close();
  const livePath = join(dir, 'live.sqlite');
  const live = new Ledger(livePath);
  live.startRun({ runId: 'live_1', mode: 'live', exchange: 'binance', symbol: 'BTC/USDT', config: { key: 'x' }, initialCash: 1000 }, new Date());
  live.endRun(new Date(), 'completed');
  assert.throws(
    () => live.startRun({ runId: 'paper_c', mode: 'paper', exchange: 'binance', symbol: 'BTC/USDT', config: {}, initialCash: 1000 }, new Date()),
    (e: unknown) => e instanceof UserError && /holds live runs; paper trading needs a ledger of its own/.test(e.message),
  );
  live.close();
  rmSync(dir, { recursive: true, force: true });
});

test("a perpetual's ledger is judged by contract accounting: cash = initial + the fills' realized PnL − fees (no notional changes hands); a wrong cash is reported", () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-'));
  try {
    const l = new Ledger(join(dir, 'l.sqlite'));
    l.startRun({ runId: 'p1', mode: 'live', exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', config: { market: { instrument: 'linear_perp', contract_size: 1 } }, initialCash: 1000 }, new Date(0));
    const pf = new Portfolio(1000, { kind: 'linear_perp', contractSize: 1 });
    l.placed(1, 1, 1, 60_000, 0.002);
    pf.apply(1, 60_000, 0.002, 0.024);
    l.fill(2, 1, 1, 60_000, 0.002, 0.024, 'maker', pf);
    l.placed(3, 2, -1, 60_010, 0.003);
    pf.apply(-1, 60_010, 0.003, 0.036);
    l.fill(4, 2, -1, 60_010, 0.003, 0.036, 'maker', pf);
    // A spot reading (cash − notional flows) would be 1000 − 120 + 180.03 − 0.06; the margin balance is 1000 + 0.02 − 0.06.
    assert.ok(Math.abs(pf.cash - (1000 + 0.02 - 0.06)) < 1e-9);
    assert.deepEqual(checkLedgerInvariants(l.db), []);
    l.db.prepare('UPDATE positions SET cash = cash + 60').run();
    assert.match(checkLedgerInvariants(l.db).join('\n'), /BTC\/USDT:USDT: cash 1059\.96 != initial cash \+ realised PnL − fees of its fills 999\.96/);
    l.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
