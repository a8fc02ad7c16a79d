// Event columns in one SharedArrayBuffer: sent to worker threads without copying (the tick analysis' events).
import type { EventColumns } from '../market/index.js';

export interface SharedEvents {
  length: number;
  /** tsExchange, tsLocal, price, size, id (doubles), then type, side, flags (bytes): `length` of each, in that order. */
  buffer: SharedArrayBuffer;
}

const DOUBLES = ['tsExchange', 'tsLocal', 'price', 'size', 'id'] as const;

export function toSharedEvents(ev: EventColumns): SharedEvents {
  const n = ev.length;
  const buffer = new SharedArrayBuffer(n * (8 * DOUBLES.length + 3));
  const s = fromSharedEvents({ length: n, buffer });
  for (const c of DOUBLES) s[c].set(ev[c].subarray(0, n));
  s.type.set(ev.type.subarray(0, n));
  s.side.set(ev.side.subarray(0, n));
  s.flags.set(ev.flags.subarray(0, n));
  return { length: n, buffer };
}

export function fromSharedEvents(s: SharedEvents): EventColumns {
  const n = s.length;
  const f = (i: number): Float64Array => new Float64Array(s.buffer, i * n * 8, n);
  const bytes = DOUBLES.length * n * 8;
  return {
    length: n,
    tsExchange: f(0),
    tsLocal: f(1),
    price: f(2),
    size: f(3),
    id: f(4),
    type: new Uint8Array(s.buffer, bytes, n),
    side: new Int8Array(s.buffer, bytes + n, n),
    flags: new Uint8Array(s.buffer, bytes + 2 * n, n),
  };
}
