// Event columns in one SharedArrayBuffer: sent to worker threads without copying (the tick analysis' events).
import type { EventColumns } from '../market/index.js';

export interface SharedEvents {
  length: number;
  /**
   * tsExchange, tsLocal, publishDelay, price, size, id (doubles), then type, side, flags (bytes): `length` of each, in
   * that order. Shared between threads; a plain ArrayBuffer when the bytes came from elsewhere (Redis).
   */
  buffer: SharedArrayBuffer | ArrayBuffer;
}

const DOUBLES = ['tsExchange', 'tsLocal', 'publishDelay', 'price', 'size', 'id'] as const;

/** Empty columns for `length` rows in a new SharedArrayBuffer (fill them, then share `handle`). */
export function allocSharedEvents(length: number): { handle: SharedEvents; events: EventColumns } {
  const handle = { length, buffer: new SharedArrayBuffer(length * (8 * DOUBLES.length + 3)) };
  const events = fromSharedEvents(handle);
  events.length = 0;
  return { handle, events };
}

export function fromSharedEvents(s: SharedEvents): EventColumns {
  const n = s.length;
  const f = (i: number): Float64Array => new Float64Array(s.buffer, i * n * 8, n);
  const bytes = DOUBLES.length * n * 8;
  return {
    length: n,
    tsExchange: f(0),
    tsLocal: f(1),
    publishDelay: f(2),
    price: f(3),
    size: f(4),
    id: f(5),
    type: new Uint8Array(s.buffer, bytes, n),
    side: new Int8Array(s.buffer, bytes + n, n),
    flags: new Uint8Array(s.buffer, bytes + 2 * n, n),
  };
}
