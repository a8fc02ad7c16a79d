// `compare RUN_A RUN_B`: two backtest run folders over the same samples, side by side, and a paired test of B against A.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, pairedDifference, returnsOnCapital } from '../core/index.js';
import { lineChart, multiLineChart, renderSvg, thin } from './charts.js';
import { esc, page, table } from './html.js';
import { readCsvColumns, readJson } from './run-report.js';

/** One run's headline figures, as its metrics.json states them. */
export interface RunSide {
  run_dir: string;
  run_id: string | null;
  model: string | null;
  total_pnl: number;
  return_pct: number;
  sharpe: number | null;
  sharpe_confidence: number | null;
  max_drawdown_pct: number;
  fills: number;
  fees: number;
  /** total = spread capture + inventory − fees (metrics.json's split; null: a run folder written before bar runs carried it). */
  pnl_spread_capture: number | null;
  pnl_inventory: number | null;
  /** What the session's risk engine did (null: a run folder written before backtests recorded it). */
  final_state: string | null;
  halted_seconds: number | null;
  orders_denied: number | null;
}

export interface RunComparison {
  a: RunSide;
  b: RunSide;
  samples: number;
  /**
   * Per sample, d = r_B − r_A with r the change of equity over the run's initial capital. The market moves
   * both runs share cancel in d, so a small but steady difference shows where the runs' own Sharpe ratios,
   * each buried in market noise, cannot tell them apart.
   */
  paired: {
    mean_return_diff_bps_per_sample: number;
    /** Σd in % of capital: B's return minus A's. */
    return_diff_pct: number;
    autocorrelation: number | null;
    /** Probability that B's expected return per sample is above A's (the Sharpe confidence of d). */
    b_better_confidence: number | null;
  };
  /** Config fields whose values differ (run ids and output folders left out). */
  config_differences: Record<string, [unknown, unknown]>;
  /**
   * Samples whose mid differs between the runs, and the largest difference (bps of A's mid). Bar runs over
   * the same data share their closes, so any difference is refused; tick runs see the local mid, which
   * moves with the feed latency, so it is reported: a paired test over two markets means nothing.
   */
  prices: { samples_differing: number; max_diff_bps: number } | null;
}

interface RunFolder {
  dir: string;
  config: Record<string, unknown>;
  metrics: Record<string, unknown>;
  ts: string[];
  equity: number[];
  mid: number[] | undefined;
}

function readRun(dir: string, label: string): RunFolder {
  for (const f of ['config.json', 'metrics.json', 'trace.csv']) {
    if (!existsSync(join(dir, f))) throw new UserError(`${label} ${dir}: not a run folder (missing ${f})`);
  }
  const cols = readCsvColumns(join(dir, 'trace.csv'));
  const ts = cols.get('ts');
  const eq = cols.get('equity');
  if (!ts || !eq) throw new UserError(`${label} ${dir}/trace.csv: expected columns ts and equity`);
  const equity = eq.map(Number);
  const bad = equity.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new UserError(`${label} ${dir}/trace.csv: row ${bad + 2}: equity is not a number`);
  const mid = cols.get('mid')?.map(Number);
  return { dir, config: readJson(join(dir, 'config.json')), metrics: readJson(join(dir, 'metrics.json')), ts, equity, mid };
}

const numOr = (v: unknown, d: number): number => (typeof v === 'number' ? v : d);
const numOrNull = (v: unknown): number | null => (typeof v === 'number' ? v : null);

function side(r: RunFolder): RunSide {
  const m = r.metrics;
  return {
    run_dir: r.dir,
    run_id: typeof r.config['run_id'] === 'string' ? r.config['run_id'] : null,
    model: modelOf(r.config),
    total_pnl: numOr(m['total_pnl'], Number.NaN),
    return_pct: numOr(m['return_pct'], Number.NaN),
    sharpe: numOrNull(m['sharpe']),
    sharpe_confidence: numOrNull(m['sharpe_confidence']),
    max_drawdown_pct: numOr(m['max_drawdown_pct'], Number.NaN),
    fills: numOr(m['fills'], 0),
    fees: numOr(m['fees'], Number.NaN),
    pnl_spread_capture: numOrNull(m['pnl_spread_capture']),
    pnl_inventory: numOrNull(m['pnl_inventory']),
    ...riskOf(m),
  };
}

function riskOf(m: Record<string, unknown>): Pick<RunSide, 'final_state' | 'halted_seconds' | 'orders_denied'> {
  const r = m['risk'] !== null && typeof m['risk'] === 'object' ? (m['risk'] as Record<string, unknown>) : {};
  const secs = r['seconds_in_state'] !== null && typeof r['seconds_in_state'] === 'object' ? (r['seconds_in_state'] as Record<string, unknown>) : {};
  return { final_state: typeof r['final_state'] === 'string' ? r['final_state'] : null, halted_seconds: numOrNull(secs['halted']), orders_denied: numOrNull(m['orders_denied']) };
}

/** Per-sample returns on the run's initial capital. */
function returnsOf(r: RunFolder): Float64Array {
  const capital = numOr(r.metrics['initial_capital'], Number.NaN);
  if (!(capital > 0)) throw new UserError(`${r.dir}/metrics.json: initial_capital: expected a positive number`);
  return returnsOnCapital(r.equity, capital);
}

const IGNORED_CONFIG = new Set(['run_id', 'out']);

/** Both runs sample by sample: time (epoch ms) and cumulative returns on each run's capital, in %. */
export interface ComparisonPath {
  t: number[];
  a: number[];
  b: number[];
}

export function compareRuns(dirA: string, dirB: string): RunComparison {
  return compareRunsWithPath(dirA, dirB).comparison;
}

export function compareRunsWithPath(dirA: string, dirB: string): { comparison: RunComparison; path: ComparisonPath } {
  const a = readRun(dirA, 'A');
  const b = readRun(dirB, 'B');
  if (a.ts.length !== b.ts.length) {
    throw new UserError(`B ${dirB}: ${b.ts.length} samples against A's ${a.ts.length}; compare needs two runs over the same samples`);
  }
  const diff = a.ts.findIndex((t, i) => t !== b.ts[i]);
  if (diff >= 0) throw new UserError(`B ${dirB}: sample ${diff + 1} is at ts ${b.ts[diff]}, A's at ${a.ts[diff]}; compare needs two runs over the same samples`);
  const prices = priceDifferences(a, b, dirB);
  const ra = returnsOf(a);
  const rb = returnsOf(b);
  const { sums, stats: st } = pairedDifference(rb, ra);
  const n = sums.n;
  const config_differences: Record<string, [unknown, unknown]> = {};
  const fa = flatten(a.config);
  const fb = flatten(b.config);
  for (const k of new Set([...Object.keys(fa), ...Object.keys(fb)])) {
    if (IGNORED_CONFIG.has(k.split('.')[0]!)) continue;
    if (JSON.stringify(fa[k]) !== JSON.stringify(fb[k])) config_differences[k] = [fa[k] ?? null, fb[k] ?? null];
  }
  const path: ComparisonPath = { t: a.ts.map(Number), a: [], b: [] };
  let ca = 0;
  let cb = 0;
  for (let i = 0; i < n; i++) {
    ca += ra[i]!;
    cb += rb[i]!;
    path.a.push(ca * 100);
    path.b.push(cb * 100);
  }
  const comparison: RunComparison = {
    a: side(a),
    b: side(b),
    samples: n,
    paired: {
      mean_return_diff_bps_per_sample: n > 0 ? (sums.sum / n) * 1e4 : 0,
      return_diff_pct: sums.sum * 100,
      autocorrelation: st.autocorrelation,
      b_better_confidence: st.confidence,
    },
    config_differences,
    prices,
  };
  return { comparison, path };
}

/** Where the two runs' mids differ (see `RunComparison.prices`); bar runs that differ are refused. */
function priceDifferences(a: RunFolder, b: RunFolder, dirB: string): RunComparison['prices'] {
  if (a.mid === undefined || b.mid === undefined) return null;
  let differing = 0;
  let maxBps = 0;
  let first = -1;
  for (let i = 0; i < a.mid.length; i++) {
    const x = a.mid[i]!;
    const y = b.mid[i]!;
    if (x === y || (x !== x && y !== y)) continue;
    if (first < 0) first = i;
    differing++;
    const bps = (Math.abs(y - x) / Math.abs(x)) * 1e4;
    if (bps > maxBps || bps !== bps) maxBps = bps;
  }
  const tick = a.metrics['engine'] === 'tick' || b.metrics['engine'] === 'tick';
  if (differing > 0 && !tick) {
    throw new UserError(`B ${dirB}: sample ${first + 1}'s mid is ${b.mid[first]}, A's ${a.mid[first]}: the runs saw different prices (bar runs over the same data share their closes); compare needs two runs over the same market`);
  }
  return { samples_differing: differing, max_diff_bps: maxBps };
}

/** The comparison as a self-contained page: both runs' cumulative returns and B − A over the samples. */
export async function renderComparisonReport(c: RunComparison, path: ComparisonPath): Promise<string> {
  const label = (s: RunSide, name: string): string => `${name}: ${s.model ?? '?'} (${s.run_id ?? s.run_dir})`;
  const rows = path.t.map((t, i) => ({ t, a: path.a[i]!, b: path.b[i]! }));
  const kept = thin(rows, 800);
  const both = kept.flatMap((r) => [
    { t: r.t, v: r.a, series: label(c.a, 'A') },
    { t: r.t, v: r.b, series: label(c.b, 'B') },
  ]);
  const [curves, diff] = await Promise.all([
    renderSvg(multiLineChart('Cumulative return on capital, %', both, '%')),
    renderSvg(lineChart('B − A, cumulative, % of capital', kept.map((r) => ({ t: r.t, v: r.b - r.a })), '%', '#9467bd')),
  ]);
  const f = (x: number | null, d: number): string => (x === null || !Number.isFinite(x) ? '—' : x.toFixed(d));
  const summary = table(
    ['', 'A', 'B'],
    [
      ['run', c.a.run_id ?? c.a.run_dir, c.b.run_id ?? c.b.run_dir],
      ['model', c.a.model, c.b.model],
      ['total PnL', f(c.a.total_pnl, 2), f(c.b.total_pnl, 2)],
      ['return %', f(c.a.return_pct, 4), f(c.b.return_pct, 4)],
      ['Sharpe (annualised)', f(c.a.sharpe, 2), f(c.b.sharpe, 2)],
      ['Sharpe confidence', f(c.a.sharpe_confidence, 3), f(c.b.sharpe_confidence, 3)],
      ['max drawdown %', f(c.a.max_drawdown_pct, 4), f(c.b.max_drawdown_pct, 4)],
      ['spread capture', f(c.a.pnl_spread_capture, 2), f(c.b.pnl_spread_capture, 2)],
      ['inventory', f(c.a.pnl_inventory, 2), f(c.b.pnl_inventory, 2)],
      ['fees', f(c.a.fees, 2), f(c.b.fees, 2)],
      ['fills', c.a.fills, c.b.fills],
      ['final trading state', c.a.final_state, c.b.final_state],
      ['time halted, s', f(c.a.halted_seconds, 1), f(c.b.halted_seconds, 1)],
      ['orders denied', c.a.orders_denied, c.b.orders_denied],
    ],
  );
  const warning = priceWarning(c);
  const verdict = (warning !== undefined ? `<p><strong>${esc(warning)}</strong></p>` : '') + `<p>${esc(
    `Paired over ${c.samples} samples: B − A = ${f(c.paired.return_diff_pct, 4)}% of capital; probability that B's expected return per sample is above A's: ${f(c.paired.b_better_confidence, 3)} (lag-1 autocorrelation of the differences ${f(c.paired.autocorrelation, 3)}).`,
  )}</p>`;
  const diffs = Object.entries(c.config_differences);
  const cfg = diffs.length > 0 ? table(['config field', 'A', 'B'], diffs.map(([k, [x, y]]) => [k, JSON.stringify(x), JSON.stringify(y)])) : '<p>Same config.</p>';
  return page('Run comparison', verdict + summary, [
    { title: 'Cumulative returns', html: curves + diff },
    { title: 'Config differences', html: cfg },
  ]);
}

/** What a reader must see before the verdict when the runs' mids differ (tick runs), else undefined. */
export function priceWarning(c: RunComparison): string | undefined {
  const p = c.prices;
  if (p === null || p.samples_differing === 0) return undefined;
  return `The runs' mids differ at ${p.samples_differing} of ${c.samples} samples (largest ${p.max_diff_bps.toFixed(2)} bps): expected from different feed latencies; from different data, the paired test means nothing.`;
}

/** A run's model: `quoting.model` of the one config (or `model` of older run folders). */
function modelOf(config: Record<string, unknown>): string | null {
  const q = config['quoting'];
  const m = q !== null && typeof q === 'object' ? (q as Record<string, unknown>)['model'] : config['model'];
  return typeof m === 'string' ? m : null;
}

/** A config's sections as dotted fields (`quoting.gamma`), lists and scalars as leaves. */
function flatten(o: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of Object.entries(o)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, key, out);
    else out[key] = v;
  }
  return out;
}
