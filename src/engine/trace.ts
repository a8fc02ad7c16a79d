// The sampler's output: one row per sample (per bar in bar mode) as typed columns.
import { float64Columns, type Micros } from '../core/index.js';

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
  /** Trading state at the sample: 0 active, 1 reducing, 2 halted (`STATE_CODE`). */
  readonly state: Float64Array;

  /**
   * `shared`: the ts and mid columns already exist (a bar backtest's bar times and closes): the trace
   * reads them instead of copying, and the driver fills the other columns with `pushState`.
   */
  constructor(
    readonly capacity: number,
    shared?: { ts: Float64Array; mid: Float64Array },
  ) {
    const cols = float64Columns(shared ? 7 : 9, capacity);
    this.bid = cols[0]!;
    this.ask = cols[1]!;
    this.reservation = cols[2]!;
    this.inventory = cols[3]!;
    this.cash = cols[4]!;
    this.equity = cols[5]!;
    this.state = cols[6]!;
    this.ts = shared ? shared.ts : cols[7]!;
    this.mid = shared ? shared.mid : cols[8]!;
  }

  push(ts: Micros, mid: number, bid: number, ask: number, reservation: number, inventory: number, cash: number, equity: number, state: number): void {
    this.ts[this.length] = ts;
    this.mid[this.length] = mid;
    this.pushState(bid, ask, reservation, inventory, cash, equity, state);
  }

  /** The next row when ts and mid are shared columns (see the constructor). */
  pushState(bid: number, ask: number, reservation: number, inventory: number, cash: number, equity: number, state: number): void {
    const i = this.length++;
    this.state[i] = state;
    this.bid[i] = bid;
    this.ask[i] = ask;
    this.reservation[i] = reservation;
    this.inventory[i] = inventory;
    this.cash[i] = cash;
    this.equity[i] = equity;
  }
}
