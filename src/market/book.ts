// The L2 order book: struct-of-arrays price ladder over integer tick indices, for replay and simulated venues.
import { EventFlag, EventType, type EventColumns } from './events.js';
import { decimalsOf } from './instrument.js';
import { TickTable } from './tick-table.js';

const DELTA = EventType.Delta;
const BBO = EventType.Bbo;
const SNAPSHOT = EventType.Snapshot;
const GAP = EventType.Gap;
const END = EventFlag.EndOfMessage;
const START = EventFlag.SnapshotStart;

/**
 * A region-of-interest ladder: `bidQty[i]` / `askQty[i]` hold the size resting at tick `base + i`, a window
 * around the touch that re-centres itself when the touch drifts towards an edge. Levels outside the window
 * are kept beside it, by tick (`far`): a snapshot's deep levels, a ladder's outer orders and a level the
 * window moves back over read the size the venue stated, never an empty level.
 *
 * What the depth messages state: a snapshot states every level from its touch to its deepest row on each
 * side (Binance's REST depth lists the best N levels); beyond that, only the levels a depth diff has named
 * since (a diff gives a level's new size). Every other level is unknown (`depthKnownAt`): it reads 0, but
 * volume may rest there. In the window an unknown level holds NaN (so the replay's hot path, which writes
 * sizes, marks what it states for free); outside it a level is unknown when it is beyond the snapshot's
 * range and not in `far` (which then keeps a stated empty level as 0). A book built without a snapshot
 * (hand-made rows) is taken as whole.
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
  /** Sizes by window slot (tick `base` + slot): 0 an empty level, NaN an unknown one. */
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
  /** Levels outside the window, size by tick index; beyond the snapshot's range a stated empty level is kept as 0. */
  private readonly farBids = new TickTable();
  private readonly farAsks = new TickTable();
  /** The last snapshot's deepest bid and ask ticks: bids at or above / asks at or below are stated (±∞ without a snapshot). */
  bidFloor = Number.NEGATIVE_INFINITY;
  askCeiling = Number.POSITIVE_INFINITY;
  /** A snapshot is being applied; its deepest bid and ask rows so far. */
  private snapshotOpen = false;
  private snapBidMin = Number.POSITIVE_INFINITY;
  private snapAskMax = Number.NEGATIVE_INFINITY;
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

  /** Size the depth messages state at a tick index on a side (0: empty, or unknown, see `depthKnownAt`). */
  qtyAtTick(side: number, tick: number): number {
    const s = tick - this.base;
    const v = s >= 0 && s < this.capacity ? (side > 0 ? this.bidQty[s]! : this.askQty[s]!) : (side > 0 ? this.farBids : this.farAsks).get(tick);
    return v === v ? v : 0;
  }

  /**
   * True when the depth messages state the size at a tick: within the last snapshot's range on its side, or
   * named by a depth diff since. Elsewhere `qtyAtTick` reads 0 though volume may rest there.
   */
  depthKnownAt(side: number, tick: number): boolean {
    const s = tick - this.base;
    if (s >= 0 && s < this.capacity) {
      const v = side > 0 ? this.bidQty[s]! : this.askQty[s]!;
      return v === v;
    }
    return (side > 0 ? tick >= this.bidFloor : tick <= this.askCeiling) || (side > 0 ? this.farBids : this.farAsks).has(tick);
  }

  qtyAt(side: number, price: number): number {
    return this.qtyAtTick(side, this.tickOf(price));
  }

  /** Remove every level and the overlay (a book with no snapshot: what its rows build is the whole book). */
  clear(): void {
    this.serial++;
    if (this.base === this.base) {
      // Nothing was written since the last clear while there is no base (a fresh book's arrays are zeroed).
      this.bidQty.fill(0);
      this.askQty.fill(0);
    }
    this.base = Number.NaN;
    this.bestBidSlot = -1;
    this.bestAskSlot = this.capacity;
    this.bidLow = this.capacity;
    this.askHigh = -1;
    this.farBids.clear();
    this.farAsks.clear();
    this.bidFloor = Number.NEGATIVE_INFINITY;
    this.askCeiling = Number.POSITIVE_INFINITY;
    this.snapshotOpen = false;
    this.snapBidMin = Number.POSITIVE_INFINITY;
    this.snapAskMax = Number.NEGATIVE_INFINITY;
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
   * A level beyond the window: re-centre on it if it becomes the touch (the market moved), else keep it
   * beside the window. Returns its slot after re-centring, or −1 when it is kept outside.
   */
  private outside(side: number, tick: number, qty: number): number {
    const far = side > 0 ? this.farBids : this.farAsks;
    if (!(qty > 0)) {
      // Removed: an empty level within the snapshot's range is what an absent one says; beyond it, kept as stated.
      if (side > 0 ? tick >= this.bidFloor : tick <= this.askCeiling) far.delete(tick);
      else far.set(tick, 0);
      return -1;
    }
    const s = tick - this.base;
    if (side > 0 ? this.bestBidSlot < 0 : this.bestAskSlot === this.capacity) {
      // The side is empty in the window: the level is its touch unless a better one is kept outside.
      const best = this.farBest(side);
      if (!(side > 0 ? best > tick : best < tick) && this.fits(side, tick)) {
        this.recenter(tick);
        return tick - this.base;
      }
      far.set(tick, qty);
      if (side > 0 ? best > tick : best < tick) this.refill(side);
      return -1;
    }
    if (!(side > 0 ? s > this.bestBidSlot : s < this.bestAskSlot)) {
      far.set(tick, qty);
      return -1;
    }
    this.recenter(tick);
    return tick - this.base;
  }

  /** The best level of a side kept outside the window (−∞ / +∞: none). */
  private farBest(side: number): number {
    let best = side > 0 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    const far = side > 0 ? this.farBids : this.farAsks;
    if (far.size > 0)
      far.forEach((t, q) => {
        if (q > 0 && (side > 0 ? t > best : t < best)) best = t;
      });
    return best;
  }

  /**
   * True when a side's new touch at `tick` may be the window's centre: the window then still holds the other
   * side's touch, or the level crosses it (the crossed levels are stale and cleared).
   */
  private fits(side: number, tick: number): boolean {
    const other = side > 0 ? this.bestAskSlot : this.bestBidSlot;
    if (!(other >= 0 && other < this.capacity)) return true;
    const d = side > 0 ? this.base + other - tick : tick - (this.base + other);
    return d < this.capacity >> 1;
  }

  /**
   * A side left empty in the window while levels of it rest outside: re-centre on its best one, unless the
   * other side's touch would then leave the window (a spread wider than half of it: that best level stays
   * outside, not seen as the touch).
   */
  private refill(side: number): void {
    if ((side > 0 ? this.farBids : this.farAsks).size === 0) return;
    const best = this.farBest(side);
    if (Number.isFinite(best) && this.fits(side, best)) this.recenter(best);
  }

  /** The window holds no bid any more: scans start afresh, and the best bid kept outside becomes the touch. */
  private bidsEmptied(): void {
    this.bidLow = this.capacity;
    if (this.farBids.size > 0) this.refill(1);
  }

  private asksEmptied(): void {
    this.askHigh = -1;
    if (this.farAsks.size > 0) this.refill(-1);
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
      while (i >= low && !(q[i]! > 0)) i--;
      this.bestBidSlot = i >= low ? i : -1;
      if (this.bestBidSlot < 0) this.bidsEmptied();
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
      while (i <= high && !(q[i]! > 0)) i++;
      this.bestAskSlot = i <= high ? i : this.capacity;
      if (this.bestAskSlot === this.capacity) this.asksEmptied();
    }
  }

  /** A bid now rests at slot s: asks at or below it are stale (empty). */
  private clearAsksUpTo(s: number): void {
    this.serial++;
    const q = this.askQty;
    for (let i = this.bestAskSlot; i <= s; i++) q[i] = 0;
    let i = s + 1;
    const high = this.askHigh;
    while (i <= high && !(q[i]! > 0)) i++;
    this.bestAskSlot = i <= high ? i : this.capacity;
    if (this.bestAskSlot === this.capacity) this.asksEmptied();
  }

  private clearBidsDownTo(s: number): void {
    this.serial++;
    const q = this.bidQty;
    for (let i = this.bestBidSlot; i >= s; i--) q[i] = 0;
    let i = s - 1;
    const low = this.bidLow;
    while (i >= low && !(q[i]! > 0)) i--;
    this.bestBidSlot = i >= low ? i : -1;
    if (this.bestBidSlot < 0) this.bidsEmptied();
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

  /**
   * Slots [from, to) of a side's window as nothing has stated them yet: empty within the snapshot's range
   * (it stated them), unknown (NaN) beyond.
   */
  private fillUnstated(side: number, from: number, to: number): void {
    if (from >= to) return;
    if (side > 0) {
      // Bids at or above the floor are stated: slots from floor − base up.
      const k = Math.min(to, Math.max(from, this.bidFloor - this.base));
      this.bidQty.fill(Number.NaN, from, k);
      this.bidQty.fill(0, k, to);
    } else {
      // Asks at or below the ceiling are stated: slots up to ceiling − base.
      const k = Math.max(from, Math.min(to, this.askCeiling - this.base + 1));
      this.askQty.fill(0, from, k);
      this.askQty.fill(Number.NaN, k, to);
    }
  }

  /**
   * Move the window so that `tick` sits at its centre: levels leaving it are kept outside (unknown ones need
   * no entry), those kept outside that it now covers come in, the other slots it now covers start unstated.
   */
  private recenter(tick: number): void {
    this.serial++;
    const cap = this.capacity;
    const newBase = tick - (cap >> 1);
    const shift = newBase - this.base; // slot s becomes s − shift
    // The slots that leave the window: [0, shift) moving up, [cap + shift, cap) moving down. Moving up, the
    // bids there are kept outside and the asks there are stale (below the bid the window moves to, or none:
    // the side was empty); moving down, the same the other way round.
    if (shift > 0) {
      const floor = this.bidFloor;
      for (let i = 0, hi = Math.min(cap, shift); i < hi; i++) {
        const v = this.bidQty[i]!;
        const t = this.base + i;
        if (v > 0 || (v === 0 && t < floor)) this.farBids.set(t, v);
      }
    } else if (shift < 0) {
      const ceiling = this.askCeiling;
      for (let i = Math.max(0, cap + shift); i < cap; i++) {
        const v = this.askQty[i]!;
        const t = this.base + i;
        if (v > 0 || (v === 0 && t > ceiling)) this.farAsks.set(t, v);
      }
    }
    for (const q of [this.bidQty, this.askQty]) {
      if (shift > 0 && shift < cap) q.copyWithin(0, shift);
      else if (shift < 0 && -shift < cap) q.copyWithin(-shift, 0, cap + shift);
    }
    this.base = newBase;
    const from = shift > 0 ? Math.max(0, cap - shift) : 0;
    const to = shift > 0 ? cap : Math.min(cap, -shift);
    if (shift !== 0) {
      this.fillUnstated(1, from, to);
      this.fillUnstated(-1, from, to);
    }
    // The best levels and the scan bounds from the old ones moved by the shift (no scan of the whole window),
    // widened by the levels coming in from outside.
    let b = this.bestBidSlot >= 0 ? this.bestBidSlot - shift : -1;
    let low = this.bidLow < cap ? Math.max(0, this.bidLow - shift) : cap;
    let a = this.bestAskSlot < cap ? this.bestAskSlot - shift : cap;
    let high = this.askHigh >= 0 ? Math.min(cap - 1, this.askHigh - shift) : -1;
    if (b >= cap) b = this.scanBid(cap - 1, 0); // the old best left above (stale): the best below it
    else if (b < 0) b = -1;
    if (a < 0) a = this.scanAsk(0, cap - 1);
    else if (a >= cap) a = cap;
    if (this.gather(this.farBids, this.bidQty)) {
      if (this.gatherHigh > b) b = this.gatherHigh;
      if (this.gatherLow < low) low = this.gatherLow;
    }
    if (this.gather(this.farAsks, this.askQty)) {
      if (this.gatherLow < a) a = this.gatherLow;
      if (this.gatherHigh > high) high = this.gatherHigh;
    }
    this.bestBidSlot = b;
    this.bestAskSlot = a;
    this.bidLow = b >= 0 ? Math.min(low, b) : cap;
    this.askHigh = a < cap ? Math.max(high, a) : -1;
  }

  /** The highest slot in [lo, from] holding a bid (−1: none). */
  private scanBid(from: number, lo: number): number {
    for (let i = from; i >= lo; i--) if (this.bidQty[i]! > 0) return i;
    return -1;
  }

  /** The lowest slot in [from, hi] holding an ask (`capacity`: none). */
  private scanAsk(from: number, hi: number): number {
    for (let i = from; i <= hi; i++) if (this.askQty[i]! > 0) return i;
    return this.capacity;
  }

  /** Lowest and highest slot of the levels the last `gather` moved in. */
  private gatherLow = 0;
  private gatherHigh = 0;

  /** The levels kept outside that the window now covers move into it; true when a non-empty one did (`gatherLow`/`gatherHigh`). */
  private gather(far: TickTable, q: Float64Array): boolean {
    if (far.size === 0) return false;
    const base = this.base;
    const cap = this.capacity;
    const moved: number[] = [];
    let lo = cap;
    let hi = -1;
    far.forEach((t, v) => {
      const s = t - base;
      if (s >= 0 && s < cap) {
        q[s] = v;
        moved.push(t);
        if (v > 0) {
          if (s < lo) lo = s;
          if (s > hi) hi = s;
        }
      }
    });
    for (const t of moved) far.delete(t);
    this.gatherLow = lo;
    this.gatherHigh = hi;
    return hi >= 0;
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
      if (this.snapshotOpen) this.endSnapshot();
      const tick = Math.round(ev.price[i]! * this.invTick);
      this.lastTick = tick;
      this.setTickOfRow(ev, i, tick);
      if ((ev.flags[i]! & END) !== 0) this.lastUpdateId = id;
      this.updateTouch();
      return true;
    }
    if (type === BBO) {
      const id = ev.id[i]!;
      if (this.snapshotOpen) this.endSnapshot();
      if (id < this.lastUpdateId) return false;
      this.setOverlay(ev.side[i]!, ev.price[i]!, ev.size[i]!, id);
      this.updateTouch();
      return true;
    }
    if (type === SNAPSHOT) {
      if ((ev.flags[i]! & START) !== 0) this.snapshotStart(ev, i);
      const side = ev.side[i]!;
      const tick = Math.round(ev.price[i]! * this.invTick);
      if (side > 0) {
        if (tick < this.snapBidMin) this.snapBidMin = tick;
      } else if (tick > this.snapAskMax) this.snapAskMax = tick;
      this.serial++;
      this.set(side, ev.price[i]!, ev.size[i]!);
      if ((ev.flags[i]! & END) !== 0 && this.snapshotOpen) this.endSnapshot();
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
    this.snapshotOpen = true;
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

  /**
   * A snapshot's rows are all in (its last row, or the first depth row after it when that was not marked):
   * it stated every level from the touch to its deepest row on each side; the window's slots beyond are
   * unknown. Until then the book reads as whole (`clear`).
   */
  private endSnapshot(): void {
    this.snapshotOpen = false;
    this.bidFloor = this.snapBidMin;
    this.askCeiling = this.snapAskMax;
    const cap = this.capacity;
    const b = Math.min(cap, this.bidFloor - this.base);
    if (b > 0) this.bidQty.fill(Number.NaN, 0, b);
    const a = Math.max(0, this.askCeiling - this.base + 1);
    if (a < cap) this.askQty.fill(Number.NaN, a, cap);
  }

  /** Levels of one side from its best outwards (tests, debugging): [price, qty] pairs, those outside the window included. */
  levels(side: number, max = 10): [number, number][] {
    const all = this.depthLevels(side);
    const out: [number, number][] = [];
    for (let k = 0; k < all.length && out.length < max; k++) out.push([this.priceOf(all[k]![0]), all[k]![1]]);
    return out;
  }

  /** Every non-empty level of one side as the depth messages state it, window and outside, best first: [tick, qty] pairs. */
  depthLevels(side: number): [number, number][] {
    const out: [number, number][] = [];
    if (this.base === this.base) {
      if (side > 0) {
        for (let i = this.capacity - 1; i >= 0; i--) if (this.bidQty[i]! > 0) out.push([this.base + i, this.bidQty[i]!]);
      } else for (let i = 0; i < this.capacity; i++) if (this.askQty[i]! > 0) out.push([this.base + i, this.askQty[i]!]);
    }
    (side > 0 ? this.farBids : this.farAsks).forEach((t, q) => {
      if (q > 0) out.push([t, q]);
    });
    return out.sort((x, y) => (side > 0 ? y[0] - x[0] : x[0] - y[0]));
  }

  /** The levels beyond the snapshot's range that a depth diff has named since (their sizes: `qtyAtTick`), ascending ticks. */
  statedBeyond(side: number): number[] {
    const out: number[] = [];
    if (this.base === this.base) {
      const q = side > 0 ? this.bidQty : this.askQty;
      for (let i = 0; i < this.capacity; i++) {
        const t = this.base + i;
        if (q[i] === q[i] && (side > 0 ? t < this.bidFloor : t > this.askCeiling)) out.push(t);
      }
    }
    (side > 0 ? this.farBids : this.farAsks).forEach((t) => {
      if (side > 0 ? t < this.bidFloor : t > this.askCeiling) out.push(t);
    });
    return out.sort((x, y) => x - y);
  }
}
