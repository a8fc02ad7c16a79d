// Two markets paper-traded in one process against the fake Binance through the real ccxt client: both quote and fill, one ledger, a stalled feed halts its market only, the book's loss halts all, one dashboard shows both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { FakeBinance } from '../fake-exchange/index.js';
import { checkLedgerInvariants } from '../../src/ledger/index.js';
import { realtimeCommand } from '../../src/cli/commands/realtime.js';
import { REPO_ROOT } from '../fixtures/shared-data.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(REPO_ROOT, 'artifacts', 'test');

interface Line {
  [k: string]: unknown;
}

/** Quotes a few ticks from the mid without calibration, so the replayed trades reach them (as the single-market paper test). */
function configYaml(o: { makerFeeBps: number; portfolio?: string }): string {
  return `capital: 20000
quoting: { gamma: 0.01, k: 10, calibrate: false, horizon_seconds: 2, requote_ticks: 20 }
risk: { max_orders_per_window: 1000, stale_after_ms: 1500, daily_loss_limit: 100, max_drawdown: 150 }
sim: { entry_latency_ms: 2, response_latency_ms: 2, maker_fee_bps: ${o.makerFeeBps} }
features: { sigma_sample_ms: 100, sigma_window: 10, intensity_window_s: 60 }
loop: { idle_decision_ms: 20, quote_sample_ms: 50 }
markets:
  - { exchange: binance, symbol: BTC/USDT, name: btc, quoting: { order_qty: 0.001, max_inventory_qty: 0.05 }, risk: { max_order_qty: 0.01, max_inventory_qty: 0.06, max_order_notional: 2000 } }
  - { exchange: binance, symbol: ETH/USDT, name: eth, quoting: { order_qty: 0.02, max_inventory_qty: 1 }, risk: { max_order_qty: 0.2, max_inventory_qty: 1.2, max_order_notional: 2000 } }
${o.portfolio ?? ''}
`;
}

function readLines(dir: string): Line[] {
  const f = readdirSync(dir).find((n) => n.endsWith('_markets.jsonl'));
  if (f === undefined) return [];
  return readFileSync(join(dir, f), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);
}

const lastOf = (lines: Line[], market: string): Line | undefined => lines.filter((l) => l['market'] === market && 'iteration' in l).at(-1);

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('two markets in one process: both quote and fill into one ledger; one stalled feed halts its market only; one dashboard shows both', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'paper-markets-'));
  const fake = new FakeBinance({ stepMs: 5, replicas: [{ symbol: 'ETHUSDT', priceFactor: 0.05 }] });
  const url = await fake.start();
  const cfg = join(dir, 'markets.yaml');
  writeFileSync(cfg, configYaml({ makerFeeBps: 1 }));
  const ledgerPath = join(dir, 'ledger.sqlite');
  // The run lasts until the test has seen what it looks for, then is stopped (the iteration count is only a bound):
  // on a loaded machine the first fills can take many iterations.
  const ctl = new AbortController();
  const run = realtimeCommand({ config: cfg, exchangeUrl: url, iterations: '2000', pollSeconds: 0.25, ledger: ledgerPath, outDir: dir, haltFile: join(dir, 'HALT'), dashboardPort: 0, quiet: true, abort: ctl.signal });
  let failed: unknown;
  run.catch((e: unknown) => (failed = e));
  const { chromium } = await import('playwright-core');
  const browser = existsSync(CHROMIUM)
    ? await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--no-first-run'] })
    : undefined;
  try {
    // Both markets fill before one of them goes quiet.
    const filled = (m: string): boolean => Number(lastOf(readLines(dir), m)?.['fills_total'] ?? 0) > 0;
    await until('fills in both markets', () => failed !== undefined || (filled('btc') && filled('eth')), 180_000);
    assert.equal(failed, undefined);

    if (browser !== undefined) {
      const tokenFile = readdirSync(dir).find((n) => /^dashboard-\d+\.token$/.test(n));
      assert.ok(tokenFile, 'the dashboard wrote its token file beside the ledger');
      const port = /(\d+)/.exec(tokenFile)![1];
      const token = readFileSync(join(dir, tokenFile), 'utf8').trim();
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`http://127.0.0.1:${port}/?token=${token}`);
      await page.waitForFunction('window.__dashboard !== undefined && window.__dashboard.markets().length === 2', undefined, { timeout: 15_000 });
      const rows = (await page.evaluate('window.__dashboard.markets()')) as { name: string; state: string; cells: string[] }[];
      assert.deepEqual(
        rows.map((r) => r.name),
        ['btc', 'eth'],
      );
      const mid = (r: { cells: string[] }): number => Number(r.cells[2]!.replace(/,/g, ''));
      assert.ok(mid(rows[0]!) > 10_000 && mid(rows[1]!) > 1_000 && mid(rows[1]!) < 10_000, `each row shows its own market's mid: ${JSON.stringify(rows)}`);
      assert.ok(Number(rows[0]!.cells[7]) > 0 && Number(rows[1]!.cells[7]) > 0, `each row counts its fills: ${JSON.stringify(rows)}`);
      // The second market's feed goes quiet: it halts on stale data, the first keeps quoting.
      fake.mute('ETHUSDT');
      await page.waitForFunction("(() => { const m = window.__dashboard.markets(); return m[1].state === 'halted' && m[0].state !== 'halted'; })()", undefined, { timeout: 120_000 });
      assert.match((await page.locator('#markets-book').textContent()) ?? '', /book PnL/);
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, 'dashboard-markets.png') });
      assert.deepEqual(errors, []);
    } else {
      fake.mute('ETHUSDT');
    }
    await until('the stalled market halted', () => failed !== undefined || lastOf(readLines(dir), 'eth')?.['trading_state'] === 'halted', 120_000);
    ctl.abort();
    await run;
    const lines = readLines(dir);
    const summary = lines.find((l) => l['summary'] === true) as { ended_by: string; iterations: number; markets: { market: string; fills: number; trading_state: string; commands: number }[]; book: { loss_halt_ts: number | null } } | undefined;
    assert.ok(summary, 'a summary line');
    assert.equal(summary.ended_by, 'stopped', 'the run ended when stopped, not at its bound');
    const [btc, eth] = summary.markets;
    assert.equal(btc!.market, 'btc');
    assert.ok(btc!.fills > 0 && eth!.fills > 0, `both markets filled: ${JSON.stringify(summary.markets)}`);
    assert.equal(eth!.trading_state, 'halted', 'the stalled market is halted');
    assert.notEqual(btc!.trading_state, 'halted', 'the other market is not');
    const ethLast = lastOf(lines, 'eth')!;
    assert.ok((ethLast['risk_reasons'] as string[]).some((r) => r.startsWith('stale-data')), `halted for stale data: ${JSON.stringify(ethLast['risk_reasons'])}`);
    assert.equal(lastOf(lines, 'btc')!['connected'], true);
    const books = lines.filter((l) => l['book'] === true);
    assert.equal(books.length, summary.iterations, 'one book line per iteration');

    // One ledger: a run per market, both symbols' orders and fills, one client-id space, invariants hold.
    const db = new Database(ledgerPath, { readonly: true });
    try {
      const runs = db.prepare<[], { run_id: string; symbol: string }>('SELECT run_id, symbol FROM runs ORDER BY run_id').all();
      assert.deepEqual(
        runs.map((r) => r.symbol),
        ['BTC/USDT', 'ETH/USDT'],
      );
      assert.ok(runs[0]!.run_id.endsWith('_btc') && runs[1]!.run_id.endsWith('_eth'));
      const fills = db.prepare<[], { symbol: string; n: number }>('SELECT symbol, count(*) AS n FROM fills GROUP BY symbol ORDER BY symbol').all();
      assert.deepEqual(
        fills.map((f) => [f.symbol, f.n]),
        [
          ['BTC/USDT', btc!.fills],
          ['ETH/USDT', eth!.fills],
        ],
      );
      // Each fill belongs to an order of its own market and run.
      const wrong = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM fills f JOIN orders o ON o.client_id = f.client_id WHERE o.symbol != f.symbol OR o.run_id != f.run_id').get();
      assert.equal(wrong?.n, 0);
      const open = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM orders WHERE status IN ('open', 'pending-new', 'pending-cancel')").get();
      assert.equal(open?.n, 0, 'the end cancels every paper order of every market');
      // The stalled market's halt is in its own run's risk events; the other market ends without stale data.
      const stale = db.prepare<[], { run_id: string }>("SELECT DISTINCT run_id FROM risk_events WHERE condition = 'stale-data' AND kind = 'raised'").all();
      assert.ok(
        stale.some((r) => r.run_id.endsWith('_eth')),
        `the stalled market raised stale-data: ${JSON.stringify(stale)}`,
      );
      assert.ok(!(lastOf(lines, 'btc')!['risk_reasons'] as string[]).some((r) => r.startsWith('stale-data')));
      assert.deepEqual(checkLedgerInvariants(db), []);
    } finally {
      db.close();
    }
  } finally {
    await browser?.close();
    await run.catch(() => undefined);
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the book's loss limit halts every market: no market places an order after it", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'paper-markets-loss-'));
  const fake = new FakeBinance({ stepMs: 5, replicas: [{ symbol: 'ETHUSDT', priceFactor: 0.05 }] });
  const url = await fake.start();
  try {
    const cfg = join(dir, 'markets.yaml');
    // A maker fee of 20 bps costs each fill far more than the spread earns: the book loses from its first fills.
    writeFileSync(cfg, configYaml({ makerFeeBps: 20, portfolio: 'portfolio: { max_loss: 0.05 }' }));
    const ledgerPath = join(dir, 'ledger.sqlite');
    // Bounded, not fixed: stopped once both markets' lines say the book's loss halted them.
    const ctl = new AbortController();
    let failed: unknown;
    const run = realtimeCommand({ config: cfg, exchangeUrl: url, iterations: '2000', pollSeconds: 0.25, ledger: ledgerPath, outDir: dir, haltFile: join(dir, 'HALT'), quiet: true, abort: ctl.signal });
    run.catch((e: unknown) => (failed = e));
    const haltedByBook = (m: string): boolean => {
      const l = lastOf(readLines(dir), m);
      return l?.['trading_state'] === 'halted' && (l['risk_reasons'] as string[]).some((r) => r.startsWith('portfolio-loss'));
    };
    await until("the book's loss halting both markets", () => failed !== undefined || (haltedByBook('btc') && haltedByBook('eth')), 240_000);
    ctl.abort();
    await run;
    const lines = readLines(dir);
    const summary = lines.find((l) => l['summary'] === true) as { markets: { market: string; trading_state: string; fills: number }[]; book: { loss_halt_ts: number | null; pnl: number } };
    const haltTs = summary.book.loss_halt_ts;
    assert.ok(haltTs !== null, `the book's loss reached portfolio.max_loss: ${JSON.stringify(summary.book)}`);
    for (const m of summary.markets) assert.equal(m.trading_state, 'halted', `${m.market} halted by the book`);
    const last = lines.filter((l) => l['market'] === 'btc' || l['market'] === 'eth').slice(-2);
    for (const l of last) assert.ok((l['risk_reasons'] as string[]).some((r) => r.startsWith('portfolio-loss')), JSON.stringify(l['risk_reasons']));
    const db = new Database(ledgerPath, { readonly: true });
    try {
      const after = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM orders WHERE created_ts > ?').get(haltTs);
      assert.equal(after?.n, 0, 'no order of any market after the book halted');
      const raised = db.prepare<[], { run_id: string }>("SELECT run_id FROM risk_events WHERE condition = 'portfolio-loss' AND kind = 'raised' ORDER BY run_id").all();
      assert.equal(raised.length, 2, 'raised in both markets');
      assert.deepEqual(checkLedgerInvariants(db), []);
    } finally {
      db.close();
    }
  } finally {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
