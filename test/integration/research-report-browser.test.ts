// report.html opens offline in a real browser (Debian's Chromium): every chart draws, nothing is fetched, no errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadKlines } from '../../src/data/index.js';
import { runBarJob, writeRunFolder } from '../../src/engine/index.js';
import { flatConfig } from '../fixtures/trading-config.js';
import { runAnalysis } from '../../src/research/analysis.js';
import { flatAnalysisConfig } from '../fixtures/trading-config.js';
import { serialEvaluator } from '../../src/research/evaluator.js';
import { silentProgress } from '../../src/research/progress.js';
import { renderAnalysisReport } from '../../src/report/analysis-report.js';
import { renderRunReport } from '../../src/report/run-report.js';
import { parseFigure } from '../../src/report/format.js';
import { KLINES_5M } from '../fixtures/shared-data.js';

const CHROMIUM = '/usr/bin/chromium';

test('analysis and run reports render offline in Chromium', { skip: existsSync(CHROMIUM) ? false : 'chromium is not installed' }, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'mm-report-'));
  const bars = loadKlines(KLINES_5M).bars;
  const cfg = flatAnalysisConfig({ days: 5, max_combinations: 4, walk_forward: { train_days: 2, test_days: 1 } });
  const result = await runAnalysis({ bars, source: {}, cfg, evaluator: serialEvaluator(), progress: silentProgress });
  const analysisHtml = join(tmp, 'analysis.html');
  writeFileSync(analysisHtml, await renderAnalysisReport(result));
  const run = join(tmp, 'run');
  const bc = flatConfig({ gamma: 0.0005, capital: 10_000 });
  const job = runBarJob(bc, { bars, source: {} });
  writeRunFolder(run, { config: { run_id: 'browser' }, metrics: job.metrics, trace: job.trace, fills: job.core.fills, tickSize: 0.01 });
  const runHtml = join(run, 'report.html');
  writeFileSync(runHtml, await renderRunReport(run));

  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--no-first-run'],
  });
  try {
    for (const [file, charts] of [
      [analysisHtml, 7],
      [runHtml, 6],
    ] as const) {
      const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
      const fetched: string[] = [];
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        fetched.push(url);
        return route.abort();
      });
      await page.goto(pathToFileURL(file).href);
      const sizes = await page.$$eval('body > svg', (els) => els.map((e) => e.getBoundingClientRect()).map((r) => r.width * r.height));
      assert.equal(sizes.length, charts, file);
      assert.ok(sizes.every((a) => a > 10_000), 'every chart has a visible size');
      assert.ok((await page.locator('svg path').count()) > charts, 'charts hold drawn marks');
      assert.deepEqual(fetched, [], 'nothing fetched from the network');
      if (file === analysisHtml) {
        // The out-of-sample headline: its PnL parts are analysis.json's aggregate and add up to the total.
        const parts = new Map(await page.$$eval('table.headline td[data-part]', (tds) => tds.map((td) => [td.getAttribute('data-part') ?? '', td.textContent ?? ''] as [string, string])));
        assert.deepEqual([...parts.keys()], ['total PnL', 'realized', 'inventory', 'fees paid']);
        const fig = (p: string): number => parseFigure(parts.get(p)!);
        const o = result.budgets[0]!.oos;
        const d = Math.max(Math.abs(o.pnl), Math.abs(o.fees)) < 1 ? 0.00006 : 0.006;
        assert.ok(Math.abs(fig('total PnL') - o.pnl) < d, `total ${parts.get('total PnL')} against ${o.pnl}`);
        assert.ok(Math.abs(fig('fees paid') + o.fees) < d, `fees ${parts.get('fees paid')} against ${o.fees}`);
        assert.ok(Math.abs(fig('realized') + fig('inventory') + fig('fees paid') - fig('total PnL')) < 3 * d, 'the parts add up to the total');
        assert.ok(o.fills > 0, 'the fixture trades out of sample');
      }
      assert.deepEqual(errors, []);
      await page.close();
    }
  } finally {
    await browser.close();
  }
});
