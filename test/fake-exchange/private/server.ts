// A fake Binance spot API for private trading on 127.0.0.1: signed REST endpoints, a websocket-API user stream, faults.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { FakeAccount, type ApiError, type ExecutionEvent, type FakeMarketRules, type FakeOrder, type FakeSide, type FakeTrade } from './account.js';
import { FakePerpAccount, type FakePerp } from './perp-account.js';
import { verifySignedPayload, verifyWsParams } from './signature.js';
import { futuresExchangeInfo } from '../exchange-info.js';

export interface FakePrivateOptions {
  apiKey: string;
  secret: string;
  account?: FakeAccount;
  /** More markets of the same exchange account (their balances shared with `account`: `new FakeAccount(rules, {}, account)`). */
  more?: readonly FakeAccount[];
  /** The account's USD-M side (`/fapi`): the BTCUSDT perpetual's starting position, wallet and the account's modes. */
  perp?: FakePerp;
}

export type { FakePerp };

/** Fault switches a test flips; each counts down as it fires. */
export interface PrivateFaults {
  /** The next N private REST requests answer 429 (-1003). */
  rateLimit: number;
  /** The next N order creations are carried out but never answered (the client times out). */
  hangAfterAccept: number;
  /** While true, user-stream websocket connections are refused. */
  userStreamDown: boolean;
  /** While true, user-stream websocket upgrades are held unanswered (a connect that hangs); `releaseUserStreams` answers them. */
  userStreamHang: boolean;
  /** While true, spot user-data subscriptions (`userDataStream.subscribe.signature`) are held unanswered on an open socket; `releaseUserStreams` answers them. */
  userStreamSubscribeHang: boolean;
  /** REST lookups (order, allOrders, openOrders, myTrades) do not see orders and trades younger than this, ms: a query service behind the matching engine. */
  lookupLagMs: number;
  /** The next N signed requests answer 503 (Binance: "execution status unknown"). */
  serverError: number;
  /** A create answered 503 by `serverError` was carried out all the same. */
  createOn5xx: boolean;
  /** The next N created orders are filled whole by a market trade the instant they rest, before the answer leaves. */
  fillOnAccept: number;
  /** The next N creates are rejected with a message that quotes the API key (as some exchanges' errors do). */
  rejectEchoingKey: number;
}

export interface LoggedRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  status: number;
}

export interface FakePrivateExchange {
  /** http://127.0.0.1:PORT/api/v3 */
  readonly restUrl: string;
  /** ws://127.0.0.1:PORT/ws-api/v3 */
  readonly wsApiUrl: string;
  readonly account: FakeAccount;
  /** The USD-M account (orders, position, wallet) when the fake was started with `perp`. */
  readonly perp: FakePerpAccount | undefined;
  readonly faults: PrivateFaults;
  readonly requests: LoggedRequest[];
  /** Drop every user-stream connection, spot and USD-M (the client sees a disconnect). */
  dropUserStreams(): void;
  /** Clear `userStreamHang` and `userStreamSubscribeHang`, and answer the upgrades and subscriptions they held (as the fault switches say now). */
  releaseUserStreams(): void;
  /** Open user-stream connections that completed a signed subscription. */
  subscribedStreams(): number;
  /** Subscriptions held unanswered by `userStreamSubscribeHang` (each on an open socket). */
  heldSubscriptions(): number;
  close(): Promise<void>;
}

const SIGNED = new Set(['account', 'order', 'openOrders', 'myTrades']);

export async function startFakePrivateExchange(opts: FakePrivateOptions): Promise<FakePrivateExchange> {
  const account = opts.account ?? new FakeAccount();
  const accounts = [account, ...(opts.more ?? [])];
  /** The market a request names (`symbol=`), or the first market when it names none. */
  const accountOf = (symbol: string | undefined): FakeAccount | undefined => (symbol === undefined ? account : accounts.find((a) => a.rules.symbol === symbol));
  const faults: PrivateFaults = { rateLimit: 0, hangAfterAccept: 0, userStreamDown: false, userStreamHang: false, userStreamSubscribeHang: false, lookupLagMs: 0, serverError: 0, createOn5xx: false, fillOnAccept: 0, rejectEchoingKey: 0 };
  const requests: LoggedRequest[] = [];
  const sockets = new Set<Socket>();
  /** Answers held back by `hangAfterAccept` (given a 503 at close, so that no client sees a torn socket). */
  const hung = new Set<ServerResponse>();
  const streams = new Map<WebSocket, boolean>();
  const perp = opts.perp !== undefined ? new FakePerpAccount(opts.perp) : undefined;
  /** USD-M user-data streams (a listenKey each), and the keys handed out. */
  const futuresStreams = new Set<WebSocket>();
  const listenKeys = new Set<string>();

  const server: Server = createServer((req, res) => {
    void readBody(req).then((body) => handle(req, res, body));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const wss = new WebSocketServer({ noServer: true });
  const held: [IncomingMessage, Duplex, Buffer][] = [];
  /** Subscriptions held by `userStreamSubscribeHang`: the socket and the request as sent. */
  const heldSubscribes: [WebSocket, string][] = [];
  server.on('upgrade', (req, socket, head) => {
    if (faults.userStreamHang) held.push([req, socket, head]);
    else upgrade(req, socket, head);
  });
  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (u.pathname === '/private/ws' && !faults.userStreamDown && listenKeys.has(u.searchParams.get('listenKey') ?? '')) {
      // The USD-M user-data stream: its listenKey is its authentication.
      wss.handleUpgrade(req, socket, head, (ws) => {
        futuresStreams.add(ws);
        ws.on('close', () => futuresStreams.delete(ws));
      });
      return;
    }
    if (!(req.url ?? '').startsWith('/ws-api/v3') || faults.userStreamDown) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      streams.set(ws, false);
      ws.on('close', () => streams.delete(ws));
      ws.on('message', (data) => onWsMessage(ws, String(data)));
    });
  }

  for (const a of accounts)
    a.onExecution((e) => {
      const text = JSON.stringify({ subscriptionId: 0, event: executionReport(a, e) });
      for (const [ws, subscribed] of streams) if (subscribed) ws.send(text);
    });

  perp?.onExecution((e) => {
    const text = JSON.stringify(orderTradeUpdate(perp, e));
    for (const ws of futuresStreams) ws.send(text);
  });

  function onWsMessage(ws: WebSocket, text: string): void {
    if (faults.userStreamSubscribeHang && text.includes('userDataStream.subscribe')) {
      heldSubscribes.push([ws, text]);
      return;
    }
    let msg: { id?: unknown; method?: unknown; params?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return;
    }
    const id = msg.id;
    if (msg.method === 'userDataStream.subscribe.signature') {
      const params = (msg.params ?? {}) as Record<string, unknown>;
      if (params['apiKey'] !== opts.apiKey || !verifyWsParams(params, opts.secret)) {
        ws.send(JSON.stringify({ id, status: 401, error: { code: -1022, msg: 'Signature for this request is not valid.' } }));
        return;
      }
      streams.set(ws, true);
      ws.send(JSON.stringify({ id, status: 200, result: { subscriptionId: 0 } }));
      return;
    }
    ws.send(JSON.stringify({ id, status: 400, error: { code: -1100, msg: `unsupported method ${String(msg.method)}` } }));
  }

  function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/fapi/')) return handleFapi(req, res, url, body);
    const path = url.pathname.replace(/^\/api\/v3\//, '');
    const method = req.method ?? 'GET';
    const rawQuery = url.search.slice(1);
    const raw = method === 'POST' || method === 'PUT' ? body : rawQuery;
    const params: Record<string, string> = Object.fromEntries(new URLSearchParams(raw));
    const log = (status: number): void => {
      requests.push({ method, path, params, status });
    };
    const send = (status: number, payload: unknown): void => {
      log(status);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    const fail = (e: ApiError): void => send(e.status, { code: e.code, msg: e.msg });

    if (SIGNED.has(path)) {
      if (faults.rateLimit > 0) {
        faults.rateLimit--;
        return fail({ status: 429, code: -1003, msg: 'Too many requests; current limit is 6000 request weight per 1 MINUTE.' });
      }
      if (req.headers['x-mbx-apikey'] !== opts.apiKey) return fail({ status: 401, code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' });
      if (!verifySignedPayload(raw, opts.secret)) return fail({ status: 400, code: -1022, msg: 'Signature for this request is not valid.' });
      if (faults.serverError > 0) {
        faults.serverError--;
        if (method === 'POST' && path === 'order' && faults.createOn5xx) createOrder(params);
        return fail({ status: 503, code: -1000, msg: 'An unknown error occured while processing the request.' });
      }
    }
    // What REST lookups can see: the query service lags the matching engine by lookupLagMs.
    const visible = (time: number): boolean => Date.now() - time >= faults.lookupLagMs;
    const route = `${method} ${path}`;
    const named = accountOf(params['symbol']);
    if (named === undefined && route !== 'GET exchangeInfo') return fail({ status: 400, code: -1121, msg: 'Invalid symbol.' });
    const account = named!;
    const rules = account.rules;
    switch (route) {
      case 'GET ping':
        return send(200, {});
      case 'GET time':
        return send(200, { serverTime: Date.now() });
      case 'GET exchangeInfo':
        return send(200, spotExchangeInfo(accounts.map((a) => a.rules)));
      case 'GET ticker/bookTicker':
        return send(200, { symbol: rules.symbol, bidPrice: fmt(account.bestBid), bidQty: fmt(account.bidQty), askPrice: fmt(account.bestAsk), askQty: fmt(account.askQty) });
      case 'GET trades':
        return send(200, account.tape.slice(-Number(params['limit'] ?? 500)).map((t) => ({ id: t.id, price: fmt(t.price), qty: fmt(t.qty), quoteQty: fmt(t.price * t.qty), time: t.time, isBuyerMaker: t.buyerMaker, isBestMatch: true })));
      case 'GET aggTrades':
        return send(200, account.tape.slice(-Number(params['limit'] ?? 500)).map((t) => ({ a: t.id, p: fmt(t.price), q: fmt(t.qty), f: t.id, l: t.id, T: t.time, m: t.buyerMaker, M: true })));
      case 'GET depth':
        return send(200, { lastUpdateId: 1, bids: [[fmt(account.bestBid), fmt(account.bidQty)]], asks: [[fmt(account.bestAsk), fmt(account.askQty)]] });
      case 'GET account':
        return send(200, {
          makerCommission: 10,
          takerCommission: 10,
          canTrade: true,
          canWithdraw: false,
          canDeposit: false,
          updateTime: Date.now(),
          accountType: 'SPOT',
          balances: [...account.balances].map(([asset, b]) => ({ asset, free: fmt(b.free), locked: fmt(b.locked) })),
          permissions: ['SPOT'],
        });
      case 'POST order': {
        if (faults.rejectEchoingKey > 0) {
          faults.rejectEchoingKey--;
          return fail({ status: 400, code: -2010, msg: `Order rejected for API key ${opts.apiKey} (${encodeURIComponent(opts.apiKey)}): account has insufficient balance.` });
        }
        const r = createOrder(params);
        if (!('orderId' in r)) return fail(r);
        if (faults.hangAfterAccept > 0) {
          faults.hangAfterAccept--;
          log(0); // accepted, never answered
          hung.add(res);
          return;
        }
        // newOrderRespType FULL: the order as it stands after matching, with the fills it made at once.
        const fills = account.trades.filter((t) => t.orderId === r.orderId).map((t) => ({ price: fmt(t.price), qty: fmt(t.qty), commission: fmt(t.commission), commissionAsset: t.commissionAsset, tradeId: t.id }));
        return send(200, { ...orderJson(account, r), transactTime: r.time, fills });
      }
      case 'DELETE order': {
        const r = account.cancel(params['origClientOrderId'], params['orderId'] !== undefined ? Number(params['orderId']) : undefined);
        return 'orderId' in r ? send(200, { ...orderJson(account, r), origClientOrderId: r.clientOrderId }) : fail(r);
      }
      case 'GET order': {
        const id = params['orderId'];
        const o = id !== undefined ? account.orders.get(Number(id)) : account.findByClientId(params['origClientOrderId'] ?? '', faults.lookupLagMs);
        return o !== undefined && visible(o.time) ? send(200, orderJson(account, o)) : fail({ status: 400, code: -2013, msg: 'Order does not exist.' });
      }
      case 'GET openOrders': {
        // Without a symbol: every market's open orders (Binance's account-wide listing).
        const of = params['symbol'] === undefined ? accounts : [account];
        return send(200, of.flatMap((a) => a.openOrders().filter((o) => visible(o.time)).map((o) => orderJson(a, o))));
      }
      case 'GET allOrders': {
        const start = Number(params['startTime'] ?? 0);
        const all = [...account.orders.values()].filter((o) => o.time >= start && visible(o.time)).sort((a, b) => a.orderId - b.orderId);
        return send(200, all.slice(-Number(params['limit'] ?? 500)).map((o) => orderJson(account, o)));
      }
      case 'DELETE openOrders':
        return send(200, account.cancelAll().map((o) => ({ ...orderJson(account, o), origClientOrderId: o.clientOrderId })));
      case 'GET myTrades': {
        const start = Number(params['startTime'] ?? 0);
        const fromId = Number(params['fromId'] ?? 0);
        return send(200, account.trades.filter((t) => t.time >= start && t.id >= fromId && visible(t.time)).map((t) => tradeJson(account, t)));
      }
      default:
        return fail({ status: 404, code: -1100, msg: `no route ${route}` });
    }
  }

  /**
   * The USD-M endpoints ccxt's binanceusdm calls: markets, book, position mode and positions (fetchPositions:
   * positionRisk, with the leverage brackets first), the account (fetchBalance), orders (create with
   * newClientOrderId and GTX for post-only, cancel, cancel all, lookup, open and all orders), own trades
   * (userTrades), the income history (fetchFundingHistory: funding payments) and the listenKey of the
   * user-data stream; the same fault switches as the spot side.
   */
  function handleFapi(req: IncomingMessage, res: ServerResponse, url: URL, body: string): void {
    const method = req.method ?? 'GET';
    const raw = method === 'POST' || method === 'PUT' ? body : url.search.slice(1);
    const params: Record<string, string> = Object.fromEntries(new URLSearchParams(raw));
    const path = url.pathname;
    const log = (status: number): void => {
      requests.push({ method, path, params, status });
    };
    const send = (status: number, payload: unknown): void => {
      log(status);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    const fail = (e: ApiError): void => send(e.status, { code: e.code, msg: e.msg });
    const p = perp;
    const market = p ?? account;
    if (path === '/fapi/v1/exchangeInfo') return send(200, futuresExchangeInfo(Date.now()));
    if (path === '/fapi/v1/ping') return send(200, {});
    if (path === '/fapi/v1/time') return send(200, { serverTime: Date.now() });
    if (path === '/fapi/v1/depth') return send(200, { lastUpdateId: 1, E: Date.now(), T: Date.now(), bids: [[fmt(market.bestBid), num(market.bidQty)]], asks: [[fmt(market.bestAsk), num(market.askQty)]] });
    // The public tape of the market (a REST feed polls it): trades and aggregate trades as Binance USD-M lists them.
    if (path === '/fapi/v1/trades') return send(200, market.tape.slice(-Number(params['limit'] ?? 500)).map((t) => ({ id: t.id, price: num(t.price), qty: num(t.qty), quoteQty: num(t.price * t.qty), time: t.time, isBuyerMaker: t.buyerMaker })));
    if (path === '/fapi/v1/aggTrades') return send(200, market.tape.slice(-Number(params['limit'] ?? 500)).map((t) => ({ a: t.id, p: num(t.price), q: num(t.qty), f: t.id, l: t.id, T: t.time, m: t.buyerMaker })));
    if (p === undefined) return send(404, { code: -1, msg: `no USD-M account on this fake: ${path}` });
    if (faults.rateLimit > 0) {
      faults.rateLimit--;
      return fail({ status: 429, code: -1003, msg: 'Too many requests; current limit is 2400 request weight per 1 MINUTE.' });
    }
    if (req.headers['x-mbx-apikey'] !== opts.apiKey) return fail({ status: 401, code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' });
    if (path === '/fapi/v1/listenKey') {
      // Keyed, not signed (Binance: the API key header only).
      if (method === 'POST') {
        const key = `lk${listenKeys.size + 1}x${Math.random().toString(36).slice(2, 12)}`;
        listenKeys.add(key);
        return send(200, { listenKey: key });
      }
      return send(200, {});
    }
    if (!verifySignedPayload(raw, opts.secret)) return fail({ status: 400, code: -1022, msg: 'Signature for this request is not valid.' });
    if (faults.serverError > 0) {
      faults.serverError--;
      if (method === 'POST' && path === '/fapi/v1/order' && faults.createOn5xx) createPerpOrder(p, params);
      return fail({ status: 503, code: -1000, msg: 'An unknown error occured while processing the request.' });
    }
    if (params['symbol'] !== undefined && params['symbol'] !== p.rules.symbol) return fail({ status: 400, code: -1121, msg: 'Invalid symbol.' });
    const visible = (time: number): boolean => Date.now() - time >= faults.lookupLagMs;
    switch (`${method} ${path}`) {
      case 'POST /fapi/v1/order': {
        if (faults.rejectEchoingKey > 0) {
          faults.rejectEchoingKey--;
          return fail({ status: 400, code: -2019, msg: `Margin is insufficient for API key ${opts.apiKey} (${encodeURIComponent(opts.apiKey)}).` });
        }
        const r = createPerpOrder(p, params);
        if (!('orderId' in r)) return fail(r);
        if (faults.hangAfterAccept > 0) {
          faults.hangAfterAccept--;
          log(0); // accepted, never answered
          hung.add(res);
          return;
        }
        return send(200, futuresOrderJson(p, r));
      }
      case 'DELETE /fapi/v1/order': {
        const r = p.cancel(params['origClientOrderId'], params['orderId'] !== undefined ? Number(params['orderId']) : undefined);
        return 'orderId' in r ? send(200, futuresOrderJson(p, r)) : fail(r);
      }
      case 'GET /fapi/v1/order': {
        const id = params['orderId'];
        const o = id !== undefined ? p.orders.get(Number(id)) : p.findByClientId(params['origClientOrderId'] ?? '', faults.lookupLagMs);
        return o !== undefined && visible(o.time) ? send(200, futuresOrderJson(p, o)) : fail({ status: 400, code: -2013, msg: 'Order does not exist.' });
      }
      case 'GET /fapi/v1/openOrders':
        return send(200, p.openOrders().filter((o) => visible(o.time)).map((o) => futuresOrderJson(p, o)));
      case 'GET /fapi/v1/allOrders': {
        const start = Number(params['startTime'] ?? 0);
        const all = [...p.orders.values()].filter((o) => o.time >= start && visible(o.time)).sort((a, b) => a.orderId - b.orderId);
        return send(200, all.slice(-Number(params['limit'] ?? 500)).map((o) => futuresOrderJson(p, o)));
      }
      case 'DELETE /fapi/v1/allOpenOrders':
        p.cancelAll();
        return send(200, { code: 200, msg: 'The operation of cancel all open order is done.' });
      case 'GET /fapi/v1/userTrades': {
        const start = Number(params['startTime'] ?? 0);
        const fromId = Number(params['fromId'] ?? 0);
        const mine = p.trades.filter((t) => t.time >= start && t.id >= fromId && visible(t.time));
        return send(200, mine.slice(0, Number(params['limit'] ?? 500)).map((t) => futuresTradeJson(p, t)));
      }
      case 'GET /fapi/v1/income': {
        // Binance: by incomeType and symbol, startTime / endTime inclusive, oldest first, at most `limit` (default 100, max 1000).
        const start = Number(params['startTime'] ?? 0);
        const end = params['endTime'] !== undefined ? Number(params['endTime']) : Number.POSITIVE_INFINITY;
        const type = params['incomeType'];
        const mine = p.income.filter((r) => (type === undefined || r.incomeType === type) && (params['symbol'] === undefined || r.symbol === params['symbol']) && r.time >= start && r.time <= end);
        return send(200, mine.slice(0, Math.min(1000, Number(params['limit'] ?? 100))));
      }
      case 'GET /fapi/v2/account':
      case 'GET /fapi/v3/account': {
        const now = Date.now();
        const upnl = fmt(p.unrealizedPnl);
        const im = fmt(p.positionInitialMargin + p.openOrderInitialMargin());
        return send(200, {
          totalInitialMargin: im,
          totalMaintMargin: fmt(Math.abs(p.position) * p.markPrice * 0.004),
          totalWalletBalance: fmt(p.wallet),
          totalUnrealizedProfit: upnl,
          totalMarginBalance: fmt(p.marginBalance),
          totalPositionInitialMargin: fmt(p.positionInitialMargin),
          totalOpenOrderInitialMargin: fmt(p.openOrderInitialMargin()),
          totalCrossWalletBalance: fmt(p.wallet),
          totalCrossUnPnl: upnl,
          availableBalance: fmt(p.availableBalance),
          maxWithdrawAmount: fmt(p.availableBalance),
          assets: [
            {
              asset: 'USDT',
              walletBalance: fmt(p.wallet),
              unrealizedProfit: upnl,
              marginBalance: fmt(p.marginBalance),
              maintMargin: fmt(Math.abs(p.position) * p.markPrice * 0.004),
              initialMargin: im,
              positionInitialMargin: fmt(p.positionInitialMargin),
              openOrderInitialMargin: fmt(p.openOrderInitialMargin()),
              crossWalletBalance: fmt(p.wallet),
              crossUnPnl: upnl,
              availableBalance: fmt(p.availableBalance),
              maxWithdrawAmount: fmt(p.availableBalance),
              updateTime: now,
            },
          ],
          positions: [],
        });
      }
      case 'GET /fapi/v1/positionSide/dual':
        return send(200, { dualSidePosition: p.dualSide });
      case 'GET /fapi/v1/leverageBracket':
        return send(200, [{ symbol: 'BTCUSDT', notionalCoef: 1, brackets: [{ bracket: 1, initialLeverage: 125, notionalCap: 50_000, notionalFloor: 0, maintMarginRatio: 0.004, cum: 0 }] }]);
      case 'GET /fapi/v2/positionRisk':
      case 'GET /fapi/v3/positionRisk': {
        const mark = p.markPrice;
        const notional = p.position * mark;
        const margin = Math.abs(notional) / p.leverage;
        return send(200, [
          {
            symbol: 'BTCUSDT',
            positionSide: 'BOTH',
            positionAmt: p.position.toFixed(3),
            entryPrice: p.entryPrice.toFixed(2),
            breakEvenPrice: p.entryPrice.toFixed(2),
            markPrice: mark.toFixed(8),
            unRealizedProfit: p.unrealizedPnl.toFixed(8),
            liquidationPrice: '0',
            isolatedMargin: p.marginType === 'isolated' ? margin.toFixed(8) : '0',
            notional: notional.toFixed(8),
            marginAsset: 'USDT',
            isolatedWallet: p.marginType === 'isolated' ? margin.toFixed(8) : '0',
            initialMargin: margin.toFixed(8),
            maintMargin: (Math.abs(notional) * 0.004).toFixed(8),
            positionInitialMargin: margin.toFixed(8),
            openOrderInitialMargin: p.openOrderInitialMargin().toFixed(8),
            adl: 0,
            bidNotional: '0',
            askNotional: '0',
            marginType: p.marginType,
            leverage: String(p.leverage),
            updateTime: Date.now(),
          },
        ]);
      }
      default:
        return fail({ status: 404, code: -1100, msg: `no route ${method} ${path}` });
    }
  }

  function createPerpOrder(p: FakePerpAccount, params: Record<string, string>): FakeOrder | ApiError {
    if (params['positionSide'] !== undefined && params['positionSide'] !== 'BOTH' && !p.dualSide)
      return { status: 400, code: -4061, msg: "Order's position side does not match user's setting." };
    const r = p.create({
      side: (params['side'] ?? 'BUY') as FakeSide,
      type: params['type'] ?? 'LIMIT',
      price: Number(params['price']),
      quantity: Number(params['quantity']),
      clientOrderId: params['newClientOrderId'],
      ...(params['timeInForce'] !== undefined ? { timeInForce: params['timeInForce'] } : {}),
      ...(params['reduceOnly'] !== undefined ? { reduceOnly: params['reduceOnly'] === 'true' } : {}),
    });
    if ('orderId' in r && faults.fillOnAccept > 0) {
      faults.fillOnAccept--;
      p.marketTrade(r.side === 'BUY' ? 'SELL' : 'BUY', r.price, r.origQty);
    }
    return r;
  }

  function createOrder(params: Record<string, string>): FakeOrder | ApiError {
    const account = accountOf(params['symbol']);
    if (account === undefined) return { status: 400, code: -1121, msg: 'Invalid symbol.' };
    const r = account.create({
      side: (params['side'] ?? 'BUY') as FakeSide,
      type: params['type'] ?? 'LIMIT',
      price: Number(params['price']),
      quantity: Number(params['quantity']),
      clientOrderId: params['newClientOrderId'],
      ...(params['timeInForce'] !== undefined ? { timeInForce: params['timeInForce'] } : {}),
    });
    if ('orderId' in r && faults.fillOnAccept > 0) {
      faults.fillOnAccept--;
      account.marketTrade(r.side === 'BUY' ? 'SELL' : 'BUY', r.price, r.origQty);
    }
    return r;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    restUrl: `http://127.0.0.1:${port}/api/v3`,
    wsApiUrl: `ws://127.0.0.1:${port}/ws-api/v3`,
    account,
    perp,
    faults,
    requests,
    dropUserStreams: () => {
      for (const ws of streams.keys()) ws.terminate();
      for (const ws of futuresStreams) ws.terminate();
    },
    releaseUserStreams: () => {
      faults.userStreamHang = false;
      faults.userStreamSubscribeHang = false;
      for (const [req, socket, head] of held.splice(0)) if (!socket.destroyed) upgrade(req, socket, head);
      for (const [ws, text] of heldSubscribes.splice(0)) if (ws.readyState === ws.OPEN) onWsMessage(ws, text);
    },
    subscribedStreams: () => [...streams.values()].filter(Boolean).length + futuresStreams.size,
    heldSubscriptions: () => heldSubscribes.filter(([ws]) => ws.readyState === ws.OPEN).length,
    close: async () => {
      for (const ws of streams.keys()) ws.terminate();
      for (const ws of futuresStreams) ws.terminate();
      wss.close();
      for (const res of hung) {
        res.writeHead(503, { 'content-type': 'application/json', connection: 'close' });
        res.end(JSON.stringify({ code: -1000, msg: 'closing' }));
      }
      hung.clear();
      await new Promise((r) => setImmediate(r));
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => resolve(text));
  });
}

const fmt = (x: number): string => x.toFixed(8);

function orderJson(account: FakeAccount, o: FakeOrder): Record<string, unknown> {
  return {
    symbol: account.rules.symbol,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    price: fmt(o.price),
    origQty: fmt(o.origQty),
    executedQty: fmt(o.executedQty),
    cummulativeQuoteQty: fmt(o.cumQuote),
    status: o.status,
    timeInForce: o.timeInForce ?? 'GTC',
    type: o.type,
    side: o.side,
    stopPrice: '0.00000000',
    icebergQty: '0.00000000',
    time: o.time,
    updateTime: o.updateTime,
    isWorking: true,
    origQuoteOrderQty: '0.00000000',
  };
}

function tradeJson(account: FakeAccount, t: FakeTrade): Record<string, unknown> {
  return {
    symbol: account.rules.symbol,
    id: t.id,
    orderId: t.orderId,
    orderListId: -1,
    price: fmt(t.price),
    qty: fmt(t.qty),
    quoteQty: fmt(t.price * t.qty),
    commission: fmt(t.commission),
    commissionAsset: t.commissionAsset,
    time: t.time,
    isBuyer: t.side === 'BUY',
    isMaker: t.maker,
    isBestMatch: true,
  };
}

function executionReport(account: FakeAccount, e: ExecutionEvent): Record<string, unknown> {
  const o = e.order;
  const t = e.trade;
  return {
    e: 'executionReport',
    E: Date.now(),
    s: account.rules.symbol,
    c: o.clientOrderId,
    S: o.side,
    o: o.type,
    f: o.timeInForce ?? 'GTC',
    q: fmt(o.origQty),
    p: fmt(o.price),
    P: '0.00000000',
    F: '0.00000000',
    g: -1,
    C: '',
    x: e.execType,
    X: o.status,
    r: 'NONE',
    i: o.orderId,
    l: fmt(t?.qty ?? 0),
    z: fmt(o.executedQty),
    L: fmt(t?.price ?? 0),
    n: fmt(t?.commission ?? 0),
    N: t !== undefined ? t.commissionAsset : null,
    T: o.updateTime,
    t: t?.id ?? -1,
    I: 1,
    w: o.status === 'NEW' || o.status === 'PARTIALLY_FILLED',
    m: t?.maker === true,
    M: false,
    O: o.time,
    Z: fmt(o.cumQuote),
    Y: fmt((t?.price ?? 0) * (t?.qty ?? 0)),
    Q: '0.00000000',
  };
}

/** A USD-M order as /fapi/v1/order returns it (positionSide and closePosition mark it a contract order). */
function futuresOrderJson(p: FakePerpAccount, o: FakeOrder): Record<string, unknown> {
  return {
    orderId: o.orderId,
    symbol: p.rules.symbol,
    status: o.status,
    clientOrderId: o.clientOrderId,
    price: num(o.price),
    avgPrice: o.executedQty > 0 ? num(o.cumQuote / o.executedQty) : '0',
    origQty: num(o.origQty),
    executedQty: num(o.executedQty),
    cumQty: num(o.executedQty),
    cumQuote: num(o.cumQuote),
    timeInForce: o.timeInForce ?? 'GTC',
    type: o.type,
    reduceOnly: o.reduceOnly === true,
    closePosition: false,
    side: o.side,
    positionSide: 'BOTH',
    stopPrice: '0',
    workingType: 'CONTRACT_PRICE',
    priceProtect: false,
    origType: o.type,
    priceMatch: 'NONE',
    selfTradePreventionMode: 'EXPIRE_MAKER',
    goodTillDate: 0,
    time: o.time,
    updateTime: o.updateTime,
  };
}

/** A USD-M own trade as /fapi/v1/userTrades lists it: the commission (positive: paid) and the PnL it realised. */
function futuresTradeJson(p: FakePerpAccount, t: FakeTrade): Record<string, unknown> {
  return {
    buyer: t.side === 'BUY',
    commission: num(t.commission),
    commissionAsset: t.commissionAsset,
    id: t.id,
    maker: t.maker,
    orderId: t.orderId,
    price: num(t.price),
    qty: num(t.qty),
    quoteQty: num(t.price * t.qty),
    realizedPnl: num(t.realizedPnl ?? 0),
    side: t.side,
    positionSide: 'BOTH',
    symbol: p.rules.symbol,
    time: t.time,
  };
}

/** The USD-M user-data stream's ORDER_TRADE_UPDATE of one execution. */
function orderTradeUpdate(p: FakePerpAccount, e: ExecutionEvent): Record<string, unknown> {
  const o = e.order;
  const t = e.trade;
  const now = Date.now();
  return {
    e: 'ORDER_TRADE_UPDATE',
    E: now,
    T: t?.time ?? o.updateTime,
    o: {
      s: p.rules.symbol,
      c: o.clientOrderId,
      S: o.side,
      o: o.type,
      f: o.timeInForce ?? 'GTC',
      q: num(o.origQty),
      p: num(o.price),
      ap: o.executedQty > 0 ? num(o.cumQuote / o.executedQty) : '0',
      sp: '0',
      x: e.execType,
      X: o.status,
      i: o.orderId,
      l: num(t?.qty ?? 0),
      z: num(o.executedQty),
      L: num(t?.price ?? 0),
      ...(t !== undefined ? { N: t.commissionAsset, n: num(t.commission) } : {}),
      T: t?.time ?? o.updateTime,
      t: t?.id ?? 0,
      b: '0',
      a: '0',
      m: t?.maker === true,
      R: o.reduceOnly === true,
      wt: 'CONTRACT_PRICE',
      ot: o.type,
      ps: 'BOTH',
      cp: false,
      rp: num(t?.realizedPnl ?? 0),
      pP: false,
      si: 0,
      ss: 0,
      V: 'EXPIRE_MAKER',
      pm: 'NONE',
      gtd: 0,
    },
  };
}

/** A USD-M figure as Binance writes it: a decimal string without trailing noise. */
const num = (x: number): string => String(Math.round(x * 1e8) / 1e8);

/** Binance spot's exchangeInfo listing these markets (also what the replay fake serves, at its own server time). */
export function spotExchangeInfo(markets: readonly FakeMarketRules[], serverTime = Date.now()): Record<string, unknown> {
  return {
    timezone: 'UTC',
    serverTime,
    rateLimits: [],
    exchangeFilters: [],
    symbols: markets.map((r) => (
      {
        symbol: r.symbol,
        status: 'TRADING',
        baseAsset: r.base,
        baseAssetPrecision: 8,
        quoteAsset: r.quote,
        quotePrecision: 8,
        quoteAssetPrecision: 8,
        baseCommissionPrecision: 8,
        quoteCommissionPrecision: 8,
        orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
        icebergAllowed: true,
        ocoAllowed: true,
        quoteOrderQtyMarketAllowed: true,
        allowTrailingStop: true,
        cancelReplaceAllowed: true,
        isSpotTradingAllowed: true,
        isMarginTradingAllowed: false,
        filters: [
          { filterType: 'PRICE_FILTER', minPrice: fmt(r.tickSize), maxPrice: '1000000.00000000', tickSize: fmt(r.tickSize) },
          { filterType: 'LOT_SIZE', minQty: fmt(r.minQty), maxQty: '9000.00000000', stepSize: fmt(r.stepSize) },
          { filterType: 'NOTIONAL', minNotional: fmt(r.minNotional), applyMinToMarket: true, maxNotional: '9000000.00000000', applyMaxToMarket: false, avgPriceMins: 5 },
        ],
        permissions: [],
        permissionSets: [['SPOT']],
        defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
        allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
      })),
  };
}
