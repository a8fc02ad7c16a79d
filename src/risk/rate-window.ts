// The order-rate rule's window: at most `maxOrders` places sent per `windowMicros` of view time.
import type { Micros } from '../core/index.js';

/**
 * A sliding window over the send times of the last `maxOrders` places sent (approved, and not taken back by
 * `takeBack` because they could not leave after all). A plain class: the gate
 * calls `admit` directly when the order rate is the only rule its inline test does not cover (every
 * command of every backtest), and the rule (`orderRateRule`) calls the same method otherwise.
 *
 * The ring keeps one slot more than the window needs and starts filled with −∞ (places sent before time
 * began: never in the window). The slot after `head` then always holds the `maxOrders`-th newest send time,
 * the one a new place must find out of the window, and the slot the place is written to holds a time that no
 * longer counts, so `takeBack` only steps back (nothing is saved per place for it). No count is kept.
 */
export class RateWindow {
  /** Ring of the last `maxOrders` send times, and one more slot. */
  private readonly sent: Float64Array;
  /** The slot the next place is written to. */
  private head = 0;
  /** Whether the last `admit` counted a place that `takeBack` may still take out. */
  private undoable = false;
  /** Why a place is denied (the same text for every denial). */
  readonly reason: string;

  constructor(
    readonly maxOrders: number,
    readonly windowMicros: Micros,
  ) {
    if (!(Number.isInteger(maxOrders) && maxOrders >= 1)) throw new RangeError(`order rate: maxOrders must be a positive integer, got ${maxOrders}`);
    this.sent = new Float64Array(maxOrders + 1).fill(Number.NEGATIVE_INFINITY);
    this.reason = `order rate above ${maxOrders} per ${windowMicros / 1000} ms`;
  }

  /** True, and counted as sent at `now`, when a place at `now` keeps the rate; false (not counted) otherwise. */
  admit(now: Micros): boolean {
    const head = this.head;
    const next = head === this.maxOrders ? 0 : head + 1;
    // `next` holds the maxOrders-th newest send time: still in the window, the window is full.
    if (now - this.sent[next]! < this.windowMicros) {
      this.undoable = false;
      return false;
    }
    this.sent[head] = now;
    this.head = next;
    this.undoable = true;
    return true;
  }

  /**
   * The place the last `admit` counted was not sent after all (the ledger could not record it): out of the
   * window again, which is as it was before that place. Only the last admitted place, once.
   */
  takeBack(): void {
    if (!this.undoable) return;
    this.undoable = false;
    this.head = this.head === 0 ? this.maxOrders : this.head - 1;
  }
}
