// The live adapter against a scripted exchange: lookup before retry, never a blind re-send, fills de-duplicated, cancel after place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OrderEventHandler } from '../../orders/index.js';
import { ClientOrderIds } from './client-order-id.js';
import { LiveAdapter, type LiveSignal } from './live-adapter.js';
import { VenueFault, type LiveExchange, type LiveOrder, type LiveTrade } from './live-types.js';

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
    capabilities: { postOnly: true, cancelAll: true, fetchOrder: true, fetchOpenOrders: true, fetchMyTrades: true, watchOrders: false, watchMyTrades: false },
    market: wrap('market'),
    bidAsk: wrap('bidAsk'),
    balances: wrap('balances'),
    createPostOnly: wrap('createPostOnly'),
    cancel: wrap('cancel'),
    cancelAll: wrap('cancelAll'),
    orderByClientId: wrap('orderByClientId'),
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

test('a timeout whose lookup says "not there" is retried with the same client order id', async () => {
  let n = 0;
  const sent: string[] = [];
  const ex = scripted({
    createPostOnly: async (...args: never[]) => {
      sent.push(String(args[4]));
      if (n++ === 0) throw new VenueFault('transient', 'ECONNRESET');
      return order();
    },
    orderByClientId: async () => undefined,
  });
  const h = recorder();
  const a = new LiveAdapter({ exchange: ex, symbol: 'X/Y', ids, handler: h, now: () => 0, backoffMs: 1 });
  a.place(0, 1, 1, 100, 1);
  await a.idle();
  assert.deepEqual(h.events, ['accepted 1']);
  assert.deepEqual(sent, [ids.of(1), ids.of(1)]);
});

test('when the lookup itself fails the order is never re-sent blind: it is marked uncertain for reconciliation', async () => {
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
  const a = new LiveAdapter({ exchange: ex, symbol: 'X/Y', ids, handler: h, now: () => 0, backoffMs: 1, attempts: 3, onSignal: (s) => signals.push(s) });
  a.place(0, 1, 1, 100, 1);
  await a.idle();
  assert.equal(ex.calls.filter((c) => c === 'createPostOnly').length, 1);
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
