// InPlaceRunFolder: a run folder filled in place lists only the job's files, and a failed job removes exactly those and puts the earlier folder back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InPlaceRunFolder } from './fs.js';
import { RUN_MARKER } from './out-paths.js';

const owned = (name: string): boolean => name.startsWith('job_');
const marker = (dir: string): { kind: string; entries: string[] } => JSON.parse(readFileSync(join(dir, RUN_MARKER), 'utf8'));

test('a new folder: marked from the start, the marker lists the job\'s files as they come; a file of yours is never listed', () => {
  const root = mkdtempSync(join(tmpdir(), 'mm-inplace-'));
  const f = new InPlaceRunFolder(join(root, 'a', 'b'), 'campaign', owned);
  assert.deepEqual(marker(f.path), { written_by: 'marketmakerl', kind: 'campaign', entries: [] });
  writeFileSync(join(f.path, 'job_1.json'), '{}');
  f.mark();
  assert.deepEqual(marker(f.path).entries, ['job_1.json']);
  writeFileSync(join(f.path, 'yours.txt'), 'x');
  writeFileSync(join(f.path, 'job_2.json'), '{}');
  f.commit();
  assert.deepEqual(marker(f.path).entries, ['job_1.json', 'job_2.json']);
});

test('abort: the job\'s files, the marker and the folders it created go; an earlier folder of ours (--force) comes back as it was', () => {
  const root = mkdtempSync(join(tmpdir(), 'mm-inplace-'));
  const fresh = new InPlaceRunFolder(join(root, 'new', 'deeper'), 'campaign', owned);
  writeFileSync(join(fresh.path, 'job_1.json'), '{}');
  fresh.abort();
  assert.deepEqual(readdirSync(root), [], 'nothing left of what it created');

  const first = new InPlaceRunFolder(join(root, 'camp'), 'campaign', owned);
  writeFileSync(join(first.path, 'job_old.json'), 'old');
  first.commit();
  assert.throws(() => new InPlaceRunFolder(join(root, 'camp'), 'campaign', owned), /holds an earlier run; add --force/);
  const second = new InPlaceRunFolder(join(root, 'camp'), 'campaign', owned, { force: true });
  assert.deepEqual(readdirSync(second.path), [RUN_MARKER], 'the earlier folder is set aside while the job runs');
  writeFileSync(join(second.path, 'job_new.json'), 'new');
  second.abort();
  assert.deepEqual(readdirSync(join(root, 'camp')).sort(), [RUN_MARKER, 'job_old.json']);
  assert.equal(readFileSync(join(root, 'camp', 'job_old.json'), 'utf8'), 'old');
  assert.deepEqual(readdirSync(root), ['camp'], 'no temp folder left');
});

test('an empty folder of yours is used as it is and left in place by an abort; a file of yours added meanwhile stays', () => {
  const root = mkdtempSync(join(tmpdir(), 'mm-inplace-'));
  mkdirSync(join(root, 'empty'));
  const f = new InPlaceRunFolder(join(root, 'empty'), 'campaign', owned);
  writeFileSync(join(f.path, 'job_1.json'), '{}');
  writeFileSync(join(f.path, 'notes.md'), 'mine');
  f.abort();
  assert.deepEqual(readdirSync(join(root, 'empty')), ['notes.md']);
  assert.equal(existsSync(join(root, 'empty', RUN_MARKER)), false);
});
