// Tick-mode metrics: the bar metrics plus PnL split, time markouts, fill ratio, latency, queue position, half-life.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeDirAtomic, type DirWriteOptions, type Micros } from '../core/index.js';
import { MetricsSchema, computeMetrics, markoutSums, traceSums, type MetricsInput } from './metrics.js';
import { fillsCsv, writeTraceCsv } from './run-folder.js';
import type { Trace } from './trace.js';
import type { FillLog } from './fill-log.js';
import { ordersCsv, type OrderAudit } from '../sim/index.js';
import { contractPnl, decimalsOf, type ContractSpec, type FundingPayment } from '../market/index.js';

const stat = z.object({ mean: z.number(), median: z.number(), p90: z.number() }).nullable();

export const TickMetricsSchema = MetricsSchema.extend({
  engine: z.literal('tick'),
  events: z.number().int().nonnegative().describe('market-data rows replayed'),
  pnl_spread_capture: z.number().describe('Σ side × qty × (venue mid at the fill − fill price): the edge earned against the mid'),
  pnl_inventory: z.number().describe('mark-to-market of the inventory as the mid moved: total_pnl − spread capture + fees − funding'),
  pnl_fees: z.number().describe('fees paid (negative: net rebates); total_pnl = spread capture + inventory − fees + funding'),
  pnl_funding: z.number().describe('perpetuals: funding received (negative: paid; longs pay when the rate is positive), quote currency; 0 for spot'),
  funding_payments: z.number().int().nonnegative().describe('funding times the run crossed (perpetuals)'),
  instrument: z.enum(['spot', 'linear_perp', 'inverse_perp']).describe('what a unit of quantity is: base coin (spot) or contracts; inverse perpetuals settle PnL, fees and funding in the base coin, reported here in quote at the last mid'),
  markouts_seconds: z.array(
    z.object({
      horizon_seconds: z.number().positive(),
      fills: z.number().int().nonnegative().describe('fills with a local mid that far ahead'),
      mean_price: z.number().nullable().describe('mean of side × (local mid at the first decision ≥ fill + horizon − fill price)'),
      mean_bps: z.number().nullable(),
      pnl: z.number().describe('Σ side × qty × (mid after horizon − fill price)'),
    }),
  ),
  placed_qty: z.number().nonnegative().describe('quantity of orders that reached the venue'),
  filled_qty: z.number().nonnegative(),
  fill_ratio: z.number().describe('filled_qty / placed_qty'),
  order_to_fill_latency_ms: stat.describe('local send of the order → local arrival of each fill'),
  queue_position_at_fill: stat.describe('size ahead of the order (base units) when it joined its level, over fills'),
  inventory_half_life_seconds: z.number().nullable().describe('from an AR(1) fit of sampled inventory; null if it does not mean-revert'),
  time_two_sided_seconds: z.number().nonnegative().describe('sampled time with both a bid and an ask resting'),
  post_only_rejects: z.number().int().nonnegative(),
  taker_fills: z.number().int().nonnegative().describe('fills of crossing orders (only without post-only)'),
  trade_through_fills: z.number().int().nonnegative().describe('fills caused by a trade beyond the order price'),
  book_gaps: z
    .object({
      count: z.number().int().nonnegative().describe('breaks of the depth stream the venue met (gap rows of the event file)'),
      seconds: z.number().nonnegative().describe("exchange time with the book unknown, each gap to the snapshot that resynced it (one still open at the end: to the venue's last event)"),
      open_at_end: z.boolean().describe('the run ended inside a gap (no snapshot after the last break)'),
      fills_suppressed: z.number().int().nonnegative().describe('trades that reached a resting order while the book was unknown: not matched, no fill computed'),
      orders_rejected: z.number().int().nonnegative().describe('places and immediate-or-cancel orders that reached the venue while the book was unknown: rejected'),
      orders_requeued: z.number().int().nonnegative().describe('resting orders put at the back of their level at a resync'),
    })
    .describe("gaps in the replayed capture's depth stream: the book unknown from each break until a snapshot (the session halted meanwhile: risk condition book-gap)"),
  trade_gaps: z
    .object({
      count: z.number().int().nonnegative().describe('jumps in the trade ids of the replayed trades: trades the capture missed (no row marks them)'),
      trades_missed: z.number().int().nonnegative().describe('trade ids missing in those jumps'),
      orders_resting: z.number().int().nonnegative().describe('our orders resting at the venue across a jump: the trades that could have filled them there were not replayed'),
    })
    .describe("gaps in the replayed capture's trade stream: a maker-fill replay saw less of the market across them than there was (none in a recording without trade ids)"),
});
export type TickMetrics = z.infer<typeof TickMetricsSchema>;

/** Per-fill details the venue knows (exchange time, mid, queue at join, send time) and online markouts. */
export class TickFillStats {
  length = 0;
  exchangeTs!: Float64Array;
  mid!: Float64Array;
  joinAhead!: Float64Array;
  sentTs!: Float64Array;
  localTs!: Float64Array;
  /** 1 when a trade beyond the order's price filled it (the market traded through it). */
  through!: Uint8Array;
  /** The exchange's id of the trade behind each fill (NaN: a taker fill against the displayed book). */
  tradeId!: Float64Array;
  /** Per markout horizon, the local mid once the horizon has come (NaN until then). */
  readonly markMid: Float64Array[];
  private readonly cursor: number[];
  private readonly horizonsMicros: number[];

  /** No markout is due before this local time (a lower bound: `mark` returns at once before it). */
  private nextDue = Number.POSITIVE_INFINITY;
  private readonly minHorizonMicros: number;

  constructor(readonly markoutSeconds: readonly number[]) {
    this.horizonsMicros = markoutSeconds.map((s) => s * 1e6);
    this.minHorizonMicros = Math.min(...this.horizonsMicros);
    this.markMid = markoutSeconds.map(() => EMPTY);
    this.cursor = markoutSeconds.map(() => 0);
    this.allocate(256);
  }

  push(localTs: Micros, exchangeTs: Micros, mid: number, joinAhead: number, sentTs: Micros, through: boolean, tradeId: number): void {
    if (this.length === this.mid.length) this.allocate(this.mid.length * 2);
    const i = this.length++;
    this.tradeId[i] = tradeId;
    this.through[i] = through ? 1 : 0;
    this.localTs[i] = localTs;
    this.exchangeTs[i] = exchangeTs;
    this.mid[i] = mid;
    this.joinAhead[i] = joinAhead;
    this.sentTs[i] = sentTs;
    const due = localTs + this.minHorizonMicros;
    if (due < this.nextDue) this.nextDue = due;
  }

  /** Record the local mid for every fill whose markout horizon has come by `now`. */
  mark(now: Micros, mid: number): void {
    if (now < this.nextDue) return; // called at every decision; a markout falls due far less often
    let next = Number.POSITIVE_INFINITY;
    for (let h = 0; h < this.cursor.length; h++) {
      let c = this.cursor[h]!;
      const hz = this.horizonsMicros[h]!;
      const arr = this.markMid[h]!;
      while (c < this.length && this.localTs[c]! + hz <= now) arr[c++] = mid;
      this.cursor[h] = c;
      if (c < this.length && this.localTs[c]! + hz < next) next = this.localTs[c]! + hz;
    }
    this.nextDue = next;
  }

  /**
   * Every column in one ArrayBuffer of `n` rows (the 8-byte columns first), the first `length` rows
   * carried over: one allocation per growth, and the new memory is zeroed already, so only the markout
   * columns' new rows are set (to NaN, "not yet due").
   */
  private allocate(n: number): void {
    const old = this.length;
    const h = this.markMid.length;
    const buf = new ArrayBuffer(n * (8 * (6 + h) + 1));
    const f64 = (k: number, prev: Float64Array | undefined): Float64Array => {
      const a = new Float64Array(buf, k * n * 8, n);
      if (prev !== undefined && old > 0) a.set(prev.subarray(0, old));
      return a;
    };
    this.exchangeTs = f64(0, this.exchangeTs);
    this.mid = f64(1, this.mid);
    this.joinAhead = f64(2, this.joinAhead);
    this.sentTs = f64(3, this.sentTs);
    this.localTs = f64(4, this.localTs);
    this.tradeId = f64(5, this.tradeId);
    for (let k = 0; k < h; k++) {
      const a = f64(6 + k, this.markMid[k]);
      a.fill(Number.NaN, old);
      this.markMid[k] = a;
    }
    const th = new Uint8Array(buf, (6 + h) * n * 8, n);
    if (this.through !== undefined && old > 0) th.set(this.through.subarray(0, old));
    this.through = th;
  }
}

const EMPTY = new Float64Array(0);

export interface TickMetricsInput extends MetricsInput {
  stats: TickFillStats;
  events: number;
  placedQty: number;
  postOnlyRejects: number;
  takerFills: number;
  tradeThroughFills: number;
  /** Funding payments applied (perpetuals). */
  fundingPayments?: number;
  bookGaps: TickMetrics['book_gaps'];
  tradeGaps: TickMetrics['trade_gaps'];
}

/** Mean, median and 90th percentile; sorts `values` in place (a typed array sorts numerically without a comparator). */
function summary(values: Float64Array): { mean: number; median: number; p90: number } | null {
  const n = values.length;
  if (n === 0) return null;
  const s = values.sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += s[i]!;
  const at = (q: number): number => s[Math.min(n - 1, Math.floor(q * n))]!;
  return { mean: sum / n, median: at(0.5), p90: at(0.9) };
}

/** AR(1) half-life of a sampled series: ρ = Σxₜxₜ₋₁ / Σxₜ₋₁², half-life = ln ½ / ln ρ samples. */
export function halfLifeSamples(x: Float64Array, n: number): number {
  let num = 0;
  let den = 0;
  for (let i = 1; i < n; i++) {
    num += x[i]! * x[i - 1]!;
    den += x[i - 1]! * x[i - 1]!;
  }
  const rho = den > 0 ? num / den : Number.NaN;
  return rho > 0 && rho < 1 ? Math.log(0.5) / Math.log(rho) : Number.NaN;
}

/** Per fill: the edge against the venue's mid, the quantity, and the latency and queue columns (loops apart: see `traceSums` in metrics.ts). */
function fillSums(fills: FillLog, stats: TickFillStats, spec: ContractSpec): { capture: number; filledQty: number; lat: Float64Array; queue: Float64Array } {
  const perp = spec.kind !== 'spot';
  let capture = 0;
  let filledQty = 0;
  const lat = new Float64Array(fills.length);
  const queue = new Float64Array(fills.length);
  let queued = 0;
  for (let i = 0; i < fills.length; i++) {
    const mid = stats.mid[i]!;
    // Perpetuals: the fill's PnL against the mid in contract terms (settlement currency).
    if (mid === mid) capture += perp ? contractPnl(spec, fills.side[i]! * fills.qty[i]!, fills.price[i]!, mid) : fills.side[i]! * fills.qty[i]! * (mid - fills.price[i]!);
    filledQty += fills.qty[i]!;
    lat[i] = (fills.ts[i]! - stats.sentTs[i]!) / 1000;
    // An order whose level no depth message had stated (filled by a trade through it) has no queue at join.
    const q = stats.joinAhead[i]!;
    if (q === q) queue[queued++] = q;
  }
  return { capture, filledQty, lat, queue: queue.subarray(0, queued) };
}

/**
 * The largest |position| the run held: the sampled trace's, or the fills' running position if larger (the
 * trace samples once a second; a fill and its unwinding inside one second would be missed). `end` is the
 * final position: the path is rebuilt backwards from it, so a run that started with a position counts it.
 */
function maxAbsInventory(fills: FillLog, end: number, sampled: number): number {
  let pos = end;
  let max = Math.max(sampled, Math.abs(end));
  for (let i = fills.length - 1; i >= 0; i--) {
    pos -= fills.side[i]! * fills.qty[i]!;
    if (Math.abs(pos) > max) max = Math.abs(pos);
  }
  return max;
}

/** The markout at horizon `h` seconds: each fill against the local mid recorded once the horizon had come (`markMid`, NaN: never). */
function timeMarkout(fills: FillLog, markMid: Float64Array, h: number): TickMetrics['markouts_seconds'][number] {
  return { horizon_seconds: h, ...markoutSums(fills, (i) => markMid[i]!) };
}

export function computeTickMetrics(m: TickMetricsInput): TickMetrics {
  const { fills, stats, trace, portfolio } = m;
  const sampled = traceSums(trace, trace.length, portfolio.initialCash);
  const base = computeMetrics(m, sampled);
  const spec = portfolio.spec;
  const lastMid = trace.length > 0 ? trace.mid[trace.length - 1]! : Number.NaN;
  const toQuote = (x: number): number => (spec.kind === 'inverse_perp' && Number.isFinite(lastMid) ? x * lastMid : x);
  const perFill = fillSums(fills, stats, spec);
  const { filledQty, lat, queue } = perFill;
  const markouts = stats.markoutSeconds.map((h, k) => timeMarkout(fills, stats.markMid[k]!, h));
  const hl = halfLifeSamples(trace.inventory, trace.length) * m.sampleSeconds;
  const capture = toQuote(perFill.capture);
  const funding = toQuote(portfolio.funding);
  return {
    ...base,
    max_abs_inventory: maxAbsInventory(fills, portfolio.position, base.max_abs_inventory),
    engine: 'tick',
    events: m.events,
    pnl_spread_capture: capture,
    pnl_inventory: base.total_pnl - capture + base.fees - funding,
    pnl_fees: base.fees,
    pnl_funding: funding,
    funding_payments: m.fundingPayments ?? 0,
    instrument: spec.kind,
    markouts_seconds: markouts,
    placed_qty: m.placedQty,
    filled_qty: filledQty,
    fill_ratio: m.placedQty > 0 ? filledQty / m.placedQty : 0,
    order_to_fill_latency_ms: summary(lat),
    queue_position_at_fill: summary(queue),
    inventory_half_life_seconds: Number.isFinite(hl) ? hl : null,
    time_two_sided_seconds: sampled.twoSided * m.sampleSeconds,
    post_only_rejects: m.postOnlyRejects,
    taker_fills: m.takerFills,
    trade_through_fills: m.tradeThroughFills,
    book_gaps: { ...m.bookGaps, seconds: Math.round(m.bookGaps.seconds * 1e6) / 1e6 },
    trade_gaps: m.tradeGaps,
  };
}

/**
 * A summary line's figures of the gaps a run met: of the depth stream (`book_gaps`, `book_gap_seconds`,
 * `fills_suppressed`, `orders_rejected_in_gaps`, `gap_open_at_end`) and of the trade stream (`trade_gaps`,
 * `trades_missed`, `orders_resting_in_trade_gaps`); nothing of a kind it met none of.
 */
export function gapFields(m: Pick<TickMetrics, 'book_gaps' | 'trade_gaps'>): Record<string, number | boolean> {
  const g = m.book_gaps;
  const t = m.trade_gaps;
  return {
    ...(g.count > 0
      ? {
          book_gaps: g.count,
          book_gap_seconds: Math.round(g.seconds * 1000) / 1000,
          fills_suppressed: g.fills_suppressed,
          orders_rejected_in_gaps: g.orders_rejected,
          gap_open_at_end: g.open_at_end,
        }
      : {}),
    ...(t.count > 0 ? { trade_gaps: t.count, trades_missed: t.trades_missed, orders_resting_in_trade_gaps: t.orders_resting } : {}),
  };
}

export interface TickRunOutputs {
  config: unknown;
  metrics: TickMetrics;
  trace: Trace;
  fills: FillLog;
  /** Per-fill venue details: exchange time and trade id columns of fills.csv. */
  stats: TickFillStats;
  /** The venue's orders: orders.csv. */
  audit: OrderAudit;
  tickSize: number;
  /** Perpetuals with funding: the payments, written as `funding.csv`. */
  funding?: readonly FundingPayment[];
}

/** `funding.csv`: ts_us (exchange clock), rate, position (venue's, contracts), mark (venue mid), amount (settlement currency, > 0 received). */
export function fundingPaymentsCsv(rows: readonly FundingPayment[], tickSize: number): string {
  const pd = decimalsOf(tickSize);
  const out = ['ts_us,rate,position,mark,amount'];
  for (const r of rows) out.push(`${Math.round(r.ts)},${r.rate},${r.position},${r.mark.toFixed(pd + 1)},${r.amount}`);
  return out.join('\n') + '\n';
}

const us = (x: number): string => (Number.isFinite(x) ? String(Math.round(x)) : '');

/**
 * Tick fills CSV: the bar run's columns, then `ts_exchange_us` (when the trade behind the fill printed,
 * exchange clock, epoch µs) and `trade_id` (the exchange's id of that trade; empty for a taker fill).
 */
export function tickFillsCsv(fills: FillLog, stats: TickFillStats, tickSize: number): string {
  const base = fillsCsv(fills, tickSize).split('\n');
  const out: string[] = [base[0] + ',ts_exchange_us,trade_id'];
  for (let i = 0; i < fills.length; i++) out.push(`${base[i + 1]},${us(stats.exchangeTs[i]!)},${us(stats.tradeId[i]!)}`);
  return out.join('\n') + '\n';
}

/** The same run folder as the bar backtest, with the tick metrics schema. Whole or nothing. */
export function writeTickRunFolder(dir: string, out: TickRunOutputs, o: DirWriteOptions = {}): void {
  const metrics = TickMetricsSchema.parse(out.metrics);
  writeDirAtomic(dir, (tmp) => fillTickRunFolder(tmp, out, metrics), o);
}

/** A tick run's files into an existing folder (a run folder being built, or one market's folder in it). */
export function fillTickRunFolder(tmp: string, out: TickRunOutputs, metrics: TickMetrics = TickMetricsSchema.parse(out.metrics)): void {
  writeFileSync(join(tmp, 'config.json'), JSON.stringify(out.config, null, 2) + '\n');
  writeFileSync(join(tmp, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
  writeFileSync(join(tmp, 'metrics.schema.json'), JSON.stringify(z.toJSONSchema(TickMetricsSchema), null, 2) + '\n');
  writeTraceCsv(join(tmp, 'trace.csv'), out.trace, out.tickSize);
  writeFileSync(join(tmp, 'fills.csv'), tickFillsCsv(out.fills, out.stats, out.tickSize));
  writeFileSync(join(tmp, 'orders.csv'), ordersCsv(out.audit, decimalsOf(out.tickSize)));
  if (out.funding !== undefined) writeFileSync(join(tmp, 'funding.csv'), fundingPaymentsCsv(out.funding, out.tickSize));
}
