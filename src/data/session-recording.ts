// A trading session's own recording: the market rows it received, appended as they arrive to one event file.
import { closeSync, existsSync, lstatSync, openSync, readSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { UserError, assertSafeOutput } from '../core/index.js';
import type { EventColumns } from '../market/index.js';
import { EventFileWriter } from './event-store.js';

/** What a finished recording holds: what the ledger keeps to find it again and to know it is the same file. */
export interface RecordingInfo {
  path: string;
  rows: number;
  /** Local receive time of the first and last row, epoch µs (null: no row). */
  firstLocalUs: number | null;
  lastLocalUs: number | null;
  bytes: number;
  sha256: string;
}

/**
 * A recording never replaces a file: refused, before anything is written, when `path` exists, is not an
 * `.arrow` file name, or is a forbidden place.
 */
export function checkRecordingPath(path: string, flag = '--record'): void {
  assertSafeOutput(path, flag);
  if (!path.endsWith('.arrow')) throw new UserError(`${flag}: expected an event file name ending in .arrow, got '${path}'`);
  if (existsSync(path)) {
    const what = lstatSync(path).isDirectory() ? 'a folder' : 'a file that exists';
    throw new UserError(`${flag}: '${path}' is ${what}; a recording never replaces anything: choose a new file name`);
  }
}

/**
 * The rows a session received, in the order it received them, in the event-file format (`EventFileWriter`:
 * built under a temp name and renamed into place when complete, so a session killed before its end leaves
 * no half-written file). The schema metadata names the session (`run_id`), the venue and the symbol.
 */
export class SessionRecording {
  private readonly writer: EventFileWriter;
  private rows = 0;
  private first = Number.NaN;
  private last = Number.NaN;
  private done = false;

  constructor(readonly path: string, meta: Readonly<Record<string, string>>) {
    checkRecordingPath(path);
    this.writer = new EventFileWriter(path, { meta: { source: 'realtime', time_unit: 'epoch microseconds', ...meta }, batchRows: 1 << 16 });
  }

  get length(): number {
    return this.rows;
  }

  /** Append every row of `cols` (a feed's chunk; copied before the feed reuses its memory). */
  append(cols: EventColumns): void {
    if (this.done || cols.length === 0) return;
    this.writer.append(cols, 0, cols.length);
    if (this.rows === 0) this.first = cols.tsLocal[0]!;
    this.last = cols.tsLocal[cols.length - 1]!;
    this.rows += cols.length;
  }

  /** Finish the file (renamed into place; refused if something appeared at the path meanwhile) and describe it. */
  close(): RecordingInfo {
    if (this.done) throw new Error('SessionRecording: closed twice');
    this.done = true;
    if (existsSync(this.path)) {
      this.writer.abort();
      throw new UserError(`--record: '${this.path}' appeared while the session ran; it was left as it is and the recording dropped`);
    }
    this.writer.close();
    return {
      path: this.path,
      rows: this.rows,
      firstLocalUs: this.rows > 0 ? this.first : null,
      lastLocalUs: this.rows > 0 ? this.last : null,
      bytes: statSync(this.path).size,
      sha256: fileSha256(this.path),
    };
  }

  /** Drop the recording: nothing appears at the path. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    this.writer.abort();
  }
}

/** sha256 of a file, read in chunks (recordings can be large). */
export function fileSha256(path: string): string {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}
