// Normalized events as Apache Arrow IPC files: atomic writes, zero-copy reads, streaming reads by record batch.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  Field,
  Float64,
  Message,
  Int8,
  makeData,
  RecordBatch,
  RecordBatchFileWriter,
  RecordBatchReader,
  Schema,
  Struct,
  Uint8,
  type DataType,
  type Table,
  tableFromIPC,
} from 'apache-arrow';
import { UserError } from '../core/index.js';
import { allocEvents, type EventColumns } from '../market/index.js';
import { copyEvents } from './event-buffer.js';

/** Value of the `marketmakerl.format` schema metadata key in every event file we write. */
export const EVENT_FILE_FORMAT = 'marketmakerl.events/1';

/** Rows per record batch when writing: large enough for fast reads, small enough to stream. */
export const DEFAULT_BATCH_ROWS = 1 << 20;

type ColumnName = 'type' | 'side' | 'flags' | 'tsExchange' | 'tsLocal' | 'price' | 'size' | 'id';

const COLUMNS: readonly { name: ColumnName; make: () => DataType; doc: string }[] = [
  { name: 'type', make: () => new Uint8(), doc: '1 snapshot level, 2 delta, 3 trade, 4 bbo side' },
  { name: 'side', make: () => new Int8(), doc: '+1 bid/buy, -1 ask/sell (trades: aggressor)' },
  { name: 'flags', make: () => new Uint8(), doc: 'bit 1 end of message, bit 2 snapshot start' },
  { name: 'tsExchange', make: () => new Float64(), doc: 'exchange time, epoch microseconds' },
  { name: 'tsLocal', make: () => new Float64(), doc: 'local receive time, epoch microseconds' },
  { name: 'price', make: () => new Float64(), doc: 'price, quote currency' },
  { name: 'size', make: () => new Float64(), doc: 'size, base units (delta: new level total, 0 removes)' },
  { name: 'id', make: () => new Float64(), doc: 'book update id or trade id' },
];

function eventSchema(meta: Readonly<Record<string, string>>): Schema {
  const fields = COLUMNS.map((c) => new Field(c.name, c.make(), false, new Map([['doc', c.doc]])));
  const m = new Map<string, string>(Object.entries(meta));
  m.set('marketmakerl.format', EVENT_FILE_FORMAT);
  return new Schema(fields, m);
}

function batchOf(schema: Schema, cols: EventColumns, from: number, to: number): RecordBatch {
  const length = to - from;
  const children = COLUMNS.map((c, i) =>
    makeData({ type: schema.fields[i]!.type as Uint8, data: (cols[c.name] as Uint8Array).subarray(from, to), length, nullCount: 0 }),
  );
  const data = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children });
  return new RecordBatch(schema, data);
}

/**
 * Arrow's file writer, sending its bytes straight to a file descriptor instead of an in-memory queue,
 * and writing the schema message after the magic as the IPC spec asks, so the file also reads sequentially.
 */
class FdFileWriter extends RecordBatchFileWriter {
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

let tmpCounter = 0;

/**
 * Appends events to an Arrow IPC file in record batches. The file is built under a temp name in the
 * same folder and renamed into place by `close()`, so a reader never sees a half-written file.
 */
export class EventFileWriter {
  readonly path: string;
  private readonly tmp: string;
  private readonly fd: number;
  private readonly writer: FdFileWriter;
  private readonly schema: Schema;
  private readonly buf: EventColumns;
  private readonly batchRows: number;
  private rows = 0;
  private open = true;

  constructor(path: string, options: { meta?: Readonly<Record<string, string>>; batchRows?: number } = {}) {
    this.path = path;
    mkdirSync(dirname(path), { recursive: true });
    tmpCounter += 1;
    this.tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${tmpCounter}.tmp`);
    this.fd = openSync(this.tmp, 'w');
    this.batchRows = Math.max(1, options.batchRows ?? DEFAULT_BATCH_ROWS);
    this.schema = eventSchema(options.meta ?? {});
    this.writer = new FdFileWriter(this.fd);
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
        this.writer.write(batchOf(this.schema, cols, i, i + this.batchRows));
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

  /** Write buffered rows as one record batch. */
  flush(): void {
    if (this.buf.length === 0) return;
    this.writer.write(batchOf(this.schema, this.buf, 0, this.buf.length));
    this.buf.length = 0;
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
      renameSync(this.tmp, this.path);
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
    }
    rmSync(this.tmp, { force: true });
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

export interface EventFile {
  events: EventColumns;
  /** Schema metadata (venue, symbol, source, gaps...). */
  meta: Record<string, string>;
  batches: number;
}

function columnsOfBatch(batch: RecordBatch, path: string): EventColumns {
  const get = (name: ColumnName): ArrayBufferView => {
    const child = batch.getChild(name);
    if (!child) throw new UserError(`${path}: not a normalized event file (no column '${name}')`);
    const data = child.data[0];
    if (!data || data.nullCount > 0) throw new UserError(`${path}: column '${name}' is empty or has nulls`);
    // Buffers may carry alignment padding past the last row: view exactly this batch's rows.
    const values = data.values as Uint8Array;
    return values.subarray(data.offset, data.offset + data.length);
  };
  const cols = {
    length: batch.numRows,
    type: get('type'),
    side: get('side'),
    flags: get('flags'),
    tsExchange: get('tsExchange'),
    tsLocal: get('tsLocal'),
    price: get('price'),
    size: get('size'),
    id: get('id'),
  };
  checkTypes(cols, path);
  return cols as EventColumns;
}

function checkTypes(c: Record<string, unknown>, path: string): void {
  const want: Record<ColumnName, new (n: number) => ArrayBufferView> = {
    type: Uint8Array,
    side: Int8Array,
    flags: Uint8Array,
    tsExchange: Float64Array,
    tsLocal: Float64Array,
    price: Float64Array,
    size: Float64Array,
    id: Float64Array,
  };
  for (const [name, ctor] of Object.entries(want)) {
    if (!(c[name] instanceof ctor)) throw new UserError(`${path}: column '${name}' must be ${ctor.name.replace('Array', '')}`);
  }
}

function metaOf(schema: Schema): Record<string, string> {
  return Object.fromEntries(schema.metadata);
}

function readTable(path: string): Table {
  let buf: Buffer;
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
    buf = readFileSync(path);
  } catch {
    throw new UserError(`cannot read event file ${path}`);
  }
  try {
    return tableFromIPC(buf);
  } catch (e) {
    throw new UserError(`${path}: not a readable Arrow IPC file (${(e as Error).message.split('\n')[0]})`);
  }
}

/** Read a whole event file, with its schema metadata. One batch: zero-copy views; several: one copy per column. */
export function readEventFile(path: string): EventFile {
  const table = readTable(path);
  const parts = table.batches.filter((b) => b.numRows > 0).map((b) => columnsOfBatch(b, path));
  if (parts.length === 0) {
    // Validate the schema even when there are no rows.
    for (const c of COLUMNS) if (!table.schema.fields.some((f) => f.name === c.name)) throw new UserError(`${path}: not a normalized event file (no column '${c.name}')`);
    return { events: allocEvents(0), meta: metaOf(table.schema), batches: 0 };
  }
  if (parts.length === 1) return { events: parts[0]!, meta: metaOf(table.schema), batches: 1 };
  const out = allocEvents(table.numRows);
  for (const p of parts) {
    copyEvents(p, 0, out, out.length, p.length);
    out.length += p.length;
  }
  return { events: out, meta: metaOf(table.schema), batches: parts.length };
}

/** Read a whole event file into typed columns. */
export function readEvents(path: string): EventColumns {
  return readEventFile(path).events;
}

/** Schema metadata of an event file, reading only what is needed. */
export function readEventMeta(path: string): Record<string, string> {
  let found: Record<string, string> | undefined;
  for (const _ of iterateEventBatchesWithMeta(path, (m) => (found = m))) break;
  return found ?? {};
}

function* fileChunks(path: string, skip: number, chunkBytes: number): Generator<Uint8Array> {
  const fd = openSync(path, 'r');
  try {
    let pos = skip;
    for (;;) {
      const chunk = Buffer.allocUnsafe(chunkBytes);
      const n = readSync(fd, chunk, 0, chunkBytes, pos);
      if (n <= 0) return;
      pos += n;
      yield n === chunkBytes ? chunk : chunk.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

const MAGIC = 'ARROW1';

function* iterateEventBatchesWithMeta(path: string, onMeta?: (m: Record<string, string>) => void): Generator<EventColumns> {
  if (!existsSync(path)) throw new UserError(`cannot read event file ${path}`);
  const head = Buffer.alloc(8);
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, head, 0, 8, 0);
  } finally {
    closeSync(fd);
  }
  // The file format is the stream format between a magic prefix and a footer: read it sequentially.
  const skip = n >= 6 && head.toString('latin1', 0, 6) === MAGIC ? 8 : 0;
  let reader: ReturnType<typeof RecordBatchReader.from>;
  try {
    reader = RecordBatchReader.from(fileChunks(path, skip, 8 << 20)) as unknown as ReturnType<typeof RecordBatchReader.from>;
  } catch (e) {
    throw new UserError(`${path}: not a readable Arrow IPC file (${(e as Error).message.split('\n')[0]})`);
  }
  const it = reader as unknown as Iterable<RecordBatch> & { schema: Schema; open(): unknown };
  let metaSent = false;
  try {
    for (const batch of it) {
      if (!metaSent) {
        onMeta?.(metaOf(batch.schema));
        metaSent = true;
      }
      if (batch.numRows > 0) yield columnsOfBatch(batch, path);
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${path}: truncated or unreadable Arrow IPC file (${(e as Error).message.split('\n')[0]})`);
  }
  if (!metaSent && onMeta && it.schema) onMeta(metaOf(it.schema));
}

/**
 * Stream an event file one record batch at a time (each batch a set of typed columns), so a long
 * file never has to be in memory at once.
 */
export function iterateEventBatches(path: string): Generator<EventColumns> {
  return iterateEventBatchesWithMeta(path);
}
