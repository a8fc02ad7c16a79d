// Bar signals without bars: trend, momentum and mean reversion of a price sampled on a fixed grid of time.
import type { Micros } from '../core/index.js';
import { RollingSignals } from './signals.js';

/**
 * `RollingSignals` over the closes of `barMicros` bars built from an observed price (the local mid in
 * tick, paper and live mode): the close of a bar is the last price observed before its end. So a policy
 * trained on the signals of 1-minute klines reads signals of the same construction when it trades on
 * a book. A bar in which nothing was observed closes at the previous close (a zero change), as a kline
 * of a quiet minute does. Causal: after `observe(now, …)` the values use prices observed up to `now`,
 * and only bars that ended at or before `now`.
 */
export class GridSignals {
  private readonly signals: RollingSignals;
  private bucket = Number.NaN;
  private last = Number.NaN;

  constructor(
    readonly barMicros: Micros,
    readonly window: number,
  ) {
    if (!(barMicros > 0)) throw new RangeError('signal bar length must be positive');
    this.signals = new RollingSignals(window);
  }

  /** The price at local time `now` (times never go back). NaN prices are skipped. */
  observe(now: Micros, price: number): void {
    const b = Math.floor(now / this.barMicros);
    if (this.bucket !== this.bucket) this.bucket = b;
    else if (b > this.bucket) {
      // Close every bar that ended since the last observation (at most a window's worth matter).
      if (this.last === this.last) {
        const closed = Math.min(b - this.bucket, this.window + 1);
        for (let i = 0; i < closed; i++) this.signals.update(this.last);
      }
      this.bucket = b;
    }
    if (price === price) this.last = price;
  }

  get trendStrength(): number {
    return this.signals.trendStrength;
  }
  get momentum(): number {
    return this.signals.momentum;
  }
  get meanReversion(): number {
    return this.signals.meanReversion;
  }
  get ready(): boolean {
    return this.signals.ready;
  }
}
