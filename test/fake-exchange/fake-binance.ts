// A fake Binance spot venue on 127.0.0.1: REST and websocket streams replaying real captured data, with fault-injection hooks.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { captureData, klineRows, type CaptureData, type KlineRow, type Level } from './market-data.js';
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
}

export interface Replica {
  symbol: string;
  priceFactor: number;
}

const CAPTURED_SYMBOL = 'BTCUSDT';

/** Binance's REST error body and status for an unknown symbol. */
const INVALID_SYMBOL = { status: 400, body: { code: -1121, msg: 'Invalid symbol.' } };

export class FakeBinance {
  readonly requests: FakeRequest[] = [];
  /** Kline ranges [fromMs, toMs) left out of kline answers, to create gaps. */
  readonly klineGaps: [number, number][] = [];
  private readonly faults: RestFault[] = [];
  private readonly routes = new Map<string, RouteHandler>();
  private readonly data: CaptureData;
  private readonly symbols: readonly FakeSymbol[];
  private readonly replicas: readonly Replica[];
  /** Symbols whose streams are silent (their books and trades still move): a stalled feed of one market. */
  private readonly muted = new Set<string>();
  private server: Server | null = null;
  private wss: WebSocketServer | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly clients = new Map<WebSocket, Set<string>>();
  private timer: NodeJS.Timeout | null = null;
  private stepMs: number;
  private readonly autoStart: boolean;
  private port = 0;

  // Replay state.
  private pos = 0; // depth messages applied
  private tradePos = 0; // trades released
  private bids = new Map<string, string>();
  private asks = new Map<string, string>();
  private lastUpdateId: number;
  private dropDepthCount = 0;
  /** Depth messages sent, and dropped by `dropDepth`. */
  readonly sent = { depth: 0, trades: 0, droppedDepth: 0, disconnects: 0 };

  constructor(options: FakeBinanceOptions = {}) {
    this.data = captureData();
    this.replicas = options.replicas ?? [];
    const base = options.symbols ?? DEFAULT_SYMBOLS;
    const btc = base.find((x) => x.symbol === CAPTURED_SYMBOL) ?? DEFAULT_SYMBOLS[0]!;
    const scaled = this.replicas.map((r): FakeSymbol => {
      const known = base.find((x) => x.symbol === r.symbol);
      return {
        symbol: r.symbol,
        base: known?.base ?? r.symbol.replace(/USDT$/, ''),
        quote: known?.quote ?? 'USDT',
        tickSize: (Number(btc.tickSize) * r.priceFactor).toFixed(8),
        stepSize: (Number(btc.stepSize) / r.priceFactor).toFixed(8),
      };
    });
    this.symbols = [...base.filter((x) => !this.replicas.some((r) => r.symbol === x.symbol)), ...scaled];
    this.stepMs = options.stepMs ?? 10;
    this.autoStart = options.autoStart ?? true;
    for (const [p, q] of this.data.snapshot.bids) this.bids.set(p, q);
    for (const [p, q] of this.data.snapshot.asks) this.asks.set(p, q);
    this.lastUpdateId = this.data.snapshot.lastUpdateId;
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
      if (!req.url?.startsWith('/ws') && !req.url?.startsWith('/stream')) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => this.onWebsocket(ws, req.url ?? '/ws'));
    });
    this.server = server;
    this.wss = wss;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    if (this.autoStart) this.resume();
    return this.url;
  }

  async stop(): Promise<void> {
    this.pause();
    for (const ws of this.clients.keys()) ws.terminate();
    this.clients.clear();
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

  /** Skip sending the next `n` depth messages (the fake's own book still applies them): a sequence gap for clients. */
  dropDepth(n = 1): void {
    this.dropDepthCount += n;
  }

  /** Silence (or restore) one symbol's depth and trade streams; the replay goes on underneath. */
  mute(symbol: string, on = true): void {
    if (on) this.muted.add(symbol);
    else this.muted.delete(symbol);
  }

  /** Close every websocket connection abruptly, as a network drop would. */
  disconnectWebsockets(): void {
    this.sent.disconnects++;
    for (const ws of this.clients.keys()) ws.terminate();
    this.clients.clear();
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

  /** Advance the replay by `n` depth messages now (for deterministic tests). */
  advance(n = 1): void {
    for (let i = 0; i < n; i++) this.step();
  }

  /** Number of websocket clients connected. */
  get websocketClients(): number {
    return this.clients.size;
  }

  /** Current book update id (what a REST snapshot reports). */
  get updateId(): number {
    return this.lastUpdateId;
  }

  // ---- replay --------------------------------------------------------------------------

  private step(): void {
    const d = this.data.depth[this.pos];
    if (!d) {
      this.pause();
      return;
    }
    this.pos++;
    for (const [p, q] of d.b) this.setLevel(this.bids, p, q);
    for (const [p, q] of d.a) this.setLevel(this.asks, p, q);
    this.lastUpdateId = d.u;
    if (this.dropDepthCount > 0) {
      this.dropDepthCount--;
      this.sent.droppedDepth++;
    } else {
      if (!this.muted.has(d.s)) this.broadcast(`${d.s.toLowerCase()}@depth`, d);
      this.sent.depth++;
      for (const r of this.replicas) if (!this.muted.has(r.symbol)) this.broadcast(`${r.symbol.toLowerCase()}@depth`, { ...d, s: r.symbol, b: scaleLevels(d.b, r), a: scaleLevels(d.a, r) });
    }
    while (this.tradePos < this.data.trades.length && this.data.afterDepth[this.tradePos]! <= this.pos) {
      const t = this.data.trades[this.tradePos]!;
      this.tradePos++;
      if (!this.muted.has(t.s)) this.broadcast(`${t.s.toLowerCase()}@trade`, t);
      this.sent.trades++;
      for (const r of this.replicas) if (!this.muted.has(r.symbol)) this.broadcast(`${r.symbol.toLowerCase()}@trade`, { ...t, s: r.symbol, p: scalePrice(t.p, r), q: scaleQty(t.q, r) });
    }
  }

  private setLevel(side: Map<string, string>, p: string, q: string): void {
    if (Number(q) === 0) side.delete(p);
    else side.set(p, q);
  }

  private broadcast(streamPrefix: string, payload: unknown): void {
    let text: string | null = null;
    let combinedText: string | null = null;
    for (const [ws, subs] of this.clients) {
      for (const s of subs) {
        if (!s.startsWith(streamPrefix)) continue;
        if ((ws as WebSocket & { combined?: boolean }).combined) {
          combinedText ??= JSON.stringify({ stream: s, data: payload });
          ws.send(combinedText);
        } else {
          text ??= JSON.stringify(payload);
          ws.send(text);
        }
        break;
      }
    }
  }

  private onWebsocket(ws: WebSocket, url: string): void {
    const subs = new Set<string>();
    (ws as WebSocket & { combined?: boolean }).combined = url.startsWith('/stream');
    const m = /streams=([^&]+)/.exec(url);
    if (m) for (const s of decodeURIComponent(m[1]!).split('/')) subs.add(s);
    this.clients.set(ws, subs);
    ws.on('message', (raw) => {
      let msg: { method?: string; params?: string[]; id?: number | string };
      try {
        msg = JSON.parse(String(raw)) as typeof msg;
      } catch {
        ws.send(JSON.stringify({ error: { code: 3, msg: 'Invalid JSON' } }));
        return;
      }
      if (msg.method === 'SUBSCRIBE') for (const s of msg.params ?? []) subs.add(s);
      else if (msg.method === 'UNSUBSCRIBE') for (const s of msg.params ?? []) subs.delete(s);
      ws.send(JSON.stringify({ result: msg.method === 'LIST_SUBSCRIPTIONS' ? [...subs] : null, id: msg.id ?? null }));
    });
    ws.on('close', () => this.clients.delete(ws));
    ws.on('error', () => this.clients.delete(ws));
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
      out = custom ? await custom(req, query, body) : this.publicRoute(path, query);
    } catch (e) {
      out = { status: 500, body: { code: -1000, msg: (e as Error).message } };
    }
    res.writeHead(out.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out.body));
  }

  private replicaOf(s: string | undefined): Replica | undefined {
    return this.replicas.find((r) => r.symbol === s);
  }

  private knownSymbol(s: string | undefined): boolean {
    return s !== undefined && this.symbols.some((x) => x.symbol === s);
  }

  private publicRoute(path: string, q: Record<string, string>): { status: number; body: unknown } {
    const ok = (body: unknown) => ({ status: 200, body });
    const nowMs = this.nowMs();
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
        const rep = this.replicaOf(q['symbol']);
        if (q['symbol'] !== CAPTURED_SYMBOL && rep === undefined) return ok({ lastUpdateId: 1, bids: [], asks: [] });
        const limit = Math.min(Number(q['limit'] ?? 100), 5000);
        const bids = this.levels(this.bids, -1, limit);
        const asks = this.levels(this.asks, 1, limit);
        return ok({ lastUpdateId: this.lastUpdateId, bids: rep ? scaleLevels(bids, rep) : bids, asks: rep ? scaleLevels(asks, rep) : asks });
      }
      case '/api/v3/trades':
      case '/api/v3/aggTrades': {
        if (!this.knownSymbol(q['symbol'])) return INVALID_SYMBOL;
        const limit = Math.min(Number(q['limit'] ?? 500), 1000);
        const rep = this.replicaOf(q['symbol']);
        const raw = q['symbol'] === CAPTURED_SYMBOL || rep !== undefined ? this.data.trades.slice(Math.max(0, this.tradePos - limit), this.tradePos) : [];
        const released = rep === undefined ? raw : raw.map((t) => ({ ...t, p: scalePrice(t.p, rep), q: scaleQty(t.q, rep) }));
        if (path === '/api/v3/trades') {
          return ok(released.map((t) => ({ id: t.t, price: t.p, qty: t.q, quoteQty: (Number(t.p) * Number(t.q)).toFixed(8), time: t.T, isBuyerMaker: t.m, isBestMatch: true })));
        }
        return ok(released.map((t) => ({ a: t.t, p: t.p, q: t.q, f: t.t, l: t.t, T: t.T, m: t.m, M: true })));
      }
      case '/api/v3/ticker/24hr':
      case '/api/v3/ticker/bookTicker':
      case '/api/v3/ticker/price': {
        if (!this.knownSymbol(q['symbol'])) return INVALID_SYMBOL;
        const rep = this.replicaOf(q['symbol']);
        const scaleL = (l: Level): Level => (rep === undefined ? l : scaleLevels([l], rep)[0]!);
        const bid = scaleL(this.levels(this.bids, -1, 1)[0] ?? ['0', '0']);
        const ask = scaleL(this.levels(this.asks, 1, 1)[0] ?? ['0', '0']);
        const raw = this.data.trades[Math.max(0, this.tradePos - 1)]!;
        const last = rep === undefined ? raw : { ...raw, p: scalePrice(raw.p, rep), q: scaleQty(raw.q, rep) };
        if (path.endsWith('bookTicker')) return ok({ symbol: q['symbol'], bidPrice: bid[0], bidQty: bid[1], askPrice: ask[0], askQty: ask[1] });
        if (path.endsWith('price')) return ok({ symbol: q['symbol'], price: last.p });
        return ok({
          symbol: q['symbol'], priceChange: '0', priceChangePercent: '0', weightedAvgPrice: last.p, prevClosePrice: last.p, lastPrice: last.p, lastQty: last.q,
          bidPrice: bid[0], bidQty: bid[1], askPrice: ask[0], askQty: ask[1], openPrice: last.p, highPrice: last.p, lowPrice: last.p, volume: '0', quoteVolume: '0',
          openTime: nowMs - 86_400_000, closeTime: nowMs, firstId: last.t, lastId: last.t, count: 1,
        });
      }
      case '/fapi/v1/exchangeInfo':
        return ok(futuresExchangeInfo(nowMs));
      case '/fapi/v1/fundingRate':
        return this.fundingRateRoute(q, nowMs);
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

  /** The fake's clock: the exchange time of the replay position. */
  private nowMs(): number {
    const d = this.data.depth[Math.max(0, this.pos - 1)];
    return d ? d.E : Date.now();
  }

  private levels(side: Map<string, string>, dir: 1 | -1, limit: number): Level[] {
    const keys = [...side.keys()].sort((a, b) => dir * (Number(a) - Number(b)));
    return keys.slice(0, limit).map((p) => [p, side.get(p)!]);
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

/** Decimals enough for a scaled price or quantity (the capture's have at most 8). */
function fixed(x: number): string {
  return x.toFixed(10).replace(/\.?0+$/, '');
}

function scalePrice(p: string, r: Replica): string {
  return fixed(Number(p) * r.priceFactor);
}

function scaleQty(q: string, r: Replica): string {
  return fixed(Number(q) / r.priceFactor);
}

function scaleLevels(levels: readonly Level[], r: Replica): Level[] {
  return levels.map(([p, q]) => [scalePrice(p, r), scaleQty(q, r)]);
}
