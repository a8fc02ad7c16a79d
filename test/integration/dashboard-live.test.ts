// The dashboard page in Debian's Chromium (playwright-core): the capture's own times, panes, fills with details on hover, feed health, /metrics, quotes cleared on HALT, run folders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCaptureSync } from '../../src/data/index.js';
import { PaperSession, ReplayFeed, acceleratedClock, paperSetup, runPaperLoop } from '../../src/engine/index.js';
import { BTCUSDT } from '../../src/market/index.js';
import { HaltFile } from '../../src/risk/index.js';
import { startLiveDashboard } from '../../src/report/dashboard/index.js';
import { CAPTURE_DIR, REPO_ROOT } from '../fixtures/shared-data.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(REPO_ROOT, 'artifacts', 'test');
const refresh = process.env['REFRESH_VISUALIZATIONS'] === '1';

test('live dashboard: the capture’s times, panes, fills with details, feed health, /metrics, HALT clears the quotes; run folders open', { skip: existsSync(CHROMIUM) ? false : 'chromium is not installed' }, async () => {
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(join(tmpdir(), 'dash-'));
  // A finished backtest run folder beside the live run.
  const run = join(dir, 'runs', 'run_test');
  mkdirSync(run, { recursive: true });
  const t0 = 1_723_161_300_000;
  writeFileSync(join(run, 'trace.csv'), ['ts,bid,ask,inventory,cash,equity,mid,reservation', ...Array.from({ length: 50 }, (_, i) => `${t0 + i * 60_000},${100 + i - 0.5},${100 + i + 0.5},0,1000,1000,${100 + i},${100 + i}`)].join('\n'));
  writeFileSync(join(run, 'fills.csv'), `ts,side,price,qty,fee,liquidity,order_id,sample\n${t0 + 600_000},buy,109.5,1,0,maker,1,10\n`);
  // The runtime's execution output in the folder above the runs (its artifacts dir): listed as runtime:<run_id>_<agent>.
  writeFileSync(join(dir, 'rt_exec_trace.csv'), ['ts,bid,ask,inventory,cash,equity,mid,reservation', ...Array.from({ length: 20 }, (_, i) => `${t0 + i * 60_000},99.5,100.5,0,1000,1000,100,100`)].join('\n'));
  writeFileSync(join(dir, 'rt_exec_fills.csv'), 'ts,side,price,qty,fee,liquidity,order_id,sample\n');
  writeFileSync(join(dir, 'rt_exec_metrics.json'), JSON.stringify({ initial_capital: 1000, total_pnl: 0 }));
  writeFileSync(join(dir, 'rt_exec_backtest_config.json'), JSON.stringify({ run_id: 'rt', model: 'as', market: { symbol: 'SIM/USDT', tick_size: 0.01, lot_size: 0.001 } }));

  const { events } = loadCaptureSync([join(CAPTURE_DIR, 'btcusdt_20240808.gz')]);
  const { strategy, options } = paperSetup({ capital: 10_000, quoting: { gamma: 0.01, order_qty: 0.001, max_inventory_qty: 0.01, calibrate: false, horizon_seconds: 10, requote_ticks: 50 }, risk: { max_orders_per_window: 1000 }, features: { sigma_sample_ms: 1000, sigma_window: 30, intensity_window_s: 60 } }, events.price[0]!);
  const session = new PaperSession(strategy, options);
  // The replay runs on the capture's own clock (10× faster): the page must show 2024-08-08, not today.
  // The capture's 11 minutes last 65 s, long enough for the HALT below on a loaded machine.
  const start = events.tsLocal[0]!;
  const clock = acceleratedClock(10, start);
  const feed = new ReplayFeed(events, { clock, speed: 1, pollMs: 2 });
  const haltPath = join(dir, 'HALT');
  const dash = await startLiveDashboard({ port: 0, title: 'binance BTC/USDT paper (replay)', haltPath, runsDir: join(dir, 'runs'), sampleMs: 50, lotSize: BTCUSDT.lotSize });
  const stop = { requested: false };
  const loop = runPaperLoop(feed, session, {
    exchange: 'binance',
    symbol: 'BTC/USDT',
    iterations: undefined,
    durationMicros: undefined,
    iterationMicros: 1_000_000,
    idleDecisionMicros: 100_000,
    quoteSampleMicros: 250_000,
    clock,
    emit: dash.publish,
    stop,
    onStep: dash.step,
    haltFile: new HaltFile(haltPath, 50),
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(dash.openUrl);
    await page.waitForFunction('window.__dashboard !== undefined');
    assert.ok((await page.locator('#chart canvas').count()) > 0, 'the chart draws on canvas');
    await page.waitForFunction("document.getElementById('s-mid').textContent !== '–'", undefined, { timeout: 15_000 });
    const mid1 = await page.locator('#s-mid').textContent();
    const pts1 = Number(await page.evaluate('window.__dashboard.points()'));
    await page.waitForFunction(`window.__dashboard.points() > ${pts1 + 3}`, undefined, { timeout: 15_000 });
    await page.waitForFunction(`document.getElementById('s-mid').textContent !== ${JSON.stringify(mid1)}`, undefined, { timeout: 15_000 });
    assert.match((await page.locator('#state').textContent()) ?? '', /active|reducing|halted/);
    assert.ok(Number((await page.locator('#s-mid').textContent())?.replace(/,/g, '')) > 10_000);
    assert.equal(await page.locator('#kind').textContent(), 'live paper');
    assert.match((await page.locator('#updated').textContent()) ?? '', /data time 2024-08-0[89] \d\d:\d\d:\d\d UTC/, 'the capture’s own clock');
    assert.equal(await page.locator('#halt').isVisible(), true);
    // Feed health comes from the iteration lines.
    await page.waitForFunction("document.getElementById('f-feed').textContent === 'replay'", undefined, { timeout: 15_000 });
    assert.match((await page.locator('#f-latency').textContent()) ?? '', /\d+(\.\d)? (µs|ms) \/ \d+(\.\d)? (µs|ms)/);

    // Fills: small markers; hovering one shows its side, size to the lot (5 decimals) and price to the tick.
    await page.waitForFunction('window.__dashboard.fills() > 0', undefined, { timeout: 50_000 });
    const box = (await page.locator('#chart').boundingBox())!;
    // The pointer on the chart first: the chart does not refit under it.
    await page.mouse.move(box.x + 5, box.y + 5);
    const at = (await page.evaluate('window.__dashboard.fillPoint(window.__dashboard.fills() - 1)')) as { x: number; y: number } | null;
    assert.ok(at !== null && at.x >= 0 && at.x < box.width && at.y >= 0, `the last fill is on screen: ${JSON.stringify(at)}`);
    await page.mouse.move(box.x + at.x, box.y + at.y);
    await page.waitForFunction("document.getElementById('tip').style.display === 'block'", undefined, { timeout: 5_000 });
    assert.match((await page.locator('#tip').textContent()) ?? '', /^\d\d:\d\d:\d\d {2}(BUY|SELL) +\d+\.\d{5} @ \d+\.\d{2}/m);
    mkdirSync(SHOTS, { recursive: true });
    if (refresh) {
      // The README's picture: a fill's details open under the pointer.
      // The chart scrolls with new points: the picture is kept only when the details were still open after it was taken.
      mkdirSync(join(REPO_ROOT, 'docs', 'screenshots'), { recursive: true });
      const tipOpen = (): Promise<boolean> => page.evaluate("document.getElementById('tip').style.display === 'block'") as Promise<boolean>;
      for (let attempt = 0; attempt < 10; attempt++) {
        const p = (await page.evaluate('window.__dashboard.fillPoint(window.__dashboard.fills() - 1)')) as { x: number; y: number } | null;
        if (p === null) continue;
        await page.mouse.move(box.x + 5, box.y + 5);
        await page.mouse.move(box.x + p.x, box.y + p.y);
        const opened = await page.waitForFunction("document.getElementById('tip').style.display === 'block'", undefined, { timeout: 2_000 }).then(
          () => true,
          () => false,
        );
        if (!opened) continue;
        const shot = await page.screenshot();
        if (!(await tipOpen())) continue;
        writeFileSync(join(REPO_ROOT, 'docs', 'screenshots', 'dashboard.png'), shot);
        break;
      }
    }
    await page.mouse.move(box.x + 5, box.y + 5);
    await page.screenshot({ path: join(SHOTS, 'dashboard-live.png') });

    // Prometheus: the figures of the page, scrapable.
    // A scraper sends the run's token as a bearer token (every endpoint but /healthz needs it).
    const auth = { authorization: `Bearer ${dash.token}` };
    assert.equal((await fetch(new URL('/metrics', dash.url))).status, 401, 'no token, no metrics');
    const prom = await (await fetch(new URL('/metrics', dash.url), { headers: auth })).text();
    for (const name of ['marketmakerl_pnl', 'marketmakerl_inventory', 'marketmakerl_fills_total', 'marketmakerl_order_commands_total', 'marketmakerl_decision_latency_seconds'])
      assert.match(prom, new RegExp(`^${name}(\\{[^}]*\\})? -?[0-9.e+-]+$`, 'm'), name);
    assert.match(prom, /^marketmakerl_trading_state\{state="(active|reducing|halted)"\} 1$/m);
    assert.ok(Number(/^marketmakerl_fills_total (\d+)/m.exec(prom)?.[1]) > 0);

    // HALT: the loop cancels its orders, the page clears both quote lines.
    const halted = await fetch(new URL('/halt', dash.url), { method: 'POST', headers: auth });
    assert.equal(halted.status, 200);
    await page.waitForFunction("document.getElementById('state').textContent === 'halted'", undefined, { timeout: 15_000 });
    await page.waitForFunction('(() => { const q = window.__dashboard.lastQuotes(); return q.bid === null && q.ask === null; })()', undefined, { timeout: 15_000 });
    // The open-order count follows the venue's cancel acknowledgements, which come after the quotes are withdrawn.
    await page.waitForFunction("document.getElementById('s-open').textContent === '0'", undefined, { timeout: 15_000 });
    await page.screenshot({ path: join(SHOTS, 'dashboard-halted.png') });
    assert.deepEqual(errors, []);

    // A finished backtest run from its folder: its own header, no HALT button.
    await page.selectOption('#runs', 'run_test');
    await page.waitForFunction("document.getElementById('state').textContent === 'finished'", undefined, { timeout: 5_000 });
    assert.equal(await page.locator('#s-fills').textContent(), '1');
    assert.equal(await page.locator('#kind').textContent(), 'finished run');
    assert.equal(await page.locator('#title').textContent(), 'run_test');
    assert.equal(await page.locator('#halt').isVisible(), false);
    await page.screenshot({ path: join(SHOTS, 'dashboard-run-folder.png') });
    // The runtime's output: its own header, its instrument's lot.
    await page.selectOption('#runs', 'runtime:rt_exec');
    await page.waitForFunction("document.getElementById('kind').textContent === 'runtime output'", undefined, { timeout: 5_000 });
    assert.equal(await page.locator('#title').textContent(), 'rt_exec');
    assert.equal(await page.locator('#s-inventory').textContent(), '0.000');
    assert.match((await page.locator('#updated').textContent()) ?? '', /runtime output · AS bar backtest SIM\/USDT · data time 2024-08-09 00:14:00 UTC/);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    stop.requested = true;
    await loop;
    await dash.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
