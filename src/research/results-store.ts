// The analysis' results store (SQLite, beside the artifacts): every evaluated case by its key, and the ledger of trials per data set.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../core/index.js';
import type { BlockResult } from './cases.js';

/** 'MMRS': marks a SQLite file as this store, so a file of another kind is never taken for one. */
const APPLICATION_ID = 0x4d4d5253;
const SCHEMA_VERSION = 1;
export const RESULTS_STORE_FILE = 'results.sqlite';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cases (
  key TEXT PRIMARY KEY,
  data TEXT NOT NULL,
  trial TEXT NOT NULL,
  block TEXT NOT NULL,
  engine_version TEXT NOT NULL,
  result TEXT NOT NULL,
  created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS cases_by_data ON cases(data);
CREATE TABLE IF NOT EXISTS trial_counts (
  data TEXT NOT NULL,
  count_id INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  reason TEXT NOT NULL,
  PRIMARY KEY (data, count_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS trials (
  data TEXT NOT NULL,
  count_id INTEGER NOT NULL,
  trial TEXT NOT NULL,
  budget REAL NOT NULL,
  config TEXT NOT NULL,
  first_seen TEXT NOT NULL,
  PRIMARY KEY (data, count_id, trial)
) WITHOUT ROWID;
`;

/** One evaluated case as stored: its key and what the key was made of, and the result. */
export interface StoredCase {
  key: string;
  data: string;
  trial: string;
  block: string;
  engineVersion: string;
  result: BlockResult;
}

/** A strategy configuration tried on a data set (what the ledger counts). */
export interface TrialRecord {
  trial: string;
  budget: number;
  /** The configuration, as plain data (for a reader of the store). */
  config: Record<string, unknown>;
}

/** The trial count of a data set: since when it runs and why it was started afresh (null: never reset). */
export interface TrialCount {
  countId: number;
  since: string | null;
  freshReason: string | null;
}

/** Non-finite numbers survive the JSON column as strings (a result holds none today; this keeps it exact if one ever does). */
const encode = (r: BlockResult): string => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
const revive = (_k: string, v: unknown): unknown => (v === 'NaN' ? Number.NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);
const decode = (s: string): BlockResult => (s.includes('NaN"') || s.includes('Infinity"') ? JSON.parse(s, revive) : JSON.parse(s)) as BlockResult;

/**
 * One file, any number of readers and writers (WAL, a busy timeout). Each `put` is one transaction, so
 * a killed analysis keeps every case stored before it; a case is stored once whoever computes it
 * (`INSERT OR IGNORE` on its key). A file that is not this store is refused, never changed.
 */
export class ResultsStore {
  private readonly db: Database.Database;
  private readonly st;

  private constructor(readonly path: string) {
    const isNew = !existsSync(path) || statSync(path).size === 0;
    if (!isNew) checkForeign(path);
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 10000');
    if (isNew) this.db.pragma(`application_id = ${APPLICATION_ID}`);
    this.db.exec(SCHEMA);
    this.db.prepare('INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
    this.st = {
      get: this.db.prepare('SELECT result FROM cases WHERE key = ?').pluck(),
      byData: this.db.prepare('SELECT key, result FROM cases WHERE data = ?'),
      put: this.db.prepare('INSERT OR IGNORE INTO cases(key, data, trial, block, engine_version, result, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      count: this.db.prepare('SELECT count_id, started_at, reason FROM trial_counts WHERE data = ? ORDER BY count_id DESC LIMIT 1'),
      firstSeen: this.db.prepare('SELECT MIN(first_seen) FROM trials WHERE data = ? AND count_id = ?').pluck(),
      fresh: this.db.prepare('INSERT INTO trial_counts(data, count_id, started_at, reason) VALUES (?, ?, ?, ?)'),
      trial: this.db.prepare('INSERT OR IGNORE INTO trials(data, count_id, trial, budget, config, first_seen) VALUES (?, ?, ?, ?, ?, ?)'),
      trialsAt: this.db.prepare('SELECT trial FROM trials WHERE data = ? AND count_id = ? AND budget = ? ORDER BY trial').pluck(),
    };
  }

  /** Open (or create) the store at `path`; a file that is not one is a UserError naming it. */
  static open(path: string): ResultsStore {
    try {
      return new ResultsStore(path);
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`results store ${path}: cannot open (${(e as Error).message.split('\n')[0]})`);
    }
  }

  /** The stored results of those keys that are stored (one scan of the data set's cases when there are many keys). */
  getMany(keys: readonly string[], data?: string): Map<string, BlockResult> {
    const out = new Map<string, BlockResult>();
    if (data !== undefined && keys.length > 64) {
      const want = new Set(keys);
      for (const row of this.st.byData.iterate(data) as Iterable<{ key: string; result: string }>) if (want.has(row.key)) out.set(row.key, decode(row.result));
      return out;
    }
    for (const k of keys) {
      const s = this.st.get.get(k) as string | undefined;
      if (s !== undefined) out.set(k, decode(s));
    }
    return out;
  }

  /** Store cases in one transaction; a key already stored keeps its first result. */
  putMany(cases: readonly StoredCase[], now = new Date()): void {
    const at = now.toISOString();
    this.db.transaction(() => {
      for (const c of cases) this.st.put.run(c.key, c.data, c.trial, c.block, c.engineVersion, encode(c.result), at);
    })();
  }

  /** The current trial count of a data set. */
  trialCount(data: string): TrialCount {
    const row = this.st.count.get(data) as { count_id: number; started_at: string; reason: string } | undefined;
    if (row) return { countId: row.count_id, since: row.started_at, freshReason: row.reason };
    return { countId: 0, since: (this.st.firstSeen.get(data, 0) as string | null) ?? null, freshReason: null };
  }

  /** Start a new trial count for a data set (`--fresh-trials`): trials tried before no longer count, and the reason is kept. */
  startFreshCount(data: string, reason: string, now = new Date()): TrialCount {
    const next = this.trialCount(data).countId + 1;
    this.st.fresh.run(data, next, now.toISOString(), reason);
    return { countId: next, since: now.toISOString(), freshReason: reason };
  }

  /**
   * Record trials in the data set's current count (each once). Written with a full sync: the count is
   * what keeps later selections honest, so it must outlive a power cut, not only a killed process.
   */
  recordTrials(data: string, trials: readonly TrialRecord[], now = new Date()): void {
    const { countId } = this.trialCount(data);
    const at = now.toISOString();
    this.db.pragma('synchronous = FULL');
    try {
      this.db.transaction(() => {
        for (const t of trials) this.st.trial.run(data, countId, t.trial, t.budget, JSON.stringify(t.config), at);
      })();
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }

  /** Every trial of the current count on this data set at this budget, by digest (sorted). */
  trialsAt(data: string, budget: number): string[] {
    return this.st.trialsAt.all(data, this.trialCount(data).countId, budget) as string[];
  }

  close(): void {
    this.db.close();
  }
}

/** An existing file must be this store: SQLite with our application id (or an empty database). */
function checkForeign(path: string): void {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const app = db.pragma('application_id', { simple: true }) as number;
    const tables = db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").pluck().get() as number;
    if (app !== APPLICATION_ID && tables > 0) throw new UserError(`results store ${path}: the file exists and is not a results store; choose another --out`);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`results store ${path}: the file exists and is not a results store (${(e as Error).message.split('\n')[0]}); choose another --out`);
  } finally {
    db?.close();
  }
}
