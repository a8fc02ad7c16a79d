// The L2 order book: struct-of-arrays price ladder over integer tick indices, for replay and simulated venues.
import { EventFlag, EventType, type EventColumns } from './events.js';
import { decimalsOf } from './instrument.js';

const DELTA = EventType.Delta;
const BBO = EventType.Bbo;
const SNAPSHOT = EventType.Snapshot;
const GAP = EventType.Gap;
const END = EventFlag.EndOfMessage;
const START = EventFlag.SnapshotStart;

/**
 * A region-of-interest ladder: `bidQty[i]` / `askQty[i]` hold the size resting at tick `base + i`.
 * Levels farther than the ladder's half-width from the touch are not kept (a market maker never
 * quotes there); the ladder re-centres itself when the touch drifts towards an edge.
 *
 * The ladder holds the levels as snapshots and depth diffs state them. Invariant after every complete
 * venue message: best bid < best ask. A level that would cross the other side wins (last writer wins)
 * and the crossed levels on the other side are cleared: on a venue they are stale, since no resting bid
 * can sit at or above a resting ask.
 *
 * BBO rows (bookTicker) do not write into the ladder: they set an overlay, the best bid and ask with
 * their sizes, which is the touch while it is newer than the last depth message (update id at least
 * `lastUpdateId`) and uncrossed. So the touch (`touchBid`, `bestBid`, `mid`, …) is the freshest the
 * venue stated, while `qtyAtTick` stays what the depth messages say — what queue positions are read
 * from, since a bookTicker's exchange time is often unknown. A depth message newer than the BBO makes
 * the ladder the touch again (it includes every change up to its id).
 */
export class L2Book {
  readonly tickSize: number;
  readonly capacity: number;
  readonly bidQty: Float64Array;
  readonly askQty: Float64Array;
  /** Tick index of ladder slot 0; NaN until the first level. */
  base = Number.NaN;
  /** Ladder slots of the best bid / ask; −1 and `capacity` when that side is empty. */
  bestBidSlot: number;
  bestAskSlot: number;
  /** Update id of the last snapshot or depth message applied (deltas at or below the snapshot are stale). */
  lastUpdateId = 0;
  private snapshotId = -1;
  /** Lowest / highest slot ever set on each side since the last clear: bounds of scans. */
  private bidLow: number;
  private askHigh: number;
  private readonly invTick: number;
  private readonly scale: number;
  /** Levels ignored because they lay outside the ladder. */
  dropped = 0;
  /**
   * Bumped whenever a change reaches beyond the one level a row names (snapshot, crossing or BBO
   * clears, re-centring): a watcher of some levels re-reads them all only then.
   */
  serial = 0;
  /** Tick index of the level named by the last row applied. */
  lastTick = Number.NaN;
  /** The BBO overlay: ticks (NaN: none) and sizes of the last bookTicker, and its update id. */
  bboBidTick = Number.NaN;
  bboAskTick = Number.NaN;
  bboBidQty = 0;
  bboAskQty = 0;
  bboId = -1;
  /** The touch: tick indices of the best bid and ask (NaN: that side is empty), overlay or ladder. */
  touchBid = Number.NaN;
  touchAsk = Number.NaN;
  /** True when the touch is the BBO overlay's. */
  bboActive = false;
  /**
   * Gap rows (`EventType.Gap`: the depth stream broke) leave the book unknown until the next snapshot: the
   * ladder keeps its last state, but nobody knows it. `gapOpen` meanwhile; `gaps` counts the gaps; `resyncs`
   * the snapshots that ended one (`resyncing`: the last snapshot did); `gapTs` is the exchange time of the open
   * gap's row and `gapMicros` the exchange µs closed gaps lasted (gap row → resync snapshot). Only gap rows and
   * a snapshot's first row touch them.
   */
  gapOpen = false;
  gaps = 0;
  resyncs = 0;
  resyncing = false;
  gapTs = Number.NaN;
  gapMicros = 0;

  constructor(tickSize: number, capacity = 1 << 16) {
    this.tickSize = tickSize;
    this.capacity = capacity;
    this.invTick = 1 / tickSize;
    this.scale = 10 ** decimalsOf(tickSize);
    this.bidQty = new Float64Array(capacity);
    this.askQty = new Float64Array(capacity);
    this.bestBidSlot = -1;
    this.bestAskSlot = capacity;
    this.bidLow = capacity;
    this.askHigh = -1;
  }

  /** Integer tick index of a price. */
  tickOf(price: number): number {
    return Math.round(price * this.invTick);
  }

  /** Exact decimal price of a tick index. */
  priceOf(tick: number): number {
    return Math.round(tick * this.tickSize * this.scale) / this.scale;
  }

  /** Best bid / ask price of the touch (NaN when that side is empty). */
  bestBid(): number {
    const t = this.touchBid;
    return t === t ? this.priceOf(t) : Number.NaN;
  }

  bestAsk(): number {
    const t = this.touchAsk;
    return t === t ? this.priceOf(t) : Number.NaN;
  }

  /** Size at the best bid / ask of the touch. */
  bestBidQty(): number {
    if (this.bboActive) return this.bboBidQty;
    return this.bestBidSlot >= 0 ? this.bidQty[this.bestBidSlot]! : 0;
  }

  bestAskQty(): number {
    if (this.bboActive) return this.bboAskQty;
    return this.bestAskSlot < this.capacity ? this.askQty[this.bestAskSlot]! : 0;
  }

  /** Tick index of the touch's best bid / ask (NaN when empty). */
  bestBidTick(): number {
    return this.touchBid;
  }

  bestAskTick(): number {
    return this.touchAsk;
  }

  mid(): number {
    const b = this.touchBid;
    const a = this.touchAsk;
    return b === b && a === a ? ((b + a) * this.tickSize) / 2 : Number.NaN;
  }

  isCrossed(): boolean {
    return this.touchBid >= this.touchAsk;
  }

  /**
   * Size shown at a level: the overlay's size at its own tick, nothing better than it on its side (the
   * bookTicker says the touch is there), else the ladder's.
   */
  shownQtyAt(side: number, tick: number): number {
    if (this.bboActive) {
      if (side > 0) {
        if (tick === this.bboBidTick) return this.bboBidQty;
        if (tick > this.bboBidTick) return 0;
      } else {
        if (tick === this.bboAskTick) return this.bboAskQty;
        if (tick < this.bboAskTick) return 0;
      }
    }
    return this.qtyAtTick(side, tick);
  }

  /** Set the touch from the overlay when it is newer than the ladder and uncrossed, else from the ladder. */
  private updateTouch(): void {
    const b = this.bboBidTick;
    const a = this.bboAskTick;
    if (this.bboId >= this.lastUpdateId && b < a) {
      this.bboActive = true;
      this.touchBid = b;
      this.touchAsk = a;
      return;
    }
    this.bboActive = false;
    this.touchBid = this.bestBidSlot >= 0 ? this.base + this.bestBidSlot : Number.NaN;
    this.touchAsk = this.bestAskSlot < this.capacity ? this.base + this.bestAskSlot : Number.NaN;
  }

  /** Size the depth messages state at a tick index on a side (0 outside the ladder). */
  qtyAtTick(side: number, tick: number): number {
    const s = tick - this.base;
    if (!(s >= 0 && s < this.capacity)) return 0;
    return side > 0 ? this.bidQty[s]! : this.askQty[s]!;
  }

  qtyAt(side: number, price: number): number {
    return this.qtyAtTick(side, this.tickOf(price));
  }

  /** Remove every level and the overlay. */
  clear(): void {
    this.serial++;
    this.bidQty.fill(0);
    this.askQty.fill(0);
    this.base = Number.NaN;
    this.bestBidSlot = -1;
    this.bestAskSlot = this.capacity;
    this.bidLow = this.capacity;
    this.askHigh = -1;
    this.bboBidTick = this.bboAskTick = Number.NaN;
    this.bboBidQty = this.bboAskQty = 0;
    this.bboId = -1;
    this.updateTouch();
  }

  /** Set the size at a price level (0 removes it). */
  set(side: number, price: number, qty: number): void {
    this.setTick(side, Math.round(price * this.invTick), qty);
    this.updateTouch();
  }

  /** Set the size at a tick index (0 removes it). The hot path of replay. */
  setTick(side: number, tick: number, qty: number): void {
    if (this.base !== this.base) this.base = tick - (this.capacity >> 1);
    let s = tick - this.base;
    if (s < 0 || s >= this.capacity) {
      s = this.outside(side, tick, qty);
      if (s < 0) return;
    }
    if (side > 0) this.setBid(s, qty);
    else this.setAsk(s, qty);
  }

  /** A depth row's level (`apply`): its size read from the row here, not passed, so no number is boxed on the way. */
  private setTickOfRow(ev: EventColumns, i: number, tick: number): void {
    this.setTick(ev.side[i]!, tick, ev.size[i]!);
  }

  /**
   * A level beyond the ladder: re-centre only if it would become the touch (the market moved). Returns its
   * slot after re-centring, or −1 when it is dropped (or removes nothing).
   */
  private outside(side: number, tick: number, qty: number): number {
    if (qty === 0) return -1;
    const s = tick - this.base;
    const becomesBest = side > 0 ? s > this.bestBidSlot : s < this.bestAskSlot;
    if (!becomesBest) {
      this.dropped++;
      return -1;
    }
    this.recenter(tick);
    return tick - this.base;
  }

  private setBid(s: number, qty: number): void {
    const q = this.bidQty;
    q[s] = qty;
    if (qty > 0) {
      if (s < this.bidLow) this.bidLow = s;
      if (s > this.bestBidSlot) {
        this.bestBidSlot = s;
        if (s >= this.bestAskSlot) this.clearAsksUpTo(s);
        if (s > (this.capacity * 7) >> 3) this.recenter(this.base + s);
      }
    } else if (s === this.bestBidSlot) {
      let i = s - 1;
      const low = this.bidLow;
      while (i >= low && q[i] === 0) i--;
      this.bestBidSlot = i >= low ? i : -1;
      if (this.bestBidSlot < 0) this.bidLow = this.capacity;
    }
  }

  private setAsk(s: number, qty: number): void {
    const q = this.askQty;
    q[s] = qty;
    if (qty > 0) {
      if (s > this.askHigh) this.askHigh = s;
      if (s < this.bestAskSlot) {
        this.bestAskSlot = s;
        if (s <= this.bestBidSlot) this.clearBidsDownTo(s);
        if (s < this.capacity >> 3) this.recenter(this.base + s);
      }
    } else if (s === this.bestAskSlot) {
      let i = s + 1;
      const high = this.askHigh;
      while (i <= high && q[i] === 0) i++;
      this.bestAskSlot = i <= high ? i : this.capacity;
      if (this.bestAskSlot === this.capacity) this.askHigh = -1;
    }
  }

  /** A bid now rests at slot s: asks at or below it are stale. */
  private clearAsksUpTo(s: number): void {
    this.serial++;
    const q = this.askQty;
    for (let i = this.bestAskSlot; i <= s; i++) q[i] = 0;
    let i = s + 1;
    const high = this.askHigh;
    while (i <= high && q[i] === 0) i++;
    this.bestAskSlot = i <= high ? i : this.capacity;
    if (this.bestAskSlot === this.capacity) this.askHigh = -1;
  }

  private clearBidsDownTo(s: number): void {
    this.serial++;
    const q = this.bidQty;
    for (let i = this.bestBidSlot; i >= s; i--) q[i] = 0;
    let i = s - 1;
    const low = this.bidLow;
    while (i >= low && q[i] === 0) i--;
    this.bestBidSlot = i >= low ? i : -1;
    if (this.bestBidSlot < 0) this.bidLow = this.capacity;
  }

  /** The venue's best level on a side is `price` with `qty` (a bookTicker side, as fresh as the ladder): the overlay. */
  setBest(side: number, price: number, qty: number): void {
    this.setOverlay(side, price, qty, this.lastUpdateId);
    this.updateTouch();
  }

  private setOverlay(side: number, price: number, qty: number, id: number): void {
    const tick = price > 0 ? Math.round(price * this.invTick) : Number.NaN;
    if (side > 0) {
      this.bboBidTick = tick;
      this.bboBidQty = qty;
    } else {
      this.bboAskTick = tick;
      this.bboAskQty = qty;
    }
    this.bboId = id;
    this.lastTick = tick;
  }

  /** Move the ladder so that `tick` sits at its centre; levels falling off the ends are lost. */
  private recenter(tick: number): void {
    this.serial++;
    const newBase = tick - (this.capacity >> 1);
    const shift = newBase - this.base; // slot s becomes s − shift
    const cap = this.capacity;
    for (const q of [this.bidQty, this.askQty]) {
      if (shift > 0) {
        if (shift < cap) q.copyWithin(0, shift);
        q.fill(0, Math.max(0, cap - shift));
      } else if (shift < 0) {
        if (-shift < cap) q.copyWithin(-shift, 0, cap + shift);
        q.fill(0, 0, Math.min(cap, -shift));
      }
    }
    this.base = newBase;
    const rescan = (): void => {
      let b = -1;
      for (let i = cap - 1; i >= 0; i--) if (this.bidQty[i]! > 0) { b = i; break; }
      let a = cap;
      for (let i = 0; i < cap; i++) if (this.askQty[i]! > 0) { a = i; break; }
      this.bestBidSlot = b;
      this.bestAskSlot = a;
      let lo = cap;
      for (let i = 0; i <= b; i++) if (this.bidQty[i]! > 0) { lo = i; break; }
      let hi = -1;
      for (let i = cap - 1; i >= a; i--) if (this.askQty[i]! > 0) { hi = i; break; }
      this.bidLow = lo;
      this.askHigh = hi;
    };
    rescan();
  }

  /**
   * Apply row `i` of normalized events (snapshot level, delta, BBO side; trades leave the book alone; a gap
   * row only marks the book unknown until the next whole snapshot). Returns true when the row changed the book.
   */
  apply(ev: EventColumns, i: number): boolean {
    const type = ev.type[i]!;
    if (type === DELTA) {
      const id = ev.id[i]!;
      if (id <= this.snapshotId) return false;
      const tick = Math.round(ev.price[i]! * this.invTick);
      this.lastTick = tick;
      this.setTickOfRow(ev, i, tick);
      if ((ev.flags[i]! & END) !== 0) this.lastUpdateId = id;
      this.updateTouch();
      return true;
    }
    if (type === BBO) {
      const id = ev.id[i]!;
      if (id < this.lastUpdateId) return false;
      this.setOverlay(ev.side[i]!, ev.price[i]!, ev.size[i]!, id);
      this.updateTouch();
      return true;
    }
    if (type === SNAPSHOT) {
      if ((ev.flags[i]! & START) !== 0) this.snapshotStart(ev, i);
      this.serial++;
      this.set(ev.side[i]!, ev.price[i]!, ev.size[i]!);
      return true;
    }
    // A gap row (never reached by the other types): its work in a method of its own, so this one stays as
    // small as it was (V8 inlines the delta and BBO paths into it only while it is).
    if (type === GAP) this.gapRow(ev, i);
    return false;
  }

  /**
   * The first row of a snapshot: the book is cleared, to be rebuilt by its rows; after a gap it is the resync
   * (`resyncing` until the next snapshot starts). The venue meets no trade or command between a snapshot's
   * rows (they share one exchange time, and trades and commands at it go first), so the gap ends here.
   */
  private snapshotStart(ev: EventColumns, i: number): void {
    this.clear();
    this.snapshotId = ev.id[i]!;
    this.lastUpdateId = ev.id[i]!;
    this.resyncing = this.gapOpen;
    if (!this.gapOpen) return;
    this.gapOpen = false;
    this.resyncs++;
    const t = ev.tsExchange[i]!;
    if (t > this.gapTs) this.gapMicros += t - this.gapTs;
  }

  /** A gap row: the book is unknown from its exchange time on (a second one in a gap changes nothing). */
  private gapRow(ev: EventColumns, i: number): void {
    if (this.gapOpen) return;
    this.gapOpen = true;
    this.gaps++;
    this.gapTs = ev.tsExchange[i]!;
  }

  /** Exchange µs with the book unknown up to time `t` (an open gap counts from its row to `t`). */
  unknownMicrosAt(t: number): number {
    return this.gapMicros + (this.gapOpen && t > this.gapTs ? t - this.gapTs : 0);
  }

  /** Levels of one side of the ladder from its best outwards (tests, debugging): [price, qty] pairs. */
  levels(side: number, max = 10): [number, number][] {
    const out: [number, number][] = [];
    if (side > 0) {
      for (let i = this.bestBidSlot; i >= 0 && out.length < max; i--) if (this.bidQty[i]! > 0) out.push([this.priceOf(this.base + i), this.bidQty[i]!]);
    } else {
      for (let i = this.bestAskSlot; i < this.capacity && out.length < max; i++) if (this.askQty[i]! > 0) out.push([this.priceOf(this.base + i), this.askQty[i]!]);
    }
    return out;
  }
}
