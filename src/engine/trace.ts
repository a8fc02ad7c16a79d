// The sampler's output: one row per sample (per bar in bar mode) as typed columns.
import type { Micros } from '../core/index.js';

export class Trace {
  length = 0;
  readonly ts: Float64Array;
  readonly mid: Float64Array;
  readonly bid: Float64Array;
  readonly ask: Float64Array;
  readonly reservation: Float64Array;
  readonly inventory: Float64Array;
  readonly cash: Float64Array;
  readonly equity: Float64Array;

  /**
   * `shared`: the ts and mid columns already exist (a bar backtest's bar times and closes): the trace
   * reads them instead of copying, and the driver fills the other columns with `pushState`.
   */
  constructor(
    readonly capacity: number,
    shared?: { ts: Float64Array; mid: Float64Array },
  ) {
    this.ts = shared ? shared.ts : new Float64Array(capacity);
    this.mid = shared ? shared.mid : new Float64Array(capacity);
    this.bid = new Float64Array(capacity);
    this.ask = new Float64Array(capacity);
    this.reservation = new Float64Array(capacity);
    this.inventory = new Float64Array(capacity);
    this.cash = new Float64Array(capacity);
    this.equity = new Float64Array(capacity);
  }

  push(ts: Micros, mid: number, bid: number, ask: number, reservation: number, inventory: number, cash: number, equity: number): void {
    const i = this.length++;
    this.ts[i] = ts;
    this.mid[i] = mid;
    this.bid[i] = bid;
    this.ask[i] = ask;
    this.reservation[i] = reservation;
    this.inventory[i] = inventory;
    this.cash[i] = cash;
    this.equity[i] = equity;
  }

  /** The next row when ts and mid are shared columns (see the constructor). */
  pushState(bid: number, ask: number, reservation: number, inventory: number, cash: number, equity: number): void {
    const i = this.length++;
    this.bid[i] = bid;
    this.ask[i] = ask;
    this.reservation[i] = reservation;
    this.inventory[i] = inventory;
    this.cash[i] = cash;
    this.equity[i] = equity;
  }
}
