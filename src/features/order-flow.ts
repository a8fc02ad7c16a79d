// Order-flow features: book imbalance at N levels, microprice, trade-flow imbalance over a time window, the sweep flag.
import type { Micros } from '../core/index.js';
import type { L2Book } from '../market/index.js';

/** Farthest a level scan walks from the touch, in ticks (a sparse book stops here). */
const SCAN_TICKS = 20_000;

/**
 * Depth imbalance of the first `levels` non-empty price levels of each side: (B − A) / (B + A) with B, A
 * the summed sizes, in [−1, 1]; positive = more resting to buy. NaN when a side is empty. At one level
 * it is the queue imbalance of the touch, which forecasts the sign of the next mid move in many books
 * (Cartea, Donnelly & Jaimungal 2018; Gould & Bonart 2016). Reads the book as it is now: causal when
 * the book holds only what has been received.
 */
export function bookImbalance(book: L2Book, levels: number): number {
  const bb = book.bestBidTick();
  const ba = book.bestAskTick();
  if (!(bb === bb && ba === ba)) return Number.NaN;
  // The touch as the book shows it (a fresher BBO overlay included), then the depth levels behind it.
  let b = 0;
  let n = 0;
  for (let t = bb, stop = bb - SCAN_TICKS; t >= stop && n < levels; t--) {
    const q = book.shownQtyAt(1, t);
    if (q > 0) {
      b += q;
      n++;
    }
  }
  let a = 0;
  n = 0;
  for (let t = ba, stop = ba + SCAN_TICKS; t <= stop && n < levels; t++) {
    const q = book.shownQtyAt(-1, t);
    if (q > 0) {
      a += q;
      n++;
    }
  }
  return b + a > 0 ? (b - a) / (b + a) : Number.NaN;
}

/**
 * Microprice (Stoikov 2018's weighted mid): (bid · askQty + ask · bidQty) / (bidQty + askQty) — the touch
 * price the queues lean toward (a large bid queue pulls it up to the ask). NaN when a side is empty.
 */
export function microprice(book: L2Book): number {
  const bid = book.bestBid();
  const ask = book.bestAsk();
  if (!(bid === bid && ask === ask)) return Number.NaN;
  const qb = book.bestBidQty();
  const qa = book.bestAskQty();
  return qb + qa > 0 ? (bid * qa + ask * qb) / (qb + qa) : (bid + ask) / 2;
}

/**
 * Trade-flow imbalance over a sliding window: (B − S) / (B + S), B and S the buy- and sell-aggressor
 * volumes of the trades in (t − window, t]; 0 without trades. A ring buffer of the window's trades, so
 * each trade enters and leaves once. Causal: `value(t)` uses trades at or before t only.
 */
export class WindowTradeFlow {
  private ts = new Float64Array(1024);
  private signed = new Float64Array(1024);
  private head = 0;
  private count = 0;
  private buy = 0;
  private sell = 0;

  constructor(readonly windowMicros: Micros) {}

  /** A trade of `size` whose aggressor is `side` (+1 buy, −1 sell) at time t (non-decreasing). */
  onTrade(t: Micros, side: number, size: number): void {
    if (this.count === this.ts.length) this.grow();
    const j = (this.head + this.count++) & (this.ts.length - 1);
    this.ts[j] = t;
    const v = side > 0 ? size : -size;
    this.signed[j] = v;
    if (v > 0) this.buy += v;
    else this.sell -= v;
  }

  value(t: Micros): number {
    const from = t - this.windowMicros;
    const mask = this.ts.length - 1;
    while (this.count > 0 && this.ts[this.head]! <= from) {
      const v = this.signed[this.head]!;
      if (v > 0) this.buy -= v;
      else this.sell += v;
      this.head = (this.head + 1) & mask;
      this.count--;
    }
    if (this.count === 0) {
      this.buy = 0; // no drift from float sums once the window empties
      this.sell = 0;
      return 0;
    }
    const s = this.buy + this.sell;
    return s > 0 ? (this.buy - this.sell) / s : 0;
  }

  private grow(): void {
    const n = this.ts.length;
    const ts = new Float64Array(n * 2);
    const sg = new Float64Array(n * 2);
    for (let k = 0; k < this.count; k++) {
      const j = (this.head + k) & (n - 1);
      ts[k] = this.ts[j]!;
      sg[k] = this.signed[j]!;
    }
    this.ts = ts;
    this.signed = sg;
    this.head = 0;
  }
}

/**
 * Sweep flag: an aggressor that took several price levels at once. Trades of one aggressor side arriving
 * at the same time at `minLevels` or more distinct prices are one sweep (a market order walking the book
 * prints one trade per level it takes); the flag stays up for `holdMicros` after the last one. Sweeps
 * are when a resting quote is filled just before the price moves through it.
 */
export class SweepDetector {
  /** Time of the last sweep (NaN: none yet). */
  lastSweep = Number.NaN;
  /** Sweeps seen. */
  count = 0;
  private t = Number.NaN;
  private side = 0;
  private lo = Number.NaN;
  private hi = Number.NaN;
  private prices = 0;
  private flagged = false;

  constructor(
    readonly holdMicros: Micros,
    readonly minLevels = 2,
  ) {}

  onTrade(t: Micros, side: number, price: number): void {
    if (t !== this.t || side !== this.side) {
      this.t = t;
      this.side = side;
      this.lo = price;
      this.hi = price;
      this.prices = 1;
      this.flagged = false;
    } else if (price < this.lo || price > this.hi) {
      // A new extreme is a new level (prices of one sweep are monotone in the aggressor's direction).
      if (price < this.lo) this.lo = price;
      else this.hi = price;
      this.prices++;
    }
    if (!this.flagged && this.prices >= this.minLevels) {
      this.flagged = true;
      this.count++;
    }
    if (this.flagged) this.lastSweep = t;
  }

  /** 1 if a sweep happened in [t − hold, t], else 0. */
  value(t: Micros): number {
    return this.lastSweep === this.lastSweep && t - this.lastSweep <= this.holdMicros && t >= this.lastSweep ? 1 : 0;
  }
}

/**
 * Volatility burst flag: the mid moved more than `sigmas` standard deviations over the last window —
 * |mid(t) − mid(t − w)| > sigmas · σ · √w, with σ the mid's volatility per √second estimated over a much
 * longer window (the caller's). Fed the mid at each observation (a decision); the mid at t − w is the last
 * one observed at or before it. 0 until an observation at least w old exists, or without σ.
 */
export class VolatilityBurst {
  private ts = new Float64Array(256);
  private mids = new Float64Array(256);
  private head = 0;
  private count = 0;

  constructor(
    readonly windowMicros: Micros,
    readonly sigmas = 3,
  ) {}

  /** The mid at time t (non-decreasing t). */
  observe(t: Micros, mid: number): void {
    if (!(mid === mid)) return;
    if (this.count === this.ts.length) this.grow();
    const j = (this.head + this.count++) & (this.ts.length - 1);
    this.ts[j] = t;
    this.mids[j] = mid;
  }

  /** 1 if the mid moved beyond the band over (t − w, t], else 0; `sigma` per √second. */
  value(t: Micros, mid: number, sigma: number): number {
    const from = t - this.windowMicros;
    const mask = this.ts.length - 1;
    // Keep the last observation at or before t − w (the reference), drop the older ones.
    while (this.count > 1 && this.ts[(this.head + 1) & mask]! <= from) {
      this.head = (this.head + 1) & mask;
      this.count--;
    }
    if (this.count === 0 || this.ts[this.head]! > from || !(sigma > 0) || !(mid === mid)) return 0;
    const band = this.sigmas * sigma * Math.sqrt(this.windowMicros / 1e6);
    return Math.abs(mid - this.mids[this.head]!) > band ? 1 : 0;
  }

  private grow(): void {
    const n = this.ts.length;
    const ts = new Float64Array(n * 2);
    const ms = new Float64Array(n * 2);
    for (let k = 0; k < this.count; k++) {
      const j = (this.head + k) & (n - 1);
      ts[k] = this.ts[j]!;
      ms[k] = this.mids[j]!;
    }
    this.ts = ts;
    this.mids = ms;
    this.head = 0;
  }
}
