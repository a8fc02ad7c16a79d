// The link from a run of the ledger to the recording of the market it received (`realtime --record`).
import type Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

/**
 * One row per recorded run: where the file is (absolute, and from the ledger's folder, so a folder moved
 * with its ledger still finds it), whether it was written (`recording` while the session runs; a session
 * killed before its end leaves no file), and what it holds (rows, local time span, size, sha256).
 * Ledgers from before this table get it on their next open by a writer; readers treat its absence as
 * "no recording linked".
 */
export const RECORDINGS_SQL = `
CREATE TABLE IF NOT EXISTS recordings (
  run_id TEXT PRIMARY KEY,
  path TEXT NOT NULL,
  path_from_ledger TEXT NOT NULL,
  status TEXT NOT NULL,
  rows INTEGER,
  first_local_us INTEGER,
  last_local_us INTEGER,
  bytes INTEGER,
  sha256 TEXT,
  written_at TEXT
);
`;

export interface RecordingLink {
  runId: string;
  /** Absolute path when the session started. */
  path: string;
  /** The same path from the ledger's folder. */
  pathFromLedger: string;
  status: 'recording' | 'written' | 'failed';
  rows: number | null;
  firstLocalUs: number | null;
  lastLocalUs: number | null;
  bytes: number | null;
  sha256: string | null;
  writtenAt: string | null;
}

/** Link a run to the recording it is about to write (status `recording`). */
export function linkRecording(db: Database.Database, ledgerPath: string, runId: string, path: string): void {
  const abs = resolve(path);
  const base = ledgerPath === ':memory:' ? process.cwd() : dirname(resolve(ledgerPath));
  db.prepare("INSERT OR REPLACE INTO recordings(run_id, path, path_from_ledger, status) VALUES (?, ?, ?, 'recording')").run(runId, abs, relative(base, abs));
}

/** The recording is complete: what it holds. */
export function recordingWritten(db: Database.Database, runId: string, r: { rows: number; firstLocalUs: number | null; lastLocalUs: number | null; bytes: number; sha256: string }, at: Date): void {
  db.prepare("UPDATE recordings SET status = 'written', rows = ?, first_local_us = ?, last_local_us = ?, bytes = ?, sha256 = ?, written_at = ? WHERE run_id = ?").run(
    r.rows,
    r.firstLocalUs === null ? null : Math.round(r.firstLocalUs),
    r.lastLocalUs === null ? null : Math.round(r.lastLocalUs),
    r.bytes,
    r.sha256,
    at.toISOString(),
    runId,
  );
}

export function recordingFailed(db: Database.Database, runId: string): void {
  db.prepare("UPDATE recordings SET status = 'failed' WHERE run_id = ?").run(runId);
}

/** The recording linked to a run; undefined when none is (or the ledger predates recordings). */
export function readRecordingLink(db: Database.Database, runId: string): RecordingLink | undefined {
  const has = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'recordings'").get();
  if ((has?.n ?? 0) === 0) return undefined;
  const r = db
    .prepare<[string], { run_id: string; path: string; path_from_ledger: string; status: string; rows: number | null; first_local_us: number | null; last_local_us: number | null; bytes: number | null; sha256: string | null; written_at: string | null }>(
      'SELECT * FROM recordings WHERE run_id = ?',
    )
    .get(runId);
  if (r === undefined) return undefined;
  return {
    runId: r.run_id,
    path: r.path,
    pathFromLedger: r.path_from_ledger,
    status: r.status as RecordingLink['status'],
    rows: r.rows,
    firstLocalUs: r.first_local_us,
    lastLocalUs: r.last_local_us,
    bytes: r.bytes,
    sha256: r.sha256,
    writtenAt: r.written_at,
  };
}

/** Where a linked recording is now: beside the ledger as it was (a moved folder), else its absolute path. */
export function locateRecording(ledgerPath: string, link: Readonly<RecordingLink>): string | undefined {
  const near = isAbsolute(link.pathFromLedger) ? link.pathFromLedger : join(dirname(resolve(ledgerPath)), link.pathFromLedger);
  if (existsSync(near)) return near;
  if (existsSync(link.path)) return link.path;
  return undefined;
}
