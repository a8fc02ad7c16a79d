// Fast sequential reader of Arrow IPC event files: message by message into reusable memory, typed-array views over the bytes.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Field, Message, Schema } from 'apache-arrow';
import { arrowLib } from './arrow-lib.js';
import { UserError } from '../core/index.js';
import { allocEvents, type EventColumns } from '../market/index.js';
import { checkEventRows, eventCheck } from './event-checks.js';

type ColumnName = 'type' | 'side' | 'flags' | 'tsExchange' | 'tsLocal' | 'publishDelay' | 'price' | 'size' | 'id';

/**
 * Our columns: name, Arrow type, bytes per row, whether a file may lack it. Files of format 2 and older have
 * no `publishDelay`: they read with 0 there, publication time = exchange time (what they were replayed with).
 */
const WANT: readonly [ColumnName, string, number, boolean][] = [
  ['type', 'Uint8', 1, false],
  ['side', 'Int8', 1, false],
  ['flags', 'Uint8', 1, false],
  ['tsExchange', 'Float64', 8, false],
  ['tsLocal', 'Float64', 8, false],
  ['publishDelay', 'Float64', 8, true],
  ['price', 'Float64', 8, false],
  ['size', 'Float64', 8, false],
  ['id', 'Float64', 8, false],
];

/** Zeros for a column a file lacks (read-only views of it stand in for the column). */
let zeros = new Float64Array(0);
function zeroColumn(n: number): Float64Array {
  if (zeros.length < n) zeros = new Float64Array(Math.max(n, 2 * zeros.length));
  return zeros.subarray(0, n);
}

export interface EventFile {
  events: EventColumns;
  /** Schema metadata (venue, symbol, source...). */
  meta: Record<string, string>;
  batches: number;
  /** Read with `partial`: bytes after the last complete record batch were left unread (a writer stopped mid-batch). */
  truncatedTail?: boolean;
}

/** The parts of a decoded record-batch message header we use (Arrow keeps its class internal). */
interface ArrowRecordBatch {
  length: number;
  nodes: { length: number; nullCount: number }[];
  buffers: { offset: number; length: number }[];
  compression: unknown;
}

/** Where each of our columns' data buffer sits among a record batch's buffers; null if the layout needs Arrow's general reader. */
interface Layout {
  dataBuffer: Int32Array; // per WANT column: index into the batch's buffer list (-1: an optional column the file lacks)
  node: Int32Array; // per WANT column: index into the batch's field nodes (-1: lacking)
  meta: Record<string, string>;
}

function buffersOf(f: Field): number {
  const { Type } = arrowLib();
  if (f.type.children?.length) return -1;
  switch (f.type.typeId) {
    case Type.Null:
      return 0;
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary:
      return 3;
    case Type.Int:
    case Type.Float:
    case Type.Bool:
    case Type.Decimal:
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
    case Type.Interval:
    case Type.Duration:
    case Type.FixedSizeBinary:
      return 2;
    default:
      return -1;
  }
}

function layoutOf(schema: Schema, path: string): Layout | null {
  const dataBuffer = new Int32Array(WANT.length).fill(-1);
  const node = new Int32Array(WANT.length).fill(-1);
  let buf = 0;
  for (let j = 0; j < schema.fields.length; j++) {
    const f = schema.fields[j]!;
    const nb = buffersOf(f);
    if (nb < 0) return null;
    const w = WANT.findIndex(([name]) => name === f.name);
    if (w >= 0) {
      if (String(f.type) !== WANT[w]![1]) throw new UserError(`${path}: column '${f.name}' must be ${WANT[w]![1]}, found ${String(f.type)}`);
      dataBuffer[w] = buf + 1;
      node[w] = j;
    }
    buf += nb;
  }
  for (let w = 0; w < WANT.length; w++) if (node[w]! < 0 && !WANT[w]![3]) throw new UserError(`${path}: not a normalized event file (no column '${WANT[w]![0]}')`);
  const meta = Object.fromEntries(schema.metadata);
  checkFormat(meta, path);
  return { dataBuffer, node, meta };
}

/**
 * The newest event format this reader knows: 1 (snapshots, deltas, trades, BBO), 2 (plus gap rows) and 3
 * (plus the `publishDelay` column).
 */
const EVENT_FORMAT_VERSION = 3;

/**
 * An event file of a newer format than this reader knows is refused in one line: its rows may mean what this
 * version cannot honour. Files without the key (written by other tools) are read by their columns.
 */
function checkFormat(meta: Readonly<Record<string, string>>, path: string): void {
  const f = meta['marketmakerl.format'];
  if (f === undefined) return;
  const m = /^marketmakerl\.events\/(\d+)$/.exec(f);
  if (m === null) {
    if (f.startsWith('marketmakerl.events/')) throw new UserError(`${path}: unknown event file format '${f}'`);
    return;
  }
  const v = Number(m[1]);
  if (v > EVENT_FORMAT_VERSION) throw new UserError(`${path}: event file format ${f} was written by a newer marketmakerl; this version reads marketmakerl.events/1 to /${EVENT_FORMAT_VERSION}: upgrade, or convert the capture again with this version`);
}

const MAGIC = [65, 82, 82, 79, 87, 49]; // ARROW1
// Arrow's MessageHeader codes (fixed by the IPC format).
const HEADER_SCHEMA = 1;
const HEADER_RECORD_BATCH = 3;

/**
 * Reads event files with memory it keeps between reads, so a backtest that walks many files pays
 * for allocation once. Results are views into that memory: valid until this reader reads again.
 */
export class EventFileReader {
  private cols: EventColumns = allocEvents(0);
  private head = Buffer.alloc(8);
  private metaBuf: Buffer = Buffer.alloc(4096);
  private body: Buffer = Buffer.alloc(0);

  /**
   * The whole file as contiguous columns. Each column's bytes go from the file straight into its typed
   * array (no intermediate buffer, no per-row work); a reused reader also reuses the arrays.
   */
  read(path: string, o: { partial?: boolean } = {}): EventFile {
    const fd = openFile(path);
    let tail = false;
    try {
      const size = fstatSync(fd).size;
      const n = readSync(fd, this.head, 0, 8, 0);
      let pos = n >= 6 && MAGIC.every((c, i) => this.head[i] === c) ? 8 : 0;
      let layout: Layout | null = null;
      const found: { bodyStart: number; batch: ArrowRecordBatch }[] = [];
      let total = 0;
      for (;;) {
        let m: ReturnType<EventFileReader['messageFromFile']>;
        try {
          m = this.messageFromFile(fd, pos, size, path);
        } catch (e) {
          // A file still being written, or whose writer was killed: everything before the cut is complete.
          if (o.partial !== true || layout === null) throw e;
          tail = true;
          break;
        }
        if (m === null) break;
        const end = m.bodyStart + m.message.bodyLength;
        if (end > size) {
          if (o.partial !== true || layout === null) throw truncated(path);
          tail = true;
          break;
        }
        pos = end;
        if (m.message.headerType === HEADER_SCHEMA) {
          layout = layoutOf(m.message.header() as Schema, path);
          if (layout === null) return readWithArrow(path);
        } else if (m.message.headerType === HEADER_RECORD_BATCH) {
          // No schema message first (Arrow JS's own file writer keeps it only in the footer).
          if (!layout) return readWithArrow(path);
          const batch = m.message.header() as unknown as ArrowRecordBatch;
          if (batch.compression) return readWithArrow(path);
          if (batch.length > 0) found.push({ bodyStart: m.bodyStart, batch });
          total += batch.length;
        } else {
          return readWithArrow(path);
        }
      }
      if (!layout) throw new UserError(`${path}: not an Arrow IPC event file (no schema)`);
      if (this.cols.type.length < total) this.cols = allocEvents(total);
      const out = this.cols;
      let at = 0;
      for (const { bodyStart, batch } of found) {
        const rows = batch.length;
        for (let w = 0; w < WANT.length; w++) {
          const [name, , width] = WANT[w]!;
          if (layout.node[w]! < 0) {
            (out[name] as Float64Array).fill(0, at, at + rows);
            continue;
          }
          const node = batch.nodes[layout.node[w]!];
          const region = batch.buffers[layout.dataBuffer[w]!];
          if (!node || !region || region.length < rows * width) throw truncated(path);
          if (node.nullCount > 0) throw new UserError(`${path}: column '${name}' has nulls`);
          const col = out[name];
          const dst = new Uint8Array(col.buffer, col.byteOffset + at * width, rows * width);
          let off = 0;
          while (off < dst.length) {
            const r = readSync(fd, dst, off, dst.length - off, bodyStart + region.offset + off);
            if (r <= 0) throw truncated(path);
            off += r;
          }
        }
        at += rows;
      }
      out.length = total;
      const events = trimmed(out);
      checkEventRows(events, eventCheck(path));
      return { events, meta: layout.meta, batches: found.length, ...(o.partial === true ? { truncatedTail: tail } : {}) };
    } finally {
      closeSync(fd);
    }
  }

  /** Record batches one at a time, each read from disk into reused memory (views valid until the next batch). */
  *batches(path: string, onMeta?: (meta: Record<string, string>) => void): Generator<EventColumns> {
    const fd = openFile(path);
    const check = eventCheck(path);
    try {
      const size = fstatSync(fd).size;
      const n = readSync(fd, this.head, 0, 8, 0);
      let pos = n >= 6 && MAGIC.every((c, i) => this.head[i] === c) ? 8 : 0;
      let layout: Layout | null = null;
      for (;;) {
        const m = this.messageFromFile(fd, pos, size, path);
        if (m === null) break;
        const bodyLength = m.message.bodyLength;
        const bodyStart = m.bodyStart;
        pos = bodyStart + bodyLength;
        if (pos > size) throw truncated(path);
        if (m.message.headerType === HEADER_SCHEMA) {
          layout = layoutOf(m.message.header() as Schema, path);
          if (layout === null) throw new UserError(`${path}: columns of unsupported types for streaming; read it whole`);
          onMeta?.(layout.meta);
          continue;
        }
        if (m.message.headerType !== HEADER_RECORD_BATCH || !layout) {
          // A layout this reader does not stream: hand over the whole file as one batch.
          const whole = readWithArrow(path);
          onMeta?.(whole.meta);
          checkEventRows(whole.events, check);
          if (whole.events.length > 0) yield whole.events;
          return;
        }
        const batch = m.message.header() as unknown as ArrowRecordBatch;
        if (batch.compression) throw new UserError(`${path}: compressed record batches are not supported for streaming`);
        if (this.body.length < bodyLength) this.body = Buffer.allocUnsafeSlow(bodyLength);
        let off = 0;
        while (off < bodyLength) {
          const r = readSync(fd, this.body, off, bodyLength - off, bodyStart + off);
          if (r <= 0) throw truncated(path);
          off += r;
        }
        const cols = viewBatch(this.body, 0, batch, layout, path);
        checkEventRows(cols, check);
        if (cols.length > 0) yield cols;
      }
    } finally {
      closeSync(fd);
    }
  }

  private messageFromFile(fd: number, pos: number, size: number, path: string): { message: Message; bodyStart: number } | null {
    if (pos + 4 > size) return null;
    const n = readSync(fd, this.head, 0, Math.min(8, size - pos), pos);
    let len = this.head.readInt32LE(0);
    let p = pos + 4;
    if (len === -1) {
      if (n < 8) throw truncated(path);
      len = this.head.readInt32LE(4);
      p += 4;
    }
    if (len === 0) return null;
    if (len < 0 || p + len > size) throw truncated(path);
    if (this.metaBuf.length < len) this.metaBuf = Buffer.alloc(len);
    if (readSync(fd, this.metaBuf, 0, len, p) !== len) throw truncated(path);
    return { message: decode(this.metaBuf.subarray(0, len), path), bodyStart: p + len };
  }
}

function openFile(path: string): number {
  try {
    const fd = openSync(path, 'r');
    if (!fstatSync(fd).isFile()) {
      closeSync(fd);
      throw new Error('not a file');
    }
    return fd;
  } catch {
    throw new UserError(`cannot read event file ${path}`);
  }
}


function truncated(path: string): UserError {
  return new UserError(`${path}: truncated or unreadable Arrow IPC file`);
}

function decode(bytes: Uint8Array, path: string): Message {
  try {
    return arrowLib().Message.decode(bytes);
  } catch (e) {
    throw new UserError(`${path}: not a readable Arrow IPC file (${(e as Error).message.split('\n')[0]})`);
  }
}

function viewBatch(b: Buffer, bodyStart: number, batch: ArrowRecordBatch, layout: Layout, path: string): EventColumns {
  const n = batch.length;
  const views: ArrayBufferView[] = [];
  for (let w = 0; w < WANT.length; w++) {
    const [name, , width] = WANT[w]!;
    if (layout.node[w]! < 0) {
      views.push(zeroColumn(n));
      continue;
    }
    const node = batch.nodes[layout.node[w]!];
    const region = batch.buffers[layout.dataBuffer[w]!];
    if (!node || !region) throw truncated(path);
    if (node.nullCount > 0) throw new UserError(`${path}: column '${name}' has nulls`);
    if (region.length < n * width || bodyStart + region.offset + region.length > b.length) throw truncated(path);
    const at = b.byteOffset + bodyStart + region.offset;
    let view: ArrayBufferView;
    if (width === 8) {
      view = at % 8 === 0 ? new Float64Array(b.buffer, at, n) : new Float64Array(b.buffer.slice(at, at + n * 8));
    } else if (name === 'side') view = new Int8Array(b.buffer, at, n);
    else view = new Uint8Array(b.buffer, at, n);
    views.push(view);
  }
  const [type, side, flags, tsExchange, tsLocal, publishDelay, price, size, id] = views;
  return { length: n, type, side, flags, tsExchange, tsLocal, publishDelay, price, size, id } as EventColumns;
}

function trimmed(c: EventColumns): EventColumns {
  const n = c.length;
  return {
    length: n,
    type: c.type.subarray(0, n),
    side: c.side.subarray(0, n),
    flags: c.flags.subarray(0, n),
    tsExchange: c.tsExchange.subarray(0, n),
    tsLocal: c.tsLocal.subarray(0, n),
    publishDelay: c.publishDelay.subarray(0, n),
    price: c.price.subarray(0, n),
    size: c.size.subarray(0, n),
    id: c.id.subarray(0, n),
  };
}

/** Files our fast path does not handle (compression, dictionaries, nested extra columns): Arrow's general reader. */
function readWithArrow(path: string): EventFile {
  const fd = openFile(path);
  let bytes: Buffer;
  try {
    const size = fstatSync(fd).size;
    bytes = Buffer.allocUnsafeSlow(size);
    let off = 0;
    while (off < size) {
      const r = readSync(fd, bytes, off, size - off, off);
      if (r <= 0) break;
      off += r;
    }
  } finally {
    closeSync(fd);
  }
  let table;
  try {
    table = arrowLib().tableFromIPC(bytes);
  } catch (e) {
    throw new UserError(`${path}: not a readable Arrow IPC file (${(e as Error).message.split('\n')[0]})`);
  }
  const meta = Object.fromEntries(table.schema.metadata);
  checkFormat(meta, path);
  const out = allocEvents(table.numRows);
  for (const [name, typeName, , optional] of WANT) {
    const col = table.getChild(name);
    if (!col && optional) continue; // allocEvents' zeros
    if (!col) throw new UserError(`${path}: not a normalized event file (no column '${name}')`);
    if (String(col.type) !== typeName) throw new UserError(`${path}: column '${name}' must be ${typeName}, found ${String(col.type)}`);
    if (col.nullCount > 0) throw new UserError(`${path}: column '${name}' has nulls`);
    (out[name] as Float64Array).set(col.toArray() as Float64Array);
  }
  out.length = table.numRows;
  checkEventRows(out, eventCheck(path));
  return { events: out, meta, batches: table.batches.length };
}
