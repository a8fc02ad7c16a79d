// A growable EventColumns: collects rows (or whole chunks) in memory and hands out a trimmed view.
import { allocEvents, eventRows, type EventColumns } from '../market/index.js';

export class EventBuffer {
  cols: EventColumns;

  constructor(capacity = 1 << 16) {
    this.cols = allocEvents(Math.max(16, capacity));
  }

  get length(): number {
    return this.cols.length;
  }

  /** Make room for `n` more rows. */
  reserve(n: number): void {
    const need = this.cols.length + n;
    if (need <= this.cols.type.length) return;
    let cap = this.cols.type.length * 2;
    while (cap < need) cap *= 2;
    const next = allocEvents(cap);
    copyEvents(this.cols, 0, next, 0, this.cols.length);
    next.length = this.cols.length;
    this.cols = next;
  }

  /** Append rows [from, to) of `src`. */
  append(src: EventColumns, from = 0, to = src.length): void {
    this.reserve(to - from);
    copyEvents(src, from, this.cols, this.cols.length, to - from);
    this.cols.length += to - from;
  }

  /** Append one row. */
  push(type: number, side: number, flags: number, tsExchange: number, tsLocal: number, price: number, size: number, id: number, publishDelay = 0): void {
    if (this.cols.length === this.cols.type.length) this.reserve(1);
    const c = this.cols;
    const i = c.length;
    c.type[i] = type;
    c.side[i] = side;
    c.flags[i] = flags;
    c.tsExchange[i] = tsExchange;
    c.tsLocal[i] = tsLocal;
    c.publishDelay[i] = publishDelay;
    c.price[i] = price;
    c.size[i] = size;
    c.id[i] = id;
    c.length = i + 1;
  }

  clear(): void {
    this.cols.length = 0;
  }

  /** The rows so far, as views of exactly `length` elements (shares memory until the next append). */
  view(): EventColumns {
    return eventRows(this.cols, 0, this.cols.length);
  }
}

/** Copy n rows from src[from..] to dst[at..] (dst must have room; its length is not changed). */
export function copyEvents(src: EventColumns, from: number, dst: EventColumns, at: number, n: number): void {
  const to = from + n;
  dst.type.set(src.type.subarray(from, to), at);
  dst.side.set(src.side.subarray(from, to), at);
  dst.flags.set(src.flags.subarray(from, to), at);
  dst.tsExchange.set(src.tsExchange.subarray(from, to), at);
  dst.tsLocal.set(src.tsLocal.subarray(from, to), at);
  dst.publishDelay.set(src.publishDelay.subarray(from, to), at);
  dst.price.set(src.price.subarray(from, to), at);
  dst.size.set(src.size.subarray(from, to), at);
  dst.id.set(src.id.subarray(from, to), at);
}
