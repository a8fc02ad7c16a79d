// `marketmakerl history`: bring the local kline cache (data/history/) up to date for the last N days, reporting gaps.
import { isoOf } from '../../core/index.js';
import { checkDays, updateFundingHistory, updateHistory, DEFAULT_HISTORY_DIR } from '../../data/index.js';
import { closeExchange, createExchange, exchangeUrlFrom, loadMarkets, retryPolicyFromEnv } from '../../venues/index.js';
import { UserError } from '../../core/index.js';
import { silentProgress, streamProgress } from '../../core/progress.js';

export interface HistoryFlags {
  exchange: string;
  symbol: string;
  timeframe?: string;
  funding?: boolean;
  days: number;
  end?: string;
  cacheDir?: string;
  exchangeUrl?: string;
  sandbox?: boolean;
  quiet?: boolean;
}

export async function historyCommand(flags: HistoryFlags): Promise<void> {
  checkDays(flags.days);
  if (flags.funding === true) return fundingHistoryCommand(flags);
  if (flags.timeframe === undefined) throw new UserError('--timeframe: expected a kline timeframe such as 5m (or --funding for funding rates)');
  // The form of a timeframe is checked before the network; whether the exchange has it, after.
  if (!/^\d+[smhdwMy]$/.test(flags.timeframe)) throw new UserError(`--timeframe: expected a timeframe such as 1m, 5m, 1h, 1d; got '${flags.timeframe}'`);
  let endMs: number | undefined;
  if (flags.end !== undefined) {
    endMs = Date.parse(flags.end);
    if (!Number.isFinite(endMs)) throw new UserError(`--end: expected an ISO-8601 time such as 2024-08-31T00:00:00Z, got '${flags.end}'`);
  }
  const exchangeUrl = exchangeUrlFrom(flags.exchangeUrl);
  const retry = retryPolicyFromEnv();
  const ex = await createExchange({ exchange: flags.exchange, ...(exchangeUrl ? { exchangeUrl } : {}), sandbox: flags.sandbox === true });
  // The one progress style: days of the span paged so far (a bar on a terminal, JSON lines otherwise); retries and gaps as events.
  const progress = flags.quiet ? silentProgress : streamProgress(process.stderr);
  const spanEnd = endMs ?? Date.now();
  const spanStart = spanEnd - flags.days * 86_400_000;
  try {
    await loadMarkets(ex, { retry });
    // Started at the first page: bad input (a timeframe the exchange lacks) stays one line on stderr.
    let started = false;
    const r = await updateHistory(
      ex,
      { exchange: ex.id, symbol: flags.symbol, timeframe: flags.timeframe!, days: flags.days, ...(endMs !== undefined ? { endMs } : {}), cacheDir: flags.cacheDir ?? DEFAULT_HISTORY_DIR },
      {
        retry,
        retryHooks: { onRetry: (f, n, ms) => progress.note('retry', { attempt: n, in_ms: Math.round(ms), kind: f.kind, message: f.message }) },
        onPage: (p) => {
          if (!started) progress.start(flags.days, 'history', 'days');
          started = true;
          progress.tick(Math.max(0, Math.min(flags.days, Math.floor((p.sinceMs - spanStart) / 86_400_000))), { pages: p.page });
        },
      },
    );
    if (started) progress.finish();
    for (const g of r.gaps.slice(0, 20)) progress.note('gap', { bars: g.bars, from_utc: isoOf(g.fromMs * 1000), to_utc: isoOf(g.toMs * 1000) });
    if (r.gaps.length > 20) progress.note('more gaps', { count: r.gaps.length - 20 });
    const out = {
      cache: r.path,
      exchange: ex.id,
      symbol: r.symbol,
      timeframe: r.timeframe,
      from_utc: isoOf(r.fromMs * 1000),
      to_utc: isoOf(r.toMs * 1000),
      rows: r.rows,
      new_rows: r.newRows,
      pages: r.pages,
      gaps: r.gaps.map((g) => ({ from_utc: isoOf(g.fromMs * 1000), to_utc: isoOf(g.toMs * 1000), bars: g.bars })),
    };
    process.stdout.write(JSON.stringify(out) + '\n');
  } finally {
    await closeExchange(ex);
  }
}

/** `history --funding`: the funding payments of a perpetual over the last N days, merged into the cache. */
async function fundingHistoryCommand(flags: HistoryFlags): Promise<void> {
  if (flags.timeframe !== undefined) throw new UserError('--timeframe: not with --funding (funding is paid at the venue\'s own times)');
  let endMs: number | undefined;
  if (flags.end !== undefined) {
    endMs = Date.parse(flags.end);
    if (!Number.isFinite(endMs)) throw new UserError(`--end: expected an ISO-8601 time such as 2024-08-31T00:00:00Z, got '${flags.end}'`);
  }
  const exchangeUrl = exchangeUrlFrom(flags.exchangeUrl);
  const retry = retryPolicyFromEnv();
  const ex = await createExchange({ exchange: flags.exchange, ...(exchangeUrl ? { exchangeUrl } : {}), sandbox: flags.sandbox === true, perpetuals: true });
  const progress = flags.quiet ? silentProgress : streamProgress(process.stderr);
  try {
    await loadMarkets(ex, { retry });
    const r = await updateFundingHistory(ex, { symbol: flags.symbol, days: flags.days, ...(endMs !== undefined ? { endMs } : {}), cacheDir: flags.cacheDir ?? DEFAULT_HISTORY_DIR }, {
      retry,
      retryHooks: { onRetry: (f, n, ms) => progress.note('retry', { attempt: n, in_ms: Math.round(ms), kind: f.kind, message: f.message }) },
    });
    process.stdout.write(
      JSON.stringify({ cache: r.path, exchange: ex.id, symbol: r.symbol, funding: true, from_utc: isoOf(r.fromMs * 1000), to_utc: isoOf(r.toMs * 1000), rows: r.rows, new_rows: r.newRows, pages: r.pages }) + '\n',
    );
  } finally {
    await closeExchange(ex);
  }
}
