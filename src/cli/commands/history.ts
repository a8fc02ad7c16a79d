// `marketmakerl history`: bring the local kline cache (data/history/) up to date for the last N days, reporting gaps.
import { isoOf } from '../../core/index.js';
import { checkDays, updateHistory, DEFAULT_HISTORY_DIR } from '../../data/index.js';
import { closeExchange, createExchange, exchangeUrlFrom, loadMarkets, retryPolicyFromEnv } from '../../venues/index.js';
import { UserError } from '../../core/index.js';

export interface HistoryFlags {
  exchange: string;
  symbol: string;
  timeframe: string;
  days: number;
  end?: string;
  cacheDir?: string;
  exchangeUrl?: string;
  sandbox?: boolean;
  quiet?: boolean;
}

export async function historyCommand(flags: HistoryFlags): Promise<void> {
  checkDays(flags.days);
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
  try {
    await loadMarkets(ex, { retry });
    const r = await updateHistory(
      ex,
      { exchange: ex.id, symbol: flags.symbol, timeframe: flags.timeframe, days: flags.days, ...(endMs !== undefined ? { endMs } : {}), cacheDir: flags.cacheDir ?? DEFAULT_HISTORY_DIR },
      {
        retry,
        retryHooks: { onRetry: (f, n, ms) => process.stderr.write(`retry ${n} in ${Math.round(ms)} ms: ${f.kind}: ${f.message}\n`) },
      },
    );
    for (const g of r.gaps.slice(0, 20)) {
      process.stderr.write(`warning: gap of ${g.bars} bar(s) from ${isoOf(g.fromMs * 1000)} to ${isoOf(g.toMs * 1000)}\n`);
    }
    if (r.gaps.length > 20) process.stderr.write(`warning: ${r.gaps.length - 20} more gaps\n`);
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
