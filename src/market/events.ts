// The normalized market-event vocabulary, as objects (strategy API) and as columns (replay, Arrow files).
import type { Micros } from '../core/index.js';

/** Side of a book level or of a trade's aggressor: +1 bid/buy, −1 ask/sell. */
export type Side = 1 | -1;
export const BUY: Side = 1;
export const SELL: Side = -1;

/** Numeric event type codes, as stored in the `type` column of normalized event files. */
export const EventType = {
  /** One level of a full book snapshot; rows of one snapshot share `id` (its update id). */
  Snapshot: 1,
  /** One level change; `size` is the new total at that price (0 removes it). `id` = final update id of its message. */
  Delta: 2,
  /** One trade; `side` is the aggressor's side, `id` the trade id. */
  Trade: 3,
  /** Best bid or best offer as published by the venue (two rows per update, one per side); `id` = book update id. */
  Bbo: 4,
  /**
   * The depth stream broke (a diff did not continue the last one applied, or a recording lost its book): from
   * this row on the book is unknown, until the next snapshot (`SnapshotStart` … `EndOfMessage`), the resync.
   * One row, `side` 0, `price` and `size` 0, `id` the last update id applied (the book was known up to it);
   * its times are those of the message that showed the break. Written by event format 2
   * (`marketmakerl.events/2`); readers of format 1 refuse it as an unknown type.
   */
  Gap: 5,
} as const;
export type EventTypeCode = (typeof EventType)[keyof typeof EventType];

/** Bit flags of the `flags` column. */
export const EventFlag = {
  /** Last row of one venue message (a snapshot, a diff, a BBO): the book is consistent after it. */
  EndOfMessage: 1,
  /** First row of a snapshot: the book must be cleared before applying it. */
  SnapshotStart: 2,
} as const;

/**
 * Normalized events as struct-of-arrays. One row per level change, trade or BBO side.
 * Column names match the Arrow files written by `convert` (see src/data/event-store.ts).
 */
export interface EventColumns {
  length: number;
  type: Uint8Array;
  side: Int8Array;
  flags: Uint8Array;
  tsExchange: Float64Array; // µs
  tsLocal: Float64Array; // µs
  /**
   * µs from `tsExchange` to when the venue published the row's message (Binance: event time `E` minus the
   * exchange time; ≥ 0). Publication time = `tsExchange` + `publishDelay`: the earliest a feed can deliver
   * the row, so where the trading side's local time is derived from a feed latency f, it is publication
   * time + f. 0 where the message carries no separate publication time (the row was published at its
   * exchange time), in recordings that did not know it, and in event files of format 2 and older.
   */
  publishDelay: Float64Array; // µs
  price: Float64Array;
  size: Float64Array;
  id: Float64Array; // update id or trade id (exact up to 2^53)
}

/** When row `i`'s message was published (exchange time + `publishDelay`, µs): the earliest a feed can deliver it. */
export function publishedAt(ev: EventColumns, i: number): number {
  return ev.tsExchange[i]! + ev.publishDelay[i]!;
}

export function allocEvents(capacity: number): EventColumns {
  return {
    length: 0,
    type: new Uint8Array(capacity),
    side: new Int8Array(capacity),
    flags: new Uint8Array(capacity),
    tsExchange: new Float64Array(capacity),
    tsLocal: new Float64Array(capacity),
    publishDelay: new Float64Array(capacity),
    price: new Float64Array(capacity),
    size: new Float64Array(capacity),
    id: new Float64Array(capacity),
  };
}

/** Rows [from, to) of `ev` as views on the same memory (no copy). */
export function eventRows(ev: EventColumns, from: number, to: number): EventColumns {
  return {
    length: to - from,
    type: ev.type.subarray(from, to),
    side: ev.side.subarray(from, to),
    flags: ev.flags.subarray(from, to),
    tsExchange: ev.tsExchange.subarray(from, to),
    tsLocal: ev.tsLocal.subarray(from, to),
    publishDelay: ev.publishDelay.subarray(from, to),
    price: ev.price.subarray(from, to),
    size: ev.size.subarray(from, to),
    id: ev.id.subarray(from, to),
  };
}

// Object forms, for the strategy API, tests and the live feed. Hot loops use the columns.

export interface Level {
  readonly price: number;
  readonly size: number;
}

export interface BookSnapshot {
  readonly type: 'snapshot';
  readonly tsExchange: Micros;
  readonly tsLocal: Micros;
  readonly updateId: number;
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
}

export interface BookDelta {
  readonly type: 'delta';
  readonly tsExchange: Micros;
  readonly tsLocal: Micros;
  readonly firstUpdateId: number;
  readonly updateId: number;
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
}

export interface TradeEvent {
  readonly type: 'trade';
  readonly tsExchange: Micros;
  readonly tsLocal: Micros;
  readonly tradeId: number;
  readonly price: number;
  readonly size: number;
  readonly aggressor: Side;
}

export interface BarEvent {
  readonly type: 'bar';
  readonly tsExchange: Micros; // bar close time
  readonly tsLocal: Micros;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

export type MarketEvent = BookSnapshot | BookDelta | TradeEvent | BarEvent;

/** Several event sets one after another, in one allocation (a replay of consecutive files). */
export function concatEvents(parts: readonly EventColumns[]): EventColumns {
  if (parts.length === 1) return parts[0]!;
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = allocEvents(n);
  let at = 0;
  for (const p of parts) {
    for (const k of ['type', 'side', 'flags', 'tsExchange', 'tsLocal', 'publishDelay', 'price', 'size', 'id'] as const) (out[k] as Float64Array).set((p[k] as Float64Array).subarray(0, p.length), at);
    at += p.length;
  }
  out.length = n;
  return out;
}
