// The live-exchange port over ccxt (pro): lazy import, endpoints pointed at a URL when asked, loose objects parsed, errors classified.
import type { Side } from '../../market/index.js';
import { classifyCcxtError } from './errors.js';
import { createExchange, type CcxtExchange } from './exchange.js';
import {
  VenueFault,
  type LiveBalance,
  type LiveCapabilities,
  type LiveExchange,
  type LiveMarket,
  type LiveFunding,
  type LivePerpAccount,
  type LiveOrder,
  type LiveOrderStatus,
  type LiveTrade,
} from './live-types.js';

export interface LiveCcxtOptions {
  exchange: string;
  /** The markets traded include perpetuals (an endpoint override then lists the linear contracts too). */
  perpetuals?: boolean;
  apiKey: string;
  secret: string;
  /** Point REST and websocket endpoints at another host (testnet, proxy, local fake): `http://127.0.0.1:PORT`. */
  url?: string | undefined;
  sandbox?: boolean;
  /** Per-request timeout, ms. */
  timeoutMs?: number;
  /** ccxt's own rate limiter (default: on, except against an overridden URL). */
  rateLimit?: boolean;
}

/** Binance's recvWindow for our signed requests, ms. */
export const RECV_WINDOW_MS = 5_000;

/** The narrow slice of a ccxt exchange we call; everything it returns is parsed before it leaves this file. */
interface CcxtLike {
  id: string;
  has: Record<string, unknown>;
  features?: unknown;
  markets: Record<string, unknown> | undefined;
  loadMarkets(): Promise<unknown>;
  fetchBalance(): Promise<unknown>;
  fetchOrderBook(symbol: string, limit?: number): Promise<unknown>;
  createOrder(symbol: string, type: string, side: string, amount: number, price: number, params: Record<string, unknown>): Promise<unknown>;
  cancelOrder(id: string, symbol: string, params: Record<string, unknown>): Promise<unknown>;
  cancelAllOrders(symbol: string): Promise<unknown>;
  fetchOrder(id: string, symbol: string, params: Record<string, unknown>): Promise<unknown>;
  fetchOpenOrders(symbol: string): Promise<unknown>;
  fetchOrders(symbol: string, since?: number, limit?: number): Promise<unknown>;
  fetchMyTrades(symbol: string, since?: number, limit?: number): Promise<unknown>;
  watchOrders(symbol: string): Promise<unknown>;
  watchMyTrades(symbol: string): Promise<unknown>;
  /** ccxt pro's websocket clients by URL (a failed one is removed; a new one is open once `isConnected`). */
  clients?: Record<string, { isConnected?: boolean; futures?: Record<string, unknown> }>;
  fetchPositions?(symbols: string[]): Promise<unknown>;
  fetchPositionMode?(symbol: string): Promise<unknown>;
  fetchFundingHistory?(symbol: string, since?: number, limit?: number): Promise<unknown>;
  close(): Promise<unknown>;
}

/**
 * A ccxt pro exchange with the keys set (from the caller, who reads them from the environment; they
 * are never logged: ccxt sends them in headers and signatures only).
 */
export async function openLiveExchange(o: Readonly<LiveCcxtOptions>): Promise<LiveExchange> {
  const ex: CcxtExchange = await createExchange({
    exchange: o.exchange,
    ...(o.url !== undefined ? { exchangeUrl: o.url } : {}),
    ...(o.sandbox === true ? { sandbox: true } : {}),
    ...(o.perpetuals === true ? { perpetuals: true } : {}),
    websocket: true,
  });
  ex.apiKey = o.apiKey;
  ex.secret = o.secret;
  ex.timeout = o.timeoutMs ?? 10_000;
  ex.enableRateLimit = o.rateLimit ?? o.url === undefined;
  // A request older than recvWindow when it reaches Binance is refused: this bounds how late a create
  // whose answer was lost can still take effect (the settle window of the duplicate-order protocol).
  ex.options = { ...ex.options, warnOnFetchOpenOrdersWithoutSymbol: false, recvWindow: RECV_WINDOW_MS };
  markWsFuturesHandled(ex);
  unrefDelays(ex);
  return new CcxtLiveExchange(ex as unknown as CcxtLike);
}

/**
 * ccxt schedules chores with `delay` (Binance USD-M: the user stream's listenKey kept alive every 20
 * minutes). While a session runs, its own sockets and timers keep the process up and the chores run;
 * once it has closed they must not hold the process for the next 20 minutes: they are unref'd.
 */
function unrefDelays(ex: CcxtExchange): void {
  const target = ex as unknown as { delay?: (timeout: number, method: unknown, ...args: unknown[]) => void; spawn: (method: unknown, ...args: unknown[]) => unknown };
  if (typeof target.delay !== 'function') return;
  target.delay = function (this: typeof target, timeout: number, method: unknown, ...args: unknown[]): void {
    setTimeout(() => this.spawn(method, ...args), timeout).unref();
  };
}

interface WsClientLike {
  future(hash: string): Promise<unknown>;
  mmHandled?: boolean;
}

/**
 * ccxt pro creates some websocket futures that nobody awaits (Binance's user-stream subscription creates
 * one "ahead of the request"); when the connection fails they reject unhandled, and Node ends the process
 * on an unhandled rejection — with our orders resting. Every future of our clients gets a no-op handler:
 * whoever awaits one still sees its failure, and the stream loops account for it within their budget.
 */
function markWsFuturesHandled(ex: CcxtExchange): void {
  const target = ex as unknown as { client?: (url: string) => WsClientLike };
  const clientOf = target.client;
  if (typeof clientOf !== 'function') return;
  target.client = function (this: unknown, url: string): WsClientLike {
    const c = clientOf.call(this, url);
    if (c.mmHandled !== true) {
      const future = c.future.bind(c);
      c.future = (hash: string) => {
        const f = future(hash);
        f.catch(() => {});
        return f;
      };
      c.mmHandled = true;
    }
    return c;
  };
}

class CcxtLiveExchange implements LiveExchange {
  readonly capabilities: LiveCapabilities;
  private marketsLoaded: Promise<unknown> | undefined;

  constructor(private readonly ex: CcxtLike) {
    const has = (k: string): boolean => ex.has[k] === true || ex.has[k] === 'emulated';
    this.capabilities = {
      postOnly: has('createPostOnlyOrder'),
      cancelAll: has('cancelAllOrders'),
      fetchOrder: has('fetchOrder'),
      fetchOrders: has('fetchOrders'),
      fetchOpenOrders: has('fetchOpenOrders'),
      fetchMyTrades: has('fetchMyTrades'),
      watchOrders: has('watchOrders'),
      watchMyTrades: has('watchMyTrades'),
      ioc: iocFeature(ex.features),
    };
  }

  get id(): string {
    return this.ex.id;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      this.marketsLoaded ??= this.ex.loadMarkets();
      await this.marketsLoaded;
      return await fn();
    } catch (e) {
      if (e instanceof VenueFault) throw e;
      if (this.marketsLoaded !== undefined && this.ex.markets === undefined) this.marketsLoaded = undefined;
      throw classify(what, e);
    }
  }

  async market(symbol: string): Promise<LiveMarket> {
    return this.call('market', async () => {
      const m = rec(this.ex.markets?.[symbol]);
      if (m === undefined) throw new VenueFault('rejected', `symbol ${symbol} is not listed on ${this.ex.id}`);
      const precision = rec(m['precision']) ?? {};
      const limits = rec(m['limits']) ?? {};
      const amountLimits = rec(limits['amount']) ?? {};
      const costLimits = rec(limits['cost']) ?? {};
      const lot = num(precision['amount']);
      return {
        symbol,
        base: str(m['base']) ?? '',
        quote: str(m['quote']) ?? '',
        active: m['active'] !== false,
        tickSize: num(precision['price']),
        lotSize: lot,
        minQty: Math.max(num(amountLimits['min']) || 0, lot || 0),
        minNotional: num(costLimits['min']) || 0,
      };
    });
  }

  /** Position mode and the symbol's position (margin mode, net contracts) through ccxt's fetchPositionMode and fetchPositions. */
  async perpAccount(symbol: string): Promise<LivePerpAccount> {
    return this.call('positions', async () => {
      const ex = this.ex;
      if (typeof ex.fetchPositions !== 'function' || ex.has['fetchPositions'] !== true)
        throw new VenueFault('rejected', `${ex.id} lists no positions in ccxt: a perpetual's margin and position mode cannot be checked`);
      await (this.marketsLoaded ??= ex.loadMarkets());
      const mode = typeof ex.fetchPositionMode === 'function' && ex.has['fetchPositionMode'] === true ? rec(await ex.fetchPositionMode(symbol)) : undefined;
      const list = await ex.fetchPositions([symbol]);
      const mine = (Array.isArray(list) ? list : []).map((x) => rec(x) ?? {}).filter((x) => x['symbol'] === symbol);
      let position = 0;
      let marginMode: string | undefined;
      let leverage: number | undefined;
      for (const x of mine) {
        const contracts = num(x['contracts']) || 0;
        position += x['side'] === 'short' ? -contracts : contracts;
        marginMode ??= str(x['marginMode']);
        const lev = num(x['leverage']);
        if (lev > 0) leverage ??= lev;
      }
      const hedged = mode?.['hedged'];
      return { hedged: typeof hedged === 'boolean' ? hedged : mine.some((x) => x['hedged'] === true) ? true : undefined, marginMode, position, leverage };
    });
  }

  /**
   * The account's funding payments on `symbol` since `sinceMs` through ccxt's fetchFundingHistory
   * (binanceusdm: GET /fapi/v1/income, incomeType FUNDING_FEE), paged by time until a page is short.
   */
  async fundingPayments(symbol: string, sinceMs: number): Promise<LiveFunding[]> {
    return this.call('fetchFundingHistory', async () => {
      const ex = this.ex;
      if (typeof ex.fetchFundingHistory !== 'function' || ex.has['fetchFundingHistory'] !== true)
        throw new VenueFault('rejected', `${ex.id} lists no funding history in ccxt: the exchange's funding payments cannot be read`);
      const out: LiveFunding[] = [];
      const seen = new Set<string>();
      let since = sinceMs;
      for (let page = 0; page < 100; page++) {
        const rows = list(await ex.fetchFundingHistory(symbol, since, FUNDING_PAGE)).map(parseLiveFunding);
        let last = since;
        for (const f of rows) {
          const key = `${f.id}@${f.ts}`;
          if (seen.has(key)) continue;
          seen.add(key);
          out.push(f);
          if (f.ts / 1000 > last) last = f.ts / 1000;
        }
        if (rows.length < FUNDING_PAGE || last === since) break;
        since = last;
      }
      return out.sort((a, b) => a.ts - b.ts);
    });
  }

  async bidAsk(symbol: string): Promise<{ bid: number; ask: number }> {
    return this.call('fetchOrderBook', async () => {
      const book = rec(await this.ex.fetchOrderBook(symbol, 5)) ?? {};
      const top = (side: unknown): number => num(Array.isArray(side) && Array.isArray(side[0]) ? side[0][0] : undefined);
      return { bid: top(book['bids']), ask: top(book['asks']) };
    });
  }

  async balances(): Promise<Record<string, LiveBalance>> {
    return this.call('fetchBalance', async () => {
      const b = rec(await this.ex.fetchBalance()) ?? {};
      const free = rec(b['free']) ?? {};
      const used = rec(b['used']) ?? {};
      const total = rec(b['total']) ?? {};
      const out: Record<string, LiveBalance> = {};
      for (const asset of Object.keys(total)) out[asset] = { free: num(free[asset]) || 0, used: num(used[asset]) || 0, total: num(total[asset]) || 0 };
      return out;
    });
  }

  async createPostOnly(symbol: string, side: Side, qty: number, price: number, clientOrderId: string): Promise<LiveOrder> {
    return this.call('createOrder', async () =>
      parseLiveOrder(await this.ex.createOrder(symbol, 'limit', side > 0 ? 'buy' : 'sell', qty, price, { postOnly: true, clientOrderId })),
    );
  }

  async createIoc(symbol: string, side: Side, qty: number, price: number, clientOrderId: string): Promise<LiveOrder> {
    return this.call('createOrder', async () =>
      parseLiveOrder(await this.ex.createOrder(symbol, 'limit', side > 0 ? 'buy' : 'sell', qty, price, { timeInForce: 'IOC', clientOrderId })),
    );
  }

  async cancel(symbol: string, clientOrderId: string): Promise<LiveOrder | undefined> {
    return this.notFoundAsUndefined('cancelOrder', async () => parseLiveOrder(await this.ex.cancelOrder('', symbol, { clientOrderId })));
  }

  async cancelAll(symbol: string): Promise<void> {
    await this.notFoundAsUndefined('cancelAllOrders', () => this.ex.cancelAllOrders(symbol));
  }

  async orderByClientId(symbol: string, clientOrderId: string): Promise<LiveOrder | undefined> {
    return this.notFoundAsUndefined('fetchOrder', async () => parseLiveOrder(await this.ex.fetchOrder('', symbol, { clientOrderId })));
  }

  async orderById(symbol: string, orderId: string): Promise<LiveOrder | undefined> {
    return this.notFoundAsUndefined('fetchOrder', async () => parseLiveOrder(await this.ex.fetchOrder(orderId, symbol, {})));
  }

  async ordersSince(symbol: string, sinceMs: number): Promise<LiveOrder[]> {
    return this.call('fetchOrders', async () => list(await this.ex.fetchOrders(symbol, sinceMs, 1000)).map(parseLiveOrder));
  }

  async openOrders(symbol: string): Promise<LiveOrder[]> {
    return this.call('fetchOpenOrders', async () => list(await this.ex.fetchOpenOrders(symbol)).map(parseLiveOrder));
  }

  async myTrades(symbol: string, sinceMs: number | undefined): Promise<LiveTrade[]> {
    return this.call('fetchMyTrades', async () => list(await this.ex.fetchMyTrades(symbol, sinceMs, 1000)).map((t) => parseLiveTrade(t)));
  }

  async watchOrders(symbol: string): Promise<LiveOrder[]> {
    return this.call('watchOrders', async () => list(await this.ex.watchOrders(symbol)).map(parseLiveOrder));
  }

  async watchMyTrades(symbol: string): Promise<LiveTrade[]> {
    return this.call('watchMyTrades', async () => list(await this.ex.watchMyTrades(symbol)).map((t) => parseLiveTrade(t)));
  }

  /**
   * Every websocket of this client open and subscribed (it opens no public stream: each is a private one);
   * none at all is not open. ccxt files other things among its clients too: binanceusdm's
   * `authenticationFlights` is the listen-key fetch's bookkeeping, never dialled, so only websocket URLs
   * count. A socket whose user-data subscription is not answered yet (Binance spot subscribes on the ws-api
   * socket, `userDataStream.subscribe.signature`; ccxt holds the future `authenticate:…` until the answer) is
   * not open either: the socket is up, but no order update can come through it.
   */
  privateStreamOpen(): boolean {
    const sockets = Object.entries(this.ex.clients ?? {}).filter(([url]) => /^wss?:\/\//.test(url));
    return sockets.length > 0 && sockets.every(([, c]) => c.isConnected === true && !Object.keys(c.futures ?? {}).some((k) => k.startsWith('authenticate')));
  }

  async close(): Promise<void> {
    try {
      await this.ex.close();
    } catch {
      // Closing a socket that is already gone is not a fault.
    }
  }

  private async notFoundAsUndefined<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.call(what, fn);
    } catch (e) {
      if (e instanceof VenueFault && /order ?not ?found|unknown order|does not exist/i.test(e.message)) return undefined;
      throw e;
    }
  }
}

/** ccxt's error tree (classified by the boundary) → a VenueFault; Binance codes ccxt leaves generic on a loopback host are refined. */
function classify(what: string, e: unknown): VenueFault {
  const f = classifyCcxtError(e);
  const text = `${what}: ${f.kind}: ${f.message}`;
  if (f.kind === 'OrderNotFound' || /"code":-2013|"code":-2011|Order does not exist|Unknown order sent/.test(f.message))
    return new VenueFault('rejected', `order not found (${text})`);
  if (/"code":-1022|"code":-2015|"code":-2014/.test(f.message)) return new VenueFault('fatal', text);
  if (/"code":-1003/.test(f.message)) return new VenueFault('transient', text, true);
  return new VenueFault(f.fault, text, f.rateLimited);
}

/**
 * Whether ccxt says the exchange takes immediate-or-cancel limit orders: `features` (resolved per market
 * type) of spot or linear swaps, createOrder's timeInForce IOC.
 */
function iocFeature(features: unknown): boolean {
  const f = rec(features);
  const ioc = (x: unknown): boolean => rec(rec(rec(x)?.['createOrder'])?.['timeInForce'])?.['IOC'] === true;
  return ioc(f?.['spot']) || ioc(rec(f?.['swap'])?.['linear']);
}

// Parsing at the edge.

function rec(x: unknown): Record<string, unknown> | undefined {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
}
function list(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}
function str(x: unknown): string | undefined {
  return typeof x === 'string' && x !== '' ? x : typeof x === 'number' ? String(x) : undefined;
}
function num(x: unknown): number {
  const v = typeof x === 'number' ? x : typeof x === 'string' && x.trim() !== '' ? Number(x) : Number.NaN;
  return Number.isFinite(v) ? v : Number.NaN;
}
function sideOf(x: unknown): Side {
  if (x === 'buy') return 1;
  if (x === 'sell') return -1;
  throw new VenueFault('fatal', `unexpected order side ${JSON.stringify(x)}`);
}

const STATUS: Readonly<Record<string, LiveOrderStatus>> = { open: 'open', closed: 'closed', canceled: 'canceled', cancelled: 'canceled', rejected: 'rejected', expired: 'expired' };

export function parseLiveOrder(x: unknown): LiveOrder {
  const o = rec(x);
  const id = str(o?.['id']);
  if (o === undefined || id === undefined) throw new VenueFault('fatal', 'order without id in exchange response');
  const amount = num(o['amount']);
  const filled = num(o['filled']) || 0;
  let status = STATUS[str(o['status']) ?? ''] ?? 'open';
  if (status === 'open' && amount > 0 && filled >= amount - 1e-12) status = 'closed';
  return { id, clientOrderId: str(o['clientOrderId']), side: sideOf(o['side']), price: num(o['price']), amount, filled, status };
}

/** Funding records per page (Binance's income endpoint returns at most 1000). */
const FUNDING_PAGE = 1000;

/** One of ccxt's funding history entries (`{ id, timestamp, amount, code, info }`). */
export function parseLiveFunding(x: unknown): LiveFunding {
  const f = rec(x);
  const id = str(f?.['id']);
  const ts = num(f?.['timestamp']);
  const amount = num(f?.['amount']);
  if (f === undefined || id === undefined || !Number.isFinite(ts) || !Number.isFinite(amount)) throw new VenueFault('fatal', 'funding payment without id, time or amount in exchange response');
  return { id, ts: ts * 1000, amount, asset: str(f['code']) ?? '' };
}

export function parseLiveTrade(x: unknown): LiveTrade {
  const t = rec(x);
  const id = str(t?.['id']);
  const orderId = str(t?.['order']);
  if (t === undefined || id === undefined || orderId === undefined) throw new VenueFault('fatal', 'trade without id or order id in exchange response');
  const price = num(t['price']);
  const qty = num(t['amount']);
  const fee = rec(t['fee']);
  const feeCost = num(fee?.['cost']) || 0;
  const feeCurrency = str(fee?.['currency']);
  const symbol = str(t['symbol']) ?? '';
  const [base] = symbol.split('/');
  // Fees are kept in the quote currency; a base-currency fee is valued at the fill price. A fee in a
  // third currency (e.g. BNB) has no price here: it is left out of the cash (and said so in the docs).
  const [, quote] = symbol.split(/[/:]/);
  const inBase = feeCurrency !== undefined && feeCurrency === base;
  const feeQuote = feeCurrency === undefined || feeCurrency === quote ? feeCost : inBase ? feeCost * price : 0;
  return {
    id,
    orderId,
    side: sideOf(t['side']),
    price,
    qty,
    fee: feeQuote,
    feeBase: inBase ? feeCost : 0,
    liquidity: t['takerOrMaker'] === 'taker' ? 'taker' : 'maker',
    ts: (num(t['timestamp']) || Date.now()) * 1000,
  };
}
