// `study` as a user runs it: klines, the shared capture and simulated bars; one JSON line; bad input refused.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCaptureSync, readEvents } from '../../src/data/index.js';
import { EventType } from '../../src/market/index.js';
import { CAPTURE_DIR, CLI, KLINES_5M, REPO_ROOT } from '../fixtures/shared-data.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';

const tmp = mkdtempSync(join(tmpdir(), 'mm-study-'));
const cli = (...args: string[]) => spawnSync(CLI, args, { cwd: REPO_ROOT, encoding: 'utf8' });

before(() => {
  const b = spawnSync('make', ['-s', 'build'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
});

test('klines: the study file and the headline line agree', () => {
  const out = join(tmp, 'k.json');
  const r = cli('study', '--data', KLINES_5M, '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const line = JSON.parse(r.stdout);
  const s = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(line.out, out);
  assert.equal(s.kind, 'bars');
  assert.equal(s.source.path, KLINES_5M);
  assert.equal(line.bars, s.bars);
  assert.equal(s.bar_seconds, 300);
  assert.ok(Math.abs(line.annualised_vol_pct - s.returns.annualised_vol_pct) < 0.01);
  // The page beside it: self-contained, with its charts.
  assert.equal(line.report, join(tmp, 'k.html'));
  const html = readFileSync(line.report, 'utf8');
  assert.ok((html.match(/<svg/g) ?? []).length >= 3);
  assert.doesNotMatch(html, /<script|src="http/);
});

test('the shared capture: every trade counted, a book each second, a one-tick market', () => {
  const path = ensureSharedCaptureArrow();
  const out = join(tmp, 'e.json');
  const r = cli('study', '--events', path, '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(readFileSync(out, 'utf8'));
  const ev = readEvents(path);
  let trades = 0;
  for (let i = 0; i < ev.length; i++) if (ev.type[i] === EventType.Trade) trades++;
  assert.equal(s.trades.count, trades);
  assert.ok(s.book_samples >= 0.95 * s.span_seconds && s.book_samples <= s.span_seconds + 1, `${s.book_samples} samples over ${s.span_seconds} s`);
  assert.equal(s.spread_ticks.quantiles.p50, 1);
  assert.ok(s.trades.buy_share > 0 && s.trades.buy_share < 1);
  assert.ok(s.intensity.k_per_price_unit > 0 && s.intensity.A_per_second > 0);
});

test('a raw capture file: studied as its conversion would be (one line, not an Arrow parse error)', () => {
  const raw = join(CAPTURE_DIR, 'btcusdt_20240808.gz');
  const r = cli('study', '--events', raw, '--out', join(tmp, 'raw.json'));
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(readFileSync(join(tmp, 'raw.json'), 'utf8'));
  const { events } = loadCaptureSync([raw]);
  let trades = 0;
  for (let i = 0; i < events.length; i++) if (events.type[i] === EventType.Trade) trades++;
  assert.equal(s.trades.count, trades);
});

test('simulated bars with mean reversion: the memory shows in the headline', () => {
  const r = cli('study', '--simulate', '--mean-reversion', '0.05', '--bars', '5000', '--out', join(tmp, 's.json'));
  assert.equal(r.status, 0, r.stderr);
  const line = JSON.parse(r.stdout);
  assert.ok(line.variance_ratio_15 < 0.85 && line.variance_ratio_15_z_robust < -3, r.stdout);
});

test('bad input: one line, exit code 2, nothing written', () => {
  for (const [args, message] of [
    [[], /exactly one of --data FILE, --exchange ID, --events FILE or --simulate/],
    [['--data', KLINES_5M, '--simulate'], /exactly one of/],
    [['--simulate', '--mean-reversion', '2'], /--mean-reversion: expected a number in \[0, 1\)/],
    [['--data', join(tmp, 'missing.csv')], /--data: cannot read file/],
    // A flag of another source is refused, not ignored.
    [['--data', KLINES_5M, '--tick-size', '0.1'], /^error: --tick-size: only with --events \(the price step of the order book it reads\)\n$/],
    [['--data', KLINES_5M, '--bars', '5000'], /^error: --bars: only with --simulate \(the simulated bars\)\n$/],
    [['--events', ensureSharedCaptureArrow(), '--seed', '3'], /^error: --seed: only with --simulate/],
    [['--data', KLINES_5M, '--mean-reversion', '0.05'], /^error: --mean-reversion: only with --simulate/],
    [['--events', ensureSharedCaptureArrow(), '--days', '3'], /^error: --days: only with --exchange \(klines from the history cache\)\n$/],
    [['--simulate', '--symbol', 'BTC/USDT'], /^error: --symbol: only with --exchange/],
    [['--simulate', '--exchange-url', 'http://127.0.0.1:9'], /^error: --exchange-url: only with --exchange/],
  ] as const) {
    const out = join(tmp, 'bad.json');
    const r = cli('study', ...args, '--out', out);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.equal(existsSync(out), false);
    assert.equal(existsSync(join(tmp, 'bad.html')), false);
  }
});

test('the default output: a study of another file with the same name does not replace the first; the same file again does', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'mm-study-cwd-'));
  const csv = readFileSync(KLINES_5M, 'utf8').split('\n');
  for (const d of ['a', 'b']) {
    mkdirSync(join(cwd, d));
    // Two different files, both named k.csv (the second a shorter span).
    writeFileSync(join(cwd, d, 'k.csv'), (d === 'a' ? csv : csv.slice(0, 3000)).join('\n'));
  }
  const run = (file: string) => {
    const r = spawnSync(CLI, ['study', '--data', file], { cwd, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { out: string; bars: number };
  };
  const a = run('a/k.csv');
  const b = run('b/k.csv');
  assert.equal(a.out, join('artifacts', 'study', 'k.study.json'));
  assert.equal(b.out, join('artifacts', 'study', 'k-2.study.json'));
  assert.notEqual(a.bars, b.bars);
  assert.equal(JSON.parse(readFileSync(join(cwd, a.out), 'utf8')).bars, a.bars, 'the first study is still there');
  assert.equal(run('a/k.csv').out, a.out, 'the same source: its study is refreshed in place');
});
