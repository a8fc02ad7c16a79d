// `marketmakerl halt` writes and clears only halt files it wrote: any other file at --halt-file is left as it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HaltFile } from '../../src/risk/index.js';
import { CLI } from '../fixtures/shared-data.js';
import { assertOneLineRefusal } from '../fixtures/cli-refusal.js';

const base = mkdtempSync(join(tmpdir(), 'mm-halt-'));
const cli = (...args: string[]) => spawnSync(CLI, args, { cwd: base, encoding: 'utf8', env: { ...process.env, HOME: base } });

function assertRefused(r: ReturnType<typeof cli>, re: RegExp): void {
  assertOneLineRefusal(r, re);
  assert.equal(r.stdout, '');
}

test('halt: writes a new halt file, replaces its own, clears its own; a loop reads the reason', () => {
  const halt = join(base, 'own', 'HALT');
  let r = cli('halt', '--halt-file', halt, '--reason', 'exchange maintenance');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(new HaltFile(halt, 0).poll(0), `halt file ${halt}: exchange maintenance`);
  r = cli('halt', '--halt-file', halt, '--reason', 'still down');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(new HaltFile(halt, 0).poll(0), `halt file ${halt}: still down`);
  r = cli('halt', '--halt-file', halt, '--clear');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { cleared: true, halt_file: halt });
  assert.equal(existsSync(halt), false);
  r = cli('halt', '--halt-file', halt, '--clear');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { cleared: false, halt_file: halt });
});

test('halt: a file it did not write is neither replaced nor removed', () => {
  const notes = join(base, 'notes.txt');
  writeFileSync(notes, 'years of work\n');
  assertRefused(cli('halt', '--halt-file', notes, '--reason', 'x'), /^error: --halt-file: '.*notes\.txt' exists and is not a halt file marketmakerl wrote/);
  assert.equal(readFileSync(notes, 'utf8'), 'years of work\n');
  assertRefused(cli('halt', '--halt-file', notes, '--clear'), /^error: --halt-file: '.*notes\.txt' is not a halt file marketmakerl wrote/);
  assert.equal(readFileSync(notes, 'utf8'), 'years of work\n');
  // A one-line file looks like an old halt file's reason, but nothing says it is one.
  writeFileSync(notes, 'one line\n');
  assertRefused(cli('halt', '--halt-file', notes, '--clear'), /not a halt file marketmakerl wrote/);
  assert.equal(readFileSync(notes, 'utf8'), 'one line\n');
});

test('halt: a folder as --halt-file is one line, exit 2, for writing and clearing', () => {
  const dir = join(base, 'a-folder');
  mkdirSync(dir);
  writeFileSync(join(dir, 'inside.txt'), 'kept');
  assertRefused(cli('halt', '--halt-file', dir, '--clear'), /^error: --halt-file: '.*a-folder' is a folder; expected the halt file's path$/);
  assertRefused(cli('halt', '--halt-file', dir, '--reason', 'x'), /^error: --halt-file: '.*a-folder' is a folder/);
  assert.equal(readFileSync(join(dir, 'inside.txt'), 'utf8'), 'kept');
});
