// Live fatal paths: a signal, the private stream lost past its budget, an exception, an unwritable ledger — orders cancelled, verified, why recorded, exit non-zero.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { startFakePrivateExchange, type FakePrivateExchange } from '../fake-exchange/private/index.js';
import type { MarketView, QuoteTarget, Strategy } from '../../src/strategy/index.js';
import { FixedSpreadStrategy, TEST_KEY, TEST_SECRET, bothQuotesOpen, ledgerCount, startRig, waitFor } from './live-helpers.js';

const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const tempDir = (): string => mkdtempSync(join(tmpdir(), 'mm-live-fatal-'));

interface Child {
  code: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  kill: (sig: NodeJS.Signals) => void;
}

/** `realtime --mode live --confirm-live` against the fake, in a child process. */
function startLive(fake: FakePrivateExchange, dir: string, liveYaml: string): Child {
  const config = join(dir, 'live.yaml');
  writeFileSync(config, `features:\n  sigma_sample_ms: 100\nlive:\n  request_timeout_ms: 2000\n  lookup_settle_ms: 5000\n${liveYaml}`);
  const env = { ...process.env, PAPER_ONLY: '0', EXCHANGE_API_KEY: TEST_KEY, EXCHANGE_API_SECRET: TEST_SECRET };
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'realtime', '--mode', 'live', '--confirm-live', '--exchange-url', fake.restUrl.replace(/\/api\/v3$/, ''), '--feed', 'rest',
      '--timeframe', '1s', '--poll-seconds', '0.2', '--iterations', 'forever', '--config', config, '--ledger', join(dir, 'ledger.sqlite'), '--out-dir', join(dir, 'out'), '--halt-file', join(dir, 'HALT'), '--quiet'],
    { cwd: root, env },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return { code: new Promise((resolve) => child.on('close', resolve)), stdout: () => stdout, stderr: () => stderr, kill: (s) => child.kill(s) };
}

/** A market that moves, so that the volatility estimate warms up and quotes go out. */
function moving(fake: FakePrivateExchange): NodeJS.Timeout {
  let k = 0;
  return setInterval(() => {
    k++;
    const bid = 100_000 + (k % 7) * 0.5;
    fake.account.setMarket(bid, bid + 0.5);
  }, 50);
}

function runsOf(dir: string): { status: string; notes: { kind: string; reason: string }[] } {
  const db = new Database(join(dir, 'ledger.sqlite'), { readonly: true });
  try {
    const status = db.prepare<[], { status: string }>('SELECT status FROM runs ORDER BY started_at DESC LIMIT 1').get()?.status ?? '';
    const notes = db.prepare<[], { kind: string; reason: string }>("SELECT kind, reason FROM risk_events WHERE kind IN ('stop', 'fatal')").all();
    return { status, notes };
  } finally {
    db.close();
  }
}

test('SIGTERM: every order cancelled and verified, the stop recorded, exit 143', { timeout: 120_000 }, async () => {
  const fake = await startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET });
  const dir = tempDir();
  const timer = moving(fake);
  try {
    const c = startLive(fake, dir, '');
    await waitFor('quotes at the exchange', () => fake.account.openOrders().length === 2, 60_000);
    c.kill('SIGTERM');
    assert.equal(await c.code, 143, c.stderr());
    assert.match(c.stderr(), /^stopped by SIGTERM: every order cancelled, verified with the exchange$/m);
    assert.equal(fake.account.openOrders().length, 0);
    const r = runsOf(dir);
    assert.equal(r.status, 'stopped: SIGTERM');
    assert.ok(r.notes.some((n) => n.kind === 'stop' && /^SIGTERM; every order cancelled: verified/.test(n.reason)), JSON.stringify(r.notes));
  } finally {
    clearInterval(timer);
    await fake.close();
  }
});

/** The private stream kept from coming back past its budget: refused outright, or (socket open) its subscription never answered. */
const STREAM_PAST_BUDGET = [
  {
    name: 'the private stream lost past its retry budget: halted meanwhile, then cancel, verify, record why, exit 1',
    fault: (fake: FakePrivateExchange) => (fake.faults.userStreamDown = true),
    why: 'stream down for \\d+ s, past its retry budget of 1 s: .*',
  },
  {
    name: 'a reconnect whose user-data subscription is never confirmed: halted meanwhile, then past the budget the fatal path (cancel, verify, exit 1)',
    // The socket comes back at once; Binance never answers its subscription (ccxt would wait for ever).
    fault: (fake: FakePrivateExchange) => (fake.faults.userStreamSubscribeHang = true),
    why: 'stream not back for \\d+ s, past its retry budget of 1 s: its socket is not open or its subscription not confirmed',
  },
];

for (const c of STREAM_PAST_BUDGET) {
  test(c.name, { timeout: 120_000 }, async () => {
    const fake = await startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET });
    const dir = tempDir();
    const timer = moving(fake);
    try {
      const run = startLive(fake, dir, '  stream_retry_budget_s: 1\n');
      await waitFor('quotes at the exchange', () => fake.account.openOrders().length === 2, 60_000);
      c.fault(fake);
      fake.dropUserStreams();
      assert.equal(await run.code, 1, run.stderr());
      const last = run.stderr().trim().split('\n').at(-1)!;
      assert.match(last, new RegExp(`^error: live stopped: exchange: private (orders|trades) ${c.why}; every order cancelled, verified with the exchange$`));
      assert.doesNotMatch(run.stderr(), /\n\s+at /, 'no stack trace');
      assert.equal(fake.account.openOrders().length, 0, 'nothing left resting unmanaged');
      const r = runsOf(dir);
      assert.match(r.status, new RegExp(`^failed: exchange: private (orders|trades) ${c.why.split(' for ')[0]}`));
      assert.ok(r.notes.some((n) => n.kind === 'fatal' && /past its retry budget/.test(n.reason)));
    } finally {
      clearInterval(timer);
      await fake.close();
    }
  });
}

/** Quotes like FixedSpreadStrategy, then throws at its `failAt`-th decision. */
class ThrowingStrategy implements Strategy {
  readonly name = 'throwing';
  private n = 0;
  private readonly inner = new FixedSpreadStrategy(0.001, 10);
  failing = false;
  decide(v: Readonly<MarketView>, out: QuoteTarget): void {
    if (this.failing && ++this.n > 0) throw new Error('strategy bug: index out of range');
    this.inner.decide(v, out);
  }
}

test('an exception inside the session is a fatal path: orders cancelled and verified, the reason in the ledger', async () => {
  const strategy = new ThrowingStrategy();
  const rig = await startRig({ strategy });
  try {
    await waitFor('both quotes open', () => bothQuotesOpen(rig));
    strategy.failing = true;
    const summary = await rig.run;
    assert.equal(summary.fatal, 'error: strategy bug: index out of range');
    assert.equal(summary.cancelVerified, true);
    assert.equal(rig.fake.account.openOrders().length, 0);
    assert.equal(ledgerCount(rig.ledger, "SELECT count(*) AS n FROM risk_events WHERE kind = 'fatal' AND reason LIKE 'error: strategy bug%'"), 1);
  } finally {
    await rig.close();
    await rig.fake.close();
  }
});

test('an unwritable ledger: halted at once, the fill held in memory and written when it frees; past its budget, the fatal path', async () => {
  const rig = await startRig({ ledgerBudgetMs: 60_000 });
  const path = join(rig.dir, 'ledger.sqlite');
  try {
    await waitFor('both quotes open', () => bothQuotesOpen(rig));
    const other = new Database(path);
    other.exec('BEGIN EXCLUSIVE');
    const bid = rig.fake.account.openOrders().find((o) => o.side === 'BUY')!;
    rig.fake.account.marketTrade('SELL', bid.price, 0.0004);
    await waitFor('halted on the ledger', () => rig.session.risk.machine.isRaised('ledger'), 20_000);
    await waitFor('nothing resting while the ledger is unwritable', () => rig.fake.account.openOrders().length === 0, 20_000);
    assert.equal(rig.session.core.fills.length, 1, 'the fill reached the core');
    assert.ok(rig.session.journal.pending > 0, 'and is held for the ledger');
    other.exec('COMMIT');
    other.close();
    await waitFor('trading again', () => rig.session.risk.state === 'active' && bothQuotesOpen(rig), 20_000);
    assert.equal(ledgerCount(rig.ledger, 'SELECT count(*) AS n FROM fills'), 1, 'the held fill is in the ledger');
    // Now past the budget: the session ends on its own.
    const other2 = new Database(path);
    other2.exec('BEGIN EXCLUSIVE');
    (rig.session as unknown as { o: { ledgerBudgetMs: number } }).o.ledgerBudgetMs = 300;
    const summary = await rig.run;
    other2.exec('COMMIT');
    other2.close();
    assert.match(summary.fatal ?? '', /^ledger unwritable for \d+ s, past its budget of 0 s: database is locked/);
    assert.equal(summary.cancelVerified, true);
    assert.equal(rig.fake.account.openOrders().length, 0);
  } finally {
    await rig.close();
    await rig.fake.close();
  }
});
