// Two markets paper-traded in one process against the fake Binance through the real ccxt client: both quote and fill, one ledger, a stalled feed halts its market only, the book's loss halts all, one dashboard shows both (a chart each); --record writes one recording per market, each replayed by parity.
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
import { CLI_CWD, cliArgs } from '../fixtures/cli-source.js';
import { readEventMeta, readEvents } from '../../src/data/index.js';
import { spawnSync } from 'node:child_process';
import { ensureSharedSpot0808Arrow } from '../fixtures/spot-0808-capture.js';
import { ensureSharedUsdmArrow } from '../fixtures/usdm-capture.js';
import { stampsFromNow } from '../fixtures/stamps.js';
import { writeMarker } from '../../src/core/index.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(REPO_ROOT, 'artifacts', 'test');
const refresh = process.env['REFRESH_VISUALIZATIONS'] === '1';

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

function readLines(dir: string, log: RegExp = /_markets\.jsonl$/): Line[] {
  const f = readdirSync(dir).find((n) => log.test(n));
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
  const run = realtimeCommand({ config: cfg, exchangeUrl: url, iterations: '2000', pollSeconds: 0.25, ledger: ledgerPath, outDir: join(dir, 'out'), haltFile: join(dir, 'HALT'), dashboardPort: 0, quiet: true, abort: ctl.signal });
  let failed: unknown;
  run.catch((e: unknown) => (failed = e));
  const { chromium } = await import('playwright-core');
  const browser = existsSync(CHROMIUM)
    ? await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--no-first-run'] })
    : undefined;
  try {
    // Both markets fill before one of them goes quiet.
    const filled = (m: string): boolean => Number(lastOf(readLines(join(dir, 'out')), m)?.['fills_total'] ?? 0) > 0;
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
      // One chart per market, each drawing its own market (the halted one keeps what it drew): mid, our quotes, inventory, fills as markers, on screen.
      type Chart = { name: string; mid: number; bid: number; ask: number; inv: number; fills: number; width: number; height: number };
      await page.waitForFunction('(() => { const c = window.__dashboard.charts(); return c.length === 2 && c.every((x) => x.mid > 2 && x.fills > 0 && (x.bid > 0 || x.ask > 0)); })()', undefined, { timeout: 15_000 });
      const charts = (await page.evaluate('window.__dashboard.charts()')) as Chart[];
      assert.deepEqual(
        charts.map((c) => c.name),
        ['btc', 'eth'],
      );
      for (const c of charts) {
        assert.ok(c.inv > 2, `${c.name}: its inventory is drawn: ${JSON.stringify(c)}`);
        assert.ok(c.width > 300 && c.height > 200, `${c.name}: its chart is on screen: ${JSON.stringify(c)}`);
      }
      assert.equal(await page.locator('#chart').isVisible(), false, 'no single chart of the first market only');
      assert.equal(await page.locator('.card .mchart canvas').first().isVisible(), true);
      // Each chart's prices are its own market's (the second market trades at 0.05 × the first's).
      const ethBox = (await page.locator('.card[data-market="eth"] .mchart').boundingBox())!;
      // The pointer on the chart first: the chart does not refit under it.
      await page.mouse.move(ethBox.x + 5, ethBox.y + 5);
      const ethFill = (await page.evaluate("window.__dashboard.chartFillPoint('eth', 0)")) as { x: number; y: number } | null;
      assert.ok(ethFill !== null && ethFill.x >= 0 && ethFill.x < ethBox.width && ethFill.y >= 0 && ethFill.y < ethBox.height, `the second market's first fill is on its chart: ${JSON.stringify(ethFill)}`);
      await page.mouse.move(ethBox.x + ethFill.x, ethBox.y + ethFill.y);
      const ethTip = page.locator('.card[data-market="eth"] .tip');
      await page.waitForFunction("document.querySelector('.card[data-market=\"eth\"] .tip').style.display === 'block'", undefined, { timeout: 5_000 });
      const tipPrice = Number(/@ (\d+\.\d+)/.exec((await ethTip.textContent()) ?? '')?.[1]);
      assert.ok(tipPrice > 1_000 && tipPrice < 10_000, `the second chart's fill details are its market's: ${await ethTip.textContent()}`);
      assert.match((await page.locator('.card[data-market="btc"] .card-head').textContent()) ?? '', /^btc · BTC\/USDT(active|reducing|halted)mid [\d,.]+pos -?[\d.]+PnL/);
      // The side panel is the whole book's: no one market's mid or inventory under the book's title.
      assert.match((await page.locator('#s-title').textContent()) ?? '', /^The book/);
      assert.equal(await page.locator('#s-mid').isVisible(), false);
      assert.equal(await page.locator('#s-inventory').isVisible(), false);
      if (refresh) await page.screenshot({ path: join(REPO_ROOT, 'docs', 'screenshots', 'dashboard-markets.png') });
      await page.screenshot({ path: join(SHOTS, 'dashboard-markets.png') });
      await page.mouse.move(5, 5);
      assert.deepEqual(errors, []);
    } else {
      fake.mute('ETHUSDT');
    }
    await until('the stalled market halted', () => failed !== undefined || lastOf(readLines(join(dir, 'out')), 'eth')?.['trading_state'] === 'halted', 120_000);
    ctl.abort();
    await run;
    const lines = readLines(join(dir, 'out'));
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
    const run = realtimeCommand({ config: cfg, exchangeUrl: url, iterations: '2000', pollSeconds: 0.25, ledger: ledgerPath, outDir: join(dir, 'out'), haltFile: join(dir, 'HALT'), quiet: true, abort: ctl.signal });
    run.catch((e: unknown) => (failed = e));
    const haltedByBook = (m: string): boolean => {
      const l = lastOf(readLines(join(dir, 'out')), m);
      return l?.['trading_state'] === 'halted' && (l['risk_reasons'] as string[]).some((r) => r.startsWith('portfolio-loss'));
    };
    await until("the book's loss halting both markets", () => failed !== undefined || (haltedByBook('btc') && haltedByBook('eth')), 240_000);
    ctl.abort();
    await run;
    const lines = readLines(join(dir, 'out'));
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

test('--record with two markets: one recording per market, linked from its own run, each replays (parity of each market)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'paper-markets-record-'));
  try {
    // Spot and the USD-M perpetual of the same minutes, replayed at 20× on one wall clock (their own exchange
    // and local times kept, so a replay of what was recorded meets the market as the session did).
    const cfg = join(dir, 'markets.yaml');
    writeFileSync(
      cfg,
      `capital: 20000
quoting: { gamma: 0.01, k: 10, calibrate: false, horizon_seconds: 2, requote_ticks: 20 }
risk: { max_orders_per_window: 1000, stale_after_ms: 3000, daily_loss_limit: 100, max_drawdown: 150 }
sim: { entry_latency_ms: 2, response_latency_ms: 2, maker_fee_bps: 1 }
features: { sigma_sample_ms: 100, sigma_window: 10, intensity_window_s: 60 }
loop: { idle_decision_ms: 20, quote_sample_ms: 50 }
markets:
  - { exchange: binance, symbol: BTC/USDT, name: spot, tick_size: 0.01, lot_size: 0.00001, quoting: { order_qty: 0.001, max_inventory_qty: 0.05 }, risk: { max_order_qty: 0.01, max_inventory_qty: 0.06, max_order_notional: 2000 } }
  - { exchange: binanceusdm, symbol: BTC/USDT:USDT, name: usdm, instrument: linear_perp, contract_size: 1, tick_size: 0.1, lot_size: 0.001, quoting: { order_qty: 0.001, max_inventory_qty: 0.05 }, risk: { max_order_qty: 0.01, max_inventory_qty: 0.06, max_order_notional: 2000 } }
`,
    );
    const replay = [ensureSharedSpot0808Arrow(), ensureSharedUsdmArrow()];
    const ledgerPath = join(dir, 'ledger.sqlite');
    const record = join(dir, 'session.arrow');
    // A market's file that exists refuses the run before anything is written.
    writeFileSync(join(dir, 'taken.usdm.arrow'), '');
    await assert.rejects(realtimeCommand({ config: cfg, replay, speed: 20, iterations: '2', pollSeconds: 0.25, ledger: join(dir, 'refused.sqlite'), outDir: join(dir, 'out'), record: join(dir, 'taken.arrow'), quiet: true }), /--record: '.*taken\.usdm\.arrow' is a file that exists/);
    assert.ok(!existsSync(join(dir, 'refused.sqlite')), 'nothing written');

    // Another session's log under every stamp this one could take: its own goes whole under <stamp>_2.
    mkdirSync(join(dir, 'out'));
    writeMarker(join(dir, 'out'), 'realtime');
    const theirs = stampsFromNow().map((s) => join(dir, 'out', `${s}_binance-binanceusdm_markets.jsonl`));
    for (const p of theirs) writeFileSync(p, '{"theirs":true}\n');
    await realtimeCommand({ config: cfg, replay, speed: 20, iterations: '40', pollSeconds: 0.25, ledger: ledgerPath, outDir: join(dir, 'out'), haltFile: join(dir, 'HALT'), record, quiet: true });
    const lines = readLines(join(dir, 'out'), /^\d{8}T\d{6}Z_2_binance-binanceusdm_markets\.jsonl$/);
    const summary = lines.find((l) => l['summary'] === true) as { jsonl: string; recordings: { market: string; path: string; rows: number }[]; markets: { market: string; fills: number }[] };
    assert.ok(summary !== undefined && lines[0]!['markets'] !== undefined, 'the session\'s own log, from its first line to its summary');
    assert.match(summary.jsonl, /_2_binance-binanceusdm_markets\.jsonl$/);
    for (const p of theirs) assert.equal(readFileSync(p, 'utf8'), '{"theirs":true}\n', `${p} untouched`);
    assert.deepEqual(
      summary.recordings.map((r) => [r.market, r.path]),
      [
        ['spot', join(dir, 'session.spot.arrow')],
        ['usdm', join(dir, 'session.usdm.arrow')],
      ],
    );
    assert.ok(!existsSync(record), 'no file under the name given: one per market beside it');
    const db = new Database(ledgerPath, { readonly: true });
    const links = db.prepare<[], { run_id: string; path: string; status: string; rows: number }>('SELECT run_id, path, status, rows FROM recordings ORDER BY run_id').all();
    db.close();
    assert.deepEqual(
      links.map((l) => [l.run_id.replace(/^.*_/, ''), l.path, l.status]),
      [
        ['spot', join(dir, 'session.spot.arrow'), 'written'],
        ['usdm', join(dir, 'session.usdm.arrow'), 'written'],
      ],
      'each market run links its own recording',
    );
    for (const [k, r] of summary.recordings.entries()) {
      const ev = readEvents(r.path);
      assert.ok(ev.length > 1000 && ev.length === r.rows && links[k]!.rows === r.rows, `${r.market}: ${ev.length} rows`);
      const meta = readEventMeta(r.path);
      assert.equal(meta['run_id'], links[k]!.run_id);
      assert.equal(meta['symbol'], r.market === 'spot' ? 'BTC/USDT' : 'BTC/USDT:USDT');
      assert.ok(summary.markets[k]!.fills > 0, `${r.market} filled in the session`);
      // The market's run replayed on its own recording: the session's orders meet the same fills there, and
      // its strategy, replayed on the recording's clock, trades too.
      const p = spawnSync(process.execPath, cliArgs('parity', '--ledger', ledgerPath, '--session', links[k]!.run_id, '--out', join(dir, `parity-${r.market}`)), { cwd: CLI_CWD, encoding: 'utf8' });
      assert.equal(p.status, 0, p.stderr);
      const line = JSON.parse(p.stdout) as { session: string; events: string; fills_live: number; fills_replay: number; order_level_fills_replay: number; order_level_fill_ratio: number; fill_ratio: number };
      t.diagnostic(`${r.market}: ${r.rows} rows recorded; parity: fills live ${line.fills_live}, replay ${line.fills_replay} (ratio ${line.fill_ratio}); order level ${line.order_level_fills_replay} (ratio ${line.order_level_fill_ratio})`);
      assert.equal(line.session, links[k]!.run_id);
      assert.equal(line.events, r.path, 'parity found the market’s own recording through its run');
      assert.equal(line.fills_live, summary.markets[k]!.fills);
      assert.equal(line.order_level_fill_ratio, 1, `${r.market}: the session's own orders fill on its recording as they did in the session`);
      assert.equal(line.order_level_fills_replay, line.fills_live);
      assert.ok(line.fills_replay > 0, `${r.market}: the strategy replayed on the recording trades`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
