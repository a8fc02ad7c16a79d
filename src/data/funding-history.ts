// Funding-rate history of a perpetual through ccxt, cached beside the klines as `funding.csv` (ts,rate) for `market.funding.path`.
import { existsSync } from 'node:fs';
import { UserError, writeFileAtomic } from '../core/index.js';
import { DEFAULT_RETRY, marketData, resolveSymbol, withRetry, type CcxtExchange, type RetryHooks, type RetryPolicy } from '../venues/index.js';
import { checkDays, historyPath, DEFAULT_HISTORY_DIR } from './history.js';
import { fundingCsv, loadFundingSeries } from './funding-file.js';

const DAY_MS = 86_400_000;
// Binance's fundingRate endpoint returns at most 1000 rows a request.
const PAGE = 1000;

export interface FundingHistorySpec {
  symbol: string;
  days: number;
  /** End of the wanted range (inclusive), epoch ms; default now. */
  endMs?: number;
  cacheDir?: string;
}

export interface FundingHistoryResult {
  path: string;
  symbol: string;
  fromMs: number;
  toMs: number;
  /** Payments of the wanted range in the cache after the call. */
  rows: number;
  newRows: number;
  pages: number;
}

/**
 * Fetch the funding payments of the last `days` (paged, oldest first) and merge them into
 * `<cache>/<exchange>/<BASE-QUOTE-SETTLE>/funding.csv`. An exchange without a funding history in ccxt,
 * or a symbol that is not a perpetual, is one line (exit 2).
 */
export async function updateFundingHistory(ex: CcxtExchange, spec: FundingHistorySpec, options: { retry?: RetryPolicy; retryHooks?: RetryHooks; onPage?: (info: { page: number; sinceMs: number; rows: number }) => void } = {}): Promise<FundingHistoryResult> {
  const md = marketData(ex);
  checkDays(spec.days);
  if (!md.fundingHistory) throw new UserError(`--funding: ${md.id} has no funding-rate history in ccxt`);
  const symbol = resolveSymbol(ex, spec.symbol);
  if (md.perpetual(symbol) === false) throw new UserError(`--symbol: ${symbol} is not a perpetual (funding is paid on perpetuals, e.g. BTC/USDT:USDT)`);
  const toMs = spec.endMs ?? Date.now();
  const fromMs = toMs - Math.round(spec.days * DAY_MS);
  const path = historyPath(spec.cacheDir ?? DEFAULT_HISTORY_DIR, md.id, symbol, 'funding');
  const rows = new Map<number, number>();
  if (existsSync(path)) {
    const s = loadFundingSeries(path, `${path}`);
    for (let i = 0; i < s.ts.length; i++) rows.set(s.ts[i]! / 1000, s.rate[i]!);
  }
  const before = rows.size;
  const policy = options.retry ?? DEFAULT_RETRY;
  let pages = 0;
  let since = fromMs;
  while (since <= toMs) {
    const page = await withRetry(`${md.id} ${symbol} funding from ${new Date(since).toISOString()}`, () => md.fundingRates(symbol, since, PAGE, toMs), policy, options.retryHooks);
    pages++;
    const inRange = page.filter((r) => r.ts >= since && r.ts <= toMs);
    for (const r of inRange) rows.set(r.ts, r.rate);
    options.onPage?.({ page: pages, sinceMs: since, rows: inRange.length });
    if (inRange.length === 0) break;
    since = inRange[inRange.length - 1]!.ts + 1;
  }
  const all = [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([ts, rate]) => ({ ts, rate }));
  if (all.length === 0) throw new UserError(`--symbol: ${md.id} returned no funding payments for ${symbol} from ${new Date(fromMs).toISOString()} to ${new Date(toMs).toISOString()}`);
  if (rows.size !== before || !existsSync(path)) writeFileAtomic(path, fundingCsv(all));
  return { path, symbol, fromMs, toMs, rows: all.filter((r) => r.ts >= fromMs && r.ts <= toMs).length, newRows: rows.size - before, pages };
}
