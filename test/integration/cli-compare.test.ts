// `compare`: two run folders over the same bars, the paired difference, and refusals of runs that do not line up.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAPTURE_DIR, CLI, KLINES_1M, REPO_ROOT } from '../fixtures/shared-data.js';

const tmp = mkdtempSync(join(tmpdir(), 'mm-compare-'));
const cli = (...args: string[]) => spawnSync(CLI, args, { cwd: REPO_ROOT, encoding: 'utf8' });
const A = join(tmp, 'as');
const B = join(tmp, 'glft');

before(() => {
  const b = spawnSync('make', ['-s', 'build'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  for (const [dir, model] of [[A, 'as'], [B, 'glft']] as const) {
    const r = cli('backtest', '--data', KLINES_1M, '--model', model, '--gamma', '0.0005', '--A', '0.0166667', '--out', dir);
    assert.equal(r.status, 0, r.stderr);
  }
});

interface Comparison {
  a: { total_pnl: number; model: string; final_state: string | null; halted_seconds: number | null };
  b: { total_pnl: number; model: string; final_state: string | null; halted_seconds: number | null };
  samples: number;
  paired: { return_diff_pct: number; mean_return_diff_bps_per_sample: number; b_better_confidence: number | null };
  config_differences: Record<string, [unknown, unknown]>;
  prices: { samples_differing: number; max_diff_bps: number } | null;
}

test('AS against GLFT on the 1m file: the paired difference adds up to the difference of their PnL', () => {
  const out = join(tmp, 'cmp.json');
  const html = join(tmp, 'cmp.html');
  const r = cli('compare', A, B, '--out', out, '--html', html);
  assert.equal(r.status, 0, r.stderr);
  const c = JSON.parse(readFileSync(out, 'utf8')) as Comparison;
  assert.equal(JSON.parse(r.stdout).out, out);
  const page = readFileSync(html, 'utf8');
  assert.equal((page.match(/<svg/g) ?? []).length, 2);
  assert.doesNotMatch(page, /<script|src="http/);
  assert.equal(c.samples, 41_761);
  assert.deepEqual(Object.keys(c.config_differences), ['quoting.model']);
  assert.deepEqual(c.config_differences['quoting.model'], ['as', 'glft']);
  // What the risk engine did in each run, as its metrics.json records it.
  for (const [side, dir] of [[c.a, A], [c.b, B]] as const) {
    const risk = (JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')) as { risk: { final_state: string; seconds_in_state: { halted: number } } }).risk;
    assert.equal(side.final_state, risk.final_state);
    assert.equal(side.halted_seconds, risk.seconds_in_state.halted);
  }
  assert.match(page, /<td>final trading state<\/td><td>(active|reducing|halted)<\/td><td>(active|reducing|halted)<\/td>/);
  const capital = 100_000;
  assert.ok(Math.abs(c.paired.return_diff_pct - ((c.b.total_pnl - c.a.total_pnl) / capital) * 100) < 1e-6);
  assert.ok(Math.abs(c.paired.mean_return_diff_bps_per_sample - (c.paired.return_diff_pct / 100 / c.samples) * 1e4) < 1e-12);
  const p = c.paired.b_better_confidence!;
  assert.ok(p >= 0 && p <= 1);
  // Swapping the runs flips the question: the probabilities add up to one.
  const swapped = JSON.parse(cli('compare', B, A).stdout) as Comparison;
  assert.ok(Math.abs(swapped.paired.b_better_confidence! + p - 1) < 1e-9);
});

test('a run against itself: no difference, no verdict', () => {
  const c = JSON.parse(cli('compare', A, A).stdout) as Comparison;
  assert.equal(c.paired.return_diff_pct, 0);
  assert.equal(c.paired.b_better_confidence, null);
  assert.deepEqual(c.config_differences, {});
});

test('runs over other samples, or a folder that is not a run: one line, exit code 2', () => {
  const sim = join(tmp, 'sim');
  assert.equal(cli('backtest', '--bars', '3000', '--seed', '2', '--out', sim).status, 0);
  for (const [args, message] of [
    [[A, sim], /compare needs two runs over the same samples/],
    [[A, join(tmp, 'nope')], /not a run folder \(missing config\.json\)/],
  ] as const) {
    const r = cli('compare', ...args);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test('bar runs over the same bar times but other prices: refused, one line, exit code 2', () => {
  // The 1m file with every close from bar 5,000 on moved by 1 % (highs and lows with it): the same samples, another market.
  const lines = readFileSync(KLINES_1M, 'utf8').split('\n');
  const header = lines[0]!.split(',');
  const cols = ['open', 'high', 'low', 'close'].map((c) => header.indexOf(c));
  assert.ok(cols.every((c) => c >= 0), header.join(','));
  const moved = lines.map((l, i) => (i <= 5000 || l === '' ? l : l.split(',').map((v, j) => (cols.includes(j) ? String(Number(v) * 1.01) : v)).join(',')));
  const file = join(tmp, 'moved.csv');
  writeFileSync(file, moved.join('\n'));
  const other = join(tmp, 'as-moved');
  const bt = cli('backtest', '--data', file, '--model', 'as', '--gamma', '0.0005', '--A', '0.0166667', '--out', other);
  assert.equal(bt.status, 0, bt.stderr);
  const r = cli('compare', A, other);
  assert.equal(r.status, 2, r.stdout);
  assert.match(r.stderr, /sample 5001's mid is .*the runs saw different prices/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.equal((JSON.parse(cli('compare', A, B).stdout) as Comparison).prices!.samples_differing, 0);
});

test('tick runs whose feed latencies differ: compared, with the samples where the mids differ stated', () => {
  const capture = join(CAPTURE_DIR, readdirSync(CAPTURE_DIR).find((f) => f.endsWith('.gz'))!);
  const runs = [0, 200].map((ms) => {
    const dir = join(tmp, `tick-${ms}`);
    const r = cli('backtest', '--events', capture, '--model', 'glft', '--gamma', '0.0001', '--feed-latency-ms', String(ms), '--out', dir);
    assert.equal(r.status, 0, r.stderr);
    return dir;
  });
  const html = join(tmp, 'tick.html');
  const r = cli('compare', runs[0]!, runs[1]!, '--html', html);
  assert.equal(r.status, 0, r.stderr);
  const c = JSON.parse(r.stdout) as Comparison;
  assert.ok(c.prices!.samples_differing > 0 && c.prices!.max_diff_bps > 0 && c.prices!.max_diff_bps < 50, JSON.stringify(c.prices));
  assert.match(readFileSync(html, 'utf8'), /mids differ at \d+ of \d+ samples/);
  assert.equal((JSON.parse(cli('compare', runs[0]!, runs[0]!).stdout) as Comparison).prices!.samples_differing, 0);
});
