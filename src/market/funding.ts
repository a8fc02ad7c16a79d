// Funding of a perpetual: the payment times and rates a run applies, from a series or a constant rate per interval.
import type { Micros } from '../core/index.js';

/**
 * Funding times and rates in time order, read once with a cursor. Sign convention (Binance's and
 * every major venue's): at each funding time the holder of a long position pays
 * rate × position notional to the shorts when `rate > 0`, and receives it when `rate < 0`.
 * The payment is on the position held at that instant (fills at or before it count) valued at the
 * mark; Binance's mark is its own index, replays use the book's mid at that instant.
 */
export interface FundingSchedule {
  /** Time (µs) of the next payment, +∞ when none is left. */
  nextTs(): Micros;
  /** The next payment's rate; moves the cursor past it. */
  take(): number;
  /** Move the cursor to the first payment at or after `t` (payments before a run starts concern no position of it). */
  seek(t: Micros): void;
  readonly describe: string;
}

/** Funding from a series of (ts µs, rate), strictly increasing times. */
export class SeriesFunding implements FundingSchedule {
  private i = 0;
  constructor(
    readonly ts: Float64Array,
    readonly rate: Float64Array,
    readonly describe = 'series',
  ) {
    for (let k = 1; k < ts.length; k++) if (!(ts[k]! > ts[k - 1]!)) throw new RangeError(`funding times must increase (row ${k + 1})`);
  }
  nextTs(): Micros {
    return this.i < this.ts.length ? this.ts[this.i]! : Number.POSITIVE_INFINITY;
  }
  take(): number {
    return this.rate[this.i++]!;
  }
  seek(t: Micros): void {
    let lo = 0;
    let hi = this.ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    this.i = lo;
  }
}

/** One rate paid at every multiple of `intervalMicros` since the epoch (8 h: 00:00, 08:00, 16:00 UTC). */
export class ConstantFunding implements FundingSchedule {
  private t = 0;
  constructor(
    readonly rate: number,
    readonly intervalMicros: Micros,
  ) {
    if (!(intervalMicros > 0)) throw new RangeError('funding interval must be positive');
  }
  get describe(): string {
    return `constant ${this.rate} every ${this.intervalMicros / 3.6e9} h`;
  }
  nextTs(): Micros {
    return this.t;
  }
  take(): number {
    this.t += this.intervalMicros;
    return this.rate;
  }
  seek(t: Micros): void {
    this.t = Math.ceil(t / this.intervalMicros) * this.intervalMicros;
  }
}

/** One payment applied: when, at which rate, on which position and mark, and what it paid (settlement currency, > 0 received). */
export interface FundingPayment {
  ts: Micros;
  rate: number;
  position: number;
  mark: number;
  amount: number;
}
