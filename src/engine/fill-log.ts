// The fill log: every fill of a run as growable struct-of-arrays columns.
import type { Micros } from '../core/index.js';
import type { Side } from '../market/index.js';
import type { Liquidity } from '../orders/index.js';

export class FillLog {
  length = 0;
  ts!: Float64Array;
  side!: Int8Array;
  price!: Float64Array;
  qty!: Float64Array;
  fee!: Float64Array;
  taker!: Uint8Array; // 1 = taker, 0 = maker
  clientId!: Float64Array;
  /** Index of the trace sample in force when the fill happened (bar index in bar mode). */
  sample!: Int32Array;

  constructor(capacity = 256) {
    this.allocate(capacity);
  }

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

  /** The first `n` fills as a log sharing this one's memory (what a report up to a moment reads). */
  prefix(n: number): FillLog {
    const f = Object.create(FillLog.prototype) as FillLog;
    Object.assign(f, this);
    f.length = Math.min(n, this.length);
    return f;
  }

  /** All eight columns in one ArrayBuffer (8-byte columns first, then 4-, then 1-byte ones). */
  private allocate(n: number): void {
    const buf = new ArrayBuffer(n * 46);
    this.ts = new Float64Array(buf, 0, n);
    this.price = new Float64Array(buf, n * 8, n);
    this.qty = new Float64Array(buf, n * 16, n);
    this.fee = new Float64Array(buf, n * 24, n);
    this.clientId = new Float64Array(buf, n * 32, n);
    this.sample = new Int32Array(buf, n * 40, n);
    this.side = new Int8Array(buf, n * 44, n);
    this.taker = new Uint8Array(buf, n * 45, n);
  }

  private grow(): void {
    const { ts, price, qty, fee, clientId, sample, side, taker } = this;
    this.allocate(ts.length * 2);
    this.ts.set(ts);
    this.price.set(price);
    this.qty.set(qty);
    this.fee.set(fee);
    this.clientId.set(clientId);
    this.sample.set(sample);
    this.side.set(side);
    this.taker.set(taker);
  }
}
