// The dashboard page in Debian's Chromium (playwright-core): it loads, the chart draws, values move with the feed; a screenshot is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCaptureSync } from '../../src/data/index.js';
import { PaperSession, ReplayFeed, acceleratedClock, paperSetup, runPaperLoop } from '../../src/engine/index.js';
import { BTCUSDT } from '../../src/market/index.js';
import { startLiveDashboard } from '../../src/report/dashboard/index.js';
import { CAPTURE_DIR, REPO_ROOT } from '../fixtures/shared-data.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(REPO_ROOT, 'artifacts', 'test');

test('live dashboard: page loads, chart draws, figures update as the feed moves; run folders open', { skip: existsSync(CHROMIUM) ? false : 'chromium is not installed' }, async () => {
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(join(tmpdir(), 'dash-'));
  // A finished backtest run folder beside the live run.
  const run = join(dir, 'runs', 'run_test');
  mkdirSync(run, { recursive: true });
  const t0 = 1_723_161_300_000;
  writeFileSync(join(run, 'trace.csv'), ['ts,bid,ask,inventory,cash,equity,mid,reservation', ...Array.from({ length: 50 }, (_, i) => `${t0 + i * 60_000},${100 + i - 0.5},${100 + i + 0.5},0,1000,1000,${100 + i},${100 + i}`)].join('\n'));
  writeFileSync(join(run, 'fills.csv'), `ts,side,price,qty,fee,liquidity,order_id,sample\n${t0 + 600_000},buy,109.5,1,0,maker,1,10\n`);

  const { events } = loadCaptureSync([join(CAPTURE_DIR, 'btcusdt_20240808.gz')]);
  const { strategy, options } = paperSetup({ capital: 10_000, quoting: { gamma: 0.01, order_qty: 0.001, max_inventory_qty: 0.01, calibrate: false, horizon_seconds: 10, requote_ticks: 50 }, risk: { max_orders_per_window: 1000 }, features: { sigma_sample_ms: 1000, sigma_window: 30, intensity_window_s: 60 } }, events.price[0]!);
  const session = new PaperSession(strategy, options);
  const clock = acceleratedClock(20, Date.now() * 1000);
  const feed = new ReplayFeed(events, { clock, speed: 1, pollMs: 2 });
  const dash = await startLiveDashboard({ port: 0, title: 'binance BTC/USDT paper (test)', haltPath: join(dir, 'HALT'), runsDir: join(dir, 'runs'), sampleMs: 50 });
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
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 640 } });
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
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'dashboard-live.png') });
    assert.deepEqual(errors, []);

    // A finished backtest run from its folder.
    await page.selectOption('#runs', 'run_test');
    await page.waitForFunction("document.getElementById('state').textContent === 'finished'", undefined, { timeout: 5_000 });
    assert.equal(await page.locator('#s-fills').textContent(), '1');
    await page.screenshot({ path: join(SHOTS, 'dashboard-run-folder.png') });
  } finally {
    await browser.close();
    stop.requested = true;
    await loop;
    await dash.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
