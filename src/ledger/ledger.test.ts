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
    assert.match(checkLedgerInvariants(l.db).join('\n'), /BTC\/USDT:USDT: cash 1059\.96 != initial cash \+ realised PnL − fees of its fills \+ funding 999\.96/);
    l.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a perpetual's funding payments are journaled once each with the cash they leave; resume restores them; the invariants replay them and fail when one is dropped or altered", () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-'));
  try {
    const path = join(dir, 'l.sqlite');
    const l = new Ledger(path);
    l.startRun({ runId: 'p1', mode: 'paper', exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', config: { market: { instrument: 'linear_perp', contract_size: 1 } }, initialCash: 1000 }, new Date(0));
    const pf = new Portfolio(1000, { kind: 'linear_perp', contractSize: 1 });
    // Flat at the first payment (journaled, nothing paid); long 0.002 at the second (a positive rate: the long pays).
    const flat = pf.applyFunding(0.0001, 60_000, 0);
    assert.equal(l.funding({ ts: 1, rate: 0.0001, position: 0, mark: 60_000, amount: flat, source: 'sim' }, pf), true);
    l.placed(2, 1, 1, 60_000, 0.002);
    pf.apply(1, 60_000, 0.002, 0.024);
    l.fill(3, 1, 1, 60_000, 0.002, 0.024, 'maker', pf);
    const paid = pf.applyFunding(0.0001, 60_100, 0.002);
    assert.ok(Math.abs(paid - -0.002 * 60_100 * 0.0001) < 1e-15);
    assert.equal(l.funding({ ts: 4, rate: 0.0001, position: 0.002, mark: 60_100, amount: paid, source: 'sim' }, pf), true);
    assert.equal(l.funding({ ts: 4, rate: 0.0001, position: 0.002, mark: 60_100, amount: paid, source: 'sim' }, pf), false, 'the same payment again is not booked twice');
    // The exchange's own payment (live): its id and time make it once; rate and mark unknown.
    pf.balance += 0.05;
    pf.funding += 0.05;
    pf.cash += 0.05;
    assert.equal(l.funding({ ts: 5, rate: Number.NaN, position: 0.002, mark: Number.NaN, amount: 0.05, source: 'exchange', exchangeId: '991' }, pf), true);
    assert.equal(l.funding({ ts: 5, rate: Number.NaN, position: 0.002, mark: Number.NaN, amount: 0.05, source: 'exchange', exchangeId: '991' }, pf), false);
    assert.equal(l.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM funding').get()!.n, 3);
    assert.deepEqual(checkLedgerInvariants(l.db), []);
    l.close();

    const again = new Ledger(path);
    const r = again.resume('BTC/USDT:USDT')!;
    assert.ok(Math.abs(r.funding! - pf.funding) < 1e-15 && Math.abs(r.cash - pf.cash) < 1e-9);
    assert.deepEqual(r.exchangeFunding, { since: 5, ids: ['991'] });
    const db = again.db;
    // Altered: an amount that its rate, position and mark do not give, or a rate changed under it.
    db.prepare('UPDATE funding SET amount = amount * 2 WHERE ts = 4').run();
    assert.match(checkLedgerInvariants(db).join('\n'), /funding payment 2 at 4: amount .* != −rate × notional/);
    assert.match(checkLedgerInvariants(db).join('\n'), /funding .* != sum of funding payments/);
    db.prepare('UPDATE funding SET amount = amount / 2 WHERE ts = 4').run();
    assert.deepEqual(checkLedgerInvariants(db), []);
    db.prepare('UPDATE funding SET rate = 0.0002 WHERE ts = 4').run();
    assert.match(checkLedgerInvariants(db).join('\n'), /funding payment 2 at 4/);
    db.prepare('UPDATE funding SET rate = 0.0001 WHERE ts = 4').run();
    // Dropped: the cash no longer follows from the fills and the payments.
    db.prepare("DELETE FROM funding WHERE source = 'exchange'").run();
    const faults = checkLedgerInvariants(db).join('\n');
    assert.match(faults, /cash .* != initial cash \+ realised PnL − fees of its fills \+ funding/);
    assert.match(faults, /funding .* != sum of funding payments/);
    again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a ledger of schema 2 (no funding table, positions without funding) opens and upgrades: its fills and positions kept, funding journaled after', async () => {
  const Database = (await import('better-sqlite3')).default;
  const { SCHEMA_VERSION } = await import('./schema.js');
  const dir = mkdtempSync(join(tmpdir(), 'ledger-'));
  try {
    const path = join(dir, 'old.sqlite');
    const old = new Database(path);
    old.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE runs (run_id TEXT PRIMARY KEY, started_at TEXT NOT NULL, ended_at TEXT, mode TEXT NOT NULL, exchange TEXT NOT NULL, symbol TEXT NOT NULL, status TEXT NOT NULL, config TEXT NOT NULL);
      CREATE TABLE fills (id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, ts INTEGER NOT NULL, client_id INTEGER NOT NULL, symbol TEXT NOT NULL, side INTEGER NOT NULL, price REAL NOT NULL, qty REAL NOT NULL, fee REAL NOT NULL, liquidity TEXT NOT NULL);
      CREATE TABLE positions (symbol TEXT PRIMARY KEY, position REAL NOT NULL, cash REAL NOT NULL, avg_cost REAL NOT NULL, realized_pnl REAL NOT NULL, fees REAL NOT NULL, fill_count INTEGER NOT NULL, last_fill_id INTEGER NOT NULL, updated_ts INTEGER NOT NULL);
      INSERT INTO meta VALUES ('schema_version', '2'), ('initial_cash', '1000');
      INSERT INTO runs VALUES ('old', '2026-01-01T00:00:00.000Z', '2026-01-01T01:00:00.000Z', 'paper', 'binanceusdm', 'BTC/USDT:USDT', 'completed', '{"market":{"instrument":"linear_perp","contract_size":1}}');
      INSERT INTO fills VALUES (1, 'old', 10, 1, 'BTC/USDT:USDT', 1, 60000, 0.002, 0.024, 'maker');
      INSERT INTO positions VALUES ('BTC/USDT:USDT', 0.002, 999.976, 60000, 0, 0.024, 1, 1, 10);`);
    old.close();
    const l = new Ledger(path);
    assert.equal(l.db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").get()!.value, String(SCHEMA_VERSION));
    assert.equal(SCHEMA_VERSION, 3);
    assert.deepEqual(checkLedgerInvariants(l.db), [], 'the old file is consistent as it stands');
    const r = l.resume('BTC/USDT:USDT')!;
    assert.deepEqual([r.position, r.cash, r.funding], [0.002, 999.976, 0]);
    l.startRun({ runId: 'new', mode: 'paper', exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', config: { market: { instrument: 'linear_perp', contract_size: 1 } }, initialCash: 1000 }, new Date());
    const pf = new Portfolio(1000, { kind: 'linear_perp', contractSize: 1 });
    pf.apply(1, 60_000, 0.002, 0.024);
    const amount = pf.applyFunding(-0.0002, 60_000);
    l.funding({ ts: 20, rate: -0.0002, position: 0.002, mark: 60_000, amount, source: 'sim' }, pf);
    assert.ok(amount > 0, 'a negative rate: the long receives');
    assert.deepEqual(checkLedgerInvariants(l.db), []);
    l.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
