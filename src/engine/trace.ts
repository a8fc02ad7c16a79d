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

  constructor(readonly capacity: number) {
    this.ts = new Float64Array(capacity);
    this.mid = new Float64Array(capacity);
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
}
