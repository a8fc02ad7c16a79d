// The live adapter against a scripted exchange: lookup before retry, never a blind re-send, fills de-duplicated, cancel after place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OrderEventHandler } from '../../orders/index.js';
import { ClientOrderIds } from './client-order-id.js';
import { LiveAdapter, type LiveSignal } from './live-adapter.js';
import { VenueFault, type LiveExchange, type LiveOrder, type LiveTrade } from './live-types.js';
import { waitFor } from '../../../test/wait-for.js';

type Script = Partial<Record<keyof LiveExchange, (...args: never[]) => Promise<unknown>>>;

function scripted(s: Script): LiveExchange & { calls: string[] } {
  const calls: string[] = [];
  const wrap =
    (name: keyof LiveExchange) =>
    (...args: unknown[]): Promise<unknown> => {
      calls.push(name);
      const f = s[name] as ((...a: unknown[]) => Promise<unknown>) | undefined;
      return f !== undefined ? f(...args) : Promise.reject(new VenueFault('fatal', `${name} not scripted`));
    };
  return {
    id: 'scripted',
    calls,
    capabilities: { postOnly: true, cancelAll: true, fetchOrder: true, fetchOrders: true, fetchOpenOrders: true, fetchMyTrades: true, watchOrders: false, watchMyTrades: false },
    market: wrap('market'),
    bidAsk: wrap('bidAsk'),
    balances: wrap('balances'),
    createPostOnly: wrap('createPostOnly'),
    cancel: wrap('cancel'),
    cancelAll: wrap('cancelAll'),
    orderByClientId: wrap('orderByClientId'),
    orderById: wrap('orderById'),
    ordersSince: wrap('ordersSince'),
    openOrders: wrap('openOrders'),
    myTrades: wrap('myTrades'),
    watchOrders: wrap('watchOrders'),
    watchMyTrades: wrap('watchMyTrades'),
    close: async () => {},
  } as LiveExchange & { calls: string[] };
}

function recorder(): OrderEventHandler & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    onAccepted: (_t, id) => events.push(`accepted ${id}`),
    onRejected: (_t, id, r) => events.push(`rejected ${id} ${r}`),
    onDenied: (_t, id, r) => events.push(`denied ${id} ${r}`),
    onCanceled: (_t, id) => events.push(`canceled ${id}`),
    onFill: (_t, id, side, price, qty) => events.push(`fill ${id} ${side} ${price} ${qty}`),
  };
}

const ids = new ClientOrderIds('unit');
const order = (over: Partial<LiveOrder> = {}): LiveOrder => ({ id: '11', clientOrderId: ids.of(1), side: 1, price: 100, amount: 1, filled: 0, status: 'open', ...over });

/** A wall clock that the test moves (µs), so that settle windows pass without waiting for them. */
function clock(startMs = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = startMs;
  return { now: () => t * 1000, advance: (ms) => (t += ms) };
}

test('a timeout whose lookup finds the order: accepted once, created once', async () => {
  const ex = scripted({
    createPostOnly: async () => {
      throw new VenueFault('transient', 'RequestTimeout');
    },
    orderByClientId: async () => order(),
  });
  const h = recorder();
  const a = new LiveAdapter({ exchange: ex, symbol: 'X/Y', ids, handler: h, now: () => 0, backoffMs: 1 });
  a.place(0, 1, 1, 100, 1);
  await a.idle();
  assert.deepEqual(h.events, ['accepted 1']);
  assert.deepEqual(ex.calls, ['createPostOnly', 'orderByClientId']);
});

test('"not found" is absence only after the settle window, and only when closed orders and own trades agree: then the same id goes out again', async () => {
  const c = clock();
  let n = 0;
  const sent: string[] = [];
  const asked: number[] = [];
  const ex = scripted({
    createPostOnly: async (...args: never[]) => {
      sent.push(String(args[4]));
      if (n++ === 0) throw new VenueFault('transient', 'ECONNRESET');
      return order();
    },
    orderByClientId: async () => {
      asked.push(c.now() / 1000);
      c.advance(60); // each round of lookups takes a while
      return undefined;
    },
    ordersSince: async () => [order({ clientOrderId: 'someone-else', id: '99' })],
    myTrades: async () => [] as LiveTrade[],
  });
  const h = recorder();
  const a = new LiveAdapter({ exchange: ex, symbol: 'X/Y', ids, handler: h, now: c.now, backoffMs: 1, settleMs: 100 });
  a.place(0, 1, 1, 100, 1);
  await a.idle();
  assert.deepEqual(h.events, ['accepted 1']);
  assert.deepEqual(sent, [ids.of(1), ids.of(1)]);
  assert.ok(asked.length >= 2, 'the first "not found" came inside the settle window and was asked again');
  assert.ok(asked[asked.length - 1]! - asked[0]! >= 100 - 60);
});

test('a lagging order lookup with a trade of an unknown order: the order is found through the trade, never sent twice', async () => {
  const c = clock();
  let creates = 0;
  const ex = scripted({
    createPostOnly: async () => {
      creates++;
      throw new VenueFault('transient', 'RequestTimeout');
    },
    orderByClientId: async () => {
      c.advance(200);
      return undefined; // the query service has not caught up
    },
    ordersSince: async () => [],
    myTrades: async () => [{ id: 't9', orderId: '77', side: 1, price: 100, qty: 1, fee: 0, feeBase: 0, liquidity: 'maker', ts: 5 }] as LiveTrade[],
    orderById: async () => order({ id: '77', status: 'closed', filled: 1 }),
  });
  const h = recorder();
  const a = new LiveAdapter({ exchange: ex, symbol: 'X/Y', ids, handler: h, now: c.now, backoffMs: 1, settleMs: 100 });
  a.place(0, 1, 1, 100, 1);
  await a.idle();
  assert.equal(creates, 1);
  assert.deepEqual(h.events, ['accepted 1', 'fill 1 1 100 1'], 'the fill that happened before the lost answer is booked');
});

test('when the lookups fail the order is never re-sent blind: it is marked uncertain for reconciliation', async () => {
  const signals: LiveSignal[] = [];
  const ex = scripted({
    createPostOnly: async () => {
      throw new VenueFault('transient', 'RequestTimeout');
    },
    orderByClientId: async () => {
      throw new VenueFault('transient', 'RequestTimeout');
    },
  });
  const h = recorder();
  const a = new LiveAdapter({ exchange: ex, symbol: 'X/Y', ids, handler: h, now: () => 0, backoffMs: 1, attempts: 3, lookupRounds: 2, onSignal: (s) => signals.push(s) });
  a.place(0, 1, 1, 100, 1);
  await a.idle();
  assert.equal(ex.calls.filter((x) => x === 'createPostOnly').length, 1);
  assert.deepEqual(h.events, []);
  assert.equal(a.orders.get(1)?.state, 'uncertain');
  assert.equal(signals[0]?.kind, 'uncertain');
});

test('a cancel waits for its place; fills are applied once per trade id; a fill beyond the quantity is ignored', async () => {
  let release: () => void = () => {};
  const ex = scripted({
    createPostOnly: () => new Promise((resolve) => (release = () => resolve(order()))),
    cancel: async () => order({ status: 'canceled', filled: 0.5 }),
    myTrades: async () => [] as LiveTrade[],
  });
  const h = recorder();
  const a = new LiveAdapter({ exchange: ex, symbol: 'X/Y', ids, handler: h, now: () => 0, backoffMs: 1 });
  a.place(0, 1, 1, 100, 1);
  a.cancel(0, 1);
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(ex.calls, ['createPostOnly'], 'the cancel has not overtaken the place');
  const trade: LiveTrade = { id: 't1', orderId: '11', side: 1, price: 100, qty: 0.5, fee: 0.01, feeBase: 0, liquidity: 'maker', ts: 1 };
  a.applyTrade(trade); // arrives before the acknowledgement: kept until the order id is known
  release();
  await a.idle();
  a.applyTrade(trade);
  a.applyTrade({ ...trade, id: 't2', qty: 0.7 });
  assert.deepEqual(h.events, ['accepted 1', 'fill 1 1 100 0.5', 'canceled 1']);
});

test('a venue rejection is reported once and not retried', async () => {
  const ex = scripted({
    createPostOnly: async () => {
      throw new VenueFault('rejected', 'createOrder: BadRequest: {"code":-1013,"msg":"Filter failure: NOTIONAL"}');
    },
  });
  const h = recorder();
  const a = new LiveAdapter({ exchange: ex, symbol: 'X/Y', ids, handler: h, now: () => 0, backoffMs: 1 });
  a.place(0, 1, 1, 100, 0.00001);
  await a.idle();
  assert.equal(h.events.length, 1);
  assert.match(h.events[0]!, /^rejected 1 .*NOTIONAL/);
  assert.deepEqual(ex.calls, ['createPostOnly']);
});

/** Private streams over the websocket: the order stream drops once, then its reconnect (`reconnecting` called) never resolves; the trade stream never does. */
function streamsDroppedOnce(reconnecting: () => void): { ex: ReturnType<typeof scripted>; calls: { n: number } } {
  const calls = { n: 0 };
  const never = new Promise<never>(() => {});
  const ex = scripted({
    watchOrders: async () => {
      calls.n++;
      if (calls.n === 1) throw new VenueFault('transient', 'connection closed by remote server');
      reconnecting();
      return never;
    },
    watchMyTrades: async () => never,
  });
  (ex as { capabilities: { watchOrders: boolean; watchMyTrades: boolean } }).capabilities = { ...ex.capabilities, watchOrders: true, watchMyTrades: true };
  return { ex, calls };
}

test('a private stream is back after a drop only once its socket is open: a reconnect still connecting does not resume quoting', async () => {
  let open = true;
  // The reconnect: its socket connects slowly (ccxt would fail it only at its connection timeout).
  const { ex, calls } = streamsDroppedOnce(() => (open = false));
  ex.privateStreamOpen = () => open;
  const signals: string[] = [];
  const a = new LiveAdapter({ exchange: ex, symbol: 'X/Y', ids, handler: recorder(), now: () => 0, backoffMs: 1, onSignal: (s: LiveSignal) => signals.push(s.kind) });
  a.start();
  try {
    await waitFor('the drop', () => signals.includes('disconnected'), 5_000);
    await new Promise((r) => setTimeout(r, 400)); // four holds of 100 ms: the socket is still not open
    assert.deepEqual(signals, ['disconnected'], 'not back while the socket is connecting');
    open = true;
    await waitFor('the stream back', () => signals.includes('reconnected'), 5_000);
    assert.deepEqual(signals, ['disconnected', 'reconnected']);
    assert.equal(calls.n, 2, 'the reconnect was not given up and started again');
  } finally {
    await a.stop();
  }
});

test('a private stream that never counts as back (its socket or subscription never confirmed) takes the fatal path once its budget is spent', async () => {
  const { ex } = streamsDroppedOnce(() => {});
  ex.privateStreamOpen = () => false;
  const c = clock();
  const signals: LiveSignal[] = [];
  const a = new LiveAdapter({ exchange: ex, symbol: 'X/Y', ids, handler: recorder(), now: c.now, backoffMs: 1, streamBudgetMs: 60_000, onSignal: (s: LiveSignal) => signals.push(s) });
  a.start();
  try {
    await waitFor('the drop', () => signals.some((s) => s.kind === 'disconnected'), 5_000);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(signals.map((s) => s.kind), ['disconnected'], 'within its budget: halted, waiting');
    c.advance(60_000);
    await waitFor('the fatal path', () => signals.some((s) => s.kind === 'fatal'), 5_000);
    const fatal = signals.find((s) => s.kind === 'fatal') as { reason: string };
    assert.match(fatal.reason, /private orders stream not back for 60 s, past its retry budget of 60 s/);
    assert.ok(!signals.some((s) => s.kind === 'reconnected'));
  } finally {
    await a.stop();
  }
});
