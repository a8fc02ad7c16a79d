// Live recorder: ccxt watchOrderBook / watchTrades into rotating normalized Arrow event files, with reconnects and resyncs.
import { join } from 'node:path';
import { NetworkFault, utcStamp, type Micros } from '../core/index.js';
import { EventFlag, EventType } from '../market/index.js';
import { backoffDelayMs, classifyCcxtError, DEFAULT_RETRY, marketData, type BookLevel, type CcxtExchange, type RetryPolicy } from '../venues/index.js';
import { EventBuffer } from './event-buffer.js';
import { EventFileWriter } from './event-store.js';

export interface RecorderOptions {
  symbol: string;
  outDir: string;
  /** Stop after this long (ms); default: until the signal. */
  durationMs?: number;
  /** Start a new file this often (ms); default one hour. Each file starts with a full snapshot. */
  rotateEveryMs?: number;
  /** Book depth asked of the venue (ccxt's limit); default the venue's. */
  bookLimit?: number;
  /** Reconnect backoff; `maxAttempts` bounds consecutive failures before giving up. */
  retry?: RetryPolicy;
  signal?: AbortSignal;
  /** Local clock, µs. */
  now?: () => Micros;
  /** Progress and incidents (connected, resync, gap, reconnect, rotate). */
  onEvent?: (e: RecorderEvent) => void;
}

export type RecorderEvent =
  | { kind: 'snapshot'; updateId: number | null; levels: number }
  | { kind: 'gap'; stream: 'book' | 'trades'; detail: string }
  | { kind: 'reconnect'; stream: 'book' | 'trades'; attempt: number; delayMs: number; reason: string }
  | { kind: 'rotate'; file: string };

export interface RecordReport {
  files: string[];
  rows: number;
  snapshots: number;
  bookUpdates: number;
  trades: number;
  /** Sequence breaks seen (book: ccxt's checksum/sequence error; trades: skipped ids). */
  gaps: number;
  reconnects: number;
}

const defaultNow = (): Micros => Math.round((performance.timeOrigin + performance.now()) * 1000);

/**
 * Record one market until the duration ends or the signal aborts. Book states from ccxt become a
 * snapshot (first state, after every resync and at the start of every file) and then per-update
 * level changes (size = new total, 0 removes), each message ending with EndOfMessage; trades
 * become Trade rows with the aggressor's side; a break of the book stream (a sequence gap, a lost
 * connection) becomes a gap row, the book unknown until the snapshot of the resync. Files are complete
 * and readable when this resolves.
 */
export async function recordMarket(ex: CcxtExchange, opts: RecorderOptions): Promise<RecordReport> {
  const md = marketData(ex);
  const now = opts.now ?? defaultNow;
  const retry = opts.retry ?? DEFAULT_RETRY;
  const rotateEvery = opts.rotateEveryMs ?? 3_600_000;
  const report: RecordReport = { files: [], rows: 0, snapshots: 0, bookUpdates: 0, trades: 0, gaps: 0, reconnects: 0 };
  const symbolTag = opts.symbol.replace(/[/:]/g, '-');
  const meta = { source: 'recorder', venue: md.id, symbol: opts.symbol, time_unit: 'epoch microseconds' };

  let writer: EventFileWriter | null = null;
  let fileStarted = 0;
  let seq = 0;
  const rows = new EventBuffer(4096);
  let needSnapshot = true;
  let stopping = false;

  const openFile = (): void => {
    const token = utcStamp(new Date(now() / 1000));
    seq++;
    const path = join(opts.outDir, `${md.id}_${symbolTag}_${token}_${String(seq).padStart(3, '0')}.arrow`);
    writer = new EventFileWriter(path, { meta: { ...meta, started_utc: new Date(now() / 1000).toISOString() }, batchRows: 1 << 16 });
    fileStarted = now();
    needSnapshot = true;
  };
  const closeFile = (): void => {
    if (!writer) return;
    const w: EventFileWriter = writer;
    writer = null;
    w.close();
    report.files.push(w.path);
  };
  const emit = (): void => {
    if (rows.length === 0) return;
    if (!writer) openFile();
    (writer as unknown as EventFileWriter).append(rows.cols, 0, rows.length);
    report.rows += rows.length;
    rows.clear();
  };

  // Stop: on the signal or at the end of the duration; closing the exchange wakes pending watches.
  let stopTimer: NodeJS.Timeout | null = null;
  const wakers = new Set<() => void>();
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    for (const w of wakers) w();
    void (ex as unknown as { close?: () => Promise<void> }).close?.().catch(() => undefined);
  };
  /** A pause that ends early when the recorder stops. */
  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        wakers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      wakers.add(done);
    });
  if (opts.signal?.aborted) stop();
  opts.signal?.addEventListener('abort', stop, { once: true });
  if (opts.durationMs !== undefined) stopTimer = setTimeout(stop, opts.durationMs);

  const bids = new Map<number, number>();
  const asks = new Map<number, number>();
  let lastNonce: number | null = null;
  // Exchange − local time of the last book state (for the exchange time of a gap row, which has none of its own).
  let bookOffset = 0;

  /**
   * The book stream broke (a sequence gap or a lost connection) while the file had a book: a gap row says the
   * book is unknown from now until the next snapshot, which the resync writes.
   */
  const writeGap = (): void => {
    const tsLocal = now();
    rows.push(EventType.Gap, 0, EventFlag.EndOfMessage, tsLocal + bookOffset, tsLocal, 0, 0, lastNonce ?? 0);
  };

  const writeSnapshot = (tsEx: Micros, tsLocal: Micros, id: number, b: BookLevel[], a: BookLevel[]): void => {
    bids.clear();
    asks.clear();
    const n = b.length + a.length;
    let i = 0;
    const put = (side: 1 | -1, l: BookLevel): void => {
      let flags = 0;
      if (i === 0) flags |= EventFlag.SnapshotStart;
      if (i === n - 1) flags |= EventFlag.EndOfMessage;
      rows.push(EventType.Snapshot, side, flags, tsEx, tsLocal, l.price, l.size, id);
      (side === 1 ? bids : asks).set(l.price, l.size);
      i++;
    };
    for (const l of b) put(1, l);
    for (const l of a) put(-1, l);
    report.snapshots++;
    opts.onEvent?.({ kind: 'snapshot', updateId: Number.isFinite(id) ? id : null, levels: n });
  };

  const writeChanges = (tsEx: Micros, tsLocal: Micros, id: number, b: BookLevel[], a: BookLevel[]): void => {
    const start = rows.length;
    const diff = (side: 1 | -1, book: Map<number, number>, next: BookLevel[]): void => {
      const seen = new Set<number>();
      for (const l of next) {
        seen.add(l.price);
        if (book.get(l.price) !== l.size) {
          rows.push(EventType.Delta, side, 0, tsEx, tsLocal, l.price, l.size, id);
          book.set(l.price, l.size);
        }
      }
      for (const p of book.keys()) {
        if (!seen.has(p)) {
          rows.push(EventType.Delta, side, 0, tsEx, tsLocal, p, 0, id);
          book.delete(p);
        }
      }
    };
    diff(1, bids, b);
    diff(-1, asks, a);
    if (rows.length > start) {
      rows.cols.flags[rows.length - 1] = EventFlag.EndOfMessage;
      report.bookUpdates++;
    }
  };

  const rotateIfDue = (): void => {
    if (writer && now() - fileStarted >= rotateEvery * 1000) {
      closeFile();
      opts.onEvent?.({ kind: 'rotate', file: report.files[report.files.length - 1]! });
      openFile();
    }
  };

  /** Run one watch loop with reconnect backoff; `onFault` forgets state that a resync replaces. */
  const loop = async (stream: 'book' | 'trades', step: () => Promise<void>, onFault: () => void): Promise<void> => {
    let failures = 0;
    /** Sequence breaks since the last state the stream gave: one gap, however often ccxt repeats it. */
    let breaks = 0;
    while (!stopping) {
      try {
        await step();
        failures = 0;
        breaks = 0;
      } catch (e) {
        if (stopping) return;
        const f = classifyCcxtError(e);
        if (f.fault !== 'transient') throw e;
        onFault();
        if (f.kind === 'ChecksumError' || f.kind === 'InvalidNonce') {
          if (breaks++ === 0) {
            report.gaps++;
            opts.onEvent?.({ kind: 'gap', stream, detail: f.message });
          }
          // Resubscribe: ccxt fetches a fresh snapshot. A break it saw while no watch was pending is handed
          // back again on every call until that snapshot arrives; waiting on a timer (never a bare retry,
          // which would starve the event loop the snapshot needs) lets it in.
          await pause(Math.min(250, 5 * 2 ** Math.min(breaks - 1, 6)));
          continue;
        }
        failures++;
        if (failures >= retry.maxAttempts) throw new NetworkFault(`${md.id} ${opts.symbol} ${stream} stream: ${f.kind} after ${failures} attempt(s): ${f.message}`);
        const delayMs = backoffDelayMs(failures, retry, f.rateLimited);
        report.reconnects++;
        opts.onEvent?.({ kind: 'reconnect', stream, attempt: failures, delayMs, reason: `${f.kind}: ${f.message}` });
        await pause(delayMs);
      }
    }
  };

  const bookStep = async (): Promise<void> => {
    const v = await md.streamBook(opts.symbol, opts.bookLimit);
    const tsLocal = now();
    if (stopping) return;
    rotateIfDue();
    const id = v.nonce ?? Number.NaN;
    const tsEx = v.tsExchange ?? tsLocal;
    bookOffset = tsEx - tsLocal;
    if (needSnapshot) {
      writeSnapshot(tsEx, tsLocal, id, v.bids, v.asks);
      needSnapshot = false;
    } else {
      if (v.nonce !== null && lastNonce !== null && v.nonce <= lastNonce) return;
      writeChanges(tsEx, tsLocal, id, v.bids, v.asks);
    }
    lastNonce = v.nonce;
    emit();
  };

  let lastTradeId = Number.NaN;
  const tradeStep = async (): Promise<void> => {
    const trades = await md.streamTrades(opts.symbol);
    const tsLocal = now();
    if (stopping) return;
    for (const t of trades) {
      if (Number.isFinite(t.id) && Number.isFinite(lastTradeId)) {
        if (t.id <= lastTradeId) continue;
        if (t.id !== lastTradeId + 1) {
          report.gaps++;
          opts.onEvent?.({ kind: 'gap', stream: 'trades', detail: `trade ids ${lastTradeId + 1}..${t.id - 1} missing` });
        }
      }
      if (Number.isFinite(t.id)) lastTradeId = t.id;
      rows.push(EventType.Trade, t.aggressor, EventFlag.EndOfMessage, t.tsExchange, tsLocal, t.price, t.size, t.id);
      report.trades++;
    }
    rotateIfDue();
    emit();
  };

  // The first failure stops both loops; the file is completed either way.
  let failure: unknown = null;
  const guarded = (p: Promise<void>): Promise<void> =>
    p.catch((e: unknown) => {
      failure ??= e;
      stop();
    });
  try {
    openFile();
    await Promise.all([
      guarded(
        loop('book', bookStep, () => {
          // The venue's book is gone (gap or disconnect): unknown until the next state, a fresh snapshot.
          if (!needSnapshot) writeGap();
          needSnapshot = true;
          lastNonce = null;
        }),
      ),
      guarded(loop('trades', tradeStep, () => undefined)),
    ]);
    emit();
    closeFile();
    if (failure !== null) throw failure;
    return report;
  } finally {
    if (stopTimer) clearTimeout(stopTimer);
    opts.signal?.removeEventListener('abort', stop);
  }
}
