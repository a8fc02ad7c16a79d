// What a simulated L2 venue knows of the replayed market: the book, its depth-only twin, and trades since the last depth message.
import { L2Book, EventFlag, EventType, type EventColumns } from '../market/index.js';
import { TradeGaps } from './trade-gaps.js';

const SNAPSHOT = EventType.Snapshot;
const DELTA = EventType.Delta;
const END = EventFlag.EndOfMessage;
const TRADED_SLOTS = 64;

/** What the venues watching a book row must do about their queues (`VenueBook.applyBookRow`). */
export const QueueAction = {
  /** Nothing (a BBO row, a stale diff, a snapshot row before its end). */
  None: 0,
  /** Re-read the level the row named (`lastSide`, `lastTick`). */
  ReadNamed: 1,
  /** Re-read every level (the depth row changed more than the level it named). */
  ReadAll: 2,
  /** A snapshot is whole: re-read every level, as one change of the book. */
  ReadAllSnapshot: 3,
} as const;

/**
 * The replayed market as a simulated venue sees it. Our orders never change it (no market impact), so
 * one `VenueBook` can serve several simulated venues replaying the same events (the tick shared pass):
 * the driver applies each row once and tells the venues that rest orders where it changed something.
 *
 * - `book`: every book row. Its touch (BBO overlay or ladder, see `L2Book`) is the freshest the venue
 *   stated, for post-only checks, taker walks and the trading side's view; its ladder holds the levels as
 *   the snapshots and depth diffs state them, where queue positions are read: a depth message states each
 *   level it names at its exchange time `E`, after every trade with `T ≤ E`, and the driver replays trades
 *   before the depth message that includes them. A BBO row's exchange time is often an estimate (spot
 *   bookTicker carries none), so a BBO decrease cannot be told apart from a trade not yet replayed:
 *   BBO rows never move a queue.
 * - trades since the last depth message, per level: volume a depth diff will show as a decrease without
 *   it being a cancellation, and volume that already left the front of a level an order joins now.
 *   `epoch` counts depth messages: a venue's per-order "traded since the last reading" is stale once the
 *   epoch moved on (every trade before it is in the book).
 * - where the venues' orders rest (`restingAt`, `restingOn`), so a row that touches none of them costs
 *   the venues nothing.
 */
export class VenueBook {
  readonly book: L2Book;
  /** Exchange clock of the market: the latest time of a row applied (never goes back). */
  now = Number.NEGATIVE_INFINITY;
  /** Tick index and side of the level the last depth row named. */
  lastTick = Number.NaN;
  lastSide = 0;
  /** Depth messages completed (snapshots included). */
  epoch = 0;
  /** The last row ended a depth message: call `finishRow` once the venues have read their queues. */
  private endPending = false;
  private snapshotOpen = false;
  /** Trades since the last depth message: level side (+1 bids, −1 asks), tick, volume. */
  private tradedN = 0;
  private readonly tradedSide = new Int8Array(TRADED_SLOTS);
  private readonly tradedTick = new Float64Array(TRADED_SLOTS);
  private readonly tradedQty = new Float64Array(TRADED_SLOTS);
  /** Jumps in the trade ids met: trades the capture missed. */
  readonly tradeGaps = new TradeGaps();
  /** Resting orders of the venues on this market, by level (key = tick·2 + side bit) and by side. */
  private readonly resting = new LevelCounts();
  private restingBids = 0;
  private restingAsks = 0;

  constructor(tickSize: number, ladderTicks: number) {
    this.book = new L2Book(tickSize, ladderTicks);
  }

  /** Apply a book row (snapshot, depth diff or BBO) at exchange time `t`; returns a `QueueAction`. */
  applyBookRow(ev: EventColumns, i: number, t: number): number {
    if (t > this.now) this.now = t;
    const book = this.book;
    const type = ev.type[i]!;
    let action: number = QueueAction.None;
    if (this.snapshotOpen && type !== SNAPSHOT) {
      // A snapshot whose last row was not marked: it ends where other rows begin.
      this.snapshotOpen = false;
      this.endPending = true;
      action = QueueAction.ReadAllSnapshot;
    }
    if (type !== DELTA && type !== SNAPSHOT) {
      book.apply(ev, i);
      return action;
    }
    const serial = book.serial;
    if (!book.apply(ev, i)) return action;
    const ended = (ev.flags[i]! & END) !== 0;
    if (type === SNAPSHOT) {
      // A snapshot (the first book, or a resync) is one change: queues are re-read once it is whole.
      this.snapshotOpen = !ended;
      if (!ended) return action;
      this.endPending = true;
      return QueueAction.ReadAllSnapshot;
    }
    if (ended) this.endPending = true;
    const tick = book.lastTick;
    const side = ev.side[i]!;
    this.lastTick = tick;
    this.lastSide = side;
    if (action !== QueueAction.None) return action;
    return book.serial !== serial ? QueueAction.ReadAll : QueueAction.ReadNamed;
  }

  /**
   * False from a gap row (the capture's depth stream broke) until the next snapshot (`L2Book.gapOpen`): the
   * book is unknown, so no trade is matched against our orders and no order joins it (`L2Exchange`). When the
   * snapshot that ends a gap (the resync, `L2Book.resyncing`) is whole, the orders go to the back of their
   * levels (`L2Exchange.afterBookRow` on `ReadAllSnapshot`). Gap rows are handled by `L2Book.apply`, so this
   * replay's hot path carries none of it.
   */
  get known(): boolean {
    return !this.book.gapOpen;
  }

  /** Gaps met (gap rows while the book was known). */
  get gaps(): number {
    return this.book.gaps;
  }

  /** Exchange µs with the book unknown up to exchange time `t` (a gap still open counts up to `t`). */
  unknownMicrosAt(t: number): number {
    return this.book.unknownMicrosAt(t);
  }

  /** A level's size as the depth messages state it (BBO rows left out): where queues are read. */
  depthQtyAt(side: number, tick: number): number {
    return this.book.qtyAtTick(side, tick);
  }

  /** True when the depth messages state a level's size (`L2Book.depthKnownAt`); elsewhere any volume may rest. */
  depthKnownAt(side: number, tick: number): boolean {
    return this.book.depthKnownAt(side, tick);
  }

  /** After the venues read their queues for a row: a depth message that ended takes in every trade before it. */
  finishRow(): void {
    if (!this.endPending) return;
    this.endPending = false;
    this.epoch++;
    this.tradedN = 0;
  }

  /** A trade at exchange time `t`: `size` at tick `tick` by an aggressor on `aggressor`'s side (it took the other side's level); `tradeId` its id (`tradeGaps`). */
  onTrade(aggressor: number, tick: number, size: number, t: number, tradeId: number): void {
    if (t > this.now) this.now = t;
    this.tradeGaps.onTrade(tradeId, t);
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

  /** A venue's order starts / stops resting at a level. */
  addResting(side: number, tick: number): void {
    this.resting.add(tick * 2 + (side > 0 ? 1 : 0), 1);
    if (side > 0) this.restingBids++;
    else this.restingAsks++;
  }

  removeResting(side: number, tick: number): void {
    this.resting.add(tick * 2 + (side > 0 ? 1 : 0), -1);
    if (side > 0) this.restingBids--;
    else this.restingAsks--;
  }

  /** Orders of the venues resting at a level. */
  restingAt(side: number, tick: number): number {
    if ((side > 0 ? this.restingBids : this.restingAsks) === 0) return 0;
    return this.resting.get(tick * 2 + (side > 0 ? 1 : 0));
  }

  /** Orders of the venues resting on a side. */
  restingOn(side: number): number {
    return side > 0 ? this.restingBids : this.restingAsks;
  }
}

/**
 * Counts by integer key (a level: tick·2 + side bit), in typed arrays: open addressing with linear probing,
 * a key removed when its count reaches zero (the entries after it shifted back, so no tombstones), twice
 * the room when half full. Every book row of a shared pass asks it, and orders come and go at every
 * decision: a `Map` churned its hash table (and the collector) for the same answers.
 */
export class LevelCounts {
  private keys = new Float64Array(64).fill(Number.NaN);
  private counts = new Int32Array(64);
  private size = 0;
  private shift = 26; // 32 − log2(capacity)

  private slot(key: number): number {
    return Math.imul(key | 0, -1640531535) >>> this.shift;
  }

  /** The count at `key` (0 when absent). */
  get(key: number): number {
    const keys = this.keys;
    const mask = keys.length - 1;
    for (let i = this.slot(key); ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) return this.counts[i]!;
      if (k !== k) return 0;
    }
  }

  /** Add `d` to the count at `key`; a count that reaches zero removes the key. A NaN key (no level) is not counted. */
  add(key: number, d: number): void {
    if (key !== key) return; // NaN marks an empty slot
    const keys = this.keys;
    const mask = keys.length - 1;
    let i = this.slot(key);
    for (;;) {
      const k = keys[i]!;
      if (k === key) break;
      if (k !== k) {
        if (d <= 0) return; // nothing to take from
        keys[i] = key;
        this.counts[i] = d;
        if (++this.size * 2 > keys.length) this.grow();
        return;
      }
      i = (i + 1) & mask;
    }
    const n = this.counts[i]! + d;
    if (n > 0) {
      this.counts[i] = n;
      return;
    }
    this.size--;
    // Remove slot i: shift back each following entry of the cluster whose home slot lies at or before the gap.
    let gap = i;
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const k = keys[j]!;
      if (k !== k) break;
      const home = this.slot(k);
      // Entry j may move to the gap when its home is not cyclically within (gap, j].
      if (((j - home) & mask) >= ((j - gap) & mask)) {
        keys[gap] = k;
        this.counts[gap] = this.counts[j]!;
        gap = j;
      }
    }
    keys[gap] = Number.NaN;
    this.counts[gap] = 0;
  }

  private grow(): void {
    const keys = this.keys;
    const counts = this.counts;
    this.keys = new Float64Array(keys.length * 2).fill(Number.NaN);
    this.counts = new Int32Array(keys.length * 2);
    this.shift--;
    this.size = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] === keys[i]) this.add(keys[i]!, counts[i]!);
  }
}
