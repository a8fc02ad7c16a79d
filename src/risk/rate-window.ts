// The order-rate rule's window: at most `maxOrders` places sent per `windowMicros` of view time.
import type { Micros } from '../core/index.js';

/**
 * A sliding window over the send times of the last `maxOrders` places sent (approved, and not taken back by
 * `takeBack` because they could not leave after all). A plain class: the gate
 * calls `admit` directly when the order rate is the only rule its inline test does not cover (every
 * command of every backtest), and the rule (`orderRateRule`) calls the same method otherwise.
 *
 * The ring keeps one slot more than the window needs: a place admitted into a full window writes over a
 * send time already out of it, so the oldest one still counted is never lost and `takeBack` only has to
 * step back (nothing is saved per place for it).
 */
export class RateWindow {
  /** Ring of the last `maxOrders` send times, and one more slot. */
  private readonly sent: Float64Array;
  private readonly slots: number;
  /** The slot the next place is written to. */
  private head = 0;
  /** Send times counted (at most `maxOrders`): the newest ones, ending just before `head`. */
  private count = 0;
  /** Whether the last `admit` counted a place that `takeBack` may still take out. */
  private undoable = false;
  /** Whether that place raised `count` (the window was not full). */
  private grew = false;
  /** Why a place is denied (the same text for every denial). */
  readonly reason: string;

  constructor(
    readonly maxOrders: number,
    readonly windowMicros: Micros,
  ) {
    this.slots = maxOrders + 1;
    this.sent = new Float64Array(this.slots);
    this.reason = `order rate above ${maxOrders} per ${windowMicros / 1000} ms`;
  }

  /** True, and counted as sent at `now`, when a place at `now` keeps the rate; false (not counted) otherwise. */
  admit(now: Micros): boolean {
    const head = this.head;
    const full = this.count === this.maxOrders;
    if (full) {
      const oldest = head >= this.maxOrders ? head - this.maxOrders : head + 1;
      if (now - this.sent[oldest]! < this.windowMicros) {
        this.undoable = false;
        return false;
      }
    } else this.count++;
    this.grew = !full;
    this.undoable = true;
    this.sent[head] = now;
    this.head = head + 1 === this.slots ? 0 : head + 1;
    return true;
  }

  /**
   * The place the last `admit` counted was not sent after all (the ledger could not record it): out of the
   * window again, which is as it was before that place. Only the last admitted place, once.
   */
  takeBack(): void {
    if (!this.undoable) return;
    this.undoable = false;
    this.head = this.head === 0 ? this.slots - 1 : this.head - 1;
    if (this.grew) this.count--;
  }
}
