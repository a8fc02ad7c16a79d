// Run metrics: computed from a run's trace and fills, validated by a zod schema exported as JSON Schema.
import { z } from 'zod';
import { SECONDS_PER_YEAR, sharpeStats, type ReturnSums } from '../core/index.js';
import type { FillLog } from './fill-log.js';
import type { Trace } from './trace.js';
import type { Portfolio } from '../portfolio/index.js';
import { contractPnl, settleToQuote, type ContractSpec } from '../market/index.js';
import { RiskMetricsSchema, type RiskMetrics } from './risk-record.js';

const markout = z.object({
  horizon: z.number().int().positive().describe('samples (bars in bar mode) after the fill'),
  fills: z.number().int().nonnegative().describe('fills with a mark that far ahead'),
  mean_price: z.number().nullable().describe('mean of side × (mid after horizon − fill price), quote currency per unit'),
  mean_bps: z.number().nullable().describe('the same in basis points of the fill price'),
  pnl: z.number().describe('sum over fills of side × qty × (mid after horizon − fill price), quote currency'),
});

export const MetricsSchema = z.object({
  samples: z.number().int().nonnegative(),
  sample_seconds: z.number().positive().describe('spacing of samples (the bar interval in bar mode)'),
  start: z.string(),
  end: z.string(),
  initial_capital: z.number(),
  final_equity: z.number(),
  total_pnl: z.number().describe('final equity − initial capital = realized + inventory − fees'),
  realized_pnl: z.number().describe('gross of fees, average-cost method (inverse perpetuals: earned in the base coin, valued at the last mid)'),
  inventory_pnl: z.number().describe('unrealized PnL of the final position at the last mid'),
  fees: z.number().describe('fees paid (negative: net rebates)'),
  pnl_spread_capture: z
    .number()
    .optional()
    .describe('bar runs: Σ side × qty × (previous close − fill price), the edge earned against the mid the quote was decided on (tick runs: against the venue mid at the fill)'),
  pnl_inventory: z.number().optional().describe('what the inventory made as the mid moved: total_pnl − spread capture + fees (− funding); not inventory_pnl, the final position\'s unrealised mark'),
  return_pct: z.number(),
  fills: z.number().int().nonnegative(),
  buy_fills: z.number().int().nonnegative(),
  sell_fills: z.number().int().nonnegative(),
  quoted_side_samples: z.number().int().nonnegative().describe('samples × sides with a resting order'),
  fill_rate: z.number().describe('fills / quoted_side_samples'),
  two_sided_share: z.number().describe('share of samples with both a bid and an ask resting'),
  turnover: z.number().describe('quote notional traded'),
  final_inventory: z.number(),
  max_abs_inventory: z.number(),
  max_drawdown: z.number().describe('largest fall of equity from a previous peak, quote currency'),
  max_drawdown_pct: z.number().describe('max_drawdown as % of initial capital'),
  sharpe: z.number().nullable().describe('annualised from the sample interval over 365-day years; null when undefined'),
  sortino: z.number().nullable(),
  sharpe_confidence: z
    .number()
    .nullable()
    .describe('probabilistic Sharpe ratio: probability that the true Sharpe is above 0 given the number of samples, their skewness, kurtosis and lag-1 autocorrelation; null when undefined'),
  periods_per_year: z.number(),
  orders_placed: z.number().int().nonnegative().describe('orders sent to the venue (immediate-or-cancel ones included); a place refused before it left is in orders_denied, not here'),
  orders_canceled: z.number().int().nonnegative().describe('cancels sent to the venue'),
  orders_amended: z.number().int().nonnegative().describe('cancel-replaces sent to the venue as one amend'),
  orders_denied: z.number().int().nonnegative().describe('places and amends refused before they left: by the risk gate, or a journal that could not record them (risk.denials_by_rule counts each by its rule, ledger for the journal)'),
  orders_rejected: z.number().int().nonnegative().describe('orders the venue refused (post-only that would cross, minimum notional, ...)'),
  max_orders_per_side: z.number().int().nonnegative().describe('most of our orders live on one side at once: 1 for one quote per side, up to the levels of a ladder'),
  gap_throughs: z.number().int().nonnegative().describe('orders a bar gapped over (expired unfilled, bar mode)'),
  markouts: z.array(markout),
  risk: RiskMetricsSchema.describe('the risk engine over the run: time in each trading state, transitions, denials by rule (the same engine as paper and live)'),
});
export type Metrics = z.infer<typeof MetricsSchema>;

export interface MetricsInput {
  trace: Trace;
  fills: FillLog;
  portfolio: Portfolio;
  sampleSeconds: number;
  counters: { placed: number; canceled: number; amended?: number; denied: number; rejected: number };
  gapThroughs?: number;
  /** Most orders live on one side at once (TradingCore.maxOrdersPerSide). */
  maxOrdersPerSide?: number;
  markoutHorizons: readonly number[];
  risk: RiskMetrics;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** What one pass over the trace sums: drawdown, inventory, quoted sides and the per-sample returns. */
export interface TraceSums extends ReturnSums {
  maxDd: number;
  maxInv: number;
  quotedSides: number;
  twoSided: number;
  downSq: number;
}

/**
 * The loops of the metrics are functions of their own, and `computeMetrics` has none: it runs once per
 * run, so V8 optimizes these small loops (about a millisecond of compiler time each) instead of the
 * whole function with everything inlined into it (12–19 ms of compiler time per tier-up, paid again
 * after each deoptimization, in every process that replays many runs: sweeps, shared passes).
 */
export function traceSums(trace: Trace, n: number, initial: number): TraceSums {
  let peak = initial;
  let maxDd = 0;
  let maxInv = 0;
  let quotedSides = 0;
  let twoSided = 0;
  let sum = 0;
  let sumSq = 0;
  let sum3 = 0;
  let sum4 = 0;
  let lagSum = 0;
  let prevR = 0;
  let downSq = 0;
  let prev = initial;
  for (let i = 0; i < n; i++) {
    const e = trace.equity[i]!;
    if (e > peak) peak = e;
    if (peak - e > maxDd) maxDd = peak - e;
    const inv = Math.abs(trace.inventory[i]!);
    if (inv > maxInv) maxInv = inv;
    const hasBid = trace.bid[i] === trace.bid[i];
    const hasAsk = trace.ask[i] === trace.ask[i];
    quotedSides += (hasBid ? 1 : 0) + (hasAsk ? 1 : 0);
    if (hasBid && hasAsk) twoSided++;
    const r = (e - prev) / initial;
    prev = e;
    const r2 = r * r;
    sum += r;
    sumSq += r2;
    sum3 += r2 * r;
    sum4 += r2 * r2;
    lagSum += r * prevR; // prevR = 0 at i = 0: no pair
    prevR = r;
    if (r < 0) downSq += r2;
  }
  return { n, sum, sum2: sumSq, sum3, sum4, lagSum, lagPairs: Math.max(0, n - 1), maxDd, maxInv, quotedSides, twoSided, downSq };
}

function buyFills(fills: FillLog): number {
  let buys = 0;
  for (let i = 0; i < fills.length; i++) if (fills.side[i]! > 0) buys++;
  return buys;
}

/** Fills' markouts summed: count, mean edge in price and in bps, and PnL over their quantities. */
export interface MarkoutSums {
  fills: number;
  mean_price: number | null;
  mean_bps: number | null;
  pnl: number;
}

/**
 * Each fill against `midAfter(i)`, the mid its horizon found (NaN: the horizon never came, the fill is left
 * out): the one markout arithmetic of the bar metrics (a number of samples after the fill) and the tick
 * metrics (seconds after it).
 */
export function markoutSums(fills: FillLog, midAfter: (i: number) => number): MarkoutSums {
  let count = 0;
  let s = 0;
  let sBps = 0;
  let pnl = 0;
  for (let i = 0; i < fills.length; i++) {
    const mid = midAfter(i);
    if (mid !== mid) continue;
    const d = fills.side[i]! * (mid - fills.price[i]!);
    count++;
    s += d;
    sBps += (d / fills.price[i]!) * 1e4;
    pnl += d * fills.qty[i]!;
  }
  return { fills: count, mean_price: count ? s / count : null, mean_bps: count ? sBps / count : null, pnl };
}

/** The markout `h` samples after each fill, against the trace's mid (n samples). */
function sampleMarkout(fills: FillLog, mid: Float64Array, n: number, h: number): Metrics['markouts'][number] {
  return {
    horizon: h,
    ...markoutSums(fills, (i) => {
      const j = fills.sample[i]! + h;
      return j < n ? mid[j]! : Number.NaN;
    }),
  };
}

/**
 * A bar run's PnL split: spread capture against the previous close (the mid known when the quote was
 * decided; a fill in the first bar has none and counts 0), and inventory, what the rest leaves:
 * total = spread capture + inventory − fees. Perpetuals: contract PnL, in quote at the last mid (inverse).
 */
export function barPnlSplit(fills: FillLog, mid: Float64Array, n: number, spec: ContractSpec, m: Readonly<Pick<Metrics, 'total_pnl' | 'fees'>>): { pnl_spread_capture: number; pnl_inventory: number } {
  let capture = 0;
  for (let i = 0; i < fills.length; i++) {
    const j = fills.sample[i]!;
    if (j < 1) continue;
    const q = fills.side[i]! * fills.qty[i]!;
    capture += spec.kind === 'spot' ? q * (mid[j - 1]! - fills.price[i]!) : contractPnl(spec, q, fills.price[i]!, mid[j - 1]!);
  }
  if (spec.kind === 'inverse_perp' && n > 0) capture = settleToQuote(spec, capture, mid[n - 1]!);
  return { pnl_spread_capture: capture, pnl_inventory: m.total_pnl - capture + m.fees };
}

/** `returns`: the trace's sums when the caller needs them too (the tick metrics): one pass over the trace. */
export function computeMetrics(m: MetricsInput, returns: TraceSums = traceSums(m.trace, m.trace.length, m.portfolio.initialCash)): Metrics {
  const { trace, fills, portfolio } = m;
  const n = trace.length;
  const initial = portfolio.initialCash;
  const lastMid = n > 0 ? trace.mid[n - 1]! : Number.NaN;
  const finalEquity = n > 0 ? trace.equity[n - 1]! : initial;
  // An inverse perpetual's PnL and fees are in the base coin: reported in quote at the last mid.
  const quote = (x: number): number => (portfolio.spec.kind === 'inverse_perp' && Number.isFinite(lastMid) ? portfolio.toQuote(x, lastMid) : x);

  const { maxDd, maxInv, quotedSides, twoSided } = returns;
  const periodsPerYear = SECONDS_PER_YEAR / m.sampleSeconds;
  const mean = n > 0 ? returns.sum / n : Number.NaN;
  const sd = n > 1 ? Math.sqrt(Math.max(0, (returns.sum2 - n * mean * mean) / (n - 1))) : Number.NaN;
  const downside = n > 0 ? Math.sqrt(returns.downSq / n) : Number.NaN;
  const ann = Math.sqrt(periodsPerYear);
  const buys = buyFills(fills);
  const markouts = m.markoutHorizons.map((h) => sampleMarkout(fills, trace.mid, n, h));

  const iso = (us: number): string => (Number.isFinite(us) ? new Date(us / 1000).toISOString() : '');
  return {
    samples: n,
    sample_seconds: m.sampleSeconds,
    start: n > 0 ? iso(trace.ts[0]!) : '',
    end: n > 0 ? iso(trace.ts[n - 1]!) : '',
    initial_capital: initial,
    final_equity: finalEquity,
    total_pnl: finalEquity - initial,
    realized_pnl: quote(portfolio.realizedPnl),
    inventory_pnl: Number.isFinite(lastMid) ? quote(portfolio.unrealizedPnl(lastMid)) : 0,
    fees: quote(portfolio.fees),
    return_pct: ((finalEquity - initial) / initial) * 100,
    fills: fills.length,
    buy_fills: buys,
    sell_fills: fills.length - buys,
    quoted_side_samples: quotedSides,
    fill_rate: quotedSides > 0 ? fills.length / quotedSides : 0,
    two_sided_share: n > 0 ? twoSided / n : 0,
    turnover: portfolio.turnover,
    final_inventory: portfolio.position,
    max_abs_inventory: maxInv,
    max_drawdown: maxDd,
    max_drawdown_pct: (maxDd / initial) * 100,
    sharpe: sd > 0 ? finiteOrNull((mean / sd) * ann) : null,
    sortino: downside > 0 ? finiteOrNull((mean / downside) * ann) : null,
    sharpe_confidence: sd > 0 ? sharpeStats(returns).confidence : null,
    periods_per_year: periodsPerYear,
    orders_placed: m.counters.placed,
    orders_canceled: m.counters.canceled,
    orders_amended: m.counters.amended ?? 0,
    orders_denied: m.counters.denied,
    orders_rejected: m.counters.rejected,
    max_orders_per_side: m.maxOrdersPerSide ?? 0,
    gap_throughs: m.gapThroughs ?? 0,
    markouts,
    risk: m.risk,
  };
}
