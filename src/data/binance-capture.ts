// Raw Binance websocket captures (`<local_ns> <json>` lines) to normalized events: snapshot/diff sync, continuity checks, gap reports.
import { UserError, type Micros } from '../core/index.js';
import { allocEvents, EventFlag, EventType, type EventColumns } from '../market/index.js';
import * as scan from './json-scan.js';
import { ScanError } from './json-scan.js';
import * as text from './text-scan.js';

// Local bindings: module namespace lookups cost a getter call per use under some loaders.
const { bytesEqual, parseIntRange, skipValue, skipWs, stringEnd } = scan;
const { parseNumber } = text;
const SNAPSHOT = EventType.Snapshot;
const DELTA = EventType.Delta;
const TRADE = EventType.Trade;
const BBO = EventType.Bbo;
const END = EventFlag.EndOfMessage;
const START = EventFlag.SnapshotStart;

/** Bump when the conversion's output changes, so caches of converted captures are rebuilt. */
export const CAPTURE_CONVERTER_VERSION = 1;

/** A break in a sequence, reported instead of silently applied. */
export interface CaptureGap {
  /** `sequence`: a diff's first id is not the previous last id + 1; `sync`: no diff covers a snapshot's id + 1; `trade`: trade ids skip. */
  kind: 'sequence' | 'sync' | 'trade';
  file: string;
  line: number;
  tsLocal: Micros;
  /** The id that should have come next. */
  expected: number;
  /** The id that came instead. */
  got: number;
}

export interface CaptureReport {
  files: string[];
  symbol: string | null;
  lines: number;
  rows: number;
  messages: { depth: number; trade: number; bookTicker: number; snapshot: number; ignored: number };
  gaps: CaptureGap[];
  /** Diffs older than the book they would apply to (u <= last applied id), dropped as Binance's rule says. */
  staleDiffs: number;
  /** Diffs received while no valid book existed and never applied (before the first snapshot, or after a gap with no later snapshot). */
  unappliedDiffs: number;
  /** Snapshots older than the book already built from diffs, skipped. */
  redundantSnapshots: number;
  duplicateTrades: number;
  /** Median of exchange time − local time over depth and trade messages, µs (NaN if none). */
  medianExchangeMinusLocalMicros: number;
  firstTsLocal: Micros;
  lastTsLocal: Micros;
}

export interface CaptureOptions {
  /** Keep only this symbol (Binance spelling, e.g. BTCUSDT); default: the capture must hold one symbol. */
  symbol?: string;
  /** Rows per chunk handed to the sink. */
  chunkRows?: number;
}

interface BufferedDiff {
  U: number;
  u: number;
  pu: number;
  tsExchange: Micros;
  tsLocal: Micros;
  file: string;
  line: number;
  side: Int8Array;
  price: Float64Array;
  size: Float64Array;
}

const KIND_NONE = 0;
const KIND_DEPTH = 1;
const KIND_TRADE = 2;
const KIND_AGG_TRADE = 3;
const KIND_BOOK_TICKER = 4;
const KIND_OTHER = 5;

const MAX_BUFFERED_DIFFS = 10_000;
const OFFSET_SAMPLES = 4096;

/**
 * Streaming converter: feed it lines in arrival order, it emits normalized rows in chunks to `sink`
 * (a chunk is reused after the call returns: copy what you keep).
 * Output rows are in arrival order, except that diffs buffered before a snapshot are emitted right
 * after it with tsLocal raised to the snapshot's (the moment they could first be applied).
 * Venue messages without an exchange time (spot bookTicker, REST snapshots) get tsExchange = tsLocal +
 * the latest exchange−local offset seen on depth or trade messages.
 */
export class BinanceCaptureParser {
  private readonly sink: (chunk: EventColumns) => void;
  private readonly wantSymbol: string | null;
  private out: EventColumns;
  private symbol: string | null = null;

  // Current message fields.
  private kind = KIND_NONE;
  private mE = Number.NaN;
  private mT = Number.NaN;
  private mU = Number.NaN;
  private mu = Number.NaN;
  private mpu = Number.NaN;
  private mt = Number.NaN;
  private mp = Number.NaN;
  private mq = Number.NaN;
  private mm = false;
  private mLast = Number.NaN;
  private bidP = Number.NaN;
  private bidQ = Number.NaN;
  private askP = Number.NaN;
  private askQ = Number.NaN;
  private symStart = -1;
  private symEnd = -1;
  private nLevels = 0;
  private lvSide = new Int8Array(4096);
  private lvPrice = new Float64Array(4096);
  private lvSize = new Float64Array(4096);

  // Book sync state.
  private synced = false;
  private fresh = false;
  private lastU = Number.NaN;
  private buffered: BufferedDiff[] = [];
  private lastTradeId = Number.NaN;
  private offset = Number.NaN;
  private unknownOffsetRows: number[] = [];
  private offsetSamples = new Float64Array(OFFSET_SAMPLES);
  private offsetCount = 0;

  private file = '';
  private lineNo = 0;
  private readonly report: CaptureReport;

  constructor(sink: (chunk: EventColumns) => void, options: CaptureOptions = {}) {
    this.sink = sink;
    this.wantSymbol = options.symbol ?? null;
    this.out = allocEvents(Math.max(4096, options.chunkRows ?? 1 << 16));
    this.report = {
      files: [],
      symbol: null,
      lines: 0,
      rows: 0,
      messages: { depth: 0, trade: 0, bookTicker: 0, snapshot: 0, ignored: 0 },
      gaps: [],
      staleDiffs: 0,
      unappliedDiffs: 0,
      redundantSnapshots: 0,
      duplicateTrades: 0,
      medianExchangeMinusLocalMicros: Number.NaN,
      firstTsLocal: Number.NaN,
      lastTsLocal: Number.NaN,
    };
  }

  /** The symbol read so far (null before the first message that names one). */
  get currentSymbol(): string | null {
    return this.wantSymbol ?? this.symbol;
  }

  /** Start a new input file (names and line numbers in reports and errors). */
  beginFile(file: string): void {
    this.file = file;
    this.lineNo = 0;
    this.report.files.push(file);
  }

  /** One capture line b[start, end) without its newline. Throws UserError naming file and line if malformed. */
  line(b: Uint8Array, start: number, end: number): void {
    this.lineNo++;
    if (end > start && b[end - 1] === 13) end--;
    if (end === start) return;
    this.report.lines++;
    try {
      this.parseLine(b, start, end);
    } catch (e) {
      if (e instanceof ScanError) {
        const col = e.at >= start ? ` at column ${e.at - start + 1}` : '';
        throw new UserError(`${this.file}:${this.lineNo}: malformed or truncated capture line (${e.message}${col})`);
      }
      throw e;
    }
  }

  /** Flush the last rows and return the report. */
  finish(): CaptureReport {
    this.report.unappliedDiffs += this.buffered.length;
    this.buffered = [];
    this.flush();
    this.report.symbol = this.symbol;
    const n = Math.min(this.offsetCount, OFFSET_SAMPLES);
    if (n > 0) {
      const s = this.offsetSamples.slice(0, n).sort();
      this.report.medianExchangeMinusLocalMicros = s[n >> 1]!;
    }
    return this.report;
  }

  private flush(): void {
    if (this.out.length === 0) return;
    this.report.rows += this.out.length;
    const o = this.out;
    this.sink({
      length: o.length,
      type: o.type.subarray(0, o.length),
      side: o.side.subarray(0, o.length),
      flags: o.flags.subarray(0, o.length),
      tsExchange: o.tsExchange.subarray(0, o.length),
      tsLocal: o.tsLocal.subarray(0, o.length),
      price: o.price.subarray(0, o.length),
      size: o.size.subarray(0, o.length),
      id: o.id.subarray(0, o.length),
    });
    o.length = 0;
    this.unknownOffsetRows.length = 0;
  }

  private room(rows: number): void {
    if (this.out.length + rows <= this.out.type.length) return;
    this.flush();
    if (rows > this.out.type.length) this.out = allocEvents(rows);
  }

  private row(type: number, side: number, flags: number, tsEx: number, tsLocal: number, price: number, size: number, id: number): void {
    const o = this.out;
    const i = o.length;
    o.type[i] = type;
    o.side[i] = side;
    o.flags[i] = flags;
    o.tsExchange[i] = tsEx;
    o.tsLocal[i] = tsLocal;
    o.price[i] = price;
    o.size[i] = size;
    o.id[i] = id;
    o.length = i + 1;
  }

  private noteOffset(exchangeMicros: number, tsLocal: Micros): void {
    const d = exchangeMicros - tsLocal;
    if (Number.isNaN(this.offset)) {
      const o = this.out;
      for (const i of this.unknownOffsetRows) o.tsExchange[i] = o.tsLocal[i]! + d;
      this.unknownOffsetRows.length = 0;
    }
    this.offset = d;
    this.offsetSamples[this.offsetCount % OFFSET_SAMPLES] = d;
    this.offsetCount++;
  }

  /** Exchange time for a message without one; remembers rows to patch if no offset is known yet. */
  private estimateExchange(tsLocal: Micros, firstRow: number, rows: number): Micros {
    if (!Number.isNaN(this.offset)) return tsLocal + this.offset;
    for (let i = 0; i < rows; i++) this.unknownOffsetRows.push(firstRow + i);
    return tsLocal;
  }

  private parseLine(b: Uint8Array, start: number, end: number): void {
    let p = start;
    while (p < end && b[p] !== 32) p++;
    if (p === end || p - start < 4) throw new ScanError('expected `<local_ns> <json>`', start);
    // ns → µs: drop the last three digits (16 digits of µs stay exact in a double).
    const tsLocal = parseIntRange(b, start, p - 3);
    if (Number.isNaN(tsLocal) || Number.isNaN(parseIntRange(b, p - 3, p))) throw new ScanError('local time is not an integer', start);
    if (Number.isNaN(this.report.firstTsLocal)) this.report.firstTsLocal = tsLocal;
    this.report.lastTsLocal = tsLocal;

    this.kind = KIND_NONE;
    this.mE = this.mT = this.mU = this.mu = this.mpu = this.mt = this.mp = this.mq = this.mLast = Number.NaN;
    this.bidP = this.bidQ = this.askP = this.askQ = Number.NaN;
    this.mm = false;
    this.symStart = this.symEnd = -1;
    this.nLevels = 0;
    p = skipWs(b, p + 1, end);
    if (b[p] !== 123) throw new ScanError('expected a JSON object', p);
    p = skipWs(b, this.parseObject(b, p, end), end);
    if (p !== end) throw new ScanError('trailing bytes after the JSON object', p);

    if (!this.symbolOk(b)) {
      this.report.messages.ignored++;
      return;
    }
    if (!Number.isNaN(this.mLast)) return this.onSnapshot(tsLocal);
    switch (this.kind) {
      case KIND_DEPTH:
        return this.onDepth(tsLocal);
      case KIND_TRADE:
      case KIND_AGG_TRADE:
        return this.onTrade(tsLocal);
      case KIND_BOOK_TICKER:
        return this.onBookTicker(tsLocal);
      case KIND_NONE:
        if (!Number.isNaN(this.mu) && !Number.isNaN(this.bidP) && !Number.isNaN(this.askP)) return this.onBookTicker(tsLocal);
        this.report.messages.ignored++;
        return;
      default:
        this.report.messages.ignored++;
    }
  }

  private symbolOk(b: Uint8Array): boolean {
    if (this.symStart < 0) return true;
    if (this.wantSymbol !== null) return bytesEqual(b, this.symStart, this.symEnd, this.wantSymbol);
    if (this.symbol === null) {
      this.symbol = Buffer.from(b.buffer, b.byteOffset + this.symStart, this.symEnd - this.symStart).toString('latin1');
      return true;
    }
    if (bytesEqual(b, this.symStart, this.symEnd, this.symbol)) return true;
    const other = Buffer.from(b.buffer, b.byteOffset + this.symStart, this.symEnd - this.symStart).toString('latin1');
    throw new UserError(`${this.file}:${this.lineNo}: capture mixes symbols ${this.symbol} and ${other}; choose one with --symbol`);
  }

  private parseObject(b: Uint8Array, p: number, end: number): number {
    p++; // '{'
    for (;;) {
      p = skipWs(b, p, end);
      if (b[p] === 125) return p + 1;
      if (b[p] !== 34) throw new ScanError('expected a key', p);
      const k0 = p + 1;
      const k1 = stringEnd(b, p, end);
      p = skipWs(b, k1 + 1, end);
      if (b[p] !== 58) throw new ScanError("expected ':'", p);
      p = skipWs(b, p + 1, end);
      p = this.parseValue(b, k0, k1, p, end);
      p = skipWs(b, p, end);
      const c = b[p];
      if (c === 44) {
        p++;
        continue;
      }
      if (c === 125) return p + 1;
      throw new ScanError("expected ',' or '}'", p);
    }
  }

  private parseValue(b: Uint8Array, k0: number, k1: number, p: number, end: number): number {
    const len = k1 - k0;
    const v = b[p];
    if (len === 1) {
      switch (b[k0]) {
        case 101: // e
          if (v === 34) {
            const q = stringEnd(b, p, end);
            if (bytesEqual(b, p + 1, q, 'depthUpdate')) this.kind = KIND_DEPTH;
            else if (bytesEqual(b, p + 1, q, 'trade')) this.kind = KIND_TRADE;
            else if (bytesEqual(b, p + 1, q, 'aggTrade')) this.kind = KIND_AGG_TRADE;
            else if (bytesEqual(b, p + 1, q, 'bookTicker')) this.kind = KIND_BOOK_TICKER;
            else this.kind = KIND_OTHER;
            return q + 1;
          }
          break;
        case 69: // E
          return this.intField(b, p, end, 0);
        case 84: // T
          return this.intField(b, p, end, 1);
        case 85: // U
          return this.intField(b, p, end, 2);
        case 117: // u
          return this.intField(b, p, end, 3);
        case 116: // t
          return this.intField(b, p, end, 4);
        case 115: // s
          if (v === 34) {
            const q = stringEnd(b, p, end);
            this.symStart = p + 1;
            this.symEnd = q;
            return q + 1;
          }
          break;
        case 112: // p
          if (v === 34) return this.strNum(b, p, end, 0);
          break;
        case 113: // q
          if (v === 34) return this.strNum(b, p, end, 1);
          break;
        case 109: // m
          if (v === 116) {
            this.mm = true;
            return p + 4;
          }
          if (v === 102) {
            this.mm = false;
            return p + 5;
          }
          break;
        case 98: // b: depth bids, or bookTicker best bid price
          if (v === 91) return this.levels(b, p, end, 1);
          if (v === 34) return this.strNum(b, p, end, 2);
          break;
        case 66: // B
          if (v === 34) return this.strNum(b, p, end, 3);
          break;
        case 97: // a: depth asks, bookTicker best ask price, or aggTrade id
          if (v === 91) return this.levels(b, p, end, -1);
          if (v === 34) return this.strNum(b, p, end, 4);
          return this.intField(b, p, end, 4);
        case 65: // A
          if (v === 34) return this.strNum(b, p, end, 5);
          break;
        default:
          break;
      }
    } else if (len === 2 && b[k0] === 112 && b[k0 + 1] === 117) {
      return this.intField(b, p, end, 5); // pu
    } else if (len === 4) {
      if (v === 123 && bytesEqual(b, k0, k1, 'data')) return this.parseObject(b, p, end);
      if (v === 91 && bytesEqual(b, k0, k1, 'bids')) return this.levels(b, p, end, 1);
      if (v === 91 && bytesEqual(b, k0, k1, 'asks')) return this.levels(b, p, end, -1);
    } else if (len === 12 && bytesEqual(b, k0, k1, 'lastUpdateId')) {
      return this.intField(b, p, end, 6);
    }
    return skipValue(b, p, end);
  }

  private intField(b: Uint8Array, p: number, end: number, which: number): number {
    const q = skipValue(b, p, end);
    const x = parseIntRange(b, p, q);
    if (Number.isNaN(x)) throw new ScanError('expected an integer', p);
    switch (which) {
      case 0:
        this.mE = x;
        break;
      case 1:
        this.mT = x;
        break;
      case 2:
        this.mU = x;
        break;
      case 3:
        this.mu = x;
        break;
      case 4:
        this.mt = x;
        break;
      case 5:
        this.mpu = x;
        break;
      default:
        this.mLast = x;
    }
    return q;
  }

  private strNum(b: Uint8Array, p: number, end: number, which: number): number {
    const q = stringEnd(b, p, end);
    const x = parseNumber(b, p + 1, q);
    if (Number.isNaN(x)) throw new ScanError('expected a decimal string', p);
    switch (which) {
      case 0:
        this.mp = x;
        break;
      case 1:
        this.mq = x;
        break;
      case 2:
        this.bidP = x;
        break;
      case 3:
        this.bidQ = x;
        break;
      case 4:
        this.askP = x;
        break;
      default:
        this.askQ = x;
    }
    return q + 1;
  }

  private levels(b: Uint8Array, p: number, end: number, side: number): number {
    p = skipWs(b, p + 1, end);
    if (b[p] === 93) return p + 1;
    for (;;) {
      if (b[p] !== 91) throw new ScanError("expected '[' of a level", p);
      p = skipWs(b, p + 1, end);
      if (b[p] !== 34) throw new ScanError('expected a price string', p);
      let q = stringEnd(b, p, end);
      const price = parseNumber(b, p + 1, q);
      p = skipWs(b, q + 1, end);
      if (b[p] !== 44) throw new ScanError("expected ',' in a level", p);
      p = skipWs(b, p + 1, end);
      if (b[p] !== 34) throw new ScanError('expected a size string', p);
      q = stringEnd(b, p, end);
      const size = parseNumber(b, p + 1, q);
      p = skipWs(b, q + 1, end);
      // Extra fields in a level (some venues add them) are skipped.
      while (b[p] === 44) p = skipWs(b, skipValue(b, skipWs(b, p + 1, end), end), end);
      if (b[p] !== 93) throw new ScanError("expected ']' of a level", p);
      if (!(price > 0) || !(size >= 0)) throw new ScanError('level price or size is not a number', p);
      this.stage(side, price, size);
      p = skipWs(b, p + 1, end);
      if (b[p] === 44) {
        p = skipWs(b, p + 1, end);
        continue;
      }
      if (b[p] === 93) return p + 1;
      throw new ScanError("expected ',' or ']' in levels", p);
    }
  }

  private stage(side: number, price: number, size: number): void {
    const i = this.nLevels;
    if (i === this.lvSide.length) {
      const grow = <T extends Int8Array | Float64Array>(a: T, make: (n: number) => T): T => {
        const n = make(a.length * 2);
        n.set(a);
        return n;
      };
      this.lvSide = grow(this.lvSide, (n) => new Int8Array(n));
      this.lvPrice = grow(this.lvPrice, (n) => new Float64Array(n));
      this.lvSize = grow(this.lvSize, (n) => new Float64Array(n));
    }
    this.lvSide[i] = side;
    this.lvPrice[i] = price;
    this.lvSize[i] = size;
    this.nLevels = i + 1;
  }

  private onTrade(tsLocal: Micros): void {
    this.report.messages.trade++;
    if (Number.isNaN(this.mt) || Number.isNaN(this.mp) || Number.isNaN(this.mq)) throw new ScanError('trade lacks t, p or q', 0);
    if (!Number.isNaN(this.mE)) this.noteOffset(this.mE * 1000, tsLocal);
    const tsEx = !Number.isNaN(this.mT) ? this.mT * 1000 : !Number.isNaN(this.mE) ? this.mE * 1000 : Number.NaN;
    const id = this.mt;
    if (!Number.isNaN(this.lastTradeId)) {
      if (id <= this.lastTradeId) {
        this.report.duplicateTrades++;
        return;
      }
      if (id !== this.lastTradeId + 1) this.gap('trade', tsLocal, this.lastTradeId + 1, id);
    }
    this.lastTradeId = id;
    this.room(1);
    const row = this.out.length;
    // Binance's m = buyer is maker: the aggressor sold.
    this.row(TRADE, this.mm ? -1 : 1, END, tsEx, tsLocal, this.mp, this.mq, id);
    if (Number.isNaN(tsEx)) this.out.tsExchange[row] = this.estimateExchange(tsLocal, row, 1);
  }

  private onBookTicker(tsLocal: Micros): void {
    this.report.messages.bookTicker++;
    if (Number.isNaN(this.bidQ) || Number.isNaN(this.askQ)) throw new ScanError('bookTicker lacks B or A', 0);
    this.room(2);
    const row = this.out.length;
    const known = !Number.isNaN(this.mE) ? this.mE * 1000 : !Number.isNaN(this.mT) ? this.mT * 1000 : Number.NaN;
    const tsEx = Number.isNaN(known) ? this.estimateExchange(tsLocal, row, 2) : known;
    this.row(BBO, 1, 0, tsEx, tsLocal, this.bidP, this.bidQ, this.mu);
    this.row(BBO, -1, END, tsEx, tsLocal, this.askP, this.askQ, this.mu);
  }

  private onSnapshot(tsLocal: Micros): void {
    this.report.messages.snapshot++;
    const L = this.mLast;
    if (this.synced && L <= this.lastU) {
      this.report.redundantSnapshots++;
      return;
    }
    const n = this.nLevels;
    this.room(n);
    const row = this.out.length;
    const known = !Number.isNaN(this.mT) ? this.mT * 1000 : !Number.isNaN(this.mE) ? this.mE * 1000 : Number.NaN;
    const tsEx = Number.isNaN(known) ? this.estimateExchange(tsLocal, row, n) : known;
    for (let i = 0; i < n; i++) {
      let flags = 0;
      if (i === 0) flags |= START;
      if (i === n - 1) flags |= END;
      this.row(SNAPSHOT, this.lvSide[i]!, flags, tsEx, tsLocal, this.lvPrice[i]!, this.lvSize[i]!, L);
    }
    this.synced = true;
    this.fresh = true;
    this.lastU = L;
    const pending = this.buffered;
    this.buffered = [];
    for (const d of pending) {
      if (!this.synced) {
        // A sync failure inside the buffer: keep buffering for a later snapshot.
        this.buffered.push(d);
        continue;
      }
      this.applyDiff(d.U, d.u, d.pu, d.tsExchange, Math.max(d.tsLocal, tsLocal), d.side, d.price, d.size, d.side.length, d.file, d.line);
    }
  }

  private onDepth(tsLocal: Micros): void {
    this.report.messages.depth++;
    if (Number.isNaN(this.mU) || Number.isNaN(this.mu) || Number.isNaN(this.mE)) throw new ScanError('depthUpdate lacks U, u or E', 0);
    this.noteOffset(this.mE * 1000, tsLocal);
    const tsEx = !Number.isNaN(this.mT) ? this.mT * 1000 : this.mE * 1000;
    if (this.synced) {
      this.applyDiff(this.mU, this.mu, this.mpu, tsEx, tsLocal, this.lvSide, this.lvPrice, this.lvSize, this.nLevels, this.file, this.lineNo);
    } else {
      this.bufferDiff(this.mU, this.mu, this.mpu, tsEx, tsLocal, this.lvSide, this.lvPrice, this.lvSize, this.nLevels, this.file, this.lineNo);
    }
  }

  private bufferDiff(U: number, u: number, pu: number, tsEx: number, tsLocal: number, side: Int8Array, price: Float64Array, size: Float64Array, n: number, file: string, line: number): void {
    if (this.buffered.length >= MAX_BUFFERED_DIFFS) {
      this.buffered.shift();
      this.report.unappliedDiffs++;
    }
    this.buffered.push({ U, u, pu, tsExchange: tsEx, tsLocal, file, line, side: side.slice(0, n), price: price.slice(0, n), size: size.slice(0, n) });
  }

  private applyDiff(U: number, u: number, pu: number, tsEx: number, tsLocal: number, side: Int8Array, price: Float64Array, size: Float64Array, n: number, file: string, line: number): void {
    const last = this.lastU;
    if (u <= last) {
      this.report.staleDiffs++;
      return;
    }
    const ok = this.fresh ? U <= last + 1 : !Number.isNaN(pu) ? pu === last : U === last + 1;
    if (!ok) {
      this.gapAt(this.fresh ? 'sync' : 'sequence', file, line, tsLocal, last + 1, U);
      this.synced = false;
      this.bufferDiff(U, u, pu, tsEx, tsLocal, side, price, size, n, file, line);
      return;
    }
    this.fresh = false;
    this.lastU = u;
    if (n === 0) return;
    this.room(n);
    for (let i = 0; i < n; i++) {
      this.row(DELTA, side[i]!, i === n - 1 ? END : 0, tsEx, tsLocal, price[i]!, size[i]!, u);
    }
  }

  private gap(kind: CaptureGap['kind'], tsLocal: Micros, expected: number, got: number): void {
    this.gapAt(kind, this.file, this.lineNo, tsLocal, expected, got);
  }

  private gapAt(kind: CaptureGap['kind'], file: string, line: number, tsLocal: Micros, expected: number, got: number): void {
    this.report.gaps.push({ kind, file, line, tsLocal, expected, got });
  }
}
