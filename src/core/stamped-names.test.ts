// Stamped outputs are created anew: a taken name is never written or appended to; the next free <stamp>_k is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openNewStampedFile } from './fs.js';

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
