// The duplicate-order protocol's question: does the exchange have an order under this client order id, or provably not?
import type { LiveExchange, LiveOrder } from './live-types.js';

/** The answer of a lookup: the order, its proven absence, or no answer that can be trusted. */
export type LookupAnswer = { kind: 'found'; order: LiveOrder } | { kind: 'absent' } | { kind: 'unknown'; reason: string };

export interface LookupOptions {
  symbol: string;
  clientOrderId: string;
  /** When the last create under this id was sent, ms (wall clock). */
  sentMs: number;
  /** From when to list orders and trades, ms (a margin before the first send). */
  sinceMs: number;
  /**
   * A "not found" counts as absence only when asked at least this long after the last send: longer than
   * a request can travel and still be accepted (Binance refuses one older than its recvWindow) plus how far
   * the exchange's lookups may lag its matching engine.
   */
  settleMs: number;
  /** Exchange order ids we already know (own trades of other orders are not a sign of this one). */
  knownOrderIds: (id: string) => boolean;
  nowMs: () => number;
  /** Transient-fault retry around each call. */
  retry: <T>(what: string, fn: () => Promise<T>) => Promise<T>;
  /** Wait `ms` on the clock `nowMs` reads (default: a wall-clock timer). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Ask the exchange three ways: the order by client order id, every order since the first send (closed
 * ones included), and our trades since then. Found anywhere: the order. Absent only when all three
 * answered, the answers are at least `settleMs` younger than the last send, and no trade of an order we
 * cannot name is in the list (a filled order that a lagging order query does not show yet).
 */
export async function lookupOnce(ex: LiveExchange, o: Readonly<LookupOptions>): Promise<LookupAnswer> {
  const askedAt = o.nowMs();
  try {
    const byId = await o.retry('fetch order', () => ex.orderByClientId(o.symbol, o.clientOrderId));
    if (byId !== undefined) return { kind: 'found', order: byId };
    if (ex.capabilities.fetchOrders) {
      const all = await o.retry('fetch orders', () => ex.ordersSince(o.symbol, o.sinceMs));
      const hit = all.filter((x) => x.clientOrderId === o.clientOrderId).pop();
      if (hit !== undefined) return { kind: 'found', order: hit };
    }
    const trades = await o.retry('fetch my trades', () => ex.myTrades(o.symbol, o.sinceMs));
    const strangers = [...new Set(trades.filter((t) => !o.knownOrderIds(t.orderId)).map((t) => t.orderId))];
    for (const id of strangers) {
      // A trade of an order we cannot name: ask which order it was.
      const x = await o.retry('fetch order by id', () => ex.orderById(o.symbol, id));
      if (x?.clientOrderId === o.clientOrderId) return { kind: 'found', order: x };
      if (x === undefined) return { kind: 'unknown', reason: `own trade of order ${id}, which the exchange cannot show yet` };
    }
  } catch (e) {
    return { kind: 'unknown', reason: e instanceof Error ? e.message : String(e) };
  }
  if (askedAt - o.sentMs < o.settleMs) return { kind: 'unknown', reason: `not found ${askedAt - o.sentMs} ms after the send, within the ${o.settleMs} ms settle window` };
  return { kind: 'absent' };
}

/**
 * `lookupOnce` until it is conclusive: an early "not found" waits out the settle window and asks again;
 * a failed lookup is asked again after `pauseMs`. After `rounds` inconclusive answers: unknown.
 */
export async function lookupOrder(ex: LiveExchange, o: Readonly<LookupOptions>, rounds: number, pauseMs: number): Promise<LookupAnswer> {
  let last: LookupAnswer = { kind: 'unknown', reason: 'not asked' };
  for (let round = 0; round < rounds; round++) {
    last = await lookupOnce(ex, o);
    if (last.kind !== 'unknown') return last;
    const untilSettled = o.sentMs + o.settleMs - o.nowMs();
    const ms = Math.max(pauseMs, untilSettled);
    await (o.sleep !== undefined ? o.sleep(ms) : new Promise((r) => setTimeout(r, ms)));
  }
  return last;
}
