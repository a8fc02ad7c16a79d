// The live order tracker forgets settled orders in time: a day of live trading keeps memory bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OrderEventHandler } from '../../orders/index.js';
import { ClientOrderIds } from './client-order-id.js';
import { LiveAdapter } from './live-adapter.js';
import type { LiveExchange, LiveOrder } from './live-types.js';
import { OrderTracker } from './order-tracker.js';

test('a day of orders (one a second, each filled or cancelled) keeps only the last hour in memory', () => {
  const hourMs = 3_600_000;
  const tr = new OrderTracker(hourMs);
  let peak = 0;
  const t0 = 1_700_000_000_000;
  for (let i = 1; i <= 86_400; i++) {
    const now = t0 + i * 1000;
    const t = tr.track(i, `mm-${i}`, i % 2 === 0 ? 1 : -1, 100, 1, 0, now);
    tr.setOrderId(t, String(10_000 + i));
    if (i % 3 === 0) tr.markSeen(t, `trade-${i}`);
    tr.done(t, now + 500);
    tr.prune(now);
    peak = Math.max(peak, tr.sizes().orders);
  }
  const s = tr.sizes();
  assert.ok(peak <= 3_601 + 1, `at most an hour of orders at once (peak ${peak})`);
  assert.ok(s.orders <= 3_601 && s.trades <= 1_201 && s.queue <= 3_601, JSON.stringify(s));
  // A trade whose order never shows up is dropped after the same time, with a log line.
  const lines: string[] = [];
  const tr2 = new OrderTracker(1000, (event) => lines.push(event));
  tr2.holdOrphan({ id: 'x', orderId: '1', side: 1, price: 1, qty: 1, fee: 0, feeBase: 0, liquidity: 'maker', ts: 0 }, 0);
  tr2.prune(500);
  assert.equal(tr2.sizes().orphans, 1);
  tr2.prune(1500);
  assert.equal(tr2.sizes().orphans, 0);
  assert.deepEqual(lines, ['live_trade_unattributed']);
});

test('the live adapter over thousands of orders: settled ones are forgotten, live ones and recent ones kept', async () => {
  let clockMs = 1_700_000_000_000;
  let nextId = 1;
  const book = new Map<string, LiveOrder>();
  const ex = {
    id: 'instant',
    capabilities: { postOnly: true, cancelAll: true, fetchOrder: true, fetchOrders: true, fetchOpenOrders: true, fetchMyTrades: true, watchOrders: false, watchMyTrades: false },
    createPostOnly: async (_s: string, side: 1 | -1, qty: number, price: number, coid: string) => {
      const o: LiveOrder = { id: String(nextId++), clientOrderId: coid, side, price, amount: qty, filled: 0, status: 'open' };
      book.set(coid, o);
      return o;
    },
    cancel: async (_s: string, coid: string) => {
      const o = book.get(coid);
      if (o === undefined) return undefined;
      book.delete(coid);
      return { ...o, status: 'canceled' as const };
    },
  } as unknown as LiveExchange;
  const handler: OrderEventHandler = { onAccepted: () => {}, onRejected: () => {}, onDenied: () => {}, onCanceled: () => {}, onFill: () => {} };
  const a = new LiveAdapter({ exchange: ex, symbol: 'X/Y', ids: new ClientOrderIds('mem'), handler, now: () => clockMs * 1000, forgetAfterMs: 60_000 });
  for (let i = 1; i <= 5_000; i++) {
    a.place(0, i, 1, 100, 1);
    if (i > 1) a.cancel(0, i - 1);
    await a.idle();
    clockMs += 1000;
  }
  assert.ok(a.orders.size <= 62, `tracked: ${a.orders.size}`);
  assert.equal(a.live().length, 1, 'the one open order is kept');
  assert.ok(a.orders.has(5_000) && a.orders.has(4_990), 'recent settled orders are still known (late fills find them)');
  assert.ok(!a.orders.has(10), 'old ones are forgotten (the ledger keeps them)');
});
