// What a simulated L2 venue knows of the replayed market: the book, its depth-only twin, and trades since the last depth message.
import { L2Book, EventFlag, EventType, type EventColumns } from '../market/index.js';

const SNAPSHOT = EventType.Snapshot;
const DELTA = EventType.Delta;
const END = EventFlag.EndOfMessage;
const TRADED_SLOTS = 64;

/** What one book row did, for the venues that watch it (`VenueBook.applyBookRow`). */
export const BookRowKind = {
  /** Nothing that moves queues (a BBO row, a stale diff, a row outside the ladder). */
  None: 0,
  /** A depth-diff row: the named level's size at the message's exchange time. */
  Depth: 1,
  /** A snapshot row (the book is cleared at its first row and whole only at its last). */
  Snapshot: 2,
} as const;

/**
 * The replayed market as a simulated venue sees it. Our orders never change it (no market impact), so
 * one `VenueBook` can serve several simulated venues replaying the same events.
 *
 * - `book`: every book row (snapshots, depth diffs, BBO rows): the freshest touch, for post-only checks,
 *   taker walks and the trading side's view.
 * - `depth`: snapshots and depth diffs only. Queue positions are read here: a depth message states each
 *   level it names at its exchange time `E`, after every trade with `T ≤ E`, and the driver replays trades
 *   before the depth message that includes them. A BBO row's exchange time is often an estimate (spot
 *   bookTicker carries none), so a BBO decrease cannot be told apart from a trade not yet replayed:
 *   BBO rows never move a queue.
 * - trades since the last depth message, per level: volume a depth diff will show as a decrease without
 *   it being a cancellation, and volume that already left the front of a level an order joins now.
 */
export class VenueBook {
  readonly book: L2Book;
  readonly depth: L2Book;
  /** Tick index of the level the last book row named. */
  lastTick = Number.NaN;
  /** Side of the level the last book row named. */
  lastSide = 0;
  /** The last depth row ended its message (a diff or a snapshot): every trade up to its time is in the book. */
  lastEnded = false;
  /** `depth.serial` before the last row (a change beyond the named level when it differs). */
  private depthSerialBefore = 0;
  /** Trades since the last depth message: level side (+1 bids, −1 asks), tick, volume. */
  private tradedN = 0;
  private readonly tradedSide = new Int8Array(TRADED_SLOTS);
  private readonly tradedTick = new Float64Array(TRADED_SLOTS);
  private readonly tradedQty = new Float64Array(TRADED_SLOTS);

  constructor(tickSize: number, ladderTicks: number) {
    this.book = new L2Book(tickSize, ladderTicks);
    this.depth = new L2Book(tickSize, ladderTicks);
  }

  /** Apply a book row (snapshot, depth diff or BBO); returns its `BookRowKind`. */
  applyBookRow(ev: EventColumns, i: number): number {
    this.book.apply(ev, i);
    const type = ev.type[i]!;
    if (type !== DELTA && type !== SNAPSHOT) return BookRowKind.None;
    const depth = this.depth;
    this.depthSerialBefore = depth.serial;
    if (!depth.apply(ev, i)) return BookRowKind.None;
    const ended = (ev.flags[i]! & END) !== 0;
    this.lastEnded = ended;
    if (ended) this.tradedN = 0;
    this.lastTick = depth.lastTick;
    this.lastSide = ev.side[i]!;
    return type === DELTA ? BookRowKind.Depth : BookRowKind.Snapshot;
  }

  /** The last depth row changed more than the level it named (a clear, a re-centring): re-read every level. */
  get depthReshaped(): boolean {
    return this.depth.serial !== this.depthSerialBefore;
  }

  /** A trade of `size` at tick `tick` by an aggressor on `aggressor`'s side: it took volume from the other side's level. */
  recordTrade(aggressor: number, tick: number, size: number): void {
    const side = -aggressor;
    for (let k = 0; k < this.tradedN; k++) {
      if (this.tradedTick[k] === tick && this.tradedSide[k] === side) {
        this.tradedQty[k] = this.tradedQty[k]! + size;
        return;
      }
    }
    if (this.tradedN === TRADED_SLOTS) return; // a sweep across more levels than slots: the rest count as cancels
    const k = this.tradedN++;
    this.tradedSide[k] = side;
    this.tradedTick[k] = tick;
    this.tradedQty[k] = size;
  }

  /** Volume traded at a level since the last depth message. */
  tradedAt(side: number, tick: number): number {
    for (let k = 0; k < this.tradedN; k++) if (this.tradedTick[k] === tick && this.tradedSide[k] === side) return this.tradedQty[k]!;
    return 0;
  }
}
