// One writer per ledger: an exclusive SQLite lock on `<ledger>.lock`, which the kernel releases when the process dies.
import Database from 'better-sqlite3';
import { UserError } from '../core/index.js';

/** Who holds a ledger, as its writer records it in the ledger's `meta` (readable while the lock is held). */
export interface WriterInfo {
  pid: number;
  since: string;
  run_id?: string;
}

/**
 * An exclusive lock held by an open SQLite transaction (`BEGIN EXCLUSIVE` on `<ledger>.lock`, never
 * committed: nothing is written, nothing fsynced): a second process (or a second writer in this one) gets
 * SQLITE_BUSY at once. It is an fcntl lock, so a killed writer never leaves a stale lock behind (no pid
 * files to clean up, no pid reuse to guess about).
 */
export class WriterLock {
  private db: Database.Database | undefined;

  private constructor(readonly path: string, db: Database.Database) {
    this.db = db;
  }

  /** Take the lock of `ledgerPath`, or throw a `UserError` that says who holds it (`holder`, when known). */
  static acquire(ledgerPath: string, holder: () => WriterInfo | undefined): WriterLock {
    const path = `${ledgerPath}.lock`;
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { timeout: 0 });
      db.exec('BEGIN EXCLUSIVE');
      return new WriterLock(path, db);
    } catch (e) {
      db?.close();
      const code = (e as { code?: string }).code ?? '';
      if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
        const h = holder();
        const who = h === undefined ? 'another process' : `process ${h.pid}${h.run_id !== undefined ? ` (run ${h.run_id})` : ''} since ${h.since}`;
        throw new UserError(`--ledger: ${ledgerPath} is in use by ${who}; one writer per ledger: stop it first, or give this run its own --ledger`);
      }
      throw new UserError(`--ledger: cannot lock ${ledgerPath} (${code || (e as Error).message})`);
    }
  }

  release(): void {
    this.db?.close();
    this.db = undefined;
  }
}
