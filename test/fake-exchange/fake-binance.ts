// A fake Binance on 127.0.0.1: spot (and, with `usdm`, the USD-M perpetual) REST and websocket streams replaying real captured data, with fault-injection hooks.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { captureData, klineRows, type FakeVenue, type KlineRow } from './market-data.js';
import { VenueReplay, type Replica, type StreamHub } from './streams.js';
import { DEFAULT_SYMBOLS, exchangeInfo, futuresExchangeInfo, type FakeSymbol } from './exchange-info.js';

/** A logged request. */
export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
}

/** Makes the next `times` requests whose path starts with `path` fail. */
export interface RestFault {
  path: string;
  times: number;
  /** HTTP status to answer with (e.g. 429, 418, 500, 503); ignored when `reset`. */
  status?: number;
  /** Response body (default: a Binance-style error). */
  body?: unknown;
  /** Destroy the socket without answering (a network error for the client). */
  reset?: boolean;
  /** Sent as Retry-After with 429/418. */
  retryAfterSeconds?: number;
}

export type RouteHandler = (req: IncomingMessage, query: Record<string, string>, body: string) => { status: number; body: unknown } | Promise<{ status: number; body: unknown }>;

export interface FakeBinanceOptions {
  /** Milliseconds between replayed depth messages (the capture's 100 ms, sped up). Default 10. */
  stepMs?: number;
  /** Start replaying at once (default) or only after `resume()`. */
  autoStart?: boolean;
  symbols?: readonly FakeSymbol[];
  /**
   * More replayed markets: each replays the BTCUSDT capture under its own symbol with every price × `priceFactor`
   * and every quantity ÷ it (tick and lot scaled alike, so the book maps level for level): a second market
   * with its own book, trades and stream, e.g. `{ symbol: 'ETHUSDT', priceFactor: 0.05 }`.
   */
  replicas?: readonly Replica[];
  /**
   * Also replay the USD-M BTCUSDT perpetual capture of the same minutes, kept level with spot by exchange time, on the
   * futures endpoints: websocket streams at `/public/ws` and `/public/stream` (where ccxt's binanceusdm
   * connects for depth, trade and bookTicker) and REST under `/fapi/v1` (depth with `lastUpdateId`, `E`,
   * `T`; trades; bookTicker).
   */
  usdm?: boolean;
}

export type { Replica };

const CAPTURED_SYMBOL = 'BTCUSDT';

/** Binance's REST error body and status for an unknown symbol. */
const INVALID_SYMBOL = { status: 400, body: { code: -1121, msg: 'Invalid symbol.' } };

export class FakeBinance {
  readonly requests: FakeRequest[] = [];
  /** Kline ranges [fromMs, toMs) left out of kline answers, to create gaps. */
  readonly klineGaps: [number, number][] = [];
  /** The spot capture's replay: its book, its streams (`/ws`, `/stream`). */
  readonly spot: VenueReplay;
  /** The USD-M perpetual's replay (`usdm: true`): its book, its streams (`/public/ws`, `/public/stream`). */
  readonly usdm: VenueReplay | undefined;
  private readonly faults: RestFault[] = [];
  private readonly routes = new Map<string, RouteHandler>();
  private readonly symbols: readonly FakeSymbol[];
  /** Symbols whose streams are silent (their books and trades still move): a stalled feed of one market. */
  private readonly muted = new Set<string>();
  private server: Server | null = null;
  private wss: WebSocketServer | null = null;
  private readonly sockets = new Set<Socket>();
  private timer: NodeJS.Timeout | null = null;
  private stepMs: number;
  private readonly autoStart: boolean;
  private port = 0;

  constructor(options: FakeBinanceOptions = {}) {
    const replicas = options.replicas ?? [];
    const base = options.symbols ?? DEFAULT_SYMBOLS;
    const btc = base.find((x) => x.symbol === CAPTURED_SYMBOL) ?? DEFAULT_SYMBOLS[0]!;
    const scaled = replicas.map((r): FakeSymbol => {
      const known = base.find((x) => x.symbol === r.symbol);
      return {
        symbol: r.symbol,
        base: known?.base ?? r.symbol.replace(/USDT$/, ''),
        quote: known?.quote ?? 'USDT',
        tickSize: (Number(btc.tickSize) * r.priceFactor).toFixed(8),
        stepSize: (Number(btc.stepSize) / r.priceFactor).toFixed(8),
      };
    });
    this.symbols = [...base.filter((x) => !replicas.some((r) => r.symbol === x.symbol)), ...scaled];
    this.stepMs = options.stepMs ?? 10;
    this.autoStart = options.autoStart ?? true;
    this.spot = new VenueReplay(captureData('spot'), replicas, this.muted);
    this.usdm = options.usdm === true ? new VenueReplay(captureData('usdm'), [], this.muted) : undefined;
  }

  /** Spot messages sent, and dropped by `dropDepth`. */
  get sent(): VenueReplay['sent'] {
    return this.spot.sent;
  }

  /** Base URL (http://127.0.0.1:PORT) once started. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => void this.onRequest(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    const wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req, socket, head) => {
      const hub = this.hubOf(req.url ?? '/');
      if (hub === undefined) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => hub.attach(ws, req.url ?? '/ws'));
    });
    this.server = server;
    this.wss = wss;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    if (this.autoStart) this.resume();
    return this.url;
  }

  /** The stream endpoint of a websocket path: spot `/ws`, `/stream`; USD-M `/public/…` and `/market/…` (ccxt's futures categories). */
  private hubOf(url: string): StreamHub | undefined {
    if (/^\/(public|market)\/(ws|stream)\b/.test(url)) return this.usdm?.hub;
    if (/^\/(ws|stream)\b/.test(url)) return this.spot.hub;
    return undefined;
  }

  private replays(): VenueReplay[] {
    return this.usdm === undefined ? [this.spot] : [this.spot, this.usdm];
  }

  async stop(): Promise<void> {
    this.pause();
    for (const r of this.replays()) r.hub.terminateAll();
    this.wss?.close();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  // ---- fault injection and control -------------------------------------------------------

  /** Queue a REST fault. */
  failRest(fault: RestFault): void {
    this.faults.push({ ...fault });
  }

  /** Drop every queued REST fault. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Skip sending the next `n` depth messages of a venue (the fake's own book still applies them): a sequence gap for clients. */
  dropDepth(n = 1, venue: FakeVenue = 'spot'): void {
    const r = venue === 'spot' ? this.spot : this.usdm;
    if (r === undefined) throw new Error('this fake replays no USD-M capture (start it with usdm: true)');
    r.dropDepth(n);
  }

  /** Silence (or restore) one symbol's depth and trade streams; the replay goes on underneath. */
  mute(symbol: string, on = true): void {
    if (on) this.muted.add(symbol);
    else this.muted.delete(symbol);
  }

  /** Close every websocket connection abruptly, as a network drop would. */
  disconnectWebsockets(): void {
    for (const r of this.replays()) {
      r.sent.disconnects++;
      r.hub.terminateAll();
    }
  }

  /** Add or replace a REST route (e.g. private endpoints in later tests): key `GET /api/v3/order`. */
  route(methodAndPath: string, handler: RouteHandler): void {
    this.routes.set(methodAndPath, handler);
  }

  pause(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  resume(stepMs = this.stepMs): void {
    this.pause();
    this.stepMs = stepMs;
    this.timer = setInterval(() => this.step(), this.stepMs);
    this.timer.unref();
  }

  /** Advance the replay by `n` spot depth messages now (for deterministic tests). */
  advance(n = 1): void {
    for (let i = 0; i < n; i++) this.step();
  }

  /** Number of websocket clients connected. */
  get websocketClients(): number {
    return this.replays().reduce((n, r) => n + r.hub.size, 0);
  }

  /** Current spot book update id (what a REST snapshot reports). */
  get updateId(): number {
    return this.spot.lastUpdateId;
  }

  // ---- replay --------------------------------------------------------------------------

  /** One spot depth message; the USD-M replay follows up to the same exchange time (alone once spot has ended). */
  private step(): void {
    const spotMoved = this.spot.step();
    const u = this.usdm;
    let usdmMoved = false;
    if (u !== undefined) {
      const until = spotMoved ? this.spot.nowMs() : Infinity;
      while (!u.done && (u.data.depth[u.pos]!.E <= until || !spotMoved)) {
        usdmMoved = u.step() || usdmMoved;
        if (!spotMoved) break;
      }
    }
    if (!spotMoved && !usdmMoved) this.pause();
  }

  // ---- REST ----------------------------------------------------------------------------

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = Object.fromEntries(u.searchParams) as Record<string, string>;
    const path = u.pathname;
    this.requests.push({ method: req.method ?? 'GET', path, query });
    let body = '';
    for await (const chunk of req) body += String(chunk);

    const faultIdx = this.faults.findIndex((f) => path.startsWith(f.path) && f.times > 0);
    if (faultIdx >= 0) {
      const f = this.faults[faultIdx]!;
      f.times--;
      if (f.times <= 0) this.faults.splice(faultIdx, 1);
      if (f.reset) {
        req.socket.destroy();
        return;
      }
      const status = f.status ?? 500;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (f.retryAfterSeconds !== undefined) headers['retry-after'] = String(f.retryAfterSeconds);
      res.writeHead(status, headers);
      res.end(JSON.stringify(f.body ?? { code: status === 429 ? -1003 : -1000, msg: status === 429 ? 'Too many requests.' : 'An unknown error occurred while processing the request.' }));
      return;
    }

    let out: { status: number; body: unknown };
    try {
      const custom = this.routes.get(`${req.method} ${path}`);
      out = custom ? await custom(req, query, body) : path.startsWith('/fapi/') ? this.futuresRoute(path, query) : this.publicRoute(path, query);
    } catch (e) {
      out = { status: 500, body: { code: -1000, msg: (e as Error).message } };
    }
    res.writeHead(out.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out.body));
  }

  private knownSymbol(s: string | undefined): boolean {
    return s !== undefined && this.symbols.some((x) => x.symbol === s);
  }

  private publicRoute(path: string, q: Record<string, string>): { status: number; body: unknown } {
    const ok = (body: unknown) => ({ status: 200, body });
    const nowMs = this.nowMs();
    const spot = this.spot;
    switch (path) {
      case '/api/v3/ping':
        return ok({});
      case '/api/v3/time':
        return ok({ serverTime: nowMs });
      case '/api/v3/exchangeInfo':
        return ok(exchangeInfo(this.symbols, nowMs));
      case '/api/v3/klines':
        return this.klines(q);
      case '/api/v3/depth': {
        if (!this.knownSymbol(q['symbol'])) return INVALID_SYMBOL;
        if (!spot.serves(q['symbol'])) return ok({ lastUpdateId: 1, bids: [], asks: [] });
        const limit = Math.min(Number(q['limit'] ?? 100), 5000);
        return ok({ lastUpdateId: spot.lastUpdateId, bids: spot.levels('bids', limit, q['symbol']), asks: spot.levels('asks', limit, q['symbol']) });
      }
      case '/api/v3/trades':
      case '/api/v3/aggTrades': {
        if (!this.knownSymbol(q['symbol'])) return INVALID_SYMBOL;
        const limit = Math.min(Number(q['limit'] ?? 500), 1000);
        const released = spot.serves(q['symbol']) ? spot.released(limit, q['symbol']) : [];
        if (path === '/api/v3/trades') {
          return ok(released.map((t) => ({ id: t.t, price: t.p, qty: t.q, quoteQty: (Number(t.p) * Number(t.q)).toFixed(8), time: t.T, isBuyerMaker: t.m, isBestMatch: true })));
        }
        return ok(released.map((t) => ({ a: t.t, p: t.p, q: t.q, f: t.t, l: t.t, T: t.T, m: t.m, M: true })));
      }
      case '/api/v3/ticker/24hr':
      case '/api/v3/ticker/bookTicker':
      case '/api/v3/ticker/price': {
        if (!this.knownSymbol(q['symbol'])) return INVALID_SYMBOL;
        const bid = spot.levels('bids', 1, q['symbol'])[0] ?? ['0', '0'];
        const ask = spot.levels('asks', 1, q['symbol'])[0] ?? ['0', '0'];
        const last = spot.lastTrade(q['symbol']);
        if (path.endsWith('bookTicker')) return ok({ symbol: q['symbol'], bidPrice: bid[0], bidQty: bid[1], askPrice: ask[0], askQty: ask[1] });
        if (path.endsWith('price')) return ok({ symbol: q['symbol'], price: last.p });
        return ok({
          symbol: q['symbol'], priceChange: '0', priceChangePercent: '0', weightedAvgPrice: last.p, prevClosePrice: last.p, lastPrice: last.p, lastQty: last.q,
          bidPrice: bid[0], bidQty: bid[1], askPrice: ask[0], askQty: ask[1], openPrice: last.p, highPrice: last.p, lowPrice: last.p, volume: '0', quoteVolume: '0',
          openTime: nowMs - 86_400_000, closeTime: nowMs, firstId: last.t, lastId: last.t, count: 1,
        });
      }
      default:
        return { status: 404, body: { code: -1, msg: `no route ${path}` } };
    }
  }

  /**
   * USD-M (`/fapi/v1`): the perpetual's listing and funding history always; with `usdm`, its replayed
   * market: the depth snapshot (`lastUpdateId` = the `u` of the last diff applied, `E`, `T`), trades, aggregate
   * trades and bookTicker, as Binance's futures API writes them.
   */
  private futuresRoute(path: string, q: Record<string, string>): { status: number; body: unknown } {
    const ok = (body: unknown) => ({ status: 200, body });
    const u = this.usdm;
    const nowMs = u?.nowMs() ?? this.nowMs();
    switch (path) {
      case '/fapi/v1/ping':
        return ok({});
      case '/fapi/v1/time':
        return ok({ serverTime: nowMs });
      case '/fapi/v1/exchangeInfo':
        return ok(futuresExchangeInfo(nowMs));
      case '/fapi/v1/fundingRate':
        return this.fundingRateRoute(q, this.nowMs());
    }
    if (u === undefined || q['symbol'] !== u.symbol) return INVALID_SYMBOL;
    switch (path) {
      case '/fapi/v1/depth': {
        // Binance USD-M: limit 5, 10, 20, 50, 100, 500 (default) or 1000.
        const limit = Number(q['limit'] ?? 500);
        if (![5, 10, 20, 50, 100, 500, 1000].includes(limit)) return { status: 400, body: { code: -1130, msg: 'Data sent for parameter \'limit\' is not valid.' } };
        return ok({ lastUpdateId: u.lastUpdateId, E: nowMs, T: nowMs, bids: u.levels('bids', limit), asks: u.levels('asks', limit) });
      }
      case '/fapi/v1/trades':
      case '/fapi/v1/aggTrades': {
        // ccxt's binanceusdm polls aggTrades (fetchTrades); each replayed trade is its own aggregate (USD-M writes no `M`).
        const limit = Math.min(Number(q['limit'] ?? 500), 1000);
        const released = u.released(limit);
        if (path === '/fapi/v1/trades') return ok(released.map((t) => ({ id: t.t, price: t.p, qty: t.q, quoteQty: (Number(t.p) * Number(t.q)).toFixed(4), time: t.T, isBuyerMaker: t.m })));
        return ok(released.map((t) => ({ a: t.t, p: t.p, q: t.q, f: t.t, l: t.t, T: t.T, m: t.m })));
      }
      case '/fapi/v1/ticker/bookTicker': {
        const bid = u.levels('bids', 1)[0] ?? ['0', '0'];
        const ask = u.levels('asks', 1)[0] ?? ['0', '0'];
        return ok({ symbol: u.symbol, bidPrice: bid[0], bidQty: bid[1], askPrice: ask[0], askQty: ask[1], time: nowMs, lastUpdateId: u.lastUpdateId });
      }
      default:
        return { status: 404, body: { code: -1, msg: `no route ${path}` } };
    }
  }

  /**
   * USD-M funding payments of BTCUSDT: `fundingRates` when set, else every 8 h (00:00, 08:00, 16:00 UTC)
   * over the 90 days before now, rates 0.0001 ± a deterministic wobble. Binance's rules: ascending,
   * `startTime` / `endTime` inclusive, `limit` default 100 and at most 1000; without `startTime` the latest.
   */
  fundingRates: { fundingTime: number; fundingRate: string }[] | undefined;

  fundingSeries(nowMs: number): { fundingTime: number; fundingRate: string }[] {
    if (this.fundingRates) return this.fundingRates;
    const step = 8 * 3_600_000;
    const out: { fundingTime: number; fundingRate: string }[] = [];
    for (let t = Math.floor((nowMs - 90 * 86_400_000) / step) * step; t <= nowMs; t += step) out.push({ fundingTime: t, fundingRate: (0.0001 + ((t / step) % 7) * 0.00001 - 0.00003).toFixed(8) });
    return out;
  }

  private fundingRateRoute(q: Record<string, string>, nowMs: number): { status: number; body: unknown } {
    if (q['symbol'] !== undefined && q['symbol'] !== 'BTCUSDT') return INVALID_SYMBOL;
    const limit = Math.min(Number(q['limit'] ?? 100), 1000);
    const start = q['startTime'] !== undefined ? Number(q['startTime']) : -Infinity;
    const end = q['endTime'] !== undefined ? Number(q['endTime']) : Infinity;
    const rows = this.fundingSeries(nowMs).filter((r) => r.fundingTime >= start && r.fundingTime <= end);
    const page = q['startTime'] !== undefined ? rows.slice(0, limit) : rows.slice(Math.max(0, rows.length - limit));
    return { status: 200, body: page.map((r) => ({ symbol: 'BTCUSDT', fundingTime: r.fundingTime, fundingRate: r.fundingRate, markPrice: '60000.00000000' })) };
  }

  /** The fake's clock: the exchange time of the spot replay position. */
  private nowMs(): number {
    return this.spot.nowMs();
  }

  private klines(q: Record<string, string>): { status: number; body: unknown } {
    if (!this.knownSymbol(q['symbol'])) return INVALID_SYMBOL;
    const interval = q['interval'] ?? '';
    if (!['1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M'].includes(interval)) {
      return { status: 400, body: { code: -1120, msg: 'Invalid interval.' } };
    }
    const limit = Math.min(Math.max(1, Number(q['limit'] ?? 500)), 1000);
    const rows: KlineRow[] = q['symbol'] === CAPTURED_SYMBOL ? klineRows(interval) : [];
    const start = q['startTime'] !== undefined ? Number(q['startTime']) : -Infinity;
    const end = q['endTime'] !== undefined ? Number(q['endTime']) : Infinity;
    const inGap = (t: number): boolean => this.klineGaps.some(([a, b]) => t >= a && t < b);
    const sel = rows.filter((r) => r[0] >= start && r[0] <= end && !inGap(r[0]));
    return { status: 200, body: q['startTime'] !== undefined ? sel.slice(0, limit) : sel.slice(-limit) };
  }
}
