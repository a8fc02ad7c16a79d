// The order in which the simulated venue meets a stream's rows: book rows as logged, trades at their trade time.
import { allocEvents, EventType, type EventColumns } from './events.js';

/**
 * Row numbers of `ev` in venue order: the merge of the book rows (in their own order) and the trades (in
 * theirs) by exchange time, a trade first at equal times (a depth message includes the trades up to its
 * time). This is the order the tick backtest's venue applies them in; a stream already in it (no trade
 * logged after a book row stamped later) is returned unchanged.
 */
export function venueOrder(ev: EventColumns): Int32Array {
  const n = ev.length;
  const out = new Int32Array(n);
  const type = ev.type;
  const ts = ev.tsExchange;
  let b = 0;
  let t = 0;
  let k = 0;
  while (k < n) {
    while (b < n && type[b] === EventType.Trade) b++;
    while (t < n && type[t] !== EventType.Trade) t++;
    if (t < n && (b >= n || ts[t]! <= ts[b]!)) out[k++] = t++;
    else out[k++] = b++;
  }
  return out;
}

/** A copy of `ev` with its rows in venue order (`venueOrder`): what a feed with one latency for every stream delivers. */
export function inVenueOrder(ev: EventColumns): EventColumns {
  const order = venueOrder(ev);
  const o = allocEvents(ev.length);
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    o.type[k] = ev.type[i]!;
    o.side[k] = ev.side[i]!;
    o.flags[k] = ev.flags[i]!;
    o.tsExchange[k] = ev.tsExchange[i]!;
    o.tsLocal[k] = ev.tsLocal[i]!;
    o.publishDelay[k] = ev.publishDelay[i]!;
    o.price[k] = ev.price[i]!;
    o.size[k] = ev.size[i]!;
    o.id[k] = ev.id[i]!;
  }
  o.length = ev.length;
  return o;
}
