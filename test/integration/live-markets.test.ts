// `realtime --mode live` over two markets in one child process against the fake exchange (one account, two symbols): preflight per market, reconciliation per market, one ledger, no duplicate order, nothing left resting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { checkLedgerInvariants } from '../../src/ledger/index.js';
import { readEvents } from '../../src/data/index.js';
import { FakeAccount, ETHUSDT_RULES, startFakePrivateExchange, type FakePrivateExchange } from '../fake-exchange/private/index.js';
import { TEST_KEY, TEST_SECRET } from './live-helpers.js';
import { stampsFromNow } from '../fixtures/stamps.js';
import { writeMarker } from '../../src/core/index.js';

const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const cli = ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'realtime', '--mode', 'live', '--confirm-live'];
const env = (): NodeJS.ProcessEnv => {
  const e = { ...process.env, PAPER_ONLY: '0', EXCHANGE_API_KEY: TEST_KEY, EXCHANGE_API_SECRET: TEST_SECRET };
  return e;
};

function config(ethQty: number): string {
  return `capital: 20000
features: { sigma_sample_ms: 100 }
quoting: { gamma: 0.01, k: 2, calibrate: false, horizon_seconds: 2 }
risk: { max_orders_per_window: 1000, stale_after_ms: 5000 }
live: { reconcile_every_s: 1, request_timeout_ms: 2000, unknown_orders: cancel }
markets:
  - { exchange: binance, symbol: BTC/USDT, name: btc, quoting: { order_qty: 0.001, max_inventory_qty: 0.01 }, risk: { max_order_notional: 1000 } }
  - { exchange: binance, symbol: ETH/USDT, name: eth, quoting: { order_qty: ${ethQty}, max_inventory_qty: ${ethQty * 10} }, risk: { max_order_notional: 1000 } }
`;
}

async function twoMarkets(usdt = 50_000): Promise<{ fake: FakePrivateExchange; btc: FakeAccount; eth: FakeAccount }> {
  const btc = new FakeAccount(undefined, { BTC: 0.5, ETH: 5, USDT: usdt });
  const eth = new FakeAccount(ETHUSDT_RULES, {}, btc);
  btc.setMarket(60_000, 60_000.5);
  eth.setMarket(3_000, 3_000.05);
  const fake = await startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET, account: btc, more: [eth] });
  return { fake, btc, eth };
}

async function runCli(args: string[], onStderr?: (all: string) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...cli, ...args], { cwd: root, env: env() });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    onStderr?.(stderr);
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

test('live over two markets in one process: each market preflighted and reconciled (a foreign order on the second cancelled), both fill into one ledger, every order cancelled at the end', async () => {
  const { fake, btc, eth } = await twoMarkets();
  const dir = mkdtempSync(join(tmpdir(), 'mm-live-markets-'));
  writeFileSync(join(dir, 'live.yaml'), config(0.02));
  // Another session's log under every stamp this one could take: its own goes whole under <stamp>_2.
  mkdirSync(join(dir, 'out'));
  writeMarker(join(dir, 'out'), 'realtime');
  const theirs = stampsFromNow().map((s) => join(dir, 'out', `${s}_binance_markets_live.jsonl`));
  for (const p of theirs) writeFileSync(p, '{"theirs":true}\n');
  // An order this ledger did not place rests on the second market: unknown_orders: cancel.
  const foreign = eth.create({ side: 'BUY', type: 'LIMIT_MAKER', price: 2_900, quantity: 0.01, clientOrderId: 'manual-eth-1' });
  assert.ok('orderId' in foreign);
  // Moving markets, and trades that reach our bids now and then: fills in both markets.
  let k = 0;
  const timer = setInterval(() => {
    k++;
    btc.setMarket(60_000 + (k % 7) * 0.5, 60_000.5 + (k % 7) * 0.5);
    eth.setMarket(3_000 + (k % 5) * 0.05, 3_000.05 + (k % 5) * 0.05);
    if (k % 10 === 0)
      for (const a of [btc, eth]) {
        const bid = a.openOrders().find((o) => o.side === 'BUY' && o.clientOrderId.startsWith('mm'));
        if (bid !== undefined) a.marketTrade('SELL', bid.price, bid.origQty - bid.executedQty);
      }
  }, 50);
  try {
    // The dashboard of every market, read while the session trades.
    let dashboardRows: { name: string; mid: number | null; trading_state: string }[] = [];
    let dashboardCharts: { name: string; points: { mid: number | null }[] }[] = [];
    let polling: Promise<void> | undefined;
    const poll = async (url: string): Promise<void> => {
      const u = new URL(url);
      for (let i = 0; i < 100 && (dashboardRows.filter((m) => m.mid !== null).length < 2 || dashboardCharts.filter((c) => c.points.some((p) => p.mid !== null)).length < 2); i++) {
        await new Promise((res) => setTimeout(res, 100));
        try {
          const res = await fetch(new URL('/api/state', u.origin), { headers: { authorization: `Bearer ${u.searchParams.get('token') ?? ''}` } });
          const body = (await res.json()) as { stats: { markets?: typeof dashboardRows }; charts?: typeof dashboardCharts };
          dashboardRows = body.stats.markets ?? [];
          dashboardCharts = body.charts ?? [];
        } catch {
          // not up yet
        }
      }
    };
    const r = await runCli(['--exchange-url', fake.restUrl.replace(/\/api\/v3$/, ''), '--feed', 'rest', '--poll-seconds', '0.2', '--iterations', '30', '--config', join(dir, 'live.yaml'), '--ledger', join(dir, 'ledger.sqlite'), '--out-dir', join(dir, 'out'), '--halt-file', join(dir, 'HALT'), '--dashboard-port', '0', '--record', join(dir, 'live.arrow')], (all) => {
      const m = /dashboard: (http:\/\/\S+)/.exec(all);
      if (m !== null) polling ??= poll(m[1]!);
    });
    assert.equal(r.code, 0, r.stderr);
    await polling;
    assert.deepEqual(
      dashboardRows.map((m) => m.name),
      ['btc', 'eth'],
      'the dashboard has a row per market',
    );
    assert.ok(dashboardRows[0]!.mid! > 50_000 && dashboardRows[1]!.mid! < 5_000, JSON.stringify(dashboardRows));
    // A chart per market, each at its own market's prices.
    assert.deepEqual(
      dashboardCharts.map((c) => c.name),
      ['btc', 'eth'],
    );
    const lastMid = (c: (typeof dashboardCharts)[number]): number => c.points.filter((p) => p.mid !== null).at(-1)!.mid!;
    assert.ok(lastMid(dashboardCharts[0]!) > 50_000 && lastMid(dashboardCharts[1]!) < 5_000, 'each chart draws its own market');
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const pre = lines.filter((l) => l['event'] === 'live_preflight');
    assert.deepEqual(
      pre.map((l) => [l['market'], l['ok']]),
      [
        ['btc', true],
        ['eth', true],
      ],
      'each market preflighted',
    );
    assert.ok((pre[1]!['notes'] as string[]).some((n) => /1 open order\(s\) on ETH\/USDT not placed by this ledger: they will be cancelled/.test(n)), JSON.stringify(pre[1]));
    for (const m of ['btc', 'eth']) assert.equal(lines.filter((l) => l['market'] === m && typeof l['iteration'] === 'number').length, 30, `${m}: 30 iterations`);
    const summary = lines.at(-1) as { summary: boolean; jsonl: string; markets: { market: string; placed: number; fills: number; cancelVerified: boolean; reconciliations: number; mismatches: number }[] };
    assert.equal(summary.summary, true);
    assert.match(basename(summary.jsonl), /^\d{8}T\d{6}Z_2_binance_markets_live\.jsonl$/);
    assert.equal(readFileSync(summary.jsonl, 'utf8'), r.stdout, "the log holds this session's lines and nothing else");
    for (const p of theirs) assert.equal(readFileSync(p, 'utf8'), '{"theirs":true}\n', `${p} untouched`);
    for (const m of summary.markets) {
      assert.ok(m.placed > 0 && m.fills > 0, `${m.market} quoted and filled: ${JSON.stringify(m)}`);
      assert.equal(m.cancelVerified, true);
      assert.ok(m.reconciliations >= 2, `${m.market} reconciled at start and end`);
      assert.equal(m.mismatches, 0, `${m.market}: the holding matches the ledger`);
    }
    assert.equal(eth.orders.get((foreign as { orderId: number }).orderId)?.status, 'CANCELED', 'the foreign order on the second market was cancelled');
    assert.equal(btc.openOrders().length + eth.openOrders().length, 0, 'nothing left resting on either market');
    for (const a of [btc, eth]) assert.ok([...a.createdByClientId.values()].every((n) => n === 1), 'no client order id sent twice');
    // The two markets never share a client order id (one sequence under one namespace).
    const ids = [...btc.createdByClientId.keys(), ...eth.createdByClientId.keys()].filter((c) => c.startsWith('mm'));
    assert.equal(new Set(ids).size, ids.length);

    const db = new Database(join(dir, 'ledger.sqlite'), { readonly: true });
    try {
      // --record: one recording per market, each linked from its own run, each holding its own market's rows.
      const recs = db.prepare<[], { run_id: string; path: string; status: string; rows: number }>('SELECT run_id, path, status, rows FROM recordings ORDER BY run_id').all();
      assert.deepEqual(
        recs.map((x) => [x.run_id.replace(/^.*_/, ''), x.path, x.status]),
        [
          ['btc', join(dir, 'live.btc.arrow'), 'written'],
          ['eth', join(dir, 'live.eth.arrow'), 'written'],
        ],
      );
      for (const x of recs) {
        const ev = readEvents(x.path);
        assert.ok(ev.length > 0 && ev.length === x.rows, `${x.path}: ${ev.length} rows`);
        let price = 0;
        for (let i = 0; i < ev.length && !(price > 0); i++) price = ev.price[i]!;
        assert.ok(x.run_id.endsWith('_btc') ? price > 50_000 : price < 5_000, `${x.path}: its own market (${price})`);
      }
      const runs = db.prepare<[], { symbol: string; mode: string; status: string }>('SELECT symbol, mode, status FROM runs ORDER BY run_id').all();
      assert.deepEqual(
        runs.map((x) => [x.symbol, x.mode, x.status]),
        [
          ['BTC/USDT', 'live', 'completed'],
          ['ETH/USDT', 'live', 'completed'],
        ],
      );
      const fills = db.prepare<[], { symbol: string; n: number }>('SELECT symbol, count(*) AS n FROM fills GROUP BY symbol ORDER BY symbol').all();
      assert.deepEqual(
        fills.map((f) => [f.symbol, f.n]),
        summary.markets.map((m) => [m.market === 'btc' ? 'BTC/USDT' : 'ETH/USDT', m.fills]),
      );
      // Every exchange trade of ours is in the ledger once, on its own market.
      assert.equal(btc.trades.length, fills[0]!.n);
      assert.equal(eth.trades.length, fills[1]!.n);
      assert.deepEqual(checkLedgerInvariants(db), []);
    } finally {
      db.close();
    }
    const texts = [r.stdout, r.stderr, ...[dir, join(dir, 'out')].flatMap((d) => readdirSync(d).filter((f) => f !== 'out').map((f) => readFileSync(join(d, f)).toString('latin1')))];
    for (const t of texts) assert.ok(!t.includes(TEST_KEY) && !t.includes(TEST_SECRET), 'a secret leaked');
  } finally {
    clearInterval(timer);
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("live over two markets: one market's preflight refusal refuses the run before any order of any market", async () => {
  const { fake, btc, eth } = await twoMarkets();
  const dir = mkdtempSync(join(tmpdir(), 'mm-live-markets-'));
  // 0.001 ETH at 3,000 is 3 USDT, below the market's minimum notional of 5.
  writeFileSync(join(dir, 'live.yaml'), config(0.001));
  try {
    const r = await runCli(['--exchange-url', fake.restUrl.replace(/\/api\/v3$/, ''), '--feed', 'rest', '--poll-seconds', '0.2', '--iterations', '5', '--config', join(dir, 'live.yaml'), '--ledger', join(dir, 'ledger.sqlite'), '--out-dir', join(dir, 'out'), '--halt-file', join(dir, 'HALT'), '--quiet']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr.trim(), /^error: markets\[eth\] \(ETH\/USDT\): live preflight refused: order notional 3 USDT \(qty 0\.001 × bid 3000\) is below the market's minimum notional 5$/);
    assert.equal(btc.createdByClientId.size + eth.createdByClientId.size, 0, 'no order on either market');
  } finally {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('live over two markets on one account: each fits its funds alone, together they may commit more than the free balance; refused in one line before any order', async () => {
  // 1,000 USDT free: btc may hold 0.01 BTC (600 USDT at 60,000.5), eth 0.2 ETH (600 USDT at 3,000.05); each alone fits.
  const { fake, btc, eth } = await twoMarkets(1_000);
  const dir = mkdtempSync(join(tmpdir(), 'mm-live-markets-'));
  writeFileSync(join(dir, 'live.yaml'), config(0.02));
  try {
    const r = await runCli(['--exchange-url', fake.restUrl.replace(/\/api\/v3$/, ''), '--feed', 'rest', '--poll-seconds', '0.2', '--iterations', '5', '--config', join(dir, 'live.yaml'), '--ledger', join(dir, 'ledger.sqlite'), '--out-dir', join(dir, 'out'), '--halt-file', join(dir, 'HALT'), '--quiet']);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr.trim(),
      'error: live preflight refused: markets btc, eth together may commit 1200.01 USDT of binance spot, which has 1000 USDT free: btc 600.01 (max_inventory_qty 0.01 × 60000.5), eth 600.01 (max_inventory_qty 0.2 × 3000.05)',
    );
    assert.equal(btc.createdByClientId.size + eth.createdByClientId.size, 0, 'no order on either market');
  } finally {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
