// Screenshots of the run report, the analysis report and the study page in Chromium, from the shared data; `make test-integration` refreshes docs/screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadKlines, readEvents } from '../../src/data/index.js';
import { runTickJob, writeTickRunFolder } from '../../src/engine/index.js';
import { runAnalysis } from '../../src/research/analysis.js';
import { serialEvaluator } from '../../src/research/evaluator.js';
import { silentProgress } from '../../src/research/progress.js';
import { studyEvents } from '../../src/research/study.js';
import { renderAnalysisReport } from '../../src/report/analysis-report.js';
import { renderRunReport } from '../../src/report/run-report.js';
import { renderStudyReport } from '../../src/report/study-report.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { flatAnalysisConfig, flatConfig } from '../fixtures/trading-config.js';
import { KLINES_5M, REPO_ROOT } from '../fixtures/shared-data.js';

const CHROMIUM = '/usr/bin/chromium';
const refresh = process.env['REFRESH_VISUALIZATIONS'] === '1';
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];

test('run report, analysis report and study page: screenshots in Chromium, no page error', { skip: existsSync(CHROMIUM) ? false : 'chromium is not installed' }, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'mm-shots-'));
  const outDir = refresh ? join(REPO_ROOT, 'docs', 'screenshots') : tmp;
  mkdirSync(outDir, { recursive: true });
  const events = ensureSharedCaptureArrow();

  // The tour's tick run: GLFT on the L2 capture with a maker rebate and partial fills.
  const cfg = flatConfig({ events, model: 'glft', gamma: 0.0001, horizon_seconds: 60, queue: 'power:2', order_latency_ms: 5, maker_fee_bps: -0.5, partial_fills: true });
  const job = runTickJob(cfg);
  const run = join(tmp, 'tick-run');
  writeTickRunFolder(run, { config: { run_id: 'glft-l2-20240808', ...job.resolved }, metrics: job.metrics, trace: job.trace, fills: job.core.fills, stats: job.stats, audit: job.exchange.audit, tickSize: cfg.market.tick_size });
  const pages: Array<[string, string]> = [['run-report.png', join(run, 'report.html')]];
  writeFileSync(pages[0]![1], await renderRunReport(run));

  const analysis = await runAnalysis({ bars: loadKlines(KLINES_5M).bars, source: {}, cfg: flatAnalysisConfig({ days: 10, max_combinations: 8, walk_forward: { train_days: 3, test_days: 1 } }), evaluator: serialEvaluator(), progress: silentProgress });
  pages.push(['analysis-report.png', join(tmp, 'analysis.html')]);
  writeFileSync(pages[1]![1], await renderAnalysisReport(analysis));

  pages.push(['study.png', join(tmp, 'study.html')]);
  writeFileSync(pages[2]![1], await renderStudyReport(studyEvents(readEvents(events), 0.01), 'Source: Binance BTCUSDT spot L2 and trades, 2024-08-08 capture (tick size 0.01)'));

  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--no-first-run'],
  });
  try {
    for (const [name, file] of pages) {
      const page = await browser.newPage({ viewport: { width: 1000, height: 1300 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pathToFileURL(file).href);
      // The top of the page: the headline figures and the first charts, as a reader first sees them.
      await page.screenshot({ path: join(outDir, name) });
      assert.deepEqual(errors, [], name);
      assert.deepEqual([...readFileSync(join(outDir, name)).subarray(0, 4)], PNG_MAGIC, name);
      await page.close();
    }
  } finally {
    await browser.close();
  }
});
