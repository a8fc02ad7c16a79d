// The run report of a tick run on the real capture, read in Chromium as a user reads it: time axes in UTC with distinct labels inside the data's span, the headline table and the PnL chart print the same figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runTickJob, writeTickRunFolder } from '../../src/engine/index.js';
import { renderRunReport } from '../../src/report/run-report.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { flatConfig } from '../fixtures/trading-config.js';

const CHROMIUM = '/usr/bin/chromium';

/** A figure as the page prints it (true minus sign, thousands separators, a unit after it) as a number. */
const figure = (s: string): number => Number(s.replace(/\u2212/g, '-').replace(/,/g, '').match(/[-+]?\d+(\.\d+)?/)?.[0] ?? Number.NaN);

test('tick run report: UTC axes with distinct labels inside the span; table and decomposition chart agree', { skip: existsSync(CHROMIUM) ? false : 'chromium is not installed' }, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'mm-run-report-'));
  const events = ensureSharedCaptureArrow();
  const cfg = flatConfig({ events, model: 'glft', gamma: 0.0001, horizon_seconds: 60, queue: 'power:2', order_latency_ms: 5, maker_fee_bps: -0.5, partial_fills: true });
  const job = runTickJob(cfg);
  const dir = join(tmp, 'tick');
  writeTickRunFolder(dir, { config: { run_id: 'tick-browser', ...job.resolved }, metrics: job.metrics, trace: job.trace, fills: job.core.fills, stats: job.stats, audit: job.exchange.audit, tickSize: cfg.market.tick_size });
  const html = join(dir, 'report.html');
  writeFileSync(html, await renderRunReport(dir));
  const metrics = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')) as { start: string; end: string; total_pnl: number; pnl_spread_capture: number; fills: number };
  assert.ok(metrics.fills > 50, 'the run trades');
  const start = Date.parse(metrics.start);
  const end = Date.parse(metrics.end);

  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(html).href);

    // Every time axis: its tick labels, as drawn.
    const axes = await page.$$eval('svg g[aria-roledescription="axis"]', (gs) =>
      gs
        .filter((g) => (g.getAttribute('aria-label') ?? '').startsWith('X-axis') && (g.getAttribute('aria-label') ?? '').includes('time (UTC)'))
        .map((g) => ({ title: g.getAttribute('aria-label') ?? '', labels: [...g.querySelectorAll('.role-axis-label text')].map((t) => t.textContent ?? '') })),
    );
    assert.ok(axes.length >= 4, `time axes found: ${axes.length}`);
    const days = [metrics.start.slice(0, 10), metrics.end.slice(0, 10)];
    for (const ax of axes) {
      assert.ok(ax.labels.length >= 3, `${ax.title}: ${ax.labels.length} labels`);
      assert.equal(new Set(ax.labels).size, ax.labels.length, `${ax.title}: labels repeat: ${ax.labels.join(' ')}`);
      for (const l of ax.labels) {
        // 24-hour UTC clock labels; each is a time inside the data's span on one of its days.
        assert.match(l, /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/, `${ax.title}: label '${l}'`);
        const inside = days.some((d) => {
          const t = Date.parse(`${d}T${l.length === 5 ? `${l}:00` : l}Z`);
          return t >= start - 1000 && t <= end + 1000;
        });
        assert.ok(inside, `${ax.title}: '${l}' lies outside ${metrics.start} … ${metrics.end}`);
      }
    }

    // One figure per quantity: the table's PnL parts are the numbers the decomposition chart prints.
    const table = await page.$$eval('table.headline td[data-part]', (tds) => tds.map((td) => [td.getAttribute('data-part') ?? '', td.textContent ?? '']));
    assert.deepEqual(table.map(([p]) => p), ['total PnL', 'spread capture', 'inventory', 'fees paid', 'rebates']);
    const chartLabels = await page.$$eval('svg', (svgs) => {
      const svg = svgs.find((s) => [...s.querySelectorAll('text')].some((t) => (t.textContent ?? '').startsWith('PnL decomposition')));
      return svg ? [...svg.querySelectorAll('g.mark-text.role-mark text')].map((t) => t.textContent ?? '') : [];
    });
    assert.equal(chartLabels.length, 5, `value labels in the decomposition chart: ${chartLabels.join(' | ')}`);
    const tableByPart = new Map(table.map(([p, text]) => [p, text.replace(/\s+[A-Z]+$/, '')]));
    const order = ['spread capture', 'inventory', 'fees paid', 'rebates', 'total PnL'];
    assert.deepEqual(chartLabels, order.map((p) => tableByPart.get(p)), 'the chart prints the table’s figures');
    // And those figures are the run's own: the total and the spread capture of metrics.json, to the cent.
    assert.ok(Math.abs(figure(tableByPart.get('total PnL')!) - metrics.total_pnl) < 0.006);
    assert.ok(Math.abs(figure(tableByPart.get('spread capture')!) - metrics.pnl_spread_capture) < 0.006);
    const parts = ['spread capture', 'inventory', 'fees paid', 'rebates'].map((p) => figure(tableByPart.get(p)!));
    assert.ok(Math.abs(parts.reduce((a, b) => a + b, 0) - figure(tableByPart.get('total PnL')!)) < 0.03, 'the parts add up to the total');
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    await browser.close();
  }
});
