// Creating a ccxt exchange (loaded lazily): id checks with suggestions, endpoint override, sandbox, markets, symbols, timeframes.
import type { Exchange } from 'ccxt';
import { UserError } from '../../core/index.js';
import { closeNames } from '../../core/index.js';
import { withRetry, DEFAULT_RETRY, type RetryPolicy, type RetryHooks } from './retry.js';
import { rewriteUrls } from './urls.js';

export type CcxtExchange = Exchange;

export interface ExchangeSpec {
  /** ccxt id, e.g. `binance`. */
  exchange: string;
  /** Point every REST and websocket endpoint at this base URL (a proxy, a testnet, a local fake). */
  exchangeUrl?: string;
  /** Use the exchange's own testnet. */
  sandbox?: boolean;
  /** Websocket methods (ccxt pro) are needed. */
  websocket?: boolean;
  /** With `exchangeUrl`: list the venue's linear perpetuals too (a loopback or proxy lists spot only by default). */
  perpetuals?: boolean;
  retry?: RetryPolicy;
  retryHooks?: RetryHooks;
}

/** Environment variable with the same meaning as `--exchange-url`. */
export const EXCHANGE_URL_ENV = 'MARKETMAKERL_EXCHANGE_URL';

/** `--exchange-url`, else MARKETMAKERL_EXCHANGE_URL, else none. Validated. */
export function exchangeUrlFrom(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = flag ?? env[EXCHANGE_URL_ENV];
  if (v === undefined || v === '') return undefined;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new UserError(`--exchange-url: expected an http(s):// or ws(s):// URL, got '${v}'`);
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol)) throw new UserError(`--exchange-url: expected an http(s):// or ws(s):// URL, got '${v}'`);
  return v.replace(/\/+$/, '');
}

type CcxtModule = typeof import('ccxt').default;
let ccxtModule: CcxtModule | null = null;

/** ccxt itself, imported on first use (it takes most of a second to load). */
export async function loadCcxt(): Promise<CcxtModule> {
  if (ccxtModule) return ccxtModule;
  const mod = await import('ccxt');
  ccxtModule = mod.default;
  return ccxtModule;
}

/** A ccxt exchange for the spec; unknown ids are a UserError with close names. Markets are not loaded yet. */
export async function createExchange(spec: ExchangeSpec): Promise<CcxtExchange> {
  const ccxt = await loadCcxt();
  const id = spec.exchange.trim();
  const proIds = (ccxt.pro as unknown as { exchanges?: string[] }).exchanges ?? Object.keys(ccxt.pro);
  const ids = spec.websocket ? proIds : ccxt.exchanges;
  if (!ids.includes(id)) {
    const close = closeNames(id, ccxt.exchanges);
    const hint = close.length > 0 ? `; did you mean ${close.join(', ')}?` : '';
    const wsOnly = spec.websocket && ccxt.exchanges.includes(id) ? ` ('${id}' has no websocket support in ccxt)` : '';
    throw new UserError(`--exchange: unknown exchange '${id}'${wsOnly}${hint}`);
  }
  const registry = (spec.websocket ? ccxt.pro : ccxt) as unknown as Record<string, new (config: Record<string, unknown>) => CcxtExchange>;
  const Ctor = registry[id];
  if (!Ctor) throw new UserError(`--exchange: unknown exchange '${id}'`);
  // A loopback endpoint (a local fake) needs no throttling; a proxy or testnet keeps ccxt's rate limiter.
  const loopback = spec.exchangeUrl !== undefined && ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(spec.exchangeUrl).hostname);
  const config: Record<string, unknown> = { enableRateLimit: !loopback, timeout: 10_000 };
  if (spec.exchangeUrl !== undefined) {
    // What a loopback or proxy endpoint serves: public spot endpoints, no currency or margin listings.
    config['options'] = { fetchMarkets: { types: spec.perpetuals ? ['spot', 'linear'] : ['spot'] }, fetchCurrencies: false, fetchMargins: false };
  }
  const ex = new Ctor(config);
  if (spec.sandbox) {
    // Some exchanges list a `test` key with no URLs behind it: that is no testnet either.
    const test = (ex.urls as Record<string, unknown>)['test'];
    if (test === undefined || test === null) throw new UserError(`--sandbox: ${id} has no testnet in ccxt`);
    try {
      ex.setSandboxMode(true);
    } catch {
      throw new UserError(`--sandbox: ${id} has no testnet in ccxt`);
    }
  }
  if (spec.exchangeUrl !== undefined) {
    ex.urls['api'] = rewriteUrls(ex.urls['api'], spec.exchangeUrl) as typeof ex.urls['api'];
    if (spec.websocket) await ex.loadHttpProxyAgent();
  }
  return ex;
}

/** Load markets with retries; a network that stays down is a NetworkFault. */
export async function loadMarkets(ex: CcxtExchange, spec: Pick<ExchangeSpec, 'retry' | 'retryHooks'> = {}): Promise<void> {
  await withRetry(`${ex.id}: loading markets`, () => ex.loadMarkets(), spec.retry ?? DEFAULT_RETRY, spec.retryHooks);
}

/** The unified symbol for user input (`BTC/USDT`, `btc/usdt`, or the venue id `BTCUSDT`); unknown ones are a UserError with close names. */
export function resolveSymbol(ex: CcxtExchange, input: string): string {
  const s = input.trim();
  const markets = ex.markets ?? {};
  if (markets[s]) return s;
  const upper = s.toUpperCase();
  if (markets[upper]) return upper;
  const byId = ex.markets_by_id?.[s] ?? ex.markets_by_id?.[upper];
  const first = Array.isArray(byId) ? byId[0] : undefined;
  if (first?.symbol) return first.symbol;
  const symbols = Object.keys(markets);
  const close = closeNames(upper, symbols);
  const hint = close.length > 0 ? `; close names: ${close.join(', ')}` : '';
  throw new UserError(`--symbol: ${ex.id} does not list '${input}'${hint}`);
}

/** Check a timeframe against the exchange's list; unsupported ones are a UserError listing those it has. */
export function checkTimeframe(ex: CcxtExchange, timeframe: string): string {
  const tfs = Object.keys(ex.timeframes ?? {});
  if (tfs.length === 0) throw new UserError(`--timeframe: ${ex.id} does not serve klines (OHLCV) through ccxt`);
  if (!tfs.includes(timeframe)) throw new UserError(`--timeframe: ${ex.id} does not support '${timeframe}'; supported: ${tfs.join(', ')}`);
  return timeframe;
}

/** Close the exchange's websocket connections, if any. */
export async function closeExchange(ex: CcxtExchange): Promise<void> {
  const closable = ex as unknown as { close?: () => Promise<void> };
  if (typeof closable.close === 'function') {
    try {
      await closable.close();
    } catch {
      // closing is best effort
    }
  }
}

/** The market's mid (or last price) now, with retries: what sizes a run's orders before its first book arrives. */
export async function fetchReferencePrice(ex: CcxtExchange, symbol: string, spec: Pick<ExchangeSpec, 'retry' | 'retryHooks'> = {}): Promise<number> {
  const t = await withRetry(`${ex.id}: ticker of ${symbol}`, () => ex.fetchTicker(symbol), spec.retry ?? DEFAULT_RETRY, spec.retryHooks);
  const bid = Number(t.bid);
  const ask = Number(t.ask);
  if (bid > 0 && ask > 0) return (bid + ask) / 2;
  const last = Number(t.last ?? t.close);
  if (last > 0) return last;
  throw new UserError(`--symbol: ${ex.id} gives no price for ${symbol}`);
}

/**
 * Local clock minus the exchange's (its REST server time), ms, corrected by half the round trip; the
 * iteration lines carry the feed's own receive-minus-exchange time (delay plus skew) as it goes.
 */
export async function measureClockSkew(ex: CcxtExchange): Promise<Record<string, unknown>> {
  try {
    const t0 = Date.now();
    const server = await ex.fetchTime();
    const t1 = Date.now();
    if (typeof server !== 'number' || !Number.isFinite(server)) return { available: false };
    return { available: true, local_minus_exchange_ms: Math.round((t0 + t1) / 2 - server), round_trip_ms: t1 - t0 };
  } catch (e) {
    return { available: false, reason: (e as Error).message.split('\n')[0] };
  }
}
