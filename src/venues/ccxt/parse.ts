// ccxt's loosely typed results parsed into our types at one place: klines, order books, trades.
import { InvariantError, type Micros } from '../../core/index.js';
import type { Side } from '../../market/index.js';

export interface Kline {
  /** Open time, epoch ms (ccxt's unit). */
  openMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface BookLevel {
  price: number;
  size: number;
}

export interface OrderBookView {
  bids: BookLevel[];
  asks: BookLevel[];
  /** The venue's update id of this state, when it has one. */
  nonce: number | null;
  /** Exchange time, µs (null when the venue does not say). */
  tsExchange: Micros | null;
}

export interface TradeView {
  /** The venue's trade id as a number when numeric (NaN otherwise); `idText` keeps the original. */
  id: number;
  idText: string;
  tsExchange: Micros;
  price: number;
  size: number;
  /** Aggressor side: +1 buy, −1 sell. */
  aggressor: Side;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN);

function bad(what: string, v: unknown): never {
  throw new InvariantError(`unexpected ${what} from the exchange: ${JSON.stringify(v)?.slice(0, 200)}`);
}

/** One funding payment of a perpetual: its time (epoch ms) and rate per interval (longs pay when > 0). */
export interface FundingRateRow {
  ts: number;
  rate: number;
}

/** ccxt funding-rate history entries (`{timestamp, fundingRate}`); an entry without both is rejected. */
export function parseFundingRates(rows: unknown): FundingRateRow[] {
  if (!Array.isArray(rows)) bad('funding rates', rows);
  return rows.map((r) => {
    const o = (r ?? {}) as Record<string, unknown>;
    const row = { ts: num(o['timestamp']), rate: num(o['fundingRate']) };
    if (!Number.isFinite(row.ts) || !Number.isFinite(row.rate) || Math.abs(row.rate) > 0.05) bad('funding rate', r);
    return row;
  });
}

/** ccxt OHLCV rows `[ms, o, h, l, c, v]`; rows with a missing field are rejected. */
export function parseKlines(rows: unknown): Kline[] {
  if (!Array.isArray(rows)) bad('klines', rows);
  return rows.map((r) => {
    if (!Array.isArray(r) || r.length < 6) bad('kline row', r);
    const k = { openMs: num(r[0]), open: num(r[1]), high: num(r[2]), low: num(r[3]), close: num(r[4]), volume: num(r[5]) };
    if (!Number.isFinite(k.openMs) || !(k.open > 0) || !(k.high > 0) || !(k.low > 0) || !(k.close > 0) || !(k.volume >= 0)) bad('kline row', r);
    return k;
  });
}

function levels(v: unknown, what: string): BookLevel[] {
  if (!Array.isArray(v)) bad(what, v);
  return v.map((l) => {
    if (!Array.isArray(l)) bad(what, l);
    const price = num(l[0]);
    const size = num(l[1]);
    if (!(price > 0) || !(size >= 0)) bad(what, l);
    return { price, size };
  });
}

/** A ccxt order book (`{bids, asks, nonce, timestamp}`), best levels first. */
export function parseOrderBook(ob: unknown): OrderBookView {
  if (ob === null || typeof ob !== 'object') bad('order book', ob);
  const o = ob as Record<string, unknown>;
  const nonce = num(o['nonce']);
  const ts = num(o['timestamp']);
  return {
    bids: levels(o['bids'], 'bid level'),
    asks: levels(o['asks'], 'ask level'),
    nonce: Number.isFinite(nonce) ? nonce : null,
    tsExchange: Number.isFinite(ts) ? ts * 1000 : null,
  };
}

/** A ccxt trade; `side` is the taker's side in ccxt, which is our aggressor. */
export function parseTrade(t: unknown): TradeView {
  if (t === null || typeof t !== 'object') bad('trade', t);
  const o = t as Record<string, unknown>;
  const idText = String(o['id'] ?? '');
  const side = o['side'];
  if (side !== 'buy' && side !== 'sell') bad('trade side', t);
  const v: TradeView = {
    id: /^\d+$/.test(idText) ? Number(idText) : Number.NaN,
    idText,
    tsExchange: num(o['timestamp']) * 1000,
    price: num(o['price']),
    size: num(o['amount']),
    aggressor: side === 'buy' ? 1 : -1,
  };
  if (!(v.price > 0) || !(v.size >= 0) || !Number.isFinite(v.tsExchange)) bad('trade', t);
  return v;
}

export function parseTrades(rows: unknown): TradeView[] {
  if (!Array.isArray(rows)) bad('trades', rows);
  return rows.map(parseTrade);
}
