// The L2 order book: struct-of-arrays price ladder over integer tick indices, for replay and simulated venues.
import { EventFlag, EventType, type EventColumns } from './events.js';
import { decimalsOf } from './instrument.js';

const DELTA = EventType.Delta;
const BBO = EventType.Bbo;
const SNAPSHOT = EventType.Snapshot;
const END = EventFlag.EndOfMessage;
const START = EventFlag.SnapshotStart;

/**
 * A region-of-interest ladder: `bidQty[i]` / `askQty[i]` hold the size resting at tick `base + i`.
 * Levels farther than the ladder's half-width from the touch are not kept (a market maker never
 * quotes there); the ladder re-centres itself when the touch drifts towards an edge.
 *
 * Invariants after every complete venue message: best bid < best ask. A level that would cross the
 * other side wins (last writer wins) and the crossed levels on the other side are cleared: on a
 * venue they are stale, since no resting bid can sit at or above a resting ask.
 *
 * BBO rows (bookTicker) are applied when newer than the last depth message: the level at the BBO price
 * takes the BBO size and better levels on that side are cleared.
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

  bestBid(): number {
    return this.bestBidSlot >= 0 ? this.priceOf(this.base + this.bestBidSlot) : Number.NaN;
  }

  bestAsk(): number {
    return this.bestAskSlot < this.capacity ? this.priceOf(this.base + this.bestAskSlot) : Number.NaN;
  }

  bestBidQty(): number {
    return this.bestBidSlot >= 0 ? this.bidQty[this.bestBidSlot]! : 0;
  }

  bestAskQty(): number {
    return this.bestAskSlot < this.capacity ? this.askQty[this.bestAskSlot]! : 0;
  }

  /** Tick index of the best bid / ask (NaN when empty). */
  bestBidTick(): number {
    return this.bestBidSlot >= 0 ? this.base + this.bestBidSlot : Number.NaN;
  }

  bestAskTick(): number {
    return this.bestAskSlot < this.capacity ? this.base + this.bestAskSlot : Number.NaN;
  }

  mid(): number {
    if (this.bestBidSlot < 0 || this.bestAskSlot >= this.capacity) return Number.NaN;
    return ((this.base + this.bestBidSlot + this.base + this.bestAskSlot) * this.tickSize) / 2;
  }

  isCrossed(): boolean {
    return this.bestBidSlot >= 0 && this.bestAskSlot < this.capacity && this.bestBidSlot >= this.bestAskSlot;
  }

  /** Size resting at a tick index on a side (0 outside the ladder). */
  qtyAtTick(side: number, tick: number): number {
    const s = tick - this.base;
    if (!(s >= 0 && s < this.capacity)) return 0;
    return side > 0 ? this.bidQty[s]! : this.askQty[s]!;
  }

  qtyAt(side: number, price: number): number {
    return this.qtyAtTick(side, this.tickOf(price));
  }

  /** Remove every level. */
  clear(): void {
    this.serial++;
    this.bidQty.fill(0);
    this.askQty.fill(0);
    this.base = Number.NaN;
    this.bestBidSlot = -1;
    this.bestAskSlot = this.capacity;
    this.bidLow = this.capacity;
    this.askHigh = -1;
  }

  /** Set the size at a price level (0 removes it). */
  set(side: number, price: number, qty: number): void {
    this.setTick(side, Math.round(price * this.invTick), qty);
  }

  /** Set the size at a tick index (0 removes it). The hot path of replay. */
  setTick(side: number, tick: number, qty: number): void {
    if (this.base !== this.base) this.base = tick - (this.capacity >> 1);
    let s = tick - this.base;
    if (s < 0 || s >= this.capacity) {
      if (qty === 0) return;
      // A level beyond the ladder: re-centre only if it would become the touch (the market moved).
      const becomesBest = side > 0 ? s > this.bestBidSlot : s < this.bestAskSlot;
      if (!becomesBest) {
        this.dropped++;
        return;
      }
      this.recenter(tick);
      s = tick - this.base;
    }
    if (side > 0) this.setBid(s, qty);
    else this.setAsk(s, qty);
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

  /** The venue's best level on a side is `price` with `qty`: set it and clear better levels on that side. */
  setBest(side: number, price: number, qty: number): void {
    const tick = Math.round(price * this.invTick);
    const base = this.base;
    if (base === base) {
      const s = tick - base;
      // Most BBO rows only change the size at an unchanged touch.
      if (qty > 0) {
        if (side > 0 ? s === this.bestBidSlot : s === this.bestAskSlot) {
          (side > 0 ? this.bidQty : this.askQty)[s] = qty;
          return;
        }
      }
      if (side > 0) {
        if (this.bestBidSlot > s) {
          this.serial++;
          const q = this.bidQty;
          for (let i = this.bestBidSlot; i > s && i >= 0; i--) q[i] = 0;
          this.bestBidSlot = s >= 0 && s < this.capacity ? s : -1;
        }
      } else if (this.bestAskSlot < s) {
        this.serial++;
        const q = this.askQty;
        for (let i = this.bestAskSlot; i < s && i < this.capacity; i++) q[i] = 0;
        this.bestAskSlot = s >= 0 && s < this.capacity ? s : this.capacity;
      }
    }
    this.setTick(side, tick, qty);
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
   * Apply row `i` of normalized events (snapshot level, delta, BBO side; trades leave the book alone).
   * Returns true when the row changed the book.
   */
  apply(ev: EventColumns, i: number): boolean {
    const type = ev.type[i]!;
    if (type === DELTA) {
      const id = ev.id[i]!;
      if (id <= this.snapshotId) return false;
      const tick = Math.round(ev.price[i]! * this.invTick);
      this.lastTick = tick;
      this.setTick(ev.side[i]!, tick, ev.size[i]!);
      if ((ev.flags[i]! & END) !== 0) this.lastUpdateId = id;
      return true;
    }
    if (type === BBO) {
      if (ev.id[i]! < this.lastUpdateId) return false;
      const px = ev.price[i]!;
      this.lastTick = Math.round(px * this.invTick);
      if (px > 0) this.setBest(ev.side[i]!, px, ev.size[i]!);
      return true;
    }
    if (type === SNAPSHOT) {
      if ((ev.flags[i]! & START) !== 0) {
        this.clear();
        this.snapshotId = ev.id[i]!;
        this.lastUpdateId = ev.id[i]!;
      }
      this.serial++;
      this.set(ev.side[i]!, ev.price[i]!, ev.size[i]!);
      return true;
    }
    return false;
  }

  /** Levels of one side from the touch outwards (tests, debugging): [price, qty] pairs. */
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
