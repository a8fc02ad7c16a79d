// The fill log: every fill of a run as growable struct-of-arrays columns.
import type { Micros } from '../core/index.js';
import type { Side } from '../market/index.js';
import type { Liquidity } from '../orders/index.js';

export class FillLog {
  length = 0;
  ts = new Float64Array(256);
  side = new Int8Array(256);
  price = new Float64Array(256);
  qty = new Float64Array(256);
  fee = new Float64Array(256);
  taker = new Uint8Array(256); // 1 = taker, 0 = maker
  clientId = new Float64Array(256);
  /** Index of the trace sample in force when the fill happened (bar index in bar mode). */
  sample = new Int32Array(256);

  push(ts: Micros, clientId: number, side: Side, price: number, qty: number, fee: number, liquidity: Liquidity, sample: number): void {
    if (this.length === this.ts.length) this.grow();
    const i = this.length++;
    this.ts[i] = ts;
    this.clientId[i] = clientId;
    this.side[i] = side;
    this.price[i] = price;
    this.qty[i] = qty;
    this.fee[i] = fee;
    this.taker[i] = liquidity === 'taker' ? 1 : 0;
    this.sample[i] = sample;
  }

  private grow(): void {
    const n = this.ts.length * 2;
    const g = <T extends Float64Array | Int8Array | Uint8Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.ts = g(this.ts, (k) => new Float64Array(k));
    this.side = g(this.side, (k) => new Int8Array(k));
    this.price = g(this.price, (k) => new Float64Array(k));
    this.qty = g(this.qty, (k) => new Float64Array(k));
    this.fee = g(this.fee, (k) => new Float64Array(k));
    this.taker = g(this.taker, (k) => new Uint8Array(k));
    this.clientId = g(this.clientId, (k) => new Float64Array(k));
    this.sample = g(this.sample, (k) => new Int32Array(k));
  }
}
