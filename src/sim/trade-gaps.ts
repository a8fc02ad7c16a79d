// Jumps in a market's trade ids: trades the capture missed (no row marks them), with the span each one covers.
import type { Micros } from '../core/index.js';

/**
 * Trade ids of one market as the replay meets them (exchange-time order). An id more than one past the highest
 * seen is a gap: the trades between were not captured, so a maker fill replay saw less of the market there
 * than there was. A late id that falls inside the newest gap (two trades of one instant kept in capture order)
 * fills it in again. Recordings without trade ids (0 or NaN) have no gaps.
 */
export class TradeGaps {
  /** Gaps met, and the trade ids missing in them. */
  count = 0;
  missed = 0;
  /** Each gap: exchange times of the trades either side (µs). */
  readonly from: Micros[] = [];
  readonly to: Micros[] = [];
  /** The newest gap (the only one a late id may fill in): the ids either side and those still missing. */
  private lo = Number.NaN;
  private hi = Number.NaN;
  private open = 0;
  /** The highest trade id seen, and its exchange time. */
  private last = Number.NaN;
  private lastT = Number.NaN;

  /** A trade row: id `id` at exchange time `t`. */
  onTrade(id: number, t: Micros): void {
    const last = this.last;
    if (id > last + 1) {
      this.count++;
      this.missed += id - last - 1;
      this.from.push(this.lastT);
      this.to.push(t);
      this.lo = last;
      this.hi = id;
      this.open = id - last - 1;
    } else if (id > this.lo && id < this.hi) this.late();
    if (!(id <= last) && id > 0) {
      this.last = id;
      this.lastT = t;
    }
  }

  /** A late id inside the newest gap: one missing less; the gap goes when none is left (a gap before it is not reopened). */
  private late(): void {
    this.missed--;
    if (--this.open > 0) return;
    this.count--;
    this.from.pop();
    this.to.pop();
    this.lo = this.hi = Number.NaN;
  }
}
