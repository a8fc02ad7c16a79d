// The history cache as a bar source (analyze, backtest): bring a span up to date through ccxt, then read it back.
import { isoOf } from '../core/index.js';
import type { Bars } from '../market/index.js';
import { closeExchange, createExchange, exchangeUrlFrom, loadMarkets, retryPolicyFromEnv } from '../venues/index.js';
import { DEFAULT_HISTORY_DIR, cachedHistory, readHistoryBars, updateHistory, type HistoryResult, type HistorySpec } from './history.js';

/** Timeframes a bar source may ask for: fixed-length ones (a month has no fixed length). */
export const HISTORY_TIMEFRAMES = ['1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w'] as const;
export type HistoryTimeframe = (typeof HISTORY_TIMEFRAMES)[number];

export interface HistoryBarsSpec extends HistorySpec {
  /** REST base URL (a proxy, a local fake); default MARKETMAKERL_EXCHANGE_URL, else the exchange's own. */
  exchangeUrl?: string;
}

export interface HistoryBars {
  bars: Bars;
  /** Where the bars came from, as run folders and analysis.json record it. */
  source: Record<string, unknown>;
}

/**
 * The last `days` of closed bars up to `endMs`. Only bars the cache lacks are fetched (paged,
 * retried, resumable); a fault that outlasts the retries is a NetworkFault and the cache keeps
 * what had arrived. `gaps` counts the bars the exchange has none for; `gap_ranges` lists them.
 */
export async function historyBars(spec: HistoryBarsSpec): Promise<HistoryBars> {
  const cacheDir = spec.cacheDir ?? DEFAULT_HISTORY_DIR;
  // A fixed end whose span the cache already holds: read it, contact no one (reproducible offline runs).
  const cached = cachedHistory({ exchange: spec.exchange, symbol: spec.symbol, timeframe: spec.timeframe, days: spec.days, ...(spec.endMs !== undefined ? { endMs: spec.endMs } : {}), cacheDir });
  if (cached) return fromCache(spec.exchange, spec.days, cached, cacheDir, true);
  const exchangeUrl = exchangeUrlFrom(spec.exchangeUrl);
  const retry = retryPolicyFromEnv();
  const ex = await createExchange({ exchange: spec.exchange, ...(exchangeUrl ? { exchangeUrl } : {}) });
  try {
    await loadMarkets(ex, { retry });
    const r = await updateHistory(
      ex,
      { exchange: ex.id, symbol: spec.symbol, timeframe: spec.timeframe, days: spec.days, ...(spec.endMs !== undefined ? { endMs: spec.endMs } : {}), cacheDir },
      { retry },
    );
    return fromCache(ex.id, spec.days, r, cacheDir, false);
  } finally {
    await closeExchange(ex);
  }
}

function fromCache(exchange: string, days: number, r: HistoryResult, cacheDir: string, offline: boolean): HistoryBars {
  const bars = readHistoryBars({ exchange, symbol: r.symbol, timeframe: r.timeframe, days, endMs: r.toMs, cacheDir });
  return {
    bars,
    source: {
      kind: 'history',
      exchange,
      symbol: r.symbol,
      timeframe: r.timeframe,
      days,
      from_utc: isoOf(r.fromMs * 1000),
      to_utc: isoOf(r.toMs * 1000),
      cache: r.path,
      rows: bars.length,
      bar_seconds: bars.intervalMicros / 1e6,
      new_rows: r.newRows,
      pages: r.pages,
      /** True when the cache held the whole span and the exchange was not contacted. */
      offline,
      gaps: r.gaps.reduce((s, g) => s + g.bars, 0),
      gap_ranges: r.gaps.map((g) => ({ from_utc: isoOf(g.fromMs * 1000), to_utc: isoOf(g.toMs * 1000), bars: g.bars })),
    },
  };
}
