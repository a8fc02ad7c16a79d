// `realtime --record`: the market rows a session received, written as an event file and linked from its run in the ledger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Ledger, SCHEMA_VERSION, readRecordingLink } from '../../src/ledger/index.js';
import { readEventFile, readEvents } from '../../src/data/index.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { REPO_ROOT } from '../fixtures/shared-data.js';

const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'main.ts'), ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
const sha256 = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

test('--clock event --record writes the rows the session replayed, linked from its run; an existing file is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-rec-event-'));
  const events = ensureSharedCaptureArrow();
  const rec = join(dir, 'session.arrow');
  const ledger = join(dir, 'paper.sqlite');
  const r = cli(['realtime', '--replay', events, '--clock', 'event', '--duration', '90s', '--out-dir', join(dir, 'out'), '--ledger', ledger, '--record', rec]);
  assert.equal(r.status, 0, r.stderr);
  const line = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { run_id: string; events: number };

  // The recording is the first 90 s of local time of the capture, row for row.
  const got = readEventFile(rec);
  const all = readEvents(events);
  const end = all.tsLocal[0]! + 90e6;
  let n = 0;
  while (n < all.length && all.tsLocal[n]! < end) n++;
  assert.equal(got.events.length, n);
  assert.equal(line.events, n, 'the session handled the rows it recorded');
  for (const c of ['type', 'side', 'flags', 'tsExchange', 'tsLocal', 'price', 'size', 'id'] as const) assert.deepEqual(got.events[c], all[c].subarray(0, n), c);
  assert.equal(got.meta['run_id'], line.run_id);
  assert.equal(got.meta['marketmakerl.format'], 'marketmakerl.events/3');

  const db = new Database(ledger, { readonly: true });
  try {
    const link = readRecordingLink(db, line.run_id)!;
    assert.equal(link.status, 'written');
    assert.equal(link.rows, n);
    assert.equal(link.pathFromLedger, 'session.arrow');
    assert.equal(link.sha256, sha256(rec));
    assert.equal(link.firstLocalUs, Math.round(all.tsLocal[0]!));
  } finally {
    db.close();
  }

  // Never overwritten: one line, exit 2, nothing else written.
  const before = sha256(rec);
  const again = cli(['realtime', '--replay', events, '--clock', 'event', '--duration', '10s', '--out-dir', join(dir, 'out2'), '--ledger', join(dir, 'other.sqlite'), '--record', rec]);
  assert.equal(again.status, 2);
  assert.equal(again.stderr.trim().split('\n').length, 1);
  assert.match(again.stderr, /^error: --record: '.*session\.arrow' is a file that exists; a recording never replaces anything/);
  assert.equal(sha256(rec), before);
  assert.ok(!existsSync(join(dir, 'other.sqlite')) && !existsSync(join(dir, 'out2')), 'nothing half-written');

  const bad = cli(['realtime', '--replay', events, '--clock', 'event', '--record', join(dir, 'x.csv')]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^error: --record: expected an event file name ending in \.arrow/);
});

test('a wall-clock paper session records what its feed handed it, local times included', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-rec-wall-'));
  const rec = join(dir, 'wall.arrow');
  const ledger = join(dir, 'paper.sqlite');
  // Ten 0.2 s iterations at 100× (200 s of market): a loaded machine that stalls the process for a while still leaves it rows to record.
  const r = cli(['realtime', '--replay', ensureSharedCaptureArrow(), '--speed', '100', '--poll-seconds', '0.2', '--iterations', '10', '--ledger', ledger, '--halt-file', join(dir, 'HALT'), '--out-dir', dir, '--record', rec, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  const got = readEventFile(rec);
  assert.ok(got.events.length > 100, `rows recorded: ${got.events.length}`);
  assert.equal(got.meta['clock'], 'wall');
  const db = new Database(ledger, { readonly: true });
  try {
    const run = (db.prepare('SELECT run_id FROM runs').get() as { run_id: string }).run_id;
    const link = readRecordingLink(db, run)!;
    assert.equal(link.status, 'written');
    assert.equal(link.rows, got.events.length);
    assert.equal(link.lastLocalUs, Math.round(got.events.tsLocal[got.events.length - 1]!));
  } finally {
    db.close();
  }
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp')), [], 'no temp file left');
});

test('a ledger from before recordings opens, migrates, and reads as "no recording linked"', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-rec-migrate-'));
  const path = join(dir, 'old.sqlite');
  // The first schema, as version 1 wrote it (no recordings table).
  const old = new Database(path);
  old.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE runs (run_id TEXT PRIMARY KEY, started_at TEXT NOT NULL, ended_at TEXT, mode TEXT NOT NULL, exchange TEXT NOT NULL, symbol TEXT NOT NULL, status TEXT NOT NULL, config TEXT NOT NULL);
    INSERT INTO meta VALUES ('schema_version', '1'), ('initial_cash', '1000');
    INSERT INTO runs VALUES ('paper_old', '2026-01-01T00:00:00.000Z', '2026-01-01T01:00:00.000Z', 'paper', 'binance', 'BTC/USDT', 'completed', '{}');`);
  old.close();
  const ro = new Database(path, { readonly: true });
  assert.equal(readRecordingLink(ro, 'paper_old'), undefined, 'a reader of the old file: no recording');
  ro.close();
  const l = new Ledger(path);
  try {
    assert.equal((l.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string }).value, String(SCHEMA_VERSION));
    assert.equal(readRecordingLink(l.db, 'paper_old'), undefined);
    assert.equal((l.db.prepare('SELECT run_id FROM runs').get() as { run_id: string }).run_id, 'paper_old', 'its runs are still there');
  } finally {
    l.close();
  }
});
