// Walk-forward blocks of an event file: equal spans of exchange time, each opened by the book as it stood at its start.
import { UserError } from '../core/index.js';
import { L2Book, EventFlag, EventType, allocEvents, eventRows, type EventColumns } from '../market/index.js';
import type { Plan, WindowPlan } from './walk-forward.js';
import { allocSharedEvents, type SharedEvents } from './shared-events.js';
import { DEFAULT_LADDER_TICKS } from '../sim/index.js';
import { copyEvents } from '../data/index.js';

/** One block of events: rows [from, to) of the file, opened by rows [bookFrom, bookTo) (a snapshot of the book). */
export interface TickBlock {
  from: number;
  to: number;
  bookFrom: number;
  bookTo: number;
  /** Exchange-time span of the block, µs (half-open). */
  startMicros: number;
  endMicros: number;
  /** Last trade price before the block (sizes its quotes; the book's mid when no trade came before). */
  orderPrice: number;
}

/**
 * An event file prepared for block runs: its rows followed by one opening snapshot per block, in one
 * set of columns backed by one SharedArrayBuffer (worker threads read it without a copy).
 */
export interface TickData {
  path: string;
  events: EventColumns;
  /** The same columns as one SharedArrayBuffer (what worker threads receive). */
  shared: SharedEvents;
  /** Rows of the file (the opening snapshots follow them). */
  fileRows: number;
  blocks: TickBlock[];
  /** First trade price of the file: scales γ and the bps levels (before every block, so never in a test window). */
  refPrice: number;
  firstMicros: number;
  lastMicros: number;
  trades: number;
}

/** Book ladder width used to rebuild opening books: the simulated venue's (`L2Exchange`). */
const LADDER_TICKS = DEFAULT_LADDER_TICKS;


export interface TickPlan {
  plan: Plan;
  data: TickData;
}

/**
 * Cut the file into equal blocks of `blockMicros` of exchange time, aligned to its last event (older
 * leftover time is unused), and plan rolling windows of `trainBlocks` train blocks and one test block.
 * A block starts at the first row, at a message boundary, stamped at or after its start time; rows are
 * in file (arrival) order, so a few exchange stamps inside a block may lie slightly before it.
 *
 * Each block runs on its own from flat, so it needs the book as it stood when it starts: it is rebuilt
 * from the rows before the block only (a causal prefix) and written as a snapshot that opens the block,
 * stamped with the block's first row's times and the book's last update id.
 */
export function planTickBlocks(path: string, ev: EventColumns, blockMicros: number, trainBlocks: number, tickSize: number, minSamples: number, sampleMicros: number, flags: { train: string; test: string; events: string }): TickPlan {
  const n = ev.length;
  if (n === 0) throw new UserError(`${flags.events}: ${path} holds no events`);
  let first = Infinity;
  let last = -Infinity;
  let trades = 0;
  let refPrice = Number.NaN;
  for (let i = 0; i < n; i++) {
    const t = ev.tsExchange[i]!;
    if (t < first) first = t;
    if (t > last) last = t;
    if (ev.type[i] === EventType.Trade) {
      trades++;
      if (refPrice !== refPrice && ev.price[i]! > 0) refPrice = ev.price[i]!;
    }
  }
  if (!(refPrice > 0)) throw new UserError(`${flags.events}: ${path} holds no trades`);
  const samples = Math.floor(blockMicros / sampleMicros);
  if (samples < minSamples) throw new UserError(`${flags.test}: a test window must hold at least ${minSamples} trace samples (${round3((minSamples * sampleMicros) / 60e6)} min), got ${samples}`);
  if (!Number.isInteger(trainBlocks) || trainBlocks < 1) throw new UserError(`${flags.train}: expected a whole multiple (>= 1) of ${flags.test}`);
  const end = last + 1; // half-open: the last event belongs to the last block
  const spanMin = (end - first) / 60e6;
  const nBlocks = Math.floor((end - first) / blockMicros);
  if (nBlocks < trainBlocks + 1) {
    const need = ((trainBlocks + 1) * blockMicros) / 60e6;
    throw new UserError(`${flags.events}: ${path} spans ${spanMin.toFixed(2)} minutes of exchange time; one walk-forward window needs ${round3(need)} (${trainBlocks} train + 1 test window of ${round3(blockMicros / 60e6)} min)`);
  }
  const starts = Array.from({ length: nBlocks }, (_, b) => end - (nBlocks - b) * blockMicros);
  // Rows where each block starts: scan once, cutting at message boundaries.
  const cut: number[] = [];
  for (let i = 0, b = 0; b < nBlocks; i++) {
    if (i === n) {
      while (b < nBlocks) cut[b++] = n;
      break;
    }
    const boundary = i === 0 || (ev.flags[i - 1]! & EventFlag.EndOfMessage) !== 0;
    while (b < nBlocks && boundary && ev.tsExchange[i]! >= starts[b]!) cut[b++] = i;
  }
  // Opening books: replay the prefix once, dumping the book at every cut.
  const book = new L2Book(tickSize, LADDER_TICKS);
  const opens: EventColumns[] = [];
  const prices: number[] = [];
  let lastTrade = Number.NaN;
  for (let i = 0, b = 0; b < nBlocks; ) {
    if (i === cut[b]) {
      const at = Math.min(i, n - 1);
      opens.push(bookSnapshot(book, ev.tsExchange[at]!, ev.tsLocal[at]!, ev.publishDelay[at]!, book.gapOpen));
      const mid = book.mid();
      prices.push(lastTrade > 0 ? lastTrade : mid > 0 ? mid : refPrice);
      b++;
      continue;
    }
    if (ev.type[i] === EventType.Trade) lastTrade = ev.price[i]!;
    else book.apply(ev, i);
    i++;
  }
  const extra = opens.reduce((s, o) => s + o.length, 0);
  const { handle: shared, events: all } = allocSharedEvents(n + extra);
  copyEvents(ev, 0, all, 0, n);
  let at = n;
  const blocks: TickBlock[] = [];
  for (let b = 0; b < nBlocks; b++) {
    const o = opens[b]!;
    copyEvents(o, 0, all, at, o.length);
    blocks.push({ from: cut[b]!, to: b + 1 < nBlocks ? cut[b + 1]! : n, bookFrom: at, bookTo: at + o.length, startMicros: starts[b]!, endMicros: starts[b]! + blockMicros, orderPrice: prices[b]! });
    at += o.length;
  }
  all.length = n + extra;
  const windows: WindowPlan[] = [];
  for (let t = trainBlocks; t < nBlocks; t++) windows.push({ index: windows.length, train: Array.from({ length: trainBlocks }, (_, j) => t - trainBlocks + j), test: t });
  const plan: Plan = { blocks: blocks.map((b) => [b.from, b.to]), windows, blockBars: samples, trainBlocks, unusedBars: cut[0]! };
  return { plan, data: { path, events: all, shared, fileRows: n, blocks, refPrice, firstMicros: first, lastMicros: last, trades } };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * The book's levels as one snapshot message (bids from the touch down, then asks up), then the levels it
 * knows beyond its snapshot's range as one depth message, then its BBO overlay as one bookTicker when that
 * is the touch, and a gap row when the prefix ended in a gap (`unknown`: the book is not known at the block's
 * start either). Its first row is an empty level at the centre of the book's window: a book rebuilt from it
 * then has the same window as the replayed one and the two stay equal row for row, touch included. It
 * knows what the replayed book knows (`L2Book.depthKnownAt`): the snapshot holds the levels within the
 * replayed book's snapshot range and an empty row at each end of that range; the levels a diff named
 * beyond it go in the depth message, whose id is the book's last update id (the snapshot's is one less).
 * A book that never had a snapshot (hand-made rows, taken as whole) reopens as known down to its deepest
 * levels only.
 */
function bookSnapshot(book: L2Book, tsExchange: number, tsLocal: number, publishDelay: number, unknown = false): EventColumns {
  if (book.base !== book.base) return allocEvents(0);
  const floor = book.bidFloor;
  const ceiling = book.askCeiling;
  const bids = book.depthLevels(1).filter(([t]) => t >= floor);
  const asks = book.depthLevels(-1).filter(([t]) => t <= ceiling);
  // Best first, as the snapshot's rows: a level that becomes the touch where the replayed book had it moves no window.
  const beyondBids = book.statedBeyond(1).reverse();
  const beyondAsks = book.statedBeyond(-1);
  const beyond = beyondBids.length + beyondAsks.length;
  const centre = book.base + (book.capacity >> 1);
  // The centre row on a side whose known range holds it, so that it does not widen that range.
  const centreSide = centre >= floor || !(centre <= ceiling) ? 1 : -1;
  const floorRow = Number.isFinite(floor) && book.qtyAtTick(1, floor) === 0 && !(centreSide > 0 && centre === floor);
  const ceilingRow = Number.isFinite(ceiling) && book.qtyAtTick(-1, ceiling) === 0 && !(centreSide < 0 && centre === ceiling);
  const out = allocEvents(4 + bids.length + asks.length + beyond + 2);
  const snapshotId = beyond > 0 ? book.lastUpdateId - 1 : book.lastUpdateId;
  const put = (type: number, side: 1 | -1, tick: number, size: number, id: number): void => {
    const i = out.length++;
    out.type[i] = type;
    out.side[i] = side;
    out.flags[i] = i === 0 ? EventFlag.SnapshotStart : 0;
    out.tsExchange[i] = tsExchange;
    out.tsLocal[i] = tsLocal;
    out.publishDelay[i] = publishDelay;
    out.price[i] = book.priceOf(tick);
    out.size[i] = size;
    out.id[i] = id;
  };
  put(EventType.Snapshot, centreSide, centre, 0, snapshotId);
  for (const [t, q] of bids) put(EventType.Snapshot, 1, t, q, snapshotId);
  if (floorRow) put(EventType.Snapshot, 1, floor, 0, snapshotId);
  for (const [t, q] of asks) put(EventType.Snapshot, -1, t, q, snapshotId);
  if (ceilingRow) put(EventType.Snapshot, -1, ceiling, 0, snapshotId);
  out.flags[out.length - 1]! |= EventFlag.EndOfMessage;
  if (beyond > 0) {
    for (const t of beyondBids) put(EventType.Delta, 1, t, book.qtyAtTick(1, t), book.lastUpdateId);
    for (const t of beyondAsks) put(EventType.Delta, -1, t, book.qtyAtTick(-1, t), book.lastUpdateId);
    out.flags[out.length - 1]! |= EventFlag.EndOfMessage;
  }
  if (book.bboActive) {
    for (const side of [1, -1] as const) {
      const i = out.length++;
      out.type[i] = EventType.Bbo;
      out.side[i] = side;
      out.flags[i] = side < 0 ? EventFlag.EndOfMessage : 0;
      out.tsExchange[i] = tsExchange;
      out.tsLocal[i] = tsLocal;
    out.publishDelay[i] = publishDelay;
      out.price[i] = book.priceOf(side > 0 ? book.bboBidTick : book.bboAskTick);
      out.size[i] = side > 0 ? book.bboBidQty : book.bboAskQty;
      out.id[i] = book.bboId;
    }
  }
  if (unknown) {
    // The block starts inside a gap of the depth stream: its replay must not take the prefix's last book for a
    // known one. A gap row right after the snapshot leaves it unknown until the block's own resync.
    const i = out.length++;
    out.type[i] = EventType.Gap;
    out.side[i] = 0;
    out.flags[i] = EventFlag.EndOfMessage;
    out.tsExchange[i] = tsExchange;
    out.tsLocal[i] = tsLocal;
    out.publishDelay[i] = publishDelay;
    out.price[i] = 0;
    out.size[i] = 0;
    out.id[i] = book.lastUpdateId;
  }
  return out;
}

/** The rows one block runs on: its opening snapshot, then its own rows (views, no copy). */
export function blockBatches(ev: EventColumns, b: Pick<TickBlock, 'from' | 'to' | 'bookFrom' | 'bookTo'>): EventColumns[] {
  const out: EventColumns[] = [];
  if (b.bookTo > b.bookFrom) out.push(eventRows(ev, b.bookFrom, b.bookTo));
  if (b.to > b.from) out.push(eventRows(ev, b.from, b.to));
  return out;
}
