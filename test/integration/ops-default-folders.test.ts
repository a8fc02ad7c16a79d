// The default output folders of experiments, mvp-launch, weekly-report, daily-smoke, parity and train-rl (`<kind>_<UTC stamp>`) are
// created anew by each run: with the name a run would take already made by another (still empty, as a run that has just started
// leaves it), the run goes whole under <stamp>_2 and the other folder is left as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { runOps } from '../fixtures/ops.js';
import { KLINES_5M } from '../fixtures/shared-data.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { stampsFromNow } from '../fixtures/stamps.js';

/** A working folder where `<folder>/<prefix><stamp>` exists, empty, for every stamp a command started now could take. */
function taken(folder: string, prefix: string, stamps: readonly string[] = stampsFromNow()): { cwd: string; theirs: string[] } {
  const cwd = mkdtempSync(join(tmpdir(), 'mm-default-out-'));
  const theirs = stamps.map((s) => join(cwd, folder, `${prefix}${s}`));
  for (const p of theirs) mkdirSync(p, { recursive: true });
  return { cwd, theirs };
}

/** `path` is `<one of theirs>_2` (or lies in it), and every one of theirs is still empty. */
function secondOf(path: string, theirs: readonly string[], folder: string, prefix: string): void {
  const rel = path.slice(path.indexOf(folder));
  assert.match(rel, new RegExp(`^${folder}/${prefix}\\d{8}T\\d{6}Z_2(/|$)`), path);
  for (const p of theirs) assert.deepEqual(readdirSync(p), [], `${p} left as it was`);
}

test('weekly-report: a report of the same time as another goes under weekly_<stamp>_2', () => {
  const { cwd, theirs } = taken('artifacts/weekly', 'weekly_', ['20240809T000000Z']);
  mkdirSync(join(cwd, 'none'));
  const r = runOps(['weekly-report', '--ledgers', 'none', '--runs', 'none', '--now', '2024-08-09T00:00:00Z'], { cwd });
  assert.equal(r.status, 1, r.stderr); // nothing to report in an empty folder: exit 1, the report written all the same
  secondOf(r.json.json, theirs, 'artifacts/weekly', 'weekly_');
  assert.ok(existsSync(join(cwd, r.json.html)));
});

test('train-rl: the second training of a second goes under train_<stamp>_2', () => {
  const { cwd, theirs } = taken('artifacts/rl', 'train_');
  writeFileSync(join(cwd, 'train.json'), JSON.stringify({ episode_bars: 300, warmup_bars: 50, cem: { population: 4, windows: 1 }, data: { simulate: { bars: 6000 } } }));
  const r = runOps(['train-rl', '--simulate', '--config', 'train.json', '--episodes', '8', '--seed', '1', '--quiet'], { cwd });
  assert.equal(r.status, 0, r.stderr);
  secondOf(r.json.out, theirs, 'artifacts/rl', 'train_');
  assert.ok(existsSync(join(cwd, r.json.out, 'policy.json')));
});

test('parity: the second comparison of a second goes under parity_<stamp>_2', () => {
  const { cwd, theirs } = taken('artifacts/parity', 'parity_');
  writeFileSync(join(cwd, 'cfg.yaml'), 'quoting: { gamma: 0.0001, horizon_seconds: 60, order_qty: 0.001, max_inventory_qty: 0.01 }\n');
  const s = runOps(['realtime', '--config', 'cfg.yaml', '--replay', ensureSharedCaptureArrow(), '--clock', 'event', '--duration', '30s', '--out-dir', 'session', '--ledger', 'session/ledger.sqlite', '--record', 'session/rec.arrow', '--quiet'], { cwd });
  assert.equal(s.status, 0, s.stderr);
  const r = runOps(['parity', '--ledger', 'session/ledger.sqlite', '--json'], { cwd });
  assert.equal(r.status, 0, r.stderr);
  secondOf(r.json.out, theirs, 'artifacts/parity', 'parity_');
  assert.ok(existsSync(join(cwd, r.json.out, 'parity.json')));
});

test('experiments: the second experiment of a second goes under <preset>_<stamp>_2', () => {
  const { cwd, theirs } = taken('artifacts/experiments', 'walk-forward_');
  writeFileSync(join(cwd, 'bars.csv'), 'not a kline file\n');
  const r = runOps(['experiments', '--preset', 'walk-forward', '--data', 'bars.csv'], { cwd });
  assert.equal(r.status, 1, r.stderr); // every variant refuses the file: not robust, exit 1, experiments.json written
  secondOf(r.json.out, theirs, 'artifacts/experiments', 'walk-forward_');
  assert.equal(basename(r.json.out), 'experiments.json');
  assert.ok(existsSync(join(cwd, r.json.out)));
});

test('daily-smoke: the second check of a second goes under smoke_<stamp>_2 (removed again when nothing was written in it)', () => {
  const smoke = taken('artifacts/smoke', 'smoke_');
  const r = runOps(['daily-smoke', '--exchange', 'nope', '--symbol', 'BTC/USDT'], { cwd: smoke.cwd });
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.json.steps[0].step, 'fetch');
  secondOf(r.json.out, smoke.theirs, 'artifacts/smoke', 'smoke_');
  assert.equal(existsSync(r.json.out), false, 'nothing written: the folder it made is gone');
});

test('mvp-launch: the second launch of a second goes under mvp_<stamp>_2 (removed again when nothing was written in it)', () => {
  const launch = taken('artifacts/launch', 'mvp_');
  for (const f of ['k.csv', 'e.gz']) writeFileSync(join(launch.cwd, f), '');
  // A config every step reads and the campaign refuses (its first step that writes): nothing is written.
  writeFileSync(join(launch.cwd, 'c.yaml'), 'quoting:\n  gamma: -1\n');
  const l = runOps(['mvp-launch', '--config', 'c.yaml', '--data', 'k.csv', '--events', 'e.gz'], { cwd: launch.cwd });
  assert.equal(l.status, 1, l.stderr);
  secondOf(l.json.out, launch.theirs, 'artifacts/launch', 'mvp_');
  assert.equal(l.json.steps.at(-1).step, 'campaign');
  assert.equal(existsSync(l.json.out), false, 'nothing written: the folder it made is gone');
});

test('realtime: the default folder is ours however it is named, even unmarked; another unmarked folder with files is refused', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'mm-realtime-dir-'));
  // An earlier version wrote runs into artifacts/realtime without a marker; the service's start script names it.
  mkdirSync(join(cwd, 'artifacts', 'realtime', 'paper_20240808T000000Z_1'), { recursive: true });
  writeFileSync(join(cwd, 'artifacts', 'realtime', 'paper_20240808T000000Z_1_ledger.sqlite'), '');
  writeFileSync(join(cwd, 'cfg.yaml'), 'quoting: { gamma: 0.0001, horizon_seconds: 60, order_qty: 0.001, max_inventory_qty: 0.01 }\n');
  const args = ['realtime', '--config', 'cfg.yaml', '--replay', ensureSharedCaptureArrow(), '--clock', 'event', '--duration', '10s', '--quiet'];
  for (const named of [[], ['--out-dir', 'artifacts/realtime'], ['--out-dir', './artifacts/realtime/']]) {
    const r = runOps([...args, ...named], { cwd });
    assert.equal(r.status, 0, `${named.join(' ')}: ${r.stderr}`);
  }
  mkdirSync(join(cwd, 'theirs'));
  writeFileSync(join(cwd, 'theirs', 'notes.txt'), 'mine\n');
  const r = runOps([...args, '--out-dir', 'theirs'], { cwd });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--out-dir: 'theirs' is a folder that is not empty and was not written by marketmakerl/);
  assert.deepEqual(readdirSync(join(cwd, 'theirs')), ['notes.txt'], 'their folder left as it was');
});
