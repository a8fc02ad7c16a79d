// Stamped outputs are created anew: a taken name (file or folder) is never written, appended to or reused; the next free <stamp>_k is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdirNewFolder, mkdirNewStamped, openNewStampedFile, removeCreatedDirs, writeDirAtomic } from './fs.js';

test('openNewStampedFile: a new name is created; a taken one is left as it is and the next free <stamp>_k is created', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-stamped-'));
  const a = openNewStampedFile(dir, '20240808T000000Z', '_x.jsonl');
  assert.equal(a.path, join(dir, '20240808T000000Z_x.jsonl'));
  writeSync(a.fd, 'first\n');
  closeSync(a.fd);
  writeFileSync(join(dir, '20240808T000000Z_2_x.jsonl'), 'yours\n');
  const b = openNewStampedFile(dir, '20240808T000000Z', '_x.jsonl');
  assert.equal(b.path, join(dir, '20240808T000000Z_3_x.jsonl'));
  writeSync(b.fd, 'second\n');
  closeSync(b.fd);
  assert.equal(readFileSync(a.path, 'utf8'), 'first\n', 'the first file is not appended to');
  assert.equal(readFileSync(join(dir, '20240808T000000Z_2_x.jsonl'), 'utf8'), 'yours\n', 'a file it did not create is untouched');
  assert.equal(readFileSync(b.path, 'utf8'), 'second\n');
  assert.deepEqual(readdirSync(dir).sort(), ['20240808T000000Z_2_x.jsonl', '20240808T000000Z_3_x.jsonl', '20240808T000000Z_x.jsonl']);
});

test('openNewStampedFile: a folder or a symlink at the name counts as taken (never followed)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-stamped-'));
  mkdirSync(join(dir, 'S_x.log'));
  writeFileSync(join(dir, 'target'), 'keep\n');
  symlinkSync(join(dir, 'target'), join(dir, 'S_2_x.log'));
  const f = openNewStampedFile(dir, 'S', '_x.log');
  closeSync(f.fd);
  assert.equal(f.path, join(dir, 'S_3_x.log'));
  assert.equal(readFileSync(join(dir, 'target'), 'utf8'), 'keep\n');
});

test('mkdirNewStamped: a folder that exists, empty or not, is never taken; the next free name is created with its parents; removeCreatedDirs undoes it', () => {
  const root = mkdtempSync(join(tmpdir(), 'mm-stamped-'));
  const base = join(root, 'artifacts', 'smoke', 'smoke_20240808T000000Z');
  const a = mkdirNewStamped(base);
  assert.equal(a.path, base);
  assert.deepEqual(a.created, [join(root, 'artifacts'), join(root, 'artifacts', 'smoke'), base]);
  // The first command's folder, still empty (it has not written yet), and a file of yours under the next name.
  writeFileSync(`${base}_2`, 'yours');
  const b = mkdirNewStamped(base);
  assert.equal(b.path, `${base}_3`);
  assert.deepEqual(b.created, [`${base}_3`], 'only the folder itself was made this time');
  assert.deepEqual(readdirSync(a.path), [], 'the first folder untouched');
  assert.equal(readFileSync(`${base}_2`, 'utf8'), 'yours');
  removeCreatedDirs(b.created);
  assert.equal(existsSync(b.path), false);
  assert.equal(existsSync(a.path), true);
});

test('writeDirAtomic into a reserved folder: the run takes its place in one rename; one something was put in meanwhile is left as it is', () => {
  const root = mkdtempSync(join(tmpdir(), 'mm-stamped-'));
  const r = mkdirNewStamped(join(root, 'parity_20240808T000000Z'));
  writeDirAtomic(r.path, (tmp) => writeFileSync(join(tmp, 'parity.json'), '{}\n'), { kind: 'parity', reserved: true });
  assert.deepEqual(readdirSync(r.path).sort(), ['.marketmakerl', 'parity.json']);
  const s = mkdirNewStamped(join(root, 'parity_20240808T000000Z'));
  assert.equal(s.path, join(root, 'parity_20240808T000000Z_2'));
  writeFileSync(join(s.path, 'notes.md'), 'mine');
  assert.throws(() => writeDirAtomic(s.path, (tmp) => writeFileSync(join(tmp, 'parity.json'), '{}\n'), { kind: 'parity', reserved: true }));
  assert.deepEqual(readdirSync(s.path), ['notes.md']);
  assert.deepEqual(readdirSync(root).sort(), ['parity_20240808T000000Z', 'parity_20240808T000000Z_2'], 'no temp folder left');
});

test('mkdirNewFolder: a new folder named by its user, with its parents; one that exists (or appears meanwhile), a file in the way, or one holding an input is refused', () => {
  const root = mkdtempSync(join(tmpdir(), 'mm-stamped-'));
  const out = join(root, 'a', 'launch');
  assert.deepEqual(mkdirNewFolder(out, '--out', 'a launch writes into a new folder only'), [join(root, 'a'), out]);
  assert.throws(() => mkdirNewFolder(out, '--out', 'a launch writes into a new folder only'), /^UserError: --out: '.*launch' exists; a launch writes into a new folder only$/);
  writeFileSync(join(root, 'f'), 'x');
  assert.throws(() => mkdirNewFolder(join(root, 'f', 'sub'), '--out', 'new only'), /is a file, not a folder/);
  assert.throws(() => mkdirNewFolder(root, '--out', 'new only', { files: [join(root, 'f')] }), /holds the input/);
  assert.deepEqual(readdirSync(root).sort(), ['a', 'f']);
});
