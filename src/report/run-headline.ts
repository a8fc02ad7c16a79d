// The figures a market maker reads first about a run, computed once so the page's table and charts show the same numbers.

/** A trace as read from a run (times in epoch ms; NaN = no quote). */
export interface TraceColumns {
  ts: number[];
  mid: number[];
  bid: number[];
  ask: number[];
  inventory: number[];
  equity: number[];
  /** Trading state per sample when the engine recorded it (active, reducing, halted). */
  state?: string[];
}

export interface FillRow {
  ts: number;
  side: 'buy' | 'sell';
  price: number;
  qty: number;
  /** Fee paid in quote currency (negative: a rebate received). */
  fee: number;
  /** Row of the trace the fill belongs to. */
  sample: number;
}

/** total = spread capture + inventory − fees paid + rebates, exactly (inventory is what the others leave). */
export interface PnlSplit {
  total: number;
  spread_capture: number;
  inventory: number;
  fees_paid: number;
  rebates: number;
  /** What spread capture is measured against. */
  capture_basis: string;
}

export interface Markout {
  /** "1 bar (1 min)", "5 s". */
  label: string;
  bps: number | null;
  fills: number;
}

export interface Headline {
  engine: 'bar' | 'tick';
  pnl: PnlSplit;
  return_pct: number | null;
  fills: number;
  buys: number;
  sells: number;
  /** Tick: filled / placed quantity. Bar: fills per quoted side-bar. */
  fill_ratio: { value: number | null; basis: string };
  markouts: Markout[];
  /** Size ahead when an order joined its level, base units. */
  queue_at_join: { median: number; p90: number; basis: string } | null;
  two_sided: { share: number | null; seconds: number | null };
  /** Seconds in each trading state, when the run recorded them. */
  states: Record<string, number> | null;
  max_abs_inventory: number | null;
  final_inventory: number | null;
  max_drawdown: number | null;
  max_drawdown_pct: number | null;
  sharpe: number | null;
  sharpe_confidence: number | null;
}

const num = (m: Record<string, unknown>, k: string): number | null => (typeof m[k] === 'number' && Number.isFinite(m[k] as number) ? (m[k] as number) : null);
const obj = (v: unknown): Record<string, unknown> | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

/** Fees split by sign: what was paid and what came back as rebates. */
function feeSplit(fills: readonly FillRow[]): { paid: number; rebates: number } {
  let paid = 0;
  let rebates = 0;
  for (const f of fills) {
    if (f.fee > 0) paid += f.fee;
    else if (f.fee < 0) rebates -= f.fee;
  }
  return { paid, rebates };
}

export function pnlSplit(m: Record<string, unknown>, trace: TraceColumns, fills: readonly FillRow[]): PnlSplit {
  const total = num(m, 'total_pnl') ?? 0;
  const { paid, rebates } = feeSplit(fills);
  let capture: number;
  let basis: string;
  const tick = m['engine'] === 'tick';
  if (num(m, 'pnl_spread_capture') !== null) {
    capture = num(m, 'pnl_spread_capture')!;
    basis = tick ? 'the venue mid at each fill' : 'the mid the quote was decided on (the previous close)';
  } else {
    // A bar run folder written before metrics.json carried the split: the same arithmetic (`barPnlSplit`), spot.
    // Bar runs quote around the previous close (the mid known at the bar's open): capture is measured against it.
    capture = 0;
    for (const f of fills) {
      const ref = f.sample >= 1 ? trace.mid[f.sample - 1] : undefined;
      if (ref !== undefined && Number.isFinite(ref)) capture += (f.side === 'buy' ? 1 : -1) * f.qty * (ref - f.price);
    }
    basis = 'the mid the quote was decided on (the previous close)';
  }
  return { total, spread_capture: capture, inventory: total - capture + paid - rebates, fees_paid: paid, rebates, capture_basis: basis };
}

function median(values: number[]): { median: number; p90: number } | null {
  if (values.length === 0) return null;
  const s = values.slice().sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { median: at(0.5), p90: at(0.9) };
}

const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;

function humanSeconds(s: number): string {
  if (s < 60) return `${s} s`;
  if (s % 86_400 === 0) return `${s / 86_400} d`;
  if (s % 3600 === 0) return `${s / 3600} h`;
  if (s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}

export function headline(m: Record<string, unknown>, trace: TraceColumns, fills: readonly FillRow[], queueAhead?: readonly number[]): Headline {
  const tick = m['engine'] === 'tick';
  const sampleSeconds = num(m, 'sample_seconds') ?? Number.NaN;
  const list = (k: string): Array<Record<string, unknown>> => (Array.isArray(m[k]) ? (m[k] as Array<Record<string, unknown>>) : []);
  const markouts: Markout[] = tick
    ? list('markouts_seconds').map((x) => ({ label: `${x['horizon_seconds']} s`, bps: num(x, 'mean_bps'), fills: num(x, 'fills') ?? 0 }))
    : list('markouts').map((x) => {
        const h = num(x, 'horizon') ?? 0;
        return { label: `${plural(h, 'bar')}${Number.isFinite(sampleSeconds) ? ` (${humanSeconds(h * sampleSeconds)})` : ''}`, bps: num(x, 'mean_bps'), fills: num(x, 'fills') ?? 0 };
      });
  let queue: Headline['queue_at_join'] = null;
  const q = queueAhead !== undefined ? median(queueAhead.filter((x) => Number.isFinite(x))) : null;
  if (q !== null) queue = { ...q, basis: 'every order that reached the venue' };
  else {
    const qs = obj(m['queue_position_at_fill']);
    if (qs !== null && typeof qs['median'] === 'number' && typeof qs['p90'] === 'number') queue = { median: qs['median'], p90: qs['p90'], basis: 'orders that were filled' };
  }
  const samples = num(m, 'samples');
  const share = num(m, 'two_sided_share');
  const risk = obj(m['risk']);
  const secs = obj(risk?.['seconds_in_state']);
  const states = secs !== null ? Object.fromEntries(Object.entries(secs).filter(([, v]) => typeof v === 'number') as Array<[string, number]>) : null;
  return {
    engine: tick ? 'tick' : 'bar',
    pnl: pnlSplit(m, trace, fills),
    return_pct: num(m, 'return_pct'),
    fills: num(m, 'fills') ?? fills.length,
    buys: num(m, 'buy_fills') ?? fills.filter((f) => f.side === 'buy').length,
    sells: num(m, 'sell_fills') ?? fills.filter((f) => f.side === 'sell').length,
    fill_ratio: tick ? { value: num(m, 'fill_ratio'), basis: 'filled ÷ placed quantity' } : { value: num(m, 'fill_rate'), basis: 'fills per quoted side-bar' },
    markouts,
    queue_at_join: queue,
    two_sided: {
      share,
      seconds: num(m, 'time_two_sided_seconds') ?? (share !== null && samples !== null && Number.isFinite(sampleSeconds) ? share * samples * sampleSeconds : null),
    },
    states,
    max_abs_inventory: num(m, 'max_abs_inventory'),
    final_inventory: num(m, 'final_inventory'),
    max_drawdown: num(m, 'max_drawdown'),
    max_drawdown_pct: num(m, 'max_drawdown_pct'),
    sharpe: num(m, 'sharpe'),
    sharpe_confidence: num(m, 'sharpe_confidence'),
  };
}
