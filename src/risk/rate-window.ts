// The order-rate rule's window: at most `maxOrders` approved places per `windowMicros` of view time.
import type { Micros } from '../core/index.js';

/**
 * A sliding window over the send times of the last `maxOrders` approved places. A plain class: the gate
 * calls `admit` directly when the order rate is the only rule its inline test does not cover (every
 * command of every backtest), and the rule (`orderRateRule`) calls the same method otherwise.
 */
export class RateWindow {
  /** Ring of the last `maxOrders` send times. */
  private readonly sent: Float64Array;
  private head = 0;
  private count = 0;
  /** Why a place is denied (the same text for every denial). */
  readonly reason: string;

  constructor(
    readonly maxOrders: number,
    readonly windowMicros: Micros,
  ) {
    this.sent = new Float64Array(maxOrders);
    this.reason = `order rate above ${maxOrders} per ${windowMicros / 1000} ms`;
  }

  /** True, and counted as sent at `now`, when a place at `now` keeps the rate; false (not counted) otherwise. */
  admit(now: Micros): boolean {
    const head = this.head;
    if (this.count === this.maxOrders) {
      if (now - this.sent[head]! < this.windowMicros) return false;
    } else this.count++;
    this.sent[head] = now;
    this.head = head + 1 === this.maxOrders ? 0 : head + 1;
    return true;
  }
}
