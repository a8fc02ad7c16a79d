// Kline history cache under data/history/: paged, resumable, de-duplicated fetches through ccxt, gaps found and reported.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, writeFileAtomic, type Micros } from '../core/index.js';
import { sliceBars, type Bars } from '../market/index.js';
import { checkTimeframe, DEFAULT_RETRY, marketData, resolveSymbol, withRetry, type CcxtExchange, type Kline, type RetryHooks, type RetryPolicy } from '../venues/index.js';
import { loadKlines } from './klines-csv.js';

export const DEFAULT_HISTORY_DIR = join('data', 'history');
export const MAX_HISTORY_DAYS = 3650;
/** Bars per cached series (a year of 1m bars is 525,600). */
export const MAX_HISTORY_BARS = 5_000_000;
const DAY_MS = 86_400_000;

export interface HistorySpec {
  exchange: string;
  symbol: string;
  timeframe: string;
  days: number;
  /** End of the wanted range (exclusive), epoch ms; default now. Only closed bars are kept. */
  endMs?: number;
  cacheDir?: string;
}

export interface HistoryGap {
  fromMs: number;
  /** Exclusive. */
  toMs: number;
  bars: number;
}

export interface HistoryResult {
  path: string;
  symbol: string;
  timeframe: string;
  fromMs: number;
  toMs: number;
  /** Bars of the wanted range present in the cache after the call. */
  rows: number;
  /** Bars added by this call. */
  newRows: number;
  /** Requests made. */
  pages: number;
  /** Ranges the exchange has no bars for, inside the wanted range. */
  gaps: HistoryGap[];
}

interface Sidecar {
  exchange: string;
  symbol: string;
  timeframe: string;
  /** Ranges the exchange answered without bars: not asked again. */
  confirmedGaps: [number, number][];
  updated_utc: string;
}

/** Validate a day count: a number in (0, MAX_HISTORY_DAYS]. */
export function checkDays(days: number): number {
  if (!Number.isFinite(days) || days <= 0 || days > MAX_HISTORY_DAYS) {
    throw new UserError(`--days: expected a number of days in (0, ${MAX_HISTORY_DAYS}], got ${days}`);
  }
  return days;
}

/** Where a series is cached: `<dir>/<exchange>/<BASE-QUOTE>/<timeframe>.csv`. */
export function historyPath(cacheDir: string, exchange: string, symbol: string, timeframe: string): string {
  const safe = symbol.replace(/[/:]/g, '-').replace(/[^A-Za-z0-9._-]/g, '_');
  return join(cacheDir, exchange, safe, `${timeframe}.csv`);
}

/** Timeframe length in ms (`1m`, `5m`, `1h`, `1d`, `1w`; `1M` counts 30 days for range arithmetic only). */
export function timeframeMs(tf: string): number {
  const m = /^(\d+)([smhdwM])$/.exec(tf);
  if (!m) throw new UserError(`--timeframe: cannot read '${tf}'`);
  const unit = { s: 1e3, m: 60e3, h: 3600e3, d: DAY_MS, w: 7 * DAY_MS, M: 30 * DAY_MS }[m[2] as 's'];
  return Number(m[1]) * unit;
}

function readCache(path: string): Map<number, Kline> {
  const rows = new Map<number, Kline>();
  if (!existsSync(path)) return rows;
  const lines = readFileSync(path, 'utf8').split('\n');
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (!l) continue;
    const c = l.split(',');
    const k = { openMs: Number(c[0]), open: Number(c[1]), high: Number(c[2]), low: Number(c[3]), close: Number(c[4]), volume: Number(c[5]) };
    if (c.length < 6 || !Number.isFinite(k.openMs) || !(k.close > 0)) throw new UserError(`${path}:${i + 1}: damaged history cache line; delete the file to refetch`);
    rows.set(k.openMs, k);
  }
  return rows;
}

function writeCache(path: string, rows: Map<number, Kline>): void {
  const keys = [...rows.keys()].sort((a, b) => a - b);
  const out: string[] = ['timestamp,open,high,low,close,volume'];
  for (const t of keys) {
    const k = rows.get(t)!;
    out.push(`${t},${k.open},${k.high},${k.low},${k.close},${k.volume}`);
  }
  writeFileAtomic(path, out.join('\n') + '\n');
}

function readSidecar(path: string): [number, number][] {
  if (!existsSync(path)) return [];
  try {
    const s = JSON.parse(readFileSync(path, 'utf8')) as Partial<Sidecar>;
    return Array.isArray(s.confirmedGaps) ? s.confirmedGaps.filter((g) => Array.isArray(g) && g.length === 2) : [];
  } catch {
    return [];
  }
}

/** Runs of bar times in [from, to) that are neither cached nor known to be missing at the exchange. */
function missingRuns(rows: Map<number, Kline>, known: [number, number][], from: number, to: number, tf: number): [number, number][] {
  const runs: [number, number][] = [];
  let runStart = -1;
  for (let t = from; t < to; t += tf) {
    const absent = !rows.has(t) && !known.some(([a, b]) => t >= a && t < b);
    if (absent && runStart < 0) runStart = t;
    if (!absent && runStart >= 0) {
      runs.push([runStart, t]);
      runStart = -1;
    }
  }
  if (runStart >= 0) runs.push([runStart, to]);
  return runs;
}

export interface HistoryOptions {
  retry?: RetryPolicy;
  retryHooks?: RetryHooks;
  /** Called after each page (progress). */
  onPage?: (info: { page: number; sinceMs: number; rows: number }) => void;
  /** How often the cache is rewritten while paging, ms (it is always written at the end). */
  flushEveryMs?: number;
}

/**
 * Bring the cache up to date for the last `days` of closed bars and report what is there.
 * Resumable: every page lands in the cache (atomically, at most every `flushEveryMs`), so an
 * interrupted call leaves a valid cache and the next call asks only for what is still missing.
 */
export async function updateHistory(ex: CcxtExchange, spec: HistorySpec, options: HistoryOptions = {}): Promise<HistoryResult> {
  const md = marketData(ex);
  checkDays(spec.days);
  const symbol = resolveSymbol(ex, spec.symbol);
  const timeframe = checkTimeframe(ex, spec.timeframe);
  const tf = timeframeMs(timeframe);
  // Bars opening before toMs have closed by the end time.
  const toMs = Math.floor((spec.endMs ?? Date.now()) / tf) * tf;
  const fromMs = toMs - Math.round((spec.days * DAY_MS) / tf) * tf;
  const bars = Math.round((toMs - fromMs) / tf);
  if (bars > MAX_HISTORY_BARS) {
    throw new UserError(`--days: ${spec.days} days of ${timeframe} bars is ${bars} bars; at most ${MAX_HISTORY_BARS} per series (fewer days or a longer timeframe)`);
  }
  const path = historyPath(spec.cacheDir ?? DEFAULT_HISTORY_DIR, md.id, symbol, timeframe);
  const sidecarPath = path.replace(/\.csv$/, '.json');
  const rows = readCache(path);
  const known = readSidecar(sidecarPath);
  const before = rows.size;
  const policy = options.retry ?? DEFAULT_RETRY;
  const pageLimit = md.klinePageLimit;
  let pages = 0;
  let lastFlush = Date.now();
  const flushEvery = options.flushEveryMs ?? 2000;
  const saveSidecar = (): void => {
    const s: Sidecar = { exchange: md.id, symbol, timeframe, confirmedGaps: mergeRanges(known), updated_utc: new Date().toISOString() };
    writeFileAtomic(sidecarPath, JSON.stringify(s, null, 2) + '\n');
  };

  for (const [runFrom, runTo] of missingRuns(rows, known, fromMs, toMs, tf)) {
    let since = runFrom;
    while (since < runTo) {
      const page = await withRetry(`${md.id} ${symbol} ${timeframe} klines from ${new Date(since).toISOString()}`, () => md.klines(symbol, timeframe, since, pageLimit, runTo - 1), policy, options.retryHooks);
      pages++;
      const inRun = page.filter((k) => k.openMs >= since && k.openMs < runTo && k.openMs % tf === 0).sort((a, b) => a.openMs - b.openMs);
      let expect = since;
      for (const k of inRun) {
        if (k.openMs > expect) known.push([expect, k.openMs]); // the exchange skipped these bars
        rows.set(k.openMs, k);
        expect = k.openMs + tf;
      }
      options.onPage?.({ page: pages, sinceMs: since, rows: inRun.length });
      if (inRun.length === 0) {
        // Nothing from `since` to the end of the run at the exchange. The newest bars may just be
        // late, so a hole reaching the end of the range is reported but not remembered.
        if (runTo < toMs) known.push([since, runTo]);
        break;
      }
      // Short pages are not trusted to mean "no more": some venues cap pages below our limit.
      since = expect;
      if (Date.now() - lastFlush >= flushEvery) {
        writeCache(path, rows);
        saveSidecar();
        lastFlush = Date.now();
      }
    }
  }
  if (rows.size !== before || pages > 0 || !existsSync(path)) {
    writeCache(path, rows);
    saveSidecar();
  }

  let inRange = 0;
  for (const t of rows.keys()) if (t >= fromMs && t < toMs) inRange++;
  const gaps: HistoryGap[] = [];
  for (const [a, b] of missingRuns(rows, [], fromMs, toMs, tf)) gaps.push({ fromMs: a, toMs: b, bars: Math.round((b - a) / tf) });
  return { path, symbol, timeframe, fromMs, toMs, rows: inRange, newRows: rows.size - before, pages, gaps };
}

function mergeRanges(r: [number, number][]): [number, number][] {
  const s = [...r].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [a, b] of s) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/**
 * The span of `spec` (which must have an `endMs`: a span ending "now" always asks the exchange for the
 * newest bars) when the cache already answers it: every bar of it cached, or the exchange known to have
 * none there (the sidecar's confirmed gaps). Undefined when something is missing. Reads files only, so a
 * research run on a complete cache with a fixed end needs no network at all. `symbol` is the unified
 * form the cache is keyed by (`BTC/USDT`).
 */
export function cachedHistory(spec: HistorySpec): HistoryResult | undefined {
  if (spec.endMs === undefined) return undefined;
  checkDays(spec.days);
  const tf = timeframeMs(spec.timeframe);
  const toMs = Math.floor(spec.endMs / tf) * tf;
  const fromMs = toMs - Math.round((spec.days * DAY_MS) / tf) * tf;
  if (Math.round((toMs - fromMs) / tf) > MAX_HISTORY_BARS) return undefined;
  const symbol = spec.symbol.toUpperCase();
  const path = historyPath(spec.cacheDir ?? DEFAULT_HISTORY_DIR, spec.exchange, symbol, spec.timeframe);
  if (!existsSync(path)) return undefined;
  const rows = readCache(path);
  const known = readSidecar(path.replace(/\.csv$/, '.json'));
  if (missingRuns(rows, known, fromMs, toMs, tf).length > 0) return undefined;
  let inRange = 0;
  for (const t of rows.keys()) if (t >= fromMs && t < toMs) inRange++;
  const gaps: HistoryGap[] = [];
  for (const [a, b] of missingRuns(rows, [], fromMs, toMs, tf)) gaps.push({ fromMs: a, toMs: b, bars: Math.round((b - a) / tf) });
  return { path, symbol, timeframe: spec.timeframe, fromMs, toMs, rows: inRange, newRows: 0, pages: 0, gaps };
}

/**
 * Bars of the last `days` (up to `endMs`) from the history cache, for commands that take
 * `--exchange/--symbol/--timeframe/--days`. The symbol is the unified one (`BTC/USDT`).
 */
export function readHistoryBars(spec: HistorySpec): Bars {
  checkDays(spec.days);
  const path = historyPath(spec.cacheDir ?? DEFAULT_HISTORY_DIR, spec.exchange, spec.symbol.toUpperCase(), spec.timeframe);
  if (!existsSync(path)) {
    throw new UserError(`no history cached for ${spec.exchange} ${spec.symbol} ${spec.timeframe} (${path}); run: marketmakerl history --exchange ${spec.exchange} --symbol ${spec.symbol} --timeframe ${spec.timeframe} --days ${spec.days}`);
  }
  const { bars } = loadKlines(path);
  const tf = timeframeMs(spec.timeframe) * 1000;
  const endUs: Micros = spec.endMs !== undefined ? spec.endMs * 1000 : bars.ts[bars.length - 1]! + tf;
  const fromUs = endUs - spec.days * DAY_MS * 1000;
  let a = 0;
  while (a < bars.length && bars.ts[a]! < fromUs) a++;
  let b = a;
  while (b < bars.length && bars.ts[b]! < endUs) b++;
  if (b - a < 2) throw new UserError(`history cache ${path} holds fewer than 2 bars in the last ${spec.days} day(s)`);
  const out = sliceBars(bars, a, b);
  return out.intervalMicros === tf ? out : { ...out, intervalMicros: tf };
}
