// An independent check of a tick run's fills against the trades and books of the market it replayed: reads only files, never the simulator.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/index.js';
import { bookGapsOf, booksAt, eventFileColumns, forEachCaptureLine, type GapWindow } from './capture-books.js';

/** One trade as the exchange printed it. */
export interface CheckedTrade {
  /** Exchange (trade) time, epoch µs. */
  ts: number;
  price: number;
  qty: number;
  /** +1 the buyer was the aggressor, −1 the seller. */
  aggressor: number;
}

export interface VerifyFillsReport {
  run_dir: string;
  captures: string[];
  trades_in_capture: number;
  orders: number;
  fills: number;
  maker_fills_checked: number;
  /** Taker fills (an immediate-or-cancel order, or a crossing limit order) checked against the book the raw capture showed at the order's arrival. */
  taker_fills_checked: number;
  /** Taker fills with no book to check them against: only event files given, or the capture's book unknown at that time (before its snapshot, after a break). */
  taker_fills_unchecked: number;
  /** The entry latency a taker order's arrival is held to (config.json's constant order latency), µs; null: no floor known (a latency series), arrival only not before the decision. */
  taker_entry_latency_us: number | null;
  filled_qty: number;
  /** Breaks of the depth stream found in the captures (raw: by Binance's sync rules; event files: their gap rows). */
  book_gaps: number;
  /** Exchange seconds with the book unknown (from each break to the snapshot that resynced it, or to the last book message). */
  book_gap_seconds: number;
  /**
   * Jumps in the trade ids of the captures (a trade stream numbers its trades one by one): the capture missed
   * trades there, so what reached a resting order (its queue, its fills) is not known. Not a violation of a
   * fill (each is still checked against its own trade), but a maker-fill simulation over such a stretch
   * saw less of the market than there was.
   */
  trade_gaps: number;
  /** Trades the captures missed (the ids skipped). */
  trades_missed: number;
  /** Orders resting (arrived, not ended) across a trade gap: from the print before it to the print after it. */
  orders_in_trade_gaps: number;
  /**
   * The position fills.csv ends at, from flat: every run folder starts flat (a backtest does; an event-clock
   * replay refuses a ledger that holds a position). metrics.json's `final_inventory` must be it (a
   * `position_mismatch` violation otherwise).
   */
  end_position: number;
  /** The largest |position| the fills reach from flat, in the order fills.csv lists them. */
  max_abs_position: number;
  /** config.json's `risk.max_inventory_qty` the position is held to (an `inventory_limit` violation past it); null: none stated. */
  max_inventory_qty: number | null;
  violations: Record<ViolationKind, number>;
  violations_total: number;
  /** The first few violations, for a reader to look up. */
  examples: { kind: ViolationKind; order_id: number; trade_id: number | null; detail: string }[];
}

export const VIOLATION_KINDS = [
  'no_trade_id',
  'unknown_trade',
  'unknown_order',
  'side',
  'price',
  'aggressor',
  'before_arrival',
  'after_end',
  'exchange_time',
  'trade_volume',
  'order_quantity',
  'order_volume',
  'lot_size',
  'maker_latency',
  'taker_latency',
  'taker_time',
  'taker_price',
  'taker_size',
  'book_unknown',
  'inventory_limit',
  'position_mismatch',
] as const;
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

interface OrderRow {
  side: number;
  price: number;
  qty: number;
  sent: number;
  arrived: number;
  ended: number;
}

interface FillRow {
  line: number;
  orderId: number;
  side: number;
  price: number;
  qty: number;
  taker: boolean;
  tsExchange: number;
  tradeId: number;
}

const REL = 1e-9;

/** Parse a small CSV with a header into rows of strings keyed by column (no quoting: our run files never need it). */
function readCsv(path: string, need: readonly string[]): { rows: Record<string, string>[]; } {
  if (!existsSync(path)) throw new UserError(`${path}: not found (verify-fills reads a tick run folder written by backtest --events)`);
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
  const head = (lines[0] ?? '').split(',');
  for (const c of need) if (!head.includes(c)) throw new UserError(`${path}: column ${c} missing (expected ${need.join(',')})`);
  const rows = lines.slice(1).map((l) => {
    const v = l.split(',');
    const r: Record<string, string> = {};
    head.forEach((h, k) => (r[h] = v[k] ?? ''));
    return r;
  });
  return { rows };
}

const numOr = (s: string | undefined): number => (s === undefined || s === '' ? Number.NaN : Number(s));
const sideOf = (s: string | undefined): number => (s === 'buy' ? 1 : s === 'sell' ? -1 : 0);

/**
 * Trades of Binance captures (`<local_ns> <json>` lines, gzip or plain), parsed with JSON.parse: trade
 * messages only (`e: "trade"`), keyed by trade id `t`, at trade time `T`, the aggressor from `m` (buyer is
 * maker: the seller aggressed).
 */
export function tradesOfCapture(path: string, into: Map<number, CheckedTrade>): void {
  forEachCaptureLine(path, (_local, body, line) => {
    let msg: unknown;
    try {
      msg = JSON.parse(body);
    } catch {
      throw new UserError(`${path}:${line}: not a capture line (<local_ns> <json>)`);
    }
    const m = msg as { data?: Record<string, unknown> } & Record<string, unknown>;
    const d = (m.data ?? m) as Record<string, unknown>;
    if (d['e'] === 'trade' && typeof d['t'] === 'number') {
      into.set(d['t'], { ts: Number(d['T']) * 1000, price: Number(d['p']), qty: Number(d['q']), aggressor: d['m'] === true ? -1 : 1 });
    }
  });
}

/** Trades of a normalized event file (marketmakerl.events/1 to /3, Arrow IPC): rows of type 3; `side` is the aggressor. */
export function tradesOfEventFile(path: string, into: Map<number, CheckedTrade>): void {
  const col = eventFileColumns(path);
  const type = col('type');
  const side = col('side');
  const ts = col('tsExchange');
  const price = col('price');
  const size = col('size');
  const id = col('id');
  for (let i = 0; i < type.length; i++) {
    if (type[i] !== 3) continue;
    into.set(id[i]!, { ts: ts[i]!, price: price[i]!, qty: size[i]!, aggressor: side[i]! });
  }
}

/** A jump in the trade ids: the trades after `afterId` up to `beforeId` (exclusive) are missing. */
export interface TradeGap {
  afterId: number;
  beforeId: number;
  /** Exchange times of the prints on either side, µs. */
  from: number;
  to: number;
  missed: number;
}

/**
 * The trade-id gaps of one market's trades (the ids of its trade stream, consecutive when nothing was
 * missed; captures of several files read together are one stream), in id order.
 */
export function tradeGapsOf(trades: ReadonlyMap<number, CheckedTrade>): TradeGap[] {
  const ids = Float64Array.from(trades.keys()).sort();
  const out: TradeGap[] = [];
  for (let k = 1; k < ids.length; k++) {
    const a = ids[k - 1]!;
    const b = ids[k]!;
    if (b === a + 1) continue;
    out.push({ afterId: a, beforeId: b, from: trades.get(a)!.ts, to: trades.get(b)!.ts, missed: b - a - 1 });
  }
  return out;
}

/** The trades of raw captures and event files, by trade id. */
export function loadTrades(captures: readonly string[]): Map<number, CheckedTrade> {
  if (captures.length === 0) throw new UserError('--capture: give the raw captures or event files the run replayed');
  const trades = new Map<number, CheckedTrade>();
  for (const c of captures) {
    if (!existsSync(c)) throw new UserError(`--capture: ${c}: not found`);
    if (c.endsWith('.arrow')) tradesOfEventFile(c, trades);
    else tradesOfCapture(c, trades);
  }
  return trades;
}

/** Check every fill of `runDir` against the trades of `captures` (paths, or trades already loaded). */
export function verifyFills(runDir: string, captures: readonly string[], loaded?: Map<number, CheckedTrade>): VerifyFillsReport {
  const trades = loaded ?? loadTrades(captures);
  const orders = new Map<number, OrderRow>();
  for (const r of readCsv(join(runDir, 'orders.csv'), ['order_id', 'side', 'price', 'qty', 'arrived_us', 'ended_us']).rows) {
    orders.set(Number(r['order_id']), { side: sideOf(r['side']), price: Number(r['price']), qty: Number(r['qty']), sent: numOr(r['sent_us']), arrived: numOr(r['arrived_us']), ended: numOr(r['ended_us']) });
  }
  const fills: FillRow[] = readCsv(join(runDir, 'fills.csv'), ['side', 'price', 'qty', 'liquidity', 'order_id', 'ts_exchange_us', 'trade_id']).rows.map((r, k) => ({
    line: k + 2,
    orderId: Number(r['order_id']),
    side: sideOf(r['side']),
    price: Number(r['price']),
    qty: Number(r['qty']),
    taker: r['liquidity'] === 'taker',
    tsExchange: numOr(r['ts_exchange_us']),
    tradeId: numOr(r['trade_id']),
  }));

  const violations = Object.fromEntries(VIOLATION_KINDS.map((k) => [k, 0])) as Record<ViolationKind, number>;
  const examples: VerifyFillsReport['examples'] = [];
  const flag = (kind: ViolationKind, f: FillRow | null, orderId: number, detail: string): void => {
    violations[kind]++;
    if (examples.length < 20) examples.push({ kind, order_id: orderId, trade_id: f && Number.isFinite(f.tradeId) ? f.tradeId : null, detail: f ? `fills.csv line ${f.line}: ${detail}` : detail });
  };

  // Where the book was unknown (a break of the depth stream, no snapshot since): no fill can be computed there.
  const gaps = bookGapsOf(captures);
  const gapOfTrade = (ts: number): GapWindow | undefined => gaps.windows.find((w) => ts > w.from && ts <= w.to);
  // Where trades went missing (their ids jump): reported, not a violation.
  const tradeGaps = tradeGapsOf(trades);
  const perTrade = new Map<number, number>();
  const perOrder = new Map<number, number>();
  const perOrderMaker = new Map<number, number>();
  let checked = 0;
  const takers: FillRow[] = [];
  let filledQty = 0;
  for (const f of fills) {
    filledQty += f.qty;
    const o = orders.get(f.orderId);
    perOrder.set(f.orderId, (perOrder.get(f.orderId) ?? 0) + f.qty);
    if (o === undefined) {
      flag('unknown_order', f, f.orderId, 'no such order in orders.csv');
      continue;
    }
    if (f.side !== o.side) flag('side', f, f.orderId, `fill side ${f.side} but the order's is ${o.side}`);
    if (f.taker) {
      takers.push(f);
      continue;
    }
    checked++;
    perOrderMaker.set(f.orderId, (perOrderMaker.get(f.orderId) ?? 0) + f.qty);
    if (Math.abs(f.price - o.price) > Math.abs(o.price) * REL) flag('price', f, f.orderId, `maker fill at ${f.price}, the order's price is ${o.price}`);
    if (!Number.isFinite(f.tradeId)) {
      flag('no_trade_id', f, f.orderId, 'a maker fill without the trade behind it');
      continue;
    }
    const t = trades.get(f.tradeId);
    if (t === undefined) {
      flag('unknown_trade', f, f.orderId, `trade ${f.tradeId} is not in the capture`);
      continue;
    }
    perTrade.set(f.tradeId, (perTrade.get(f.tradeId) ?? 0) + f.qty);
    // A bid fills on a seller's trade at or below its price; an ask on a buyer's trade at or above it.
    if (t.aggressor !== -o.side) flag('aggressor', f, f.orderId, `trade aggressor ${t.aggressor > 0 ? 'buy' : 'sell'} cannot fill a ${o.side > 0 ? 'bid' : 'ask'}`);
    if (o.side > 0 ? t.price > o.price * (1 + REL) : t.price < o.price * (1 - REL)) flag('price', f, f.orderId, `trade at ${t.price} does not reach the order at ${o.price}`);
    if (!(t.ts >= o.arrived)) flag('before_arrival', f, f.orderId, `trade at ${t.ts} µs, the order arrived at ${o.arrived} µs`);
    if (Number.isFinite(o.ended) && t.ts > o.ended) flag('after_end', f, f.orderId, `trade at ${t.ts} µs, the order ended at ${o.ended} µs`);
    if (!(Math.abs(f.tsExchange - t.ts) <= 1)) flag('exchange_time', f, f.orderId, `fill stamped ${f.tsExchange} µs, the trade printed at ${t.ts} µs`);
    const g = gapOfTrade(t.ts);
    if (g !== undefined) flag('book_unknown', f, f.orderId, `trade ${f.tradeId} printed at ${t.ts} µs while the book was unknown: the depth stream broke at ${g.at} and ${g.to === Number.POSITIVE_INFINITY ? 'no snapshot resynced it' : `no snapshot resynced it before ${g.to} µs`}`);
  }
  for (const [id, q] of perTrade) {
    const t = trades.get(id)!;
    if (q > t.qty * (1 + REL) + 1e-12) flag('trade_volume', null, 0, `trade ${id}: ${q} filled from a trade of ${t.qty}`);
  }
  // Per order: never more than its quantity, nor than the volume of the trades that could reach it.
  const byTime = [...trades.values()].sort((a, b) => a.ts - b.ts);
  const tsCol = Float64Array.from(byTime, (t) => t.ts);
  const lowerBound = (x: number): number => {
    let lo = 0;
    let hi = tsCol.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tsCol[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  for (const [id, q] of perOrder) {
    const o = orders.get(id);
    if (o === undefined) continue;
    if (q > o.qty * (1 + REL) + 1e-12) flag('order_quantity', null, id, `order ${id}: ${q} filled of ${o.qty}`);
    if (!Number.isFinite(o.arrived)) continue;
    let reach = 0;
    const end = Number.isFinite(o.ended) ? o.ended : Number.POSITIVE_INFINITY;
    for (let k = lowerBound(o.arrived); k < byTime.length && byTime[k]!.ts <= end; k++) {
      const t = byTime[k]!;
      if (t.aggressor !== -o.side) continue;
      if (o.side > 0 ? t.price <= o.price * (1 + REL) : t.price >= o.price * (1 - REL)) reach += t.qty;
    }
    // Taker parts of an order are not backed by trades: leave them out.
    const makerQty = perOrderMaker.get(id) ?? 0;
    if (makerQty > reach * (1 + REL) + 1e-12) flag('order_volume', null, id, `order ${id}: ${makerQty} filled, trades reaching it after arrival carried ${reach}`);
  }
  // Quantities an exchange could produce: whole lots of the market of config.json, as their exact decimals.
  const lot = lotSizeOf(runDir);
  if (lot !== null) {
    const decimals = Math.max(0, Math.ceil(-Math.log10(lot) - 1e-9));
    const whole = (q: number): boolean => {
      const n = Math.round(q / lot);
      return n >= 1 && q === Number((n * lot).toFixed(decimals));
    };
    for (const f of fills) if (!whole(f.qty)) flag('lot_size', f, f.orderId, `${f.qty} is not a whole number of lots of ${lot}`);
    for (const [id, o] of orders) if (!whole(o.qty)) flag('lot_size', null, id, `order ${id}: ${o.qty} is not a whole number of lots of ${lot}`);
  }
  const latency = entryLatencyOf(runDir);
  // A resting order too reached the venue no sooner than its decision plus the entry latency.
  if (latency !== null) {
    for (const id of perOrderMaker.keys()) {
      const o = orders.get(id)!;
      if (!(o.arrived >= o.sent + latency - 1)) flag('maker_latency', null, id, `order ${id} arrived at ${o.arrived} µs, decided at ${o.sent} µs: sooner than the entry latency of ${latency} µs`);
    }
  }
  const taker = checkTakerFills(takers, orders, captures, latency ?? 0, flag);
  for (const f of takers) {
    const o = orders.get(f.orderId);
    if (o === undefined) continue;
    const g = gaps.windows.find((w) => o.arrived >= w.from && o.arrived < w.to);
    if (g !== undefined) flag('book_unknown', f, f.orderId, `taker fill of order ${f.orderId}, which met the book at ${o.arrived} µs while it was unknown: the depth stream broke at ${g.at}`);
  }
  const inventory = checkInventory(runDir, fills, flag);
  let total = 0;
  for (const k of VIOLATION_KINDS) total += violations[k];
  return {
    run_dir: runDir,
    captures: [...captures],
    trades_in_capture: trades.size,
    orders: orders.size,
    fills: fills.length,
    maker_fills_checked: checked,
    taker_fills_checked: taker.checked,
    taker_fills_unchecked: takers.length - taker.checked,
    taker_entry_latency_us: latency,
    filled_qty: filledQty,
    book_gaps: gaps.windows.length,
    book_gap_seconds: Math.round(gaps.windows.reduce((s, w) => s + Math.max(0, Math.min(w.to, gaps.lastBookTs) - w.from), 0)) / 1e6,
    trade_gaps: tradeGaps.length,
    trades_missed: tradeGaps.reduce((s, g) => s + g.missed, 0),
    orders_in_trade_gaps: [...orders.values()].filter((o) => o.arrived === o.arrived && tradeGaps.some((g) => o.arrived <= g.to && !(o.ended < g.from))).length,
    end_position: inventory.end,
    max_abs_position: inventory.maxAbs,
    max_inventory_qty: inventory.limit,
    violations,
    violations_total: total,
    examples,
  };
}

/**
 * The position the fills build from flat, fill by fill, held to config.json's `risk.max_inventory_qty`: each fill
 * that takes |position| further past it (with the rule's 1e-9 slack) is an `inventory_limit` violation. Where
 * the run's position ends must be metrics.json's `final_inventory`, within the float noise of summing the fills:
 * a fill missing from fills.csv, or one it holds that the run never booked, is a `position_mismatch`.
 */
function checkInventory(runDir: string, fills: readonly FillRow[], flag: (kind: ViolationKind, f: FillRow | null, orderId: number, detail: string) => void): { end: number; maxAbs: number; limit: number | null } {
  let pos = 0;
  let gross = 0;
  let maxAbs = 0;
  const limit = maxInventoryOf(runDir);
  for (const f of fills) {
    const before = Math.abs(pos);
    pos += f.side * f.qty;
    gross += f.qty;
    const a = Math.abs(pos);
    if (a > maxAbs) maxAbs = a;
    if (limit !== null && a > limit * (1 + 1e-9) && a > before) flag('inventory_limit', f, f.orderId, `position ${Number(pos.toPrecision(10))} after this fill, beyond max_inventory_qty ${limit}`);
  }
  const final = finalInventoryOf(runDir);
  if (final !== null && Math.abs(final - pos) > 1e-9 * Math.max(1, gross))
    flag('position_mismatch', null, 0, `the fills of fills.csv end at position ${Number(pos.toPrecision(10))} from flat; metrics.json's final_inventory is ${final}`);
  return { end: Number(pos.toPrecision(12)), maxAbs: Number(maxAbs.toPrecision(12)), limit };
}

/** config.json's `risk.max_inventory_qty`; null: none stated. */
function maxInventoryOf(runDir: string): number | null {
  return positive(runNumber(runDir, 'config.json', 'risk', 'max_inventory_qty'));
}

/** metrics.json's `final_inventory`; null: none. */
function finalInventoryOf(runDir: string): number | null {
  return runNumber(runDir, 'metrics.json', 'final_inventory');
}

/** The market's lot size of the run's config.json (`market.lot_size`); null: none stated. */
function lotSizeOf(runDir: string): number | null {
  return positive(runNumber(runDir, 'config.json', 'market', 'lot_size'));
}

/** The number at `path` in a JSON file of the run folder; null: no file, or no number there. */
function runNumber(runDir: string, name: string, ...path: string[]): number | null {
  let v = runJson(runDir, name);
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return typeof v === 'number' ? v : null;
}

function positive(x: number | null): number | null {
  return x !== null && x > 0 ? x : null;
}

/** A JSON file of the run folder as parsed (null: none). */
function runJson(runDir: string, name: string): unknown {
  const path = join(runDir, name);
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new UserError(`${path}: not JSON`);
  }
}

/** The constant entry latency of the run's config.json (`order_latency: constant(<entry>us,<response>us)`), µs; undefined: none stated. */
function entryLatencyOf(runDir: string): number | null {
  const cfg = runJson(runDir, 'config.json');
  if (cfg === null || typeof cfg !== 'object') return null;
  const name = (cfg as Record<string, unknown>)['order_latency'];
  const m = typeof name === 'string' ? /^constant\((\d+(?:\.\d+)?)us,/.exec(name) : null;
  return m === null ? null : Number(m[1]);
}

/**
 * Taker fills against the book the raw capture showed when their order arrived: the order reached the
 * venue no sooner than its decision plus the entry latency, each fill is stamped with that arrival, at a
 * price within the order's limit where the book showed size on the other side (so never better than the
 * touch), and the order took no more at a price than was shown there.
 */
function checkTakerFills(
  takers: readonly FillRow[],
  orders: ReadonlyMap<number, OrderRow>,
  captures: readonly string[],
  latencyUs: number,
  flag: (kind: ViolationKind, f: FillRow | null, orderId: number, detail: string) => void,
): { checked: number } {
  const byOrder = new Map<number, FillRow[]>();
  for (const f of takers) {
    const o = orders.get(f.orderId);
    if (o === undefined) continue;
    let list = byOrder.get(f.orderId);
    if (list === undefined) byOrder.set(f.orderId, (list = []));
    list.push(f);
    if (!(o.arrived >= o.sent + latencyUs - 1)) flag('taker_latency', f, f.orderId, `order ${f.orderId} arrived at ${o.arrived} µs, decided at ${o.sent} µs: sooner than the entry latency of ${latencyUs} µs`);
    if (!(Math.abs(f.tsExchange - o.arrived) <= 1)) flag('taker_time', f, f.orderId, `taker fill stamped ${f.tsExchange} µs, its order met the book at ${o.arrived} µs`);
  }
  const raw = captures.filter((c) => !c.endsWith('.arrow'));
  const ids = [...byOrder.keys()].filter((id) => Number.isFinite(orders.get(id)!.arrived)).sort((a, b) => orders.get(a)!.arrived - orders.get(b)!.arrived);
  if (raw.length === 0 || ids.length === 0) return { checked: 0 };
  let checked = 0;
  booksAt(
    raw,
    ids.map((id) => orders.get(id)!.arrived),
    (k, book) => {
      if (book === undefined) return;
      const id = ids[k]!;
      const o = orders.get(id)!;
      const fills = byOrder.get(id)!;
      checked += fills.length;
      const taken = new Map<number, number>();
      for (const f of fills) {
        if (o.side > 0 ? f.price > o.price * (1 + REL) : f.price < o.price * (1 - REL)) flag('taker_price', f, id, `taker ${o.side > 0 ? 'buy' : 'sell'} filled at ${f.price}, beyond its limit ${o.price}`);
        const shown = book.shownQty(-o.side, f.price);
        if (!(shown > 0)) {
          flag('taker_price', f, id, `taker ${o.side > 0 ? 'buy' : 'sell'} filled at ${f.price}: the book showed nothing there at ${o.arrived} µs (best ${o.side > 0 ? 'ask' : 'bid'} ${book.best(-o.side)})`);
          continue;
        }
        taken.set(f.price, (taken.get(f.price) ?? 0) + f.qty);
        const q = taken.get(f.price)!;
        if (q > shown * (1 + REL) + 1e-12) flag('taker_size', f, id, `order ${id} took ${q} at ${f.price}, the book showed ${shown} there at ${o.arrived} µs`);
      }
    },
  );
  return { checked };
}
