// The market of a parity check, read once from the recording: the mid over local time, and the book's size at given levels and times.
import { EventFlag, L2Book, type EventColumns } from '../market/index.js';

export interface MidTimeline {
  /** Local time of each complete book message with a two-sided book, µs (ascending). */
  ts: Float64Array;
  mid: Float64Array;
  length: number;
}

export interface LevelQuery {
  ts: number;
  side: number;
  price: number;
}

/**
 * Walk the recording in the order it was received, rebuilding the book: the mid after every complete
 * message, and for each query the size shown at (side, price) by the book as of its local time (the
 * queue an order joining then would stand behind). Queries may come in any order.
 */
export function scanRecording(ev: EventColumns, tickSize: number, queries: readonly LevelQuery[] = []): { mids: MidTimeline; levelQty: Float64Array } {
  const book = new L2Book(tickSize);
  const ts = new Float64Array(ev.length);
  const mid = new Float64Array(ev.length);
  let n = 0;
  const order = queries.map((_, i) => i).sort((a, b) => queries[a]!.ts - queries[b]!.ts);
  const levelQty = new Float64Array(queries.length).fill(Number.NaN);
  let q = 0;
  for (let i = 0; i < ev.length; i++) {
    const t = ev.tsLocal[i]!;
    while (q < order.length && queries[order[q]!]!.ts < t) {
      const k = order[q++]!;
      levelQty[k] = n > 0 ? book.qtyAt(queries[k]!.side, queries[k]!.price) : Number.NaN;
    }
    book.apply(ev, i);
    if ((ev.flags[i]! & EventFlag.EndOfMessage) !== 0) {
      const m = book.mid();
      if (m > 0 && Number.isFinite(m)) {
        ts[n] = t;
        mid[n] = m;
        n++;
      }
    }
  }
  while (q < order.length) {
    const k = order[q++]!;
    levelQty[k] = n > 0 ? book.qtyAt(queries[k]!.side, queries[k]!.price) : Number.NaN;
  }
  return { mids: { ts, mid, length: n }, levelQty };
}

/** The mid as of local time `t` (the last message at or before it); NaN before the first. */
export function midAt(m: MidTimeline, t: number): number {
  let lo = 0;
  let hi = m.length;
  while (lo < hi) {
    const h = (lo + hi) >>> 1;
    if (m.ts[h]! <= t) lo = h + 1;
    else hi = h;
  }
  return lo === 0 ? Number.NaN : m.mid[lo - 1]!;
}
