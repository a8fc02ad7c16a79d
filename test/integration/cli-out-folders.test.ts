// Output folders as a user meets them: `.`, `..`, the home folder, a folder or file that is not ours are refused and left untouched.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, lstatSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CLI, REPO_ROOT } from '../fixtures/shared-data.js';
import { assertOneLineRefusal } from '../fixtures/cli-refusal.js';

const base = mkdtempSync(join(tmpdir(), 'mm-outdirs-'));
const home = join(base, 'home');
const work = join(home, 'projects', 'work');
mkdirSync(work, { recursive: true });
writeFileSync(join(home, 'diary.txt'), 'private');
writeFileSync(join(work, 'notes.md'), 'my notes');
writeFileSync(join(work, 'launch.yaml'), '{}\n');
mkdirSync(join(work, 'thesis'));
writeFileSync(join(work, 'thesis', 'chapter1.tex'), 'years of work');
writeFileSync(join(work, 'plain-file'), 'a file');

const cli = (...args: string[]) => spawnSync(CLI, args, { cwd: work, encoding: 'utf8', env: { ...process.env, HOME: home } });

/** Every file under `dir` with its size and mtime: what "untouched" means. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else out.push(`${relative(base, p)} ${st.size} ${st.mtimeMs}`);
    }
  };
  walk(dir);
  return out;
}

const assertRefused = (r: ReturnType<typeof cli>, re: RegExp): void => assertOneLineRefusal(r, re);

before(() => {
  const b = spawnSync('make', ['-s', 'build'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
});

test('backtest --out: ., .., the home folder, a foreign folder and a file are refused; nothing is touched', () => {
  const before = snapshot(base);
  for (const [out, re] of [
    ['.', /^error: --out: '\.' is the working folder or one of its parents/],
    ['..', /^error: --out: '\.\.' is the working folder or one of its parents/],
    [home, /is the working folder or one of its parents|is the home folder/],
    ['/', /is the root folder/],
    ['thesis', /^error: --out: 'thesis' is a folder that is not empty and was not written by marketmakerl/],
    ['plain-file', /^error: --out: 'plain-file' is a file, not a folder/],
  ] as const) {
    assertRefused(cli('backtest', '--bars', '500', '--out', out), re);
    assertRefused(cli('backtest', '--bars', '500', '--out', out, '--force'), re);
  }
  assertRefused(cli('train-rl', '--simulate', '--episodes', '4', '--out', '..'), /--out: '\.\.' is the working folder/);
  assertRefused(cli('analyze', '--data', 'none.csv', '--out', 'thesis'), /--out: 'thesis' is a folder that is not empty/);
  assertRefused(cli('fetch', '--exchange', 'binance', '--symbol', 'BTC/USDT', '--output-dir', '.'), /--output-dir: '\.' is the working folder/);
  assertRefused(cli('record', '--exchange', 'binance', '--symbol', 'BTC/USDT', '--out', 'plain-file'), /--out: 'plain-file' is a file, not a folder/);
  assertRefused(cli('convert', 'missing.gz', '--out', '.'), /--out: '\.' is the working folder/);
  assertRefused(cli('convert', 'missing.gz', '--out', 'notes.md'), /--out: 'notes\.md' exists; add --force to replace it/);
  assertRefused(cli('study', '--simulate', '--bars', '500', '--out', 'notes.md'), /--out: 'notes\.md' exists; add --force/);
  assertRefused(cli('realtime', '--replay', 'missing.gz', '--out-dir', '..'), /--out-dir: '\.\.' is the working folder/);
  assertRefused(cli('realtime', '--replay', 'missing.gz', '--out-dir', 'thesis'), /^error: --out-dir: 'thesis' is a folder that is not empty and was not written by marketmakerl/);
  assertRefused(cli('realtime', '--replay', 'missing.gz', '--out-dir', 'plain-file'), /^error: --out-dir: 'plain-file' is a file, not a folder/);
  assertRefused(cli('realtime', '--replay', 'missing.gz', '--out-dir', 'new/realtime'), /cannot read capture file missing\.gz/);
  assert.equal(existsSync(join(work, 'new')), false, 'a folder made for a failed command is removed again');
  assert.deepEqual(snapshot(base), before, 'no file changed anywhere under the home folder');
});

test('paths the file system would refuse after the work are refused before it: one line, exit 2, nothing written', () => {
  symlinkSync(join(work, 'nowhere'), join(work, 'dangling'));
  const before = snapshot(base);
  for (const [out, re] of [
    ['dangling', /^error: --out: 'dangling' is a symlink to nothing/],
    ['plain-file/sub', /^error: --out: '.*plain-file' is a file, not a folder, so 'plain-file\/sub' cannot be written/],
    ['x'.repeat(300), /has a name longer than 255 bytes/],
    ['/proc/mm-out', /is in a system folder/],
  ] as const) {
    assertRefused(cli('backtest', '--bars', '500', '--out', out), re);
    assertRefused(cli('study', '--simulate', '--out', out), re);
  }
  assert.deepEqual(snapshot(base), before);
});

test('mvp-launch, daily-smoke, experiments and weekly-report --out: forbidden places and paths the file system would refuse are refused before any step, one line, exit 2', () => {
  if (!readdirSync(work).includes('dangling')) symlinkSync(join(work, 'nowhere'), join(work, 'dangling'));
  const before = snapshot(base);
  const launch = ['mvp-launch', '--config', 'launch.yaml', '--data', 'notes.md', '--events', 'notes.md'];
  const smoke = ['daily-smoke', '--exchange', 'nope', '--symbol', 'BTC/USDT'];
  const experiments = ['experiments', '--preset', 'walk-forward', '--data', 'notes.md'];
  const weekly = ['weekly-report', '--ledgers', 'thesis', '--runs', 'thesis'];
  for (const [out, re] of [
    ['/proc/mm-out', /^error: --out: '\/proc\/mm-out' is in a system folder/],
    ['dangling', /^error: --out: 'dangling' is a symlink to nothing/],
    ['plain-file/sub', /^error: --out: '.*plain-file' is a file, not a folder, so 'plain-file\/sub' cannot be written/],
    ['x'.repeat(300), /has a name longer than 255 bytes/],
  ] as const) {
    for (const args of [launch, smoke, experiments, weekly]) assertRefused(cli(...args, '--out', out), re);
  }
  for (const args of [experiments, weekly]) {
    assertRefused(cli(...args, '--out', '.'), /^error: --out: '\.' is the working folder or one of its parents/);
    assertRefused(cli(...args, '--out', home), /is the working folder or one of its parents|is the home folder/);
    assertRefused(cli(...args, '--out', 'plain-file'), /^error: --out: 'plain-file' is a file, not a folder/);
  }
  for (const args of [launch, smoke]) assertRefused(cli(...args, '--out', 'thesis'), /^error: --out: 'thesis' exists; a (launch|smoke check) writes into a new folder only/);
  assert.deepEqual(snapshot(base), before, 'nothing written anywhere under the home folder');
});

test('a run folder of ours is replaced only with --force', () => {
  const r1 = cli('backtest', '--bars', '600', '--seed', '1', '--out', 'runs/a');
  assert.equal(r1.status, 0, r1.stderr);
  const first = readFileSync(join(work, 'runs/a/config.json'), 'utf8');
  assertRefused(cli('backtest', '--bars', '600', '--seed', '2', '--out', 'runs/a'), /^error: --out: 'runs\/a' holds an earlier run; add --force to replace it/);
  assert.equal(readFileSync(join(work, 'runs/a/config.json'), 'utf8'), first);
  const r2 = cli('backtest', '--bars', '600', '--seed', '2', '--out', 'runs/a', '--force');
  assert.equal(r2.status, 0, r2.stderr);
  assert.match(readFileSync(join(work, 'runs/a/config.json'), 'utf8'), /"seed": 2/);
  assert.deepEqual(readdirSync(join(work, 'runs')), ['a'], 'no temp folder left beside it');
});

test('backtest --run-id: . and .. (artifacts/runs itself, or artifacts) and ids not starting with a letter or digit are refused', () => {
  const r = cli('backtest', '--bars', '500', '--run-id', 'first');
  assert.equal(r.status, 0, r.stderr);
  const before = snapshot(base);
  for (const id of ['.', '..', '.hidden', '-x', '_x']) {
    for (const force of [[], ['--force']]) {
      assertRefused(cli('backtest', '--bars', '500', '--run-id', id, ...force), new RegExp(`^error: --run-id: expected a letter or digit, then letters, digits, '\\.', '_' or '-', got '${id.replace(/\./g, '\\.')}'$`));
    }
  }
  assert.deepEqual(snapshot(base), before, 'artifacts/runs and the run in it untouched');
  assert.ok(existsSync(join(work, 'artifacts', 'runs', 'first', 'metrics.json')));
});

test('--force never removes a file the user put in a run folder', () => {
  const r1 = cli('backtest', '--bars', '600', '--seed', '1', '--out', 'forced/n');
  assert.equal(r1.status, 0, r1.stderr);
  assert.equal(cli('report', 'forced/n').status, 0);
  writeFileSync(join(work, 'forced/n/NOTES.md'), 'my notes');
  const before = snapshot(join(work, 'forced/n'));
  assertRefused(cli('backtest', '--bars', '600', '--seed', '2', '--out', 'forced/n', '--force'), /^error: --out: 'forced\/n' holds 'NOTES\.md', which marketmakerl did not write/);
  assert.deepEqual(snapshot(join(work, 'forced/n')), before);
  rmSync(join(work, 'forced/n/NOTES.md'));
  const r2 = cli('backtest', '--bars', '600', '--seed', '2', '--out', 'forced/n', '--force');
  assert.equal(r2.status, 0, r2.stderr);
  assert.match(readFileSync(join(work, 'forced/n/config.json'), 'utf8'), /"seed": 2/);
});

test('writing a run folder leaves the user\'s hidden .tmp files beside it alone', () => {
  const dir = join(work, 'with-temps');
  mkdirSync(dir);
  const users = ['.notes.2024.tmp', '.backup.3999999.tmp', '.draft.3999999.1.tmp'];
  for (const n of users) writeFileSync(join(dir, n), 'mine');
  const r = cli('backtest', '--bars', '600', '--seed', '1', '--out', 'with-temps/newrun');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readdirSync(dir).sort(), [...users, 'newrun'].sort());
  for (const n of users) assert.equal(readFileSync(join(dir, n), 'utf8'), 'mine', n);
});

test('convert: a failed conversion leaves neither a file nor the folders it would have created', () => {
  const capture = join(base, 'bad-capture.txt');
  writeFileSync(capture, 'this is not a capture\n');
  const r = cli('convert', capture, '--out', 'new/deeper/events.arrow');
  assert.notEqual(r.status, 0);
  assert.equal(existsSync(join(work, 'new')), false);
});

test('make clean removes what the build and the tests make and the folders of marketmakerl\'s whose marker lists all they hold; nothing of yours, nothing it cannot tell from yours', () => {
  const root = mkdtempSync(join(tmpdir(), 'mm-clean-'));
  const put = (p: string, text = 'x'): void => {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), text);
  };
  const marker = (entries?: string[], kind = 'run'): string => JSON.stringify({ written_by: 'marketmakerl', kind, ...(entries !== undefined ? { entries } : {}) });
  // A run folder as written (its marker lists it), with a report beside it; a campaign folder; an earlier version's run folder.
  put('artifacts/runs/a/.marketmakerl', marker(['config.json', 'metrics.json', 'm1', 'm1/trace.csv']));
  for (const f of ['config.json', 'metrics.json', 'm1/trace.csv', 'report.html']) put(`artifacts/runs/a/${f}`);
  put('artifacts/campaigns/c1/.marketmakerl', marker(['c1_seed7_summary.json', 'campaign.json'], 'campaign'));
  put('artifacts/campaigns/c1/c1_seed7_summary.json');
  put('artifacts/campaigns/c1/campaign.json');
  put('artifacts/runs/old/.marketmakerl', marker());
  put('artifacts/runs/old/metrics.json');
  put('dist/cli/main.js');
  put('test/.cache/capture.arrow');
  const removed = ['dist', 'test/.cache', 'artifacts/runs/a', 'artifacts/runs/old', 'artifacts/runs/evil', 'artifacts/campaigns'];
  const kept = [
    // Yours: beside run folders, in one, in a folder without a marker, in the artifacts folder itself.
    'artifacts/runs/b/metrics.json',
    'artifacts/runs/b/.marketmakerl',
    'artifacts/runs/b/my-analysis.ipynb',
    'artifacts/runs/mine/metrics.json',
    'artifacts/notes.md',
    'artifacts/test/dashboard.png',
    // Results marketmakerl cannot tell from yours by a marker: stamped files of collection folders, loose runtime outputs.
    'artifacts/last_month_analysis/.marketmakerl',
    'artifacts/last_month_analysis/S_report.html',
    'artifacts/study/x.study.json',
    'artifacts/run_20240101T000000Z_exec_metrics.json',
    'artifacts/realtime/ledger.sqlite',
    'artifacts/realtime/ledger.sqlite-wal',
    'artifacts/realtime/HALT',
    'artifacts/realtime/20240101T000000Z_binance_BTC_USDT.jsonl',
    'artifacts/recordings/binance_BTCUSDT_x_000.arrow',
    'data/history/binance/BTC-USDT/5m.csv',
  ];
  for (const p of kept) put(p, p.endsWith('.marketmakerl') ? (p.includes('runs/b') ? marker(['metrics.json']) : marker(undefined, 'analysis')) : 'x');
  // A run folder's marker naming paths outside it removes nothing there.
  put('outside/keep.txt');
  put('artifacts/runs/evil/.marketmakerl', marker(['../../outside/keep.txt', 'metrics.json']));
  put('artifacts/runs/evil/metrics.json');
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'clean.mjs'), root], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  for (const p of kept) assert.ok(existsSync(join(root, p)), `${p} kept`);
  for (const p of removed) assert.equal(existsSync(join(root, p)), false, `${p} removed`);
  assert.ok(existsSync(join(root, 'outside/keep.txt')));
  assert.match(r.stdout, /^make clean: removed dist\/, test\/\.cache\/, 4 folder\(s\) of marketmakerl's under artifacts\/\n/);
  assert.match(r.stdout, /make clean: kept artifacts\/runs\/b \(it holds 'my-analysis\.ipynb', which marketmakerl did not write\)/);
  assert.match(readFileSync(join(REPO_ROOT, 'Makefile'), 'utf8'), /^clean:\n(?:#.*\n)?\t@node scripts\/clean\.mjs$/m);
});
