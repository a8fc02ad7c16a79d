// Raw Binance websocket captures (`<local_ns> <json>` lines) to normalized events: snapshot/diff sync, continuity checks, gap reports.
import { UserError, type Micros } from '../core/index.js';
import { allocEvents, EventFlag, EventType, type EventColumns } from '../market/index.js';
import { BinanceMessageScanner, KIND_AGG_TRADE, KIND_BOOK_TICKER, KIND_DEPTH, KIND_NONE, KIND_TRADE } from './binance-message-scan.js';
import { ns19Micros, scanned } from './binance-compact-scan.js';
import * as scan from './json-scan.js';
import { ScanError } from './json-scan.js';

// Local bindings: module namespace lookups cost a getter call per use under some loaders.
const { parseIntRange } = scan;
const SNAPSHOT = EventType.Snapshot;
const DELTA = EventType.Delta;
const TRADE = EventType.Trade;
const BBO = EventType.Bbo;
const GAP = EventType.Gap;
const END = EventFlag.EndOfMessage;
const START = EventFlag.SnapshotStart;

/**
 * Bump when the conversion's output changes, so caches of converted captures are rebuilt. 2: a gap row at each
 * break of the depth stream (files of version 1 carry none: convert their captures again). 3: futures
 * bookTicker rows at their transaction time T, as depth messages (E before). 4: each row's publication delay
 * (`publishDelay`, E − T where a message carries both; event format 3).
 */
export const CAPTURE_CONVERTER_VERSION = 4;

/** A break in a sequence, reported instead of silently applied. */
export interface CaptureGap {
  /**
   * `sequence`: a diff does not continue the last applied one (spot: U ≠ previous u + 1, expected previous
   * u + 1; futures: pu ≠ previous u, expected previous u, got pu); `sync`: no diff covers a snapshot's id
   * (spot: lastUpdateId + 1; futures: lastUpdateId, got U); `trade`: trade ids skip.
   */
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
  /** Snapshots that ended a gap of the depth stream (the book known again from them). */
  resyncs: number;
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
  /** false: every line through the full JSON scanner, without the compact fast path (to compare the two). */
  compactFastPath?: boolean;
}

interface BufferedDiff {
  U: number;
  u: number;
  pu: number;
  tsExchange: Micros;
  tsLocal: Micros;
  publishDelay: Micros;
  file: string;
  line: number;
  side: Int8Array;
  price: Float64Array;
  size: Float64Array;
}


const MAX_BUFFERED_DIFFS = 10_000;
const OFFSET_SAMPLES = 4096;

/**
 * Streaming converter: feed it lines in arrival order, it emits normalized rows in chunks to `sink`
 * (a chunk is reused after the call returns: copy what you keep).
 * Output rows are in arrival order, except that diffs buffered before a snapshot are emitted right
 * after it with tsLocal raised to the snapshot's (the moment they could first be applied).
 * A diff that does not continue the book (Binance's rules, spot and futures: `applyDiff`) is a break: a gap
 * row (`EventType.Gap`) at that message's times says the book is unknown from there, and the next snapshot,
 * if the capture has one, is the resync; the diffs between are not applied.
 * Venue messages without an exchange time (spot bookTicker, REST snapshots) get tsExchange = tsLocal +
 * the latest exchange−local offset seen on depth or trade messages.
 * Exchange time is the transaction time T where a message carries one (futures depth, bookTicker, trades;
 * spot trades), else its event time E. Binance publishes a message at E, which may come well after T (up
 * to ~110 ms on USD-M while the matching engine is busy): each row keeps E − T as its `publishDelay`
 * (0 where the message has no T, or no E).
 */
export class BinanceCaptureParser {
  private readonly sink: (chunk: EventColumns) => void;
  private readonly wantSymbol: string | null;
  private out: EventColumns;
  private symbol: string | null = null;

  private readonly msg: BinanceMessageScanner;
  /** The local time of the line being read (see `parseLine`). */
  private readonly lineTs = new Float64Array(1);

  // Book sync state.
  private synced = false;
  /** A gap row was written and no snapshot has followed it yet. */
  private gapOpen = false;
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
    this.msg = new BinanceMessageScanner(options.compactFastPath ?? true);
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
      resyncs: 0,
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
      publishDelay: o.publishDelay.subarray(0, o.length),
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

  private row(type: number, side: number, flags: number, tsEx: number, tsLocal: number, price: number, size: number, id: number, publishDelay: number): void {
    const o = this.out;
    const i = o.length;
    o.type[i] = type;
    o.side[i] = side;
    o.flags[i] = flags;
    o.tsExchange[i] = tsEx;
    o.tsLocal[i] = tsLocal;
    o.publishDelay[i] = publishDelay;
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

  /** E − T of the message read, µs: how long after its exchange time Binance published it (0 without both). */
  private publishDelay(): Micros {
    const E = this.msg.mE;
    const T = this.msg.mT;
    return E > T ? (E - T) * 1000 : 0;
  }

  /** Exchange time for a message without one; remembers rows to patch if no offset is known yet. */
  private estimateExchange(tsLocal: Micros, firstRow: number, rows: number): Micros {
    if (!Number.isNaN(this.offset)) return tsLocal + this.offset;
    for (let i = 0; i < rows; i++) this.unknownOffsetRows.push(firstRow + i);
    return tsLocal;
  }

  private parseLine(b: Uint8Array, start: number, end: number): void {
    let p = start + 19;
    // The 19-digit nanosecond time followed by a space (every line of today's captures), read here rather than
    // returned by a helper: a double returned from a call V8 does not inline is boxed, once per line.
    let tsLocal = Number.NaN;
    if (end - start > 20 && b[start + 19] === 32 && ns19Micros(this.msg, b, start)) {
      const v = scanned[0]!;
      if (v <= Number.MAX_SAFE_INTEGER) tsLocal = v;
    }
    if (Number.isNaN(tsLocal)) {
      p = start;
      while (p < end && b[p] !== 32) p++;
      if (p === end || p - start < 4) throw new ScanError('expected `<local_ns> <json>`', start);
      // ns → µs: drop the last three digits (16 digits of µs stay exact in a double).
      tsLocal = parseIntRange(b, start, p - 3);
      if (Number.isNaN(tsLocal) || Number.isNaN(parseIntRange(b, p - 3, p))) throw new ScanError('local time is not an integer', start);
    }
    // The line's local time reaches the message handlers through a typed slot, not as an argument (boxed per call).
    this.lineTs[0] = tsLocal;
    if (Number.isNaN(this.report.firstTsLocal)) this.report.firstTsLocal = tsLocal;
    this.report.lastTsLocal = tsLocal;

    this.msg.scan(b, p + 1, end);
    const m = this.msg;

    if (!this.symbolOk(b)) {
      this.report.messages.ignored++;
      return;
    }
    if (!Number.isNaN(m.mLast)) return this.onSnapshot();
    switch (m.kind) {
      case KIND_DEPTH:
        return this.onDepth();
      case KIND_TRADE:
      case KIND_AGG_TRADE:
        return this.onTrade();
      case KIND_BOOK_TICKER:
        return this.onBookTicker();
      case KIND_NONE:
        if (!Number.isNaN(m.mu) && !Number.isNaN(m.bidP) && !Number.isNaN(m.askP)) return this.onBookTicker();
        this.report.messages.ignored++;
        return;
      default:
        this.report.messages.ignored++;
    }
  }

  /** Char codes of the symbol every message must name (the wanted one, or the first one read), compared byte for byte. */
  private symCodes: Uint16Array | null = null;

  private symbolOk(b: Uint8Array): boolean {
    const s0 = this.msg.symStart;
    if (s0 < 0) return true;
    const s1 = this.msg.symEnd;
    let codes = this.symCodes;
    if (codes === null) {
      if (this.wantSymbol === null) {
        this.symbol = Buffer.from(b.buffer, b.byteOffset + s0, s1 - s0).toString('latin1');
      }
      const text = this.wantSymbol ?? this.symbol!;
      codes = this.symCodes = new Uint16Array(text.length);
      for (let i = 0; i < text.length; i++) codes[i] = text.charCodeAt(i);
      if (this.wantSymbol === null) return true;
    }
    let same = s1 - s0 === codes.length;
    for (let i = 0; same && i < codes.length; i++) same = b[s0 + i] === codes[i];
    if (same || this.wantSymbol !== null) return same;
    const other = Buffer.from(b.buffer, b.byteOffset + this.msg.symStart, this.msg.symEnd - this.msg.symStart).toString('latin1');
    throw new UserError(`${this.file}:${this.lineNo}: capture mixes symbols ${this.symbol} and ${other}; choose one with --symbol`);
  }

  private onTrade(): void {
    const tsLocal = this.lineTs[0]!;
    this.report.messages.trade++;
    if (Number.isNaN(this.msg.mt) || Number.isNaN(this.msg.mp) || Number.isNaN(this.msg.mq)) throw new ScanError('trade lacks t, p or q', 0);
    if (!Number.isNaN(this.msg.mE)) this.noteOffset(this.msg.mE * 1000, tsLocal);
    const tsEx = !Number.isNaN(this.msg.mT) ? this.msg.mT * 1000 : !Number.isNaN(this.msg.mE) ? this.msg.mE * 1000 : Number.NaN;
    const id = this.msg.mt;
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
    this.row(TRADE, this.msg.mm ? -1 : 1, END, tsEx, tsLocal, this.msg.mp, this.msg.mq, id, this.publishDelay());
    if (Number.isNaN(tsEx)) this.out.tsExchange[row] = this.estimateExchange(tsLocal, row, 1);
  }

  private onBookTicker(): void {
    const tsLocal = this.lineTs[0]!;
    this.report.messages.bookTicker++;
    if (Number.isNaN(this.msg.bidQ) || Number.isNaN(this.msg.askQ)) throw new ScanError('bookTicker lacks B or A', 0);
    this.room(2);
    const row = this.out.length;
    // The transaction time T (futures), as depth messages and trades: the touch as of the update it names.
    // E, when it is publication time, comes as much as ~110 ms later on USD-M while the matching engine is busy,
    // and a BBO row stamped with it would hold back the book rows logged after it.
    const known = !Number.isNaN(this.msg.mT) ? this.msg.mT * 1000 : !Number.isNaN(this.msg.mE) ? this.msg.mE * 1000 : Number.NaN;
    const tsEx = Number.isNaN(known) ? this.estimateExchange(tsLocal, row, 2) : known;
    const pub = this.publishDelay();
    this.row(BBO, 1, 0, tsEx, tsLocal, this.msg.bidP, this.msg.bidQ, this.msg.mu, pub);
    this.row(BBO, -1, END, tsEx, tsLocal, this.msg.askP, this.msg.askQ, this.msg.mu, pub);
  }

  private onSnapshot(): void {
    const tsLocal = this.lineTs[0]!;
    this.report.messages.snapshot++;
    const L = this.msg.mLast;
    if (this.synced && L <= this.lastU) {
      this.report.redundantSnapshots++;
      return;
    }
    const n = this.msg.nLevels;
    this.room(n);
    const row = this.out.length;
    const known = !Number.isNaN(this.msg.mT) ? this.msg.mT * 1000 : !Number.isNaN(this.msg.mE) ? this.msg.mE * 1000 : Number.NaN;
    const tsEx = Number.isNaN(known) ? this.estimateExchange(tsLocal, row, n) : known;
    const pub = this.publishDelay();
    for (let i = 0; i < n; i++) {
      let flags = 0;
      if (i === 0) flags |= START;
      if (i === n - 1) flags |= END;
      this.row(SNAPSHOT, this.msg.lvSide[i]!, flags, tsEx, tsLocal, this.msg.lvPrice[i]!, this.msg.lvSize[i]!, L, pub);
    }
    this.synced = true;
    this.fresh = true;
    this.lastU = L;
    if (this.gapOpen) {
      this.gapOpen = false;
      this.report.resyncs++;
    }
    const pending = this.buffered;
    this.buffered = [];
    for (const d of pending) {
      if (!this.synced) {
        // A sync failure inside the buffer: keep buffering for a later snapshot.
        this.buffered.push(d);
        continue;
      }
      this.applyDiff(d.U, d.u, d.pu, d.tsExchange, Math.max(d.tsLocal, tsLocal), d.publishDelay, d.side, d.price, d.size, d.side.length, d.file, d.line);
    }
  }

  private onDepth(): void {
    const tsLocal = this.lineTs[0]!;
    this.report.messages.depth++;
    if (Number.isNaN(this.msg.mU) || Number.isNaN(this.msg.mu) || Number.isNaN(this.msg.mE)) throw new ScanError('depthUpdate lacks U, u or E', 0);
    this.noteOffset(this.msg.mE * 1000, tsLocal);
    const tsEx = !Number.isNaN(this.msg.mT) ? this.msg.mT * 1000 : this.msg.mE * 1000;
    const pub = this.publishDelay();
    if (this.synced) {
      this.applyDiff(this.msg.mU, this.msg.mu, this.msg.mpu, tsEx, tsLocal, pub, this.msg.lvSide, this.msg.lvPrice, this.msg.lvSize, this.msg.nLevels, this.file, this.lineNo);
    } else {
      this.bufferDiff(this.msg.mU, this.msg.mu, this.msg.mpu, tsEx, tsLocal, pub, this.msg.lvSide, this.msg.lvPrice, this.msg.lvSize, this.msg.nLevels, this.file, this.lineNo);
    }
  }

  private bufferDiff(U: number, u: number, pu: number, tsEx: number, tsLocal: number, pub: number, side: Int8Array, price: Float64Array, size: Float64Array, n: number, file: string, line: number): void {
    if (this.buffered.length >= MAX_BUFFERED_DIFFS) {
      this.buffered.shift();
      this.report.unappliedDiffs++;
    }
    this.buffered.push({ U, u, pu, tsExchange: tsEx, tsLocal, publishDelay: pub, file, line, side: side.slice(0, n), price: price.slice(0, n), size: size.slice(0, n) });
  }

  /**
   * Binance's local-book rules. Spot (no `pu`): drop diffs with u ≤ lastUpdateId; the first applied one
   * has U ≤ lastUpdateId + 1 ≤ u; then each U = previous u + 1. Futures, USD-M and COIN-M (`pu`, the
   * previous message's u; their ids are not contiguous): drop diffs with u < lastUpdateId; the first
   * applied one has U ≤ lastUpdateId ≤ u (or continues it: pu = lastUpdateId); then each pu = previous u.
   */
  private applyDiff(U: number, u: number, pu: number, tsEx: number, tsLocal: number, pub: number, side: Int8Array, price: Float64Array, size: Float64Array, n: number, file: string, line: number): void {
    const last = this.lastU;
    const futures = !Number.isNaN(pu);
    if (futures && this.fresh ? u < last : u <= last) {
      this.report.staleDiffs++;
      return;
    }
    const ok = futures ? pu === last || (this.fresh && U <= last) : this.fresh ? U <= last + 1 : U === last + 1;
    if (!ok) {
      // Futures: the previous id this message names (pu) against the last one applied.
      if (futures) this.gapAt(this.fresh ? 'sync' : 'sequence', file, line, tsLocal, last, this.fresh ? U : pu);
      else this.gapAt(this.fresh ? 'sync' : 'sequence', file, line, tsLocal, last + 1, U);
      // In the file: the book is unknown from this message on, until the next snapshot.
      this.room(1);
      this.row(GAP, 0, END, tsEx, tsLocal, 0, 0, last, pub);
      this.gapOpen = true;
      this.synced = false;
      this.bufferDiff(U, u, pu, tsEx, tsLocal, pub, side, price, size, n, file, line);
      return;
    }
    this.fresh = false;
    this.lastU = u;
    if (n === 0) return;
    this.room(n);
    for (let i = 0; i < n; i++) {
      this.row(DELTA, side[i]!, i === n - 1 ? END : 0, tsEx, tsLocal, price[i]!, size[i]!, u, pub);
    }
  }

  private gap(kind: CaptureGap['kind'], tsLocal: Micros, expected: number, got: number): void {
    this.gapAt(kind, this.file, this.lineNo, tsLocal, expected, got);
  }

  private gapAt(kind: CaptureGap['kind'], file: string, line: number, tsLocal: Micros, expected: number, got: number): void {
    this.report.gaps.push({ kind, file, line, tsLocal, expected, got });
  }
}
