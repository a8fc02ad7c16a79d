// `realtime --mode live` of one linear perpetual (Binance USD-M) from the command line, in a child process, against the fake exchange (the real ccxt client).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { checkLedgerInvariants } from '../../src/ledger/index.js';
import { startFakePrivateExchange } from '../fake-exchange/private/index.js';
import { TEST_KEY, TEST_SECRET } from './live-helpers.js';
import { FLAT_PERP } from './live-perp-helpers.js';

const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');

test('realtime --mode live --exchange binanceusdm: a perpetual quoted from the command line; orders only on /fapi, post-only, all cancelled and verified; the ledger holds them and its invariants; no secret written', { timeout: 240_000 }, async (t) => {
  const fake = await startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET, perp: FLAT_PERP });
  const p = fake.perp!;
  const dir = mkdtempSync(join(tmpdir(), 'mm-live-perp-cli-'));
  const config = join(dir, 'live.yaml');
  writeFileSync(
    config,
    `features: { sigma_sample_ms: 100 }
market: { instrument: linear_perp, contract_size: 1 }
quoting: { order_qty: 0.002, max_inventory_qty: 0.01 }
live: { reconcile_every_s: 1, request_timeout_ms: 2000, margin_mode: cross }
`,
  );
  // A moving perpetual touch (the volatility estimate warms up within a second); now and then a trade reaches what rests.
  let k = 0;
  const timer = setInterval(() => {
    k++;
    const bid = 60_000 + (k % 7) * 0.5;
    p.setMarket(bid, bid + 0.1);
    if (k % 15 === 0) {
      const o = p.openOrders().find((x) => x.clientOrderId.startsWith('mm'));
      if (o !== undefined) p.marketTrade(o.side === 'BUY' ? 'SELL' : 'BUY', o.price, 0.001);
    }
  }, 50);
  try {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'realtime', '--mode', 'live', '--confirm-live', '--exchange', 'binanceusdm', '--symbol', 'BTC/USDT:USDT',
        '--exchange-url', fake.restUrl.replace(/\/api\/v3$/, ''), '--feed', 'rest', '--poll-seconds', '0.2', '--iterations', '25',
        '--config', config, '--ledger', join(dir, 'ledger.sqlite'), '--out-dir', join(dir, 'out'), '--halt-file', join(dir, 'HALT')],
      { cwd: root, env: { ...process.env, PAPER_ONLY: '0', EXCHANGE_API_KEY: TEST_KEY, EXCHANGE_API_SECRET: TEST_SECRET } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearInterval(timer);
    assert.equal(code, 0, stderr.slice(-3000));
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const summary = lines.at(-1)!;
    assert.equal(summary['summary'], true);
    assert.equal(summary['cancelVerified'], true);
    assert.ok((summary['placed'] as number) > 0, 'quotes went out');
    // Every order went to the USD-M endpoints, post-only (GTX), under our client order ids; none to spot; none left.
    const creates = fake.requests.filter((x) => x.method === 'POST' && /\/order$/.test(x.path));
    assert.ok(creates.length > 0);
    for (const c of creates) {
      assert.equal(c.path, '/fapi/v1/order');
      assert.equal(c.params['timeInForce'], 'GTX');
      assert.match(c.params['newClientOrderId'] ?? '', /^mm[0-9a-z]{8}-\d+$/);
    }
    assert.equal(fake.account.createdByClientId.size, 0, 'nothing on the spot account');
    assert.equal(p.openOrders().length, 0, 'nothing left resting');
    assert.ok([...p.createdByClientId.values()].every((n) => n === 1), 'no client order id sent twice');
    const db = new Database(join(dir, 'ledger.sqlite'), { readonly: true });
    try {
      // Every order sent is in the ledger: those the exchange took (cancelled by now, or filled) and those it refused
      // (a post-only that would have taken: rejected), one request each; none open.
      const st = Object.fromEntries(db.prepare<[], { status: string; n: number }>("SELECT status, count(*) AS n FROM orders WHERE status != 'denied' GROUP BY status").all().map((r) => [r.status, r.n]));
      const sent = Object.values(st).reduce((a, n) => a + n, 0);
      assert.equal(sent, creates.length, `ledger ${JSON.stringify(st)} against ${creates.length} orders sent`);
      assert.equal(sent - (st['rejected'] ?? 0), p.createdByClientId.size, 'the orders the exchange took');
      assert.equal((st['open'] ?? 0) + (st['pending-new'] ?? 0) + (st['pending-cancel'] ?? 0), 0);
      const fills = db.prepare<[], { n: number; q: number }>("SELECT count(*) AS n, coalesce(sum(side * qty), 0) AS q FROM fills WHERE symbol = 'BTC/USDT:USDT'").get()!;
      assert.equal(fills.n, p.trades.length, 'every trade at the exchange is journaled once');
      assert.ok(Math.abs(fills.q - p.position) < 1e-9, `the ledger's position ${fills.q} = the exchange's ${p.position}`);
      assert.deepEqual(checkLedgerInvariants(db), []);
      t.diagnostic(`orders ${JSON.stringify(st)}, fills ${fills.n}, position ${p.position}`);
    } finally {
      db.close();
    }
    const texts = [stdout, stderr, ...[dir, join(dir, 'out')].flatMap((d) => readdirSync(d).filter((f) => f !== 'out').map((f) => readFileSync(join(d, f)).toString('latin1')))];
    for (const t of texts) assert.ok(!t.includes(TEST_KEY) && !t.includes(TEST_SECRET), 'a secret leaked');
  } finally {
    clearInterval(timer);
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
