// An output that is one of the command's inputs (also through a symlink), or lies in an input run folder, is refused even with --force; the input is left as it is.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CAPTURE_DIR, CLI, KLINES_5M, REPO_ROOT } from '../fixtures/shared-data.js';
import { assertOneLineRefusal } from '../fixtures/cli-refusal.js';

const base = mkdtempSync(join(tmpdir(), 'mm-out-inputs-'));
const cli = (...args: string[]) => spawnSync(CLI, args, { cwd: base, encoding: 'utf8', env: { ...process.env, HOME: base } });
const klines = join(base, 'klines.csv');
const A = join(base, 'run-a');
const B = join(base, 'run-b');

/** Every file under the test folder with its content hash: what "untouched" means. */
function snapshot(): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(`${relative(base, p)} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
    }
  };
  walk(base);
  return out;
}

function assertRefused(args: string[], re: RegExp): void {
  const before = snapshot();
  const r = cli(...args);
  assertOneLineRefusal(r, re, `${args.join(' ')}: `);
  assert.deepEqual(snapshot(), before, `${args.join(' ')}: nothing is written, nothing replaced`);
}

before(() => {
  const b = spawnSync('make', ['-s', 'build'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  writeFileSync(klines, readFileSync(KLINES_5M, 'utf8').split('\n').slice(0, 400).join('\n') + '\n');
  for (const [dir, model] of [[A, 'as'], [B, 'glft']] as const) {
    const r = cli('backtest', '--data', klines, '--model', model, '--out', dir);
    assert.equal(r.status, 0, r.stderr);
  }
  copyFileSync(join(CAPTURE_DIR, 'btcusdt_20240808.gz'), join(base, 'in.gz'));
  symlinkSync(join(base, 'in.gz'), join(base, 'alias.gz'));
  symlinkSync(B, join(base, 'b-link'));
});

test('convert: the capture it reads is not its --out, even with --force or through a symlink', () => {
  assertRefused(['convert', 'in.gz', '--out', 'in.gz', '--force'], /^error: --out: 'in\.gz' is the input file 'in\.gz' of this command; choose another name$/);
  assertRefused(['convert', 'in.gz', '--out', 'alias.gz', '--force'], /^error: --out: 'alias\.gz' is the input file 'in\.gz'/);
});

test('compare: nothing is written into either run folder, also through a symlink', () => {
  assertRefused(['compare', A, B, '--out', join(B, 'metrics.json'), '--force'], /^error: --out: '.*run-b\/metrics\.json' is inside the input run folder '.*run-b' of this command/);
  assertRefused(['compare', A, B, '--out', join('b-link', 'comparison.json')], /^error: --out: 'b-link\/comparison\.json' is inside the input run folder/);
  assertRefused(['compare', A, B, '--html', join(A, 'trace.csv'), '--force'], /^error: --html: .* is inside the input run folder '.*run-a'/);
  const r = cli('compare', A, B, '--out', 'comparison.json');
  assert.equal(r.status, 0, r.stderr);
});

test('report: --out among the run folder\'s files is refused; its own report.html is written', () => {
  assertRefused(['report', A, '--out', join(A, 'metrics.json'), '--force'], /^error: --out: .* is inside the input run folder '.*run-a'/);
  const r = cli('report', A, '--out', join(A, 'report.html'));
  assert.equal(r.status, 0, r.stderr);
});

test('study and evaluate-rl: the file they read is not their --out', () => {
  assertRefused(['study', '--data', 'klines.csv', '--out', 'klines.csv', '--force'], /^error: --out: 'klines\.csv' is the input file 'klines\.csv' of this command/);
  writeFileSync(join(base, 'policy.json'), '{}\n');
  assertRefused(['evaluate-rl', '--policy', 'policy.json', '--simulate', '--out', 'policy.json', '--force'], /^error: --out: 'policy\.json' is the input file 'policy\.json' of this command/);
});

test('backtest: an --out run folder that holds its kline file is not replaced, even with --force', () => {
  copyFileSync(klines, join(A, 'bars.csv'));
  assertRefused(['backtest', '--data', join(A, 'bars.csv'), '--out', A, '--force'], /^error: --out: '.*run-a' holds the input '.*run-a\/bars\.csv' of this command; choose a folder that holds none of its inputs$/);
});
