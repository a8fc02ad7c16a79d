// A fake Binance spot API on 127.0.0.1 whose matching is a replay venue on the event clock (`SimLiveExchange`), for the real ccxt client; and the account of what is in flight between them.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { LiveExchange, LiveTrade } from '../../src/venues/index.js';
import { VenueFault } from '../../src/venues/index.js';
import { verifySignedPayload, verifyWsParams } from './private/signature.js';
import { spotExchangeInfo } from './private/server.js';
import type { SimExecution, SimLiveExchange, SimOrderView } from './sim-live-exchange.js';

/**
 * What the server has in hand, for `quiescence`. Every count moves synchronously with the event it
 * counts (a request read, an answer written, a message sent or read), so a check between two turns of
 * the event loop sees a consistent picture.
 */
export interface ServerTraffic {
  /** Requests received whose answer is not written yet (reading the body, or parked). */
  open: number;
  /** Of those, the ones waiting on the venue: a create until its acceptance or refusal, a cancel until its answer. */
  parked: number;
  /** Websocket messages written to the client, and read from it. */
  wsSent: number;
  wsReceived: number;
  /** User-stream sockets whose signed subscription was confirmed. */
  subscribed: number;
  /** Bumped at every change above. */
  events: number;
}

/** What the ccxt client has in hand: its HTTP requests not yet answered and read, and its websocket messages. */
export interface ClientTraffic {
  /** Requests started and not yet answered (ccxt's `fetch`: sent, parked at the server, or the answer on its way or being read). */
  outstanding: number;
  /** Websocket messages ccxt has handled (parsed and dispatched to its futures), and sent. */
  wsHandled: number;
  wsSent: number;
  events: number;
}

export interface ReplayBinance {
  /** http://127.0.0.1:PORT: what `--exchange-url` takes (every REST and websocket endpoint moved there). */
  readonly url: string;
  readonly traffic: ServerTraffic;
  /** Every request, its route and status (a route the fake lacks answers 404 and is listed here too). */
  readonly requests: { route: string; status: number }[];
  /** Execution reports sent on the user stream, by kind. */
  readonly reports: Record<SimExecution['kind'], number>;
  /**
   * The exchange's `settle` for a client over HTTP (`SimLiveExchange.settle`): once nothing is in flight
   * (`quiescence`), the orders and cancels read since time last moved go to the venue, in one order.
   */
  settleWith(client: ClientTraffic, stuckMs?: number): () => Promise<void>;
  close(): Promise<void>;
}

export interface ReplayBinanceOptions {
  apiKey: string;
  secret: string;
  exchange: SimLiveExchange;
  /** The venue's fee model's maker rate, listed in exchangeInfo only (fees come from the venue's fills). */
  makerFee: number;
}

/**
 * Binance spot's private and market endpoints that the live path calls through ccxt (exchangeInfo, depth,
 * account, order create / cancel / lookup, open and all orders, cancel all, my trades) and the websocket-API
 * user stream (`userDataStream.subscribe.signature`, then `executionReport`s), over `SimLiveExchange`:
 * a create is handed to the venue at the event clock's time and answered when the venue's acceptance or
 * refusal reaches us (after the entry and response latencies), a cancel when its answer does; the order
 * updates and fills go out on the user stream as the venue's answers reach us. Signatures and the API key
 * are checked as the private fake checks them; the request's `timestamp` and `recvWindow` (the client's
 * wall clock) are not judged, so wall time cannot change an answer. Times in answers are the event
 * clock's, in whole milliseconds as Binance writes them; figures are written as the shortest decimals that
 * read back as the venue's numbers.
 */
export async function startReplayBinance(o: ReplayBinanceOptions): Promise<ReplayBinance> {
  const sim = o.exchange;
  const m = sim.marketInfo;
  const symbol = `${m.base}${m.quote}`;
  const traffic: ServerTraffic = { open: 0, parked: 0, wsSent: 0, wsReceived: 0, subscribed: 0, events: 0 };
  const requests: { route: string; status: number }[] = [];
  const sockets = new Set<Socket>();
  const streams = new Map<WebSocket, boolean>();
  const reports: Record<SimExecution['kind'], number> = { NEW: 0, CANCELED: 0, TRADE: 0 };
  const ms = (t: number): number => Math.floor(t / 1000);
  const bump = (): void => void traffic.events++;
  /**
   * Orders and cancels read at this instant: the client sends them on several connections at once, so
   * they are read in no fixed order; they reach the venue in one (cancel-all, cancels, creates; each by
   * client order id), at the same instant, once the client has settled.
   */
  const inbox: { rank: number; id: number; seq: number; hand: () => void }[] = [];
  let seq = 0;
  const handOver = (): void => {
    inbox.sort((a, b) => a.rank - b.rank || a.id - b.id || a.seq - b.seq);
    for (const c of inbox.splice(0)) c.hand();
  };

  const server: Server = createServer((req, res) => {
    traffic.open++;
    bump();
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => handle(req, res, body));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (!(req.url ?? '').startsWith('/ws-api/v3')) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      streams.set(ws, false);
      ws.on('close', () => {
        if (streams.get(ws) === true) traffic.subscribed--;
        streams.delete(ws);
        bump();
      });
      ws.on('message', (data) => {
        traffic.wsReceived++;
        bump();
        onWsMessage(ws, String(data));
      });
    });
  });

  const wsSend = (ws: WebSocket, payload: unknown): void => {
    traffic.wsSent++;
    bump();
    ws.send(JSON.stringify(payload));
  };

  function onWsMessage(ws: WebSocket, text: string): void {
    let msg: { id?: unknown; method?: unknown; params?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return;
    }
    const id = msg.id;
    if (msg.method !== 'userDataStream.subscribe.signature') return wsSend(ws, { id, status: 400, error: { code: -1100, msg: `unsupported method ${String(msg.method)}` } });
    const params = (msg.params ?? {}) as Record<string, unknown>;
    if (params['apiKey'] !== o.apiKey || !verifyWsParams(params, o.secret)) return wsSend(ws, { id, status: 401, error: { code: -1022, msg: 'Signature for this request is not valid.' } });
    if (streams.get(ws) !== true) traffic.subscribed++;
    streams.set(ws, true);
    wsSend(ws, { id, status: 200, result: { subscriptionId: 0 } });
  }

  // The venue's answers as they reach us: on the user stream at once, in the order they come.
  sim.onExecution((e) => {
    reports[e.kind]++;
    const event = { subscriptionId: 0, event: executionReport(symbol, m.quote, e, ms(sim.clock.t), ms) };
    for (const [ws, subscribed] of streams) if (subscribed) wsSend(ws, event);
  });

  function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.replace(/^\/api\/v3\//, '');
    const method = req.method ?? 'GET';
    const raw = method === 'POST' || method === 'PUT' ? body : url.search.slice(1);
    const params: Record<string, string> = Object.fromEntries(new URLSearchParams(raw));
    const route = `${method} ${path}`;
    let parked = false;
    const send = (status: number, payload: unknown): void => {
      requests.push({ route, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
      traffic.open--;
      if (parked) traffic.parked--;
      bump();
    };
    const fail = (status: number, code: number, msg: string): void => send(status, { code, msg });
    /**
     * Hand the command to the venue with the others of this instant (`handOver`) and answer when the venue
     * does; meanwhile the request is parked (time may move).
     */
    const park = <T>(rank: number, coid: string, command: () => Promise<T>, answer: (x: T) => void): void => {
      parked = true;
      traffic.parked++;
      bump();
      const hand = (): void =>
        void command().then(answer, (e: unknown) => {
          const text = e instanceof Error ? e.message : String(e);
          if (/Duplicate order/.test(text)) return fail(400, -2010, 'Duplicate order sent.');
          if (e instanceof VenueFault && e.kind === 'rejected') return fail(400, -2010, 'Order would immediately match and take.');
          fail(500, -1000, text);
        });
      inbox.push({ rank, id: Number(coid.slice(coid.lastIndexOf('-') + 1)) || 0, seq: seq++, hand });
      // After the replay's end nothing moves time but the exchange playing out what comes: start it.
      if (sim.draining) void sim.drain();
    };

    if (['account', 'order', 'openOrders', 'allOrders', 'myTrades'].includes(path)) {
      if (req.headers['x-mbx-apikey'] !== o.apiKey) return fail(401, -2015, 'Invalid API-key, IP, or permissions for action.');
      if (!verifySignedPayload(raw, o.secret)) return fail(400, -1022, 'Signature for this request is not valid.');
    }
    if (params['symbol'] !== undefined && params['symbol'] !== symbol) return fail(400, -1121, 'Invalid symbol.');
    const orderJson = (x: SimOrderView): Record<string, unknown> => binanceOrder(symbol, x, sim.trades, ms);
    switch (route) {
      case 'GET ping':
        return send(200, {});
      case 'GET time':
        return send(200, { serverTime: ms(sim.clock.t) });
      case 'GET exchangeInfo':
        return send(200, spotExchangeInfo([{ symbol, base: m.base, quote: m.quote, tickSize: m.tickSize, stepSize: m.lotSize, minQty: m.minQty, minNotional: m.minNotional, makerFee: o.makerFee }], ms(sim.clock.t)));
      case 'GET depth':
        return void sim.bidAsk().then(({ bid, ask }) => send(200, { lastUpdateId: 1, bids: [[num(bid), '1']], asks: [[num(ask), '1']] }));
      case 'GET account':
        return void sim.balances().then((b) =>
          send(200, {
            makerCommission: 0,
            takerCommission: 0,
            canTrade: true,
            canWithdraw: false,
            canDeposit: false,
            updateTime: ms(sim.clock.t),
            accountType: 'SPOT',
            balances: Object.entries(b).map(([asset, x]) => ({ asset, free: num(x.free), locked: num(x.used) })),
            permissions: ['SPOT'],
          }),
        );
      case 'POST order': {
        if (params['type'] !== 'LIMIT_MAKER') return fail(400, -1013, `only post-only (LIMIT_MAKER) orders are taken by this fake, not ${String(params['type'])}`);
        const side = params['side'] === 'BUY' ? 1 : -1;
        const coid = params['newClientOrderId'] ?? '';
        // newOrderRespType FULL: the order as it stands at its acceptance; a maker order has no fills yet.
        return park(2, coid, () => sim.createPostOnly(m.symbol, side, Number(params['quantity']), Number(params['price']), coid), (x) =>
          send(200, { ...orderJson(x as SimOrderView), transactTime: ms(sim.clock.t), fills: [] }),
        );
      }
      case 'DELETE order':
        return park(1, params['origClientOrderId'] ?? '', () => sim.cancel(m.symbol, params['origClientOrderId'] ?? ''), (x) =>
          x === undefined ? fail(400, -2011, 'Unknown order sent.') : send(200, { ...orderJson(x as SimOrderView), origClientOrderId: x.clientOrderId }),
        );
      case 'DELETE openOrders':
        return park(
          0,
          '',
          () => {
            const open = sim.openNow();
            // Each cancel reaches the venue now; the answer lists them as the venue ended them.
            return sim.cancelAll().then(() => open.map((x) => sim.orderNow(x.clientOrderId ?? '')!));
          },
          (xs) => (xs.length === 0 ? fail(400, -2011, 'Unknown order sent.') : send(200, xs.map((x) => ({ ...orderJson(x), origClientOrderId: x.clientOrderId })))),
        );
      case 'GET order': {
        const q = params['orderId'] !== undefined ? sim.orderById(m.symbol, params['orderId']) : sim.orderByClientId(m.symbol, params['origClientOrderId'] ?? '');
        return void q.then((x) => (x === undefined ? fail(400, -2013, 'Order does not exist.') : send(200, orderJson(x))));
      }
      case 'GET openOrders':
        return void sim.openOrders().then((xs) => send(200, xs.map(orderJson)));
      case 'GET allOrders': {
        const start = Number(params['startTime'] ?? 0);
        return void sim.ordersSince().then((xs) => send(200, xs.filter((x) => ms(x.time) >= start).slice(-Number(params['limit'] ?? 500)).map(orderJson)));
      }
      case 'GET myTrades': {
        const start = Number(params['startTime'] ?? 0);
        const end = Number(params['endTime'] ?? Number.POSITIVE_INFINITY);
        const fromId = Number(params['fromId'] ?? 0);
        const mine = sim.trades.filter((t) => ms(t.ts) >= start && ms(t.ts) <= end && Number(t.id) >= fromId);
        return send(
          200,
          mine.slice(0, Number(params['limit'] ?? 500)).map((t) => ({
            symbol,
            id: Number(t.id),
            orderId: Number(t.orderId),
            orderListId: -1,
            price: num(t.price),
            qty: num(t.qty),
            quoteQty: num(t.price * t.qty),
            commission: num(t.fee),
            commissionAsset: m.quote,
            time: ms(t.ts),
            isBuyer: t.side > 0,
            isMaker: t.liquidity === 'maker',
            isBestMatch: true,
          })),
        );
      }
      default:
        return fail(404, -1100, `no route ${route}`);
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    traffic,
    requests,
    reports,
    settleWith: (client, stuckMs) => {
      const quiet = quiescence(traffic, client, stuckMs);
      return async () => {
        await quiet();
        handOver();
      };
    },
    close: async () => {
      for (const ws of streams.keys()) ws.terminate();
      wss.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A figure as the shortest decimal that reads back as the same number (Binance writes 8 decimals; the venue's numbers are not rounded to them). */
const num = (x: number): string => String(x);

const STATUS: Record<SimOrderView['status'], string> = { open: 'NEW', closed: 'FILLED', canceled: 'CANCELED', rejected: 'REJECTED', expired: 'EXPIRED' };

function statusOf(x: SimOrderView): string {
  return x.status === 'open' && x.filled > 0 ? 'PARTIALLY_FILLED' : STATUS[x.status];
}

function binanceOrder(symbol: string, x: SimOrderView, trades: readonly LiveTrade[], ms: (t: number) => number): Record<string, unknown> {
  const quote = trades.filter((t) => t.orderId === x.id).reduce((s, t) => s + t.price * t.qty, 0);
  return {
    symbol,
    orderId: Number(x.id),
    orderListId: -1,
    clientOrderId: x.clientOrderId,
    price: num(x.price),
    origQty: num(x.amount),
    executedQty: num(x.filled),
    cummulativeQuoteQty: num(quote),
    status: statusOf(x),
    timeInForce: 'GTC',
    type: 'LIMIT_MAKER',
    side: x.side > 0 ? 'BUY' : 'SELL',
    stopPrice: '0',
    icebergQty: '0',
    time: ms(x.time),
    updateTime: ms(x.updateTime),
    workingTime: ms(x.time),
    isWorking: true,
    origQuoteOrderQty: '0',
    selfTradePreventionMode: 'NONE',
  };
}

/** The user stream's execution report of one change (Binance spot's field names). */
function executionReport(symbol: string, quoteAsset: string, e: SimExecution, nowMs: number, ms: (t: number) => number): Record<string, unknown> {
  const x = e.order;
  const t = e.kind === 'TRADE' ? e.trade : undefined;
  return {
    e: 'executionReport',
    E: nowMs,
    s: symbol,
    c: x.clientOrderId,
    S: x.side > 0 ? 'BUY' : 'SELL',
    o: 'LIMIT_MAKER',
    f: 'GTC',
    q: num(x.amount),
    p: num(x.price),
    P: '0',
    F: '0',
    g: -1,
    C: '',
    x: e.kind,
    X: statusOf(x),
    r: 'NONE',
    i: Number(x.id),
    l: num(t?.qty ?? 0),
    z: num(x.filled),
    L: num(t?.price ?? 0),
    n: num(t?.fee ?? 0),
    N: t !== undefined ? quoteAsset : null,
    T: t !== undefined ? ms(t.ts) : ms(x.updateTime),
    t: t !== undefined ? Number(t.id) : -1,
    I: 1,
    w: x.status === 'open',
    m: t?.liquidity === 'maker',
    M: false,
    O: ms(x.time),
    Z: '0',
    Y: num((t?.price ?? 0) * (t?.qty ?? 0)),
    Q: '0',
  };
}

interface CcxtInside {
  fetch: (...a: unknown[]) => Promise<unknown>;
  handleMessage: (client: unknown, message: unknown) => unknown;
  client: (url: string) => { send: (m: unknown) => Promise<unknown>; mmTraffic?: boolean };
}

/**
 * Count what the ccxt client behind `exchange` (from `openLiveExchange`) has in flight: every HTTP request
 * from its start to the moment its answer has been read (ccxt's `fetch`), every websocket message it
 * handles and sends. Installed before the client makes any request or socket. The counts move as the
 * events happen; what ccxt and the live adapter then do with an answer runs in promise reactions, done
 * before the event loop's next turn.
 */
export function watchCcxtTraffic(exchange: LiveExchange): ClientTraffic {
  const ex = (exchange as unknown as { ex?: Partial<CcxtInside> }).ex;
  if (ex === undefined || typeof ex.fetch !== 'function' || typeof ex.handleMessage !== 'function' || typeof ex.client !== 'function')
    throw new Error('not a ccxt live exchange: its ccxt client (fetch, handleMessage, client) is not where the live path keeps it');
  const c: ClientTraffic = { outstanding: 0, wsHandled: 0, wsSent: 0, events: 0 };
  const fetch = ex.fetch;
  ex.fetch = async function (this: unknown, ...a: unknown[]): Promise<unknown> {
    c.outstanding++;
    c.events++;
    try {
      return await fetch.apply(this, a);
    } finally {
      c.outstanding--;
      c.events++;
    }
  };
  // ccxt binds `handleMessage` when it makes a websocket client: replaced before the first one.
  const handle = ex.handleMessage;
  ex.handleMessage = function (this: unknown, client: unknown, message: unknown): unknown {
    try {
      return handle.call(this, client, message);
    } finally {
      c.wsHandled++;
      c.events++;
    }
  };
  const clientOf = ex.client;
  ex.client = function (this: unknown, url: string) {
    const ws = clientOf.call(this, url);
    if (ws.mmTraffic !== true) {
      const send = ws.send.bind(ws);
      ws.send = (message: unknown) => {
        c.wsSent++;
        c.events++;
        return send(message);
      };
      ws.mmTraffic = true;
    }
    return ws;
  };
  return c;
}

/**
 * The fake's `settle` for a client over HTTP: resolves once nothing is in flight between the client and the
 * fake — every request the client started has reached the server and is either answered and read or
 * parked on the venue, every websocket message either way has been read, and the user stream's
 * subscription is confirmed — on two turns of the event loop running with nothing moving between them (the
 * client's reactions to an answer run before the next turn). No wall-clock timer decides anything: a
 * client that stays busy past `stuckMs` of wall time fails the run, naming what was in flight.
 */
export function quiescence(server: ServerTraffic, client: ClientTraffic, stuckMs = 20_000): () => Promise<void> {
  const quiet = (): boolean =>
    server.subscribed > 0 && client.outstanding === server.parked && server.open === server.parked && client.wsHandled === server.wsSent && server.wsReceived === client.wsSent;
  return async () => {
    const since = Date.now();
    let seen = Number.NaN;
    for (;;) {
      await new Promise<void>((r) => setImmediate(r));
      const now = server.events + client.events;
      if (quiet() && now === seen) return;
      seen = quiet() ? now : Number.NaN;
      if (Date.now() - since > stuckMs) throw new Error(`the client never settled: ${JSON.stringify({ server, client })}`);
    }
  };
}
