// Data freshness: for each cached market the last closed bar against now and the missing ranges; for each capture its age and gaps.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isoOf, type Micros } from '../core/index.js';
import { eventBatchesOf, loadKlines } from '../data/index.js';

export interface FreshnessLimits {
  /** Oldest acceptable end of the last closed bar (or last captured event), µs before now. */
  maxAgeUs: Micros;
  /** Bars missing inside a series (not confirmed absent at the exchange) allowed per market. */
  maxMissingBars: number;
  /** Longest acceptable silence inside a capture, µs of local time. */
  maxCaptureGapUs: Micros;
}

export interface Range {
  from: string;
  to: string;
  bars: number;
}

export interface MarketFreshness {
  path: string;
  /** `exchange/SYMBOL/timeframe` for a cache file; the file name otherwise. */
  market: string;
  bars: number;
  first_bar: string;
  last_closed_bar_end: string;
  age_hours: number;
  missing_bars: number;
  /** Up to 20 missing runs, oldest first. */
  missing_ranges: Range[];
  /** Bars the exchange itself answered without (the cache's sidecar): reported, not counted. */
  exchange_gap_bars: number;
  problems: string[];
}

export interface CaptureFreshness {
  path: string;
  events: number;
  first_event: string;
  last_event: string;
  age_hours: number;
  max_gap_seconds: number;
  /** Silences longer than the limit (up to 20). */
  gaps: { from: string; to: string; seconds: number }[];
  gaps_over_limit: number;
  problems: string[];
}

const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;
const HOUR_US = 3600e6;

/** Kline series: cache files under `<cacheDir>/<exchange>/<SYMBOL>/<tf>.csv`, in a stable order. */
export function cachedSeries(cacheDir: string): string[] {
  const out: string[] = [];
  if (!existsSync(cacheDir)) return out;
  for (const ex of readdirSync(cacheDir).sort()) {
    const exDir = join(cacheDir, ex);
    if (!statSync(exDir).isDirectory()) continue;
    for (const sym of readdirSync(exDir).sort()) {
      const symDir = join(exDir, sym);
      if (!statSync(symDir).isDirectory()) continue;
      for (const f of readdirSync(symDir).sort()) if (f.endsWith('.csv')) out.push(join(symDir, f));
    }
  }
  return out;
}

/** Event files (`.arrow`) of a recordings folder, in name order (the recorder's names sort by time). */
export function recordedCaptures(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.arrow'))
    .sort()
    .map((f) => join(dir, f));
}

function confirmedGaps(csvPath: string): [number, number][] {
  const side = csvPath.replace(/\.csv$/, '.json');
  if (!existsSync(side)) return [];
  try {
    const s = JSON.parse(readFileSync(side, 'utf8')) as { confirmedGaps?: unknown };
    return Array.isArray(s.confirmedGaps) ? (s.confirmedGaps as [number, number][]).filter((g) => Array.isArray(g) && g.length === 2) : [];
  } catch {
    return [];
  }
}

/** One kline series against now and the limits. `cacheDir` names it `exchange/SYMBOL/tf` when it lies in the cache. */
export function marketFreshness(path: string, nowUs: Micros, limits: FreshnessLimits, cacheDir?: string): MarketFreshness {
  const { bars } = loadKlines(path);
  const iv = bars.intervalMicros;
  const market = cacheDir ? relative(cacheDir, path).replace(/\.csv$/, '') : path;
  const problems: string[] = [];
  if (bars.length === 0) {
    return { path, market, bars: 0, first_bar: '', last_closed_bar_end: '', age_hours: Number.POSITIVE_INFINITY, missing_bars: 0, missing_ranges: [], exchange_gap_bars: 0, problems: ['no bars'] };
  }
  const known = confirmedGaps(path).map(([a, b]) => [a * 1000, b * 1000] as const);
  const isKnown = (t: number): boolean => known.some(([a, b]) => t >= a && t < b);
  const ranges: Range[] = [];
  let missing = 0;
  let exchangeGap = 0;
  for (let i = 1; i < bars.length; i++) {
    const prev = bars.ts[i - 1]!;
    const cur = bars.ts[i]!;
    if (cur - prev <= iv) continue;
    let runStart = -1;
    let runBars = 0;
    const flush = (end: number): void => {
      if (runStart < 0) return;
      missing += runBars;
      if (ranges.length < 20) ranges.push({ from: isoOf(runStart), to: isoOf(end), bars: runBars });
      runStart = -1;
      runBars = 0;
    };
    for (let t = prev + iv; t < cur; t += iv) {
      if (isKnown(t)) {
        exchangeGap++;
        flush(t);
        continue;
      }
      if (runStart < 0) runStart = t;
      runBars++;
    }
    flush(cur);
  }
  const lastEnd = bars.ts[bars.length - 1]! + iv;
  const age = nowUs - lastEnd;
  if (age > limits.maxAgeUs) problems.push(`stale: last closed bar ended ${round(age / HOUR_US, 2)} h ago (limit ${round(limits.maxAgeUs / HOUR_US, 2)} h)`);
  if (missing > limits.maxMissingBars) problems.push(`gapped: ${missing} missing bar(s) in ${ranges.length} range(s) (limit ${limits.maxMissingBars})`);
  return {
    path,
    market,
    bars: bars.length,
    first_bar: isoOf(bars.ts[0]!),
    last_closed_bar_end: isoOf(lastEnd),
    age_hours: round(age / HOUR_US),
    missing_bars: missing,
    missing_ranges: ranges,
    exchange_gap_bars: exchangeGap,
    problems,
  };
}

/** One capture (event file or raw capture): its last event against now and its silences in local time. */
export function captureFreshness(path: string, nowUs: Micros, limits: FreshnessLimits): CaptureFreshness {
  let events = 0;
  let first = Number.NaN;
  let last = Number.NaN;
  let maxGap = 0;
  let over = 0;
  const gaps: CaptureFreshness['gaps'] = [];
  for (const b of eventBatchesOf(path)) {
    const ts = b.tsLocal;
    for (let i = 0; i < b.length; i++) {
      const t = ts[i]!;
      if (events === 0) first = t;
      else {
        const g = t - last;
        if (g > maxGap) maxGap = g;
        if (g > limits.maxCaptureGapUs) {
          over++;
          if (gaps.length < 20) gaps.push({ from: isoOf(last), to: isoOf(t), seconds: round(g / 1e6) });
        }
      }
      if (events === 0 || t > last) last = t;
      events++;
    }
  }
  const problems: string[] = [];
  if (events === 0) problems.push('no events');
  const age = nowUs - last;
  if (events > 0 && age > limits.maxAgeUs) problems.push(`stale: last event ${round(age / HOUR_US, 2)} h ago (limit ${round(limits.maxAgeUs / HOUR_US, 2)} h)`);
  if (over > 0) problems.push(`gapped: ${over} silence(s) longer than ${round(limits.maxCaptureGapUs / 1e6)} s (longest ${round(maxGap / 1e6)} s)`);
  return {
    path,
    events,
    first_event: events > 0 ? isoOf(first) : '',
    last_event: events > 0 ? isoOf(last) : '',
    age_hours: events > 0 ? round(age / HOUR_US) : Number.POSITIVE_INFINITY,
    max_gap_seconds: round(maxGap / 1e6),
    gaps,
    gaps_over_limit: over,
    problems,
  };
}
