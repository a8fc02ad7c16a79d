// Output rules: forbidden places, folders that are not ours, atomic folder and file writes, temp leftovers of dead processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { UserError } from './errors.js';
import { RUN_MARKER, assertSafeOutput, checkOutputFile, ensureCollectionFolder } from './out-paths.js';
import { sweepOrphanTemps, writeDirAtomic, writeFileAtomic } from './fs.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'mm-out-'));
const refused = (fn: () => void, re: RegExp): void => assert.throws(fn, (e: unknown) => e instanceof UserError && e.exitCode === 2 && re.test(e.message));

test('the root, the home folder, the working folder and its parents are never an output', () => {
  for (const p of ['/', homedir(), '.', '..', process.cwd(), dirname(process.cwd()), `${process.cwd()}/../${process.cwd().split('/').pop()}`]) {
    refused(() => assertSafeOutput(p, '--out'), /^--out: '.*' is the (root|home|working) folder/);
  }
  refused(() => assertSafeOutput('', '--out'), /expected a path/);
  assertSafeOutput(join(process.cwd(), 'artifacts', 'x'), '--out');
  assertSafeOutput(join(tmp(), 'new'), '--out');
});

test('writeDirAtomic: a new folder gets the marker; a foreign or non-empty folder, a file, or ours without --force is refused untouched', () => {
  const base = tmp();
  const run = join(base, 'run');
  writeDirAtomic(run, (d) => writeFileSync(join(d, 'a.txt'), 'one'));
  assert.deepEqual(readdirSync(run).sort(), [RUN_MARKER, 'a.txt']);
  assert.match(readFileSync(join(run, RUN_MARKER), 'utf8'), /"written_by":"marketmakerl"/);

  refused(() => writeDirAtomic(run, (d) => writeFileSync(join(d, 'a.txt'), 'two')), /holds an earlier run; add --force/);
  assert.equal(readFileSync(join(run, 'a.txt'), 'utf8'), 'one');
  writeDirAtomic(run, (d) => writeFileSync(join(d, 'b.txt'), 'two'), { force: true });
  assert.deepEqual(readdirSync(run).sort(), [RUN_MARKER, 'b.txt'], 'replaced whole');

  const foreign = join(base, 'mine');
  mkdirSync(foreign);
  writeFileSync(join(foreign, 'thesis.tex'), 'years of work');
  refused(() => writeDirAtomic(foreign, () => {}, { force: true }), /not empty and was not written by marketmakerl/);
  assert.equal(readFileSync(join(foreign, 'thesis.tex'), 'utf8'), 'years of work');

  const file = join(base, 'notes.txt');
  writeFileSync(file, 'keep');
  refused(() => writeDirAtomic(file, () => {}, { force: true }), /is a file, not a folder/);
  assert.equal(readFileSync(file, 'utf8'), 'keep');

  // A failed fill leaves neither the folder nor the folders created for it, and the old run stays.
  assert.throws(() => writeDirAtomic(join(base, 'p', 'q', 'run'), () => {
    throw new Error('boom');
  }), /boom/);
  assert.equal(existsSync(join(base, 'p')), false);
  assert.throws(() => writeDirAtomic(run, () => {
    throw new Error('boom');
  }, { force: true }), /boom/);
  assert.deepEqual(readdirSync(run).sort(), [RUN_MARKER, 'b.txt']);
  assert.deepEqual(readdirSync(base).filter((n) => n.endsWith('.tmp')), []);
});

test('writeDirAtomic --force: replaces only a folder holding nothing but what marketmakerl wrote there', () => {
  const base = tmp();
  const run = join(base, 'run');
  writeDirAtomic(run, (d) => {
    writeFileSync(join(d, 'a.txt'), 'one');
    mkdirSync(join(d, 'BTC'));
    writeFileSync(join(d, 'BTC', 'trace.csv'), 'x');
  });
  writeFileSync(join(run, 'report.html'), 'a report of the run');
  writeFileSync(join(run, 'BTC', 'report.html'), 'a report of the market');
  writeDirAtomic(run, (d) => writeFileSync(join(d, 'b.txt'), 'two'), { force: true });
  assert.deepEqual(readdirSync(run).sort(), [RUN_MARKER, 'b.txt'], 'its files and the reports beside them replaced');

  for (const user of ['NOTES.md', 'BTC/NOTES.md', 'b.txt/inside', 'mine/report.html']) {
    writeDirAtomic(run, (d) => {
      writeFileSync(join(d, 'b.txt'), 'two');
      mkdirSync(join(d, 'BTC'));
    }, { force: true });
    if (user === 'b.txt/inside') {
      rmSync(join(run, 'b.txt'));
      mkdirSync(join(run, 'b.txt'));
    }
    mkdirSync(dirname(join(run, user)), { recursive: true });
    writeFileSync(join(run, user), 'mine');
    const first = user.split('/')[0]!;
    refused(() => writeDirAtomic(run, () => {}, { force: true }), new RegExp(`^--out: '.*run' holds '${user === 'mine/report.html' ? first : user}', which marketmakerl did not write`));
    assert.equal(readFileSync(join(run, user), 'utf8'), 'mine', `${user} kept`);
    rmSync(join(run, first), { recursive: true });
  }

  // A run folder of an earlier version (its marker lists nothing): only the files run folders hold.
  const old = join(base, 'old');
  mkdirSync(old);
  writeFileSync(join(old, RUN_MARKER), '{"written_by":"marketmakerl","kind":"run"}\n');
  for (const n of ['config.json', 'metrics.json', 'trace.csv', 'fills.csv', 'report.html']) writeFileSync(join(old, n), 'x');
  writeFileSync(join(old, 'thesis.tex'), 'years of work');
  refused(() => writeDirAtomic(old, () => {}, { force: true }), /holds 'thesis\.tex', which marketmakerl did not write/);
  rmSync(join(old, 'thesis.tex'));
  writeDirAtomic(old, (d) => writeFileSync(join(d, 'config.json'), 'new'), { force: true });
  assert.deepEqual(readdirSync(old).sort(), [RUN_MARKER, 'config.json']);
});

test('writeFileAtomic leaves no temp file and removes the folders it created when the write fails', () => {
  const base = tmp();
  writeFileAtomic(join(base, 'x', 'y.txt'), 'hello');
  assert.equal(readFileSync(join(base, 'x', 'y.txt'), 'utf8'), 'hello');
  assert.throws(() => writeFileAtomic(join(base, 'a', 'b', 'c.txt'), { length: 5 } as unknown as Uint8Array));
  assert.equal(existsSync(join(base, 'a')), false);
  assert.deepEqual(readdirSync(join(base, 'x')), ['y.txt']);
});

test('checkOutputFile: a folder is refused, an existing file only with --force, a default path of ours always', () => {
  const base = tmp();
  refused(() => checkOutputFile(base, '--out', true), /is a folder; expected a file name/);
  refused(() => checkOutputFile('.', '--out', true), /working folder/);
  const f = join(base, 'report.html');
  writeFileSync(f, 'x');
  refused(() => checkOutputFile(f, '--out', false), /exists; add --force/);
  checkOutputFile(f, '--out', true);
  checkOutputFile(f, '--out', false, true);
  checkOutputFile(join(base, 'new.html'), '--out', false);
});

test('ensureCollectionFolder: new or empty folders become ours; a foreign one is refused; undo removes only what it made', () => {
  const base = tmp();
  const undo = ensureCollectionFolder(join(base, 'n', 'rec'), '--out', 'recording');
  assert.ok(existsSync(join(base, 'n', 'rec', RUN_MARKER)));
  undo();
  assert.equal(existsSync(join(base, 'n')), false);
  const used = join(base, 'used');
  ensureCollectionFolder(used, '--out', 'recording');
  writeFileSync(join(used, 'a.arrow'), 'data');
  ensureCollectionFolder(used, '--out', 'recording')();
  assert.deepEqual(readdirSync(used).sort(), [RUN_MARKER, 'a.arrow'], 'undo never removes what was written');
  const foreign = join(base, 'foreign');
  mkdirSync(foreign);
  writeFileSync(join(foreign, 'x'), '');
  refused(() => ensureCollectionFolder(foreign, '--out', 'recording'), /not written by marketmakerl/);
  ensureCollectionFolder(foreign, '--out', 'recording', true);
});

test('temp leftovers of a dead process are swept; those of live processes and user files stay', () => {
  const base = tmp();
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const deadPid = Number(dead.stdout);
  mkdirSync(join(base, `.run_x.marketmakerl-${deadPid}-3.tmp`));
  writeFileSync(join(base, `.run_x.marketmakerl-${deadPid}-3.tmp`, 'trace.csv'), 'half');
  writeFileSync(join(base, `.metrics.json.marketmakerl-${deadPid}-1.tmp`), 'half');
  writeFileSync(join(base, `.mine.marketmakerl-${process.pid}-1.tmp`), 'in use');
  // A user's own files, whatever digits their names hold, are never taken for leftovers.
  const users = ['.notes.tmp', '.notes.2024.tmp', '.backup.3999999.tmp', `.draft.${deadPid}.1.tmp`, `.x.marketmakerl-${deadPid}.tmp`, `marketmakerl-${deadPid}-1.tmp`];
  for (const n of users) writeFileSync(join(base, n), 'mine');
  writeFileSync(join(base, 'data.csv'), 'x');
  assert.deepEqual(sweepOrphanTemps(base).sort(), [`.metrics.json.marketmakerl-${deadPid}-1.tmp`, `.run_x.marketmakerl-${deadPid}-3.tmp`]);
  assert.deepEqual(readdirSync(base).sort(), [`.mine.marketmakerl-${process.pid}-1.tmp`, ...users, 'data.csv'].sort());
  // The next atomic write into the folder sweeps too, and leaves the user's files.
  writeFileSync(join(base, `.late.marketmakerl-${deadPid}-9.tmp`), 'half');
  writeFileAtomic(join(base, 'out.txt'), 'ok');
  assert.equal(existsSync(join(base, `.late.marketmakerl-${deadPid}-9.tmp`)), false);
  for (const n of users) assert.equal(readFileSync(join(base, n), 'utf8'), 'mine', n);
});
