// Event rows are checked as they are read: a bad price, size, side, type or time is one line naming the row, never a quiet PnL change.
import { UserError } from '../core/index.js';
import { EventType, type EventColumns } from '../market/index.js';

const GAP = EventType.Gap;

/**
 * How far a row's local time may go back, µs. Local times are stamped on receipt and order the replay:
 * they only go forward (a clock step of up to a second is tolerated). Exchange times come from several
 * streams and estimates (depth, trades, a REST snapshot stamped on receipt) and are not ordered: they go
 * back by up to 0.2 s on the shared Binance capture, and a recording against a replaying fake mixes
 * years; they only have to be finite.
 */
export const EVENT_TIME_TOLERANCE = { localMicros: 1_000_000 } as const;

/** What a check carries from one batch to the next. */
export interface EventCheck {
  readonly source: string;
  /** What a row is called in messages ("row" of an event file, "event" of a capture). */
  readonly unit: string;
  /** Rows checked so far (the next row's number is this + 1). */
  rows: number;
  maxLocal: number;
}

export function eventCheck(source: string, unit = 'row'): EventCheck {
  return { source, unit, rows: 0, maxLocal: Number.NEGATIVE_INFINITY };
}

function bad(c: EventCheck, i: number, what: string): UserError {
  return new UserError(`${c.source}: ${c.unit} ${c.rows + i + 1}: ${what}`);
}

/**
 * Check every row of `ev`: a known type (1 snapshot, 2 delta, 3 trade, 4 BBO) and side (+1/−1), a finite
 * positive price, a finite size ≥ 0 (0: a level removed), finite times and a finite publication delay ≥ 0,
 * the local time not going back
 * beyond `EVENT_TIME_TOLERANCE`; or a gap row (type 5: side, price and size 0, finite times). Throws a
 * `UserError` naming the first bad row (1-based, counted across batches).
 */
export function checkEventRows(ev: EventColumns, c: EventCheck): void {
  const n = ev.length;
  const { type, side, price, size, tsLocal, tsExchange, publishDelay } = ev;
  let maxLocal = c.maxLocal;
  for (let i = 0; i < n; i++) {
    const t = type[i]!;
    const p = price[i]!;
    const q = size[i]!;
    const l = tsLocal[i]!;
    const x = tsExchange[i]!;
    const d = publishDelay[i]!;
    // One branch for the common case; the reasons are worked out only when something is wrong.
    if (t >= 1 && t <= 4 && (side[i] === 1 || side[i] === -1) && p > 0 && p < Infinity && q >= 0 && q < Infinity && l > -Infinity && l < Infinity && x > -Infinity && x < Infinity && d >= 0 && d < Infinity && l >= maxLocal - EVENT_TIME_TOLERANCE.localMicros) {
      if (l > maxLocal) maxLocal = l;
      continue;
    }
    // A gap row (rare): no side, price or size; its times are checked as any row's.
    const gap = t === GAP;
    if (gap && side[i] === 0 && p === 0 && q === 0 && l > -Infinity && l < Infinity && x > -Infinity && x < Infinity && d >= 0 && d < Infinity && l >= maxLocal - EVENT_TIME_TOLERANCE.localMicros) {
      if (l > maxLocal) maxLocal = l;
      continue;
    }
    if (!(t >= 1 && t <= 5)) throw bad(c, i, `type ${t} is not an event type (1 snapshot, 2 delta, 3 trade, 4 BBO, 5 gap)`);
    if (gap) {
      if (side[i] !== 0 || p !== 0 || q !== 0) throw bad(c, i, `a gap row has side, price and size 0, got ${side[i]}, ${p}, ${q}`);
    } else {
      if (side[i] !== 1 && side[i] !== -1) throw bad(c, i, `side ${side[i]} is not +1 or -1`);
      if (!(p > 0 && p < Infinity)) throw bad(c, i, `price ${p} is not a finite positive number`);
      if (!(q >= 0 && q < Infinity)) throw bad(c, i, `size ${q} is not a finite number ≥ 0`);
    }
    if (!(l > -Infinity && l < Infinity)) throw bad(c, i, `local time ${l} is not a finite time`);
    if (!(x > -Infinity && x < Infinity)) throw bad(c, i, `exchange time ${x} is not a finite time`);
    if (!(d >= 0 && d < Infinity)) throw bad(c, i, `publication delay ${d} is not a finite number of µs ≥ 0`);
    throw bad(c, i, `local time goes back ${((maxLocal - l) / 1e6).toFixed(3)} s (more than the ${EVENT_TIME_TOLERANCE.localMicros / 1e6} s tolerated)`);
  }
  c.maxLocal = maxLocal;
  c.rows += n;
}
