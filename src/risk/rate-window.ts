// The order-rate rule's window: at most `maxOrders` places sent per `windowMicros` of view time.
import type { Micros } from '../core/index.js';

/**
 * A sliding window over the send times of the last `maxOrders` places sent (approved, and not taken back by
 * `takeBack` because they could not leave after all). A plain class: the gate
 * calls `admit` directly when the order rate is the only rule its inline test does not cover (every
 * command of every backtest), and the rule (`orderRateRule`) calls the same method otherwise.
 */
export class RateWindow {
  /** Ring of the last `maxOrders` send times. */
  private readonly sent: Float64Array;
  private head = 0;
  private count = 0;
  /** Whether the last `admit` counted a place that `takeBack` may still take out. */
  private undoable = false;
  /** The send time that place wrote over (NaN: it took a free slot). */
  private replaced = Number.NaN;
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
      if (now - this.sent[head]! < this.windowMicros) {
        this.undoable = false;
        return false;
      }
      this.replaced = this.sent[head]!;
    } else {
      this.count++;
      this.replaced = Number.NaN;
    }
    this.undoable = true;
    this.sent[head] = now;
    this.head = head + 1 === this.maxOrders ? 0 : head + 1;
    return true;
  }

  /**
   * The place the last `admit` counted was not sent after all (the ledger could not record it): out of the
   * window again, which is as it was before that place. Only the last admitted place, once.
   */
  takeBack(): void {
    if (!this.undoable) return;
    this.undoable = false;
    const head = this.head === 0 ? this.maxOrders - 1 : this.head - 1;
    this.head = head;
    const r = this.replaced;
    if (r !== r) this.count--;
    else this.sent[head] = r;
  }
}
