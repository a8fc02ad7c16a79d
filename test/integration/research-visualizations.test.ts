// PNG charts without a browser (vega-lite → SVG → PNG) from real data; `make test-integration` refreshes visualizations/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKlines, readEvents } from '../../src/data/index.js';
import { runBarJob, runTickJob } from '../../src/engine/index.js';
import { flatConfig } from '../fixtures/trading-config.js';
import { barChart, lineChart, multiLineChart, renderSvg, svgToPng, thin, type VlSpec } from '../../src/report/charts.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { KLINES_5M, REPO_ROOT } from '../fixtures/shared-data.js';

const refresh = process.env['REFRESH_VISUALIZATIONS'] === '1';
const outDir = refresh ? join(REPO_ROOT, 'visualizations') : mkdtempSync(join(tmpdir(), 'mm-vis-'));
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];

async function writePng(name: string, spec: VlSpec): Promise<void> {
  const svg = await renderSvg(spec);
  assert.match(svg, /^<svg/);
  const png = await svgToPng(svg, 1400);
  writeFileSync(join(outDir, name), png);
  assert.deepEqual([...readFileSync(join(outDir, name)).subarray(0, 4)], PNG_MAGIC);
}

const k = loadKlines(KLINES_5M).bars;
const ms = (us: number): number => us / 1000;

test('market_data_analysis.png: price, realized volatility and volume of the August 2024 5m klines', async () => {
  const price = Array.from({ length: k.length }, (_, i) => ({ t: ms(k.ts[i]!), v: k.close[i]! }));
  const w = 288; // one day of 5m bars
  const vol: Array<{ t: number; v: number }> = [];
  for (let i = w; i < k.length; i += 6) {
    let s = 0;
    let ss = 0;
    for (let j = i - w + 1; j <= i; j++) {
      const r = Math.log(k.close[j]! / k.close[j - 1]!);
      s += r;
      ss += r * r;
    }
    const sd = Math.sqrt(Math.max(0, (ss - (s * s) / w) / (w - 1)));
    vol.push({ t: ms(k.ts[i]!), v: sd * Math.sqrt(365 * 288) * 100 });
  }
  const days = new Map<string, number>();
  for (let i = 0; i < k.length; i++) {
    const d = new Date(ms(k.ts[i]!)).toISOString().slice(5, 10);
    days.set(d, (days.get(d) ?? 0) + k.volume[i]!);
  }
  await writePng('market_data_analysis.png', {
    title: 'Binance BTC/USDT 5m klines, August 2024',
    vconcat: [
      lineChart('Close', price, 'USDT'),
      lineChart('Realized volatility (trailing day, annualised)', vol, '%', '#ff7f0e'),
      barChart('Daily volume', [...days].map(([label, v]) => ({ label, v })), 'BTC', true),
    ],
  });
});

test('backtest_comparison.png: AS and GLFT on the same bars, without and with the 10 bps maker fee', async () => {
  const rows: Array<{ t: number; v: number; series: string }> = [];
  for (const model of ['as', 'glft'] as const) {
    for (const fee of [0, 10]) {
      const cfg = flatConfig({ model, gamma: 0.0005, A: 1 / 300, capital: 10_000, maker_fee_bps: fee, min_spread_ticks: 500 });
      const r = runBarJob(cfg, { bars: k, source: {} });
      const pts = Array.from({ length: r.trace.length }, (_, i) => ({ t: ms(r.trace.ts[i]!), v: r.trace.equity[i]! - 10_000, series: `${model.toUpperCase()}, fee ${fee} bps` }));
      rows.push(...thin(pts, 800));
      assert.ok(r.metrics.fills > 0);
    }
  }
  await writePng('backtest_comparison.png', multiLineChart('Bar backtest PnL, BTC/USDT 5m, August 2024 (budget 10,000 USDT)', rows, 'PnL, USDT'));
});

test('latency_impact.png: tick backtest on the real L2 capture as order latency grows', async () => {
  const path = ensureSharedCaptureArrow();
  const events = readEvents(path);
  const rows: Array<{ label: string; v: number }> = [];
  const fills: Array<{ label: string; v: number }> = [];
  for (const lat of [1, 5, 25, 100, 250, 1000]) {
    const cfg = flatConfig({ events: path, model: 'as', gamma: 0.0001, horizon_seconds: 60, queue: 'power:2', feed_latency_ms: 5, order_latency_ms: lat, decision_interval_ms: 100 });
    const r = runTickJob(cfg, [events]);
    const label = `${String(lat).padStart(4, ' ')} ms`;
    const mk = r.metrics.markouts_seconds.find((m) => m.horizon_seconds === 1)?.mean_bps ?? 0;
    rows.push({ label, v: mk });
    fills.push({ label, v: r.metrics.fills });
  }
  await writePng('latency_impact.png', {
    title: 'Order latency vs fill quality — AS on the Binance BTCUSDT L2 capture (2024-08-08, 11 min)',
    hconcat: [
      { ...barChart('Mean 1 s markout of fills', rows, 'bps', true), width: 320 },
      { ...barChart('Fills', fills, 'fills', true), width: 320 },
    ],
  });
});
