// Normalized events as Apache Arrow IPC files: atomic writes, reads straight into typed arrays, streaming reads by record batch.
import { close, closeSync, constants, fdatasync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataType, RecordBatch, Schema, Uint8 } from 'apache-arrow';
import { arrowLib } from './arrow-lib.js';
import { UserError, fsyncPath, mkdirTracked, removeCreatedDirs, sweepOrphanTemps, tmpNameFor } from '../core/index.js';
import { allocEvents, type EventColumns } from '../market/index.js';
import { copyEvents } from './event-buffer.js';
import { EventFileReader, type EventFile } from './event-file-reader.js';

export { EventFileReader, type EventFile };

/**
 * Value of the `marketmakerl.format` schema metadata key in every event file we write. Format 2 adds gap rows
 * (`EventType.Gap`: the book unknown until the next snapshot); a format-1 file holds none and reads as before.
 * Format 3 adds the `publishDelay` column (publication time − exchange time, µs); files of format 2 and
 * older have none and read with publication time = exchange time.
 */
export const EVENT_FILE_FORMAT = 'marketmakerl.events/3';

/** Rows per record batch when writing: large enough for fast reads, small enough to stream. */
export const DEFAULT_BATCH_ROWS = 1 << 20;

type ColumnName = 'type' | 'side' | 'flags' | 'tsExchange' | 'tsLocal' | 'publishDelay' | 'price' | 'size' | 'id';

const COLUMNS: readonly { name: ColumnName; make: () => DataType; doc: string }[] = [
  { name: 'type', make: () => new (arrowLib().Uint8)(), doc: '1 snapshot level, 2 delta, 3 trade, 4 bbo side, 5 gap (the book unknown until the next snapshot)' },
  { name: 'side', make: () => new (arrowLib().Int8)(), doc: '+1 bid/buy, -1 ask/sell (trades: aggressor; gap: 0)' },
  { name: 'flags', make: () => new (arrowLib().Uint8)(), doc: 'bit 1 end of message, bit 2 snapshot start' },
  { name: 'tsExchange', make: () => new (arrowLib().Float64)(), doc: 'exchange time, epoch microseconds' },
  { name: 'tsLocal', make: () => new (arrowLib().Float64)(), doc: 'local receive time, epoch microseconds' },
  { name: 'publishDelay', make: () => new (arrowLib().Float64)(), doc: 'microseconds from exchange time to publication (Binance event time E); 0: published at exchange time' },
  { name: 'price', make: () => new (arrowLib().Float64)(), doc: 'price, quote currency' },
  { name: 'size', make: () => new (arrowLib().Float64)(), doc: 'size, base units (delta: new level total, 0 removes)' },
  { name: 'id', make: () => new (arrowLib().Float64)(), doc: 'book update id or trade id' },
];

function eventSchema(meta: Readonly<Record<string, string>>): Schema {
  const { Field, Schema } = arrowLib();
  const fields = COLUMNS.map((c) => new Field(c.name, c.make(), false, new Map([['doc', c.doc]])));
  const m = new Map<string, string>(Object.entries(meta));
  m.set('marketmakerl.format', EVENT_FILE_FORMAT);
  return new Schema(fields, m);
}

function batchOf(schema: Schema, cols: EventColumns, from: number, to: number): RecordBatch {
  const { makeData, Struct, RecordBatch } = arrowLib();
  const length = to - from;
  const children = COLUMNS.map((c, i) =>
    makeData({ type: schema.fields[i]!.type as Uint8, data: (cols[c.name] as Uint8Array).subarray(from, to), length, nullCount: 0 }),
  );
  const data = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children });
  return new RecordBatch(schema, data);
}

interface FdWriter {
  reset(sink?: undefined, schema?: Schema): unknown;
  write(batch: RecordBatch): void;
  finish(): unknown;
}

let FdFileWriterClass: (new (fd: number) => FdWriter) | null = null;

/**
 * Arrow's file writer, sending its bytes straight to a file descriptor instead of an in-memory queue,
 * and writing the schema message after the magic as the IPC spec asks, so the file also reads sequentially.
 * The class is built on first use because Arrow itself is loaded then.
 */
function newFdFileWriter(fd: number): FdWriter {
  if (!FdFileWriterClass) {
    const { RecordBatchFileWriter: Base, Message } = arrowLib();
    class FdFileWriter extends Base {
      constructor(private readonly fd: number) {
        super();
      }
      protected override _writeSchema(schema: Schema): this {
        const self = this as unknown as { _writeMagic(): FdFileWriter; _writePadding(n: number): FdFileWriter; _writeMessage(m: unknown): FdFileWriter };
        self._writeMagic()._writePadding(2)._writeMessage(Message.from(schema));
        return this;
      }
      protected override _write(chunk: ArrayBufferView | ArrayBuffer | ArrayLike<number> | Iterable<number> | string | null | undefined): this {
        const self = this as unknown as { _started: boolean; _position: number };
        if (!self._started || chunk == null) return this;
        const bytes = ArrayBuffer.isView(chunk) ? new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength) : new Uint8Array(chunk as ArrayBuffer);
        if (bytes.byteLength === 0) return this;
        let off = 0;
        while (off < bytes.byteLength) off += writeSync(this.fd, bytes, off, bytes.byteLength - off);
        self._position += bytes.byteLength;
        return this;
      }
    }
    FdFileWriterClass = FdFileWriter as unknown as new (fd: number) => FdWriter;
  }
  return new FdFileWriterClass(fd);
}

/**
 * A second descriptor on a file being written, flushed to disk in the thread pool, one flush at a time, until
 * dropped. The flushes' outcome is not needed: the writer's own fsync reports any write error (the kernel
 * reports it to each descriptor open on the file), so they only do that work earlier. The callbacks hold
 * this small object only, never the writer and its buffers.
 */
class BackgroundSync {
  private busy = false;
  private dropped = false;

  constructor(private readonly fd: number) {}

  start(): void {
    if (this.busy || this.dropped) return;
    this.busy = true;
    fdatasync(this.fd, () => {
      this.busy = false;
      if (this.dropped) close(this.fd, () => {});
    });
  }

  /** Close the descriptor now, or when the flush in flight returns. */
  drop(): void {
    if (this.dropped) return;
    this.dropped = true;
    if (!this.busy) close(this.fd, () => {});
  }
}

/**
 * Rename `from` over `to`. A file it replaces loses its last name in the rename, and the file system frees its
 * blocks there and then (milliseconds for a large file) unless the file is still open: so it is held open across
 * the rename and let go by a close in the thread pool, where the freeing happens instead. (Not on Windows,
 * where an open file may refuse to be replaced.)
 */
function replaceWith(from: string, to: string): void {
  let old = -1;
  if (process.platform !== 'win32') {
    try {
      // Non-blocking: a FIFO at `to` must not wait for a writer.
      old = openSync(to, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch {
      // nothing there yet (or not readable): a plain rename
    }
  }
  try {
    renameSync(from, to);
  } finally {
    if (old >= 0) close(old, () => {});
  }
}

/**
 * Appends events to an Arrow IPC file in record batches. The file is built under a temp name in the
 * same folder and renamed into place by `close()`, so a reader never sees a half-written file.
 */
export class EventFileWriter {
  readonly path: string;
  private readonly tmp: string;
  private readonly fd: number;
  private readonly writer: FdWriter;
  private readonly schema: Schema;
  private readonly buf: EventColumns;
  private readonly batchRows: number;
  private rows = 0;
  private open = true;
  /** Flushes to disk while rows are still coming (`syncAhead`), so the fsync in `close()` finds little left to write. */
  private readonly syncAhead: BackgroundSync | null = null;
  /** Folders this writer had to create: removed again if the file is abandoned. */
  private readonly createdDirs: string[];

  /**
   * `partialAt`: build the file there instead of under a temp name: a name the orphan sweep leaves alone,
   * so what a killed writer had flushed stays readable (`EventFileReader` with `partial: true`). It must
   * not exist (opened exclusively). `syncAhead`: after each batch, start a flush to disk in the thread pool
   * (one at a time), for a writer that runs alongside other work and closes right after its last batch.
   */
  constructor(path: string, options: { meta?: Readonly<Record<string, string>>; batchRows?: number; partialAt?: string; syncAhead?: boolean } = {}) {
    this.path = path;
    this.tmp = options.partialAt ?? tmpNameFor(path);
    try {
      this.createdDirs = mkdirTracked(dirname(path));
      sweepOrphanTemps(dirname(path));
      this.fd = openSync(this.tmp, options.partialAt !== undefined ? 'wx' : 'w');
    } catch (e) {
      throw new UserError(`cannot write ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (options.syncAhead === true) {
      try {
        this.syncAhead = new BackgroundSync(openSync(this.tmp, 'r+'));
      } catch {
        // no second descriptor: everything is flushed by the fsync at close, as without `syncAhead`
      }
    }
    this.batchRows = Math.max(1, options.batchRows ?? DEFAULT_BATCH_ROWS);
    this.schema = eventSchema(options.meta ?? {});
    this.writer = newFdFileWriter(this.fd);
    this.writer.reset(undefined, this.schema);
    this.buf = allocEvents(Math.min(this.batchRows, 1 << 16));
  }

  /** Rows appended so far. */
  get length(): number {
    return this.rows;
  }

  /** Append rows [from, to) of `cols` (default: all). Large spans go out as whole batches without copying. */
  append(cols: EventColumns, from = 0, to = cols.length): void {
    if (!this.open) throw new Error('EventFileWriter: append after close');
    let i = from;
    while (i < to) {
      if (this.buf.length === 0 && to - i >= this.batchRows) {
        this.write(batchOf(this.schema, cols, i, i + this.batchRows));
        i += this.batchRows;
        this.rows += this.batchRows;
        continue;
      }
      const room = Math.min(this.buf.type.length, this.batchRows) - this.buf.length;
      const n = Math.min(room, to - i);
      copyEvents(cols, i, this.buf, this.buf.length, n);
      this.buf.length += n;
      this.rows += n;
      i += n;
      if (this.buf.length === Math.min(this.buf.type.length, this.batchRows)) this.flush();
    }
  }

  /** Rows appended but not yet written (they go out with the next full batch, `flush` or `close`). */
  get buffered(): number {
    return this.buf.length;
  }

  /** Write buffered rows as one record batch. */
  flush(): void {
    if (this.buf.length === 0) return;
    this.write(batchOf(this.schema, this.buf, 0, this.buf.length));
    this.buf.length = 0;
  }

  private write(batch: RecordBatch): void {
    this.writer.write(batch);
    this.syncAhead?.start();
  }

  /** Finish the file (footer), fsync and rename it into place. */
  close(): void {
    if (!this.open) return;
    try {
      this.flush();
      this.writer.finish();
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.open = false;
      this.syncAhead?.drop();
      replaceWith(this.tmp, this.path);
      fsyncPath(dirname(this.path));
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /** Drop the temp file; nothing appears at `path`. */
  abort(): void {
    if (this.open) {
      this.open = false;
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.syncAhead?.drop();
    }
    rmSync(this.tmp, { force: true });
    removeCreatedDirs(this.createdDirs);
  }
}

/** Write events to an Arrow IPC file atomically (temp + rename). `meta` goes into the schema metadata. */
export function writeEvents(
  path: string,
  cols: EventColumns,
  options: { meta?: Readonly<Record<string, string>>; batchRows?: number } = {},
): void {
  const w = new EventFileWriter(path, options);
  try {
    w.append(cols);
    w.close();
  } catch (e) {
    w.abort();
    throw e;
  }
}

/** Read a whole event file, with its schema metadata, into fresh memory (see EventFileReader to reuse memory). */
export function readEventFile(path: string, o: { partial?: boolean } = {}): EventFile {
  return new EventFileReader().read(path, o);
}

/** Read a whole event file into typed columns. */
export function readEvents(path: string): EventColumns {
  return readEventFile(path).events;
}

/** Schema metadata of an event file, reading only its first message. */
export function readEventMeta(path: string): Record<string, string> {
  let found: Record<string, string> = {};
  const it = new EventFileReader().batches(path, (m) => (found = m));
  it.next();
  it.return(undefined);
  return found;
}

/**
 * Stream an event file one record batch at a time (each batch a set of typed columns), so a long
 * file never has to be in memory at once. A batch's columns stay valid until the next one is read.
 */
export function iterateEventBatches(path: string): Generator<EventColumns> {
  return new EventFileReader().batches(path);
}

/** True when `path` is an Arrow IPC file (its first bytes are the Arrow magic), as convert and record write. */
export function isEventFile(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(6);
    return readSync(fd, head, 0, 6, 0) === 6 && head.toString('latin1') === 'ARROW1';
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
