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

/** Where a recording is built while its session runs: what a killed session leaves (readable up to its last flush). */
export function partialPathOf(path: string): string {
  return `${path}.partial`;
}

/**
 * A recording never replaces a file: refused, before anything is written, when `path` (or the partial file
 * beside it) exists, is not an `.arrow` file name, or is a forbidden place.
 */
export function checkRecordingPath(path: string, flag = '--record'): void {
  assertSafeOutput(path, flag);
  if (!path.endsWith('.arrow')) throw new UserError(`${flag}: expected an event file name ending in .arrow, got '${path}'`);
  for (const p of [path, partialPathOf(path)]) {
    if (existsSync(p)) {
      const what = lstatSync(p).isDirectory() ? 'a folder' : 'a file that exists';
      throw new UserError(`${flag}: '${p}' is ${what}; a recording never replaces anything: choose a new file name`);
    }
  }
}

/** Local time (µs) a recording may hold rows in memory before writing them out: what a killed session can lose. */
export const RECORDING_FLUSH_US = 1_000_000;

/**
 * The rows a session received, in the order it received them, in the event-file format. It is built at
 * `partialPathOf(path)`, a record batch written out at least every `RECORDING_FLUSH_US` of the rows' local
 * time, and renamed to `path` when complete (footer written, synced). A session killed on the way leaves
 * the partial file: the schema and every batch written, readable as far as it goes (`readEventFile(p,
 * { partial: true })`, which `parity` does). The schema metadata names the session (`run_id`), the venue,
 * the symbol, and what a replay needs (`replayMetaOf`: reference price, strategy module and its hash).
 */
export class SessionRecording {
  private readonly writer: EventFileWriter;
  private rows = 0;
  private first = Number.NaN;
  private last = Number.NaN;
  private done = false;
  /** Local time of the first row not yet written out (NaN: none buffered). */
  private bufferedFrom = Number.NaN;

  constructor(readonly path: string, meta: Readonly<Record<string, string>>, private readonly flushUs = RECORDING_FLUSH_US) {
    checkRecordingPath(path);
    this.writer = new EventFileWriter(path, { meta: { source: 'realtime', time_unit: 'epoch microseconds', ...meta }, batchRows: 1 << 16, partialAt: partialPathOf(path) });
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
    if (this.writer.buffered === 0) this.bufferedFrom = Number.NaN;
    else if (this.bufferedFrom !== this.bufferedFrom) this.bufferedFrom = cols.tsLocal[0]!;
    if (this.last - this.bufferedFrom >= this.flushUs) this.flush();
  }

  /** Write out the rows held in memory (the file stays partial until `close`). */
  flush(): void {
    if (this.done) return;
    this.writer.flush();
    this.bufferedFrom = Number.NaN;
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
