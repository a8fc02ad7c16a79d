// Position reconciliation against a scripted exchange: a fill in flight is never a mismatch, a real difference always is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenOrders, type OrderEventHandler } from '../../orders/index.js';
import { ClientOrderIds } from './client-order-id.js';
import { LiveAdapter } from './live-adapter.js';
import { reconcilePositions, type ReconcileCore } from './reconcile-positions.js';
import { VenueFault, type LiveExchange, type LiveOrder, type LiveTrade } from './live-types.js';

const ids = new ClientOrderIds('unit');
const OPEN: LiveOrder = { id: '11', clientOrderId: ids.of(1), side: 1, price: 100, amount: 1, filled: 0, status: 'open' };
const trade = (id: string, orderId: string, qty: number): LiveTrade => ({ id, orderId, side: 1, price: 100, qty, fee: 0, feeBase: 0, liquidity: 'maker', ts: 1_000_000_000 });

interface Rig {
  adapter: LiveAdapter;
  handler: OrderEventHandler;
  core: ReconcileCore & { portfolio: { position: number }; fills: { length: number } };
}

/** One open buy of ours (exchange id 11), the exchange holding 10 BTC at a flat position (offset 10). */
function rig(ex: Partial<LiveExchange>): Rig {
  const core = { open: new OpenOrders(), portfolio: { position: 0 }, fills: { length: 0 }, nextId: () => 99 };
  const handler: OrderEventHandler = {
    onAccepted: () => {},
    onRejected: () => {},
    onDenied: () => {},
    onCanceled: () => {},
    onFill: (_t, _id, side, _p, qty) => {
      core.portfolio.position += side * qty;
      core.fills.length++;
    },
  };
  const exchange = {
    id: 'scripted',
    capabilities: { postOnly: true, cancelAll: true, fetchOrder: true, fetchOrders: true, fetchOpenOrders: true, fetchMyTrades: true, watchOrders: false, watchMyTrades: false },
    openOrders: async () => [OPEN],
    cancel: async () => {
      throw new VenueFault('fatal', 'no cancel expected');
    },
    ...ex,
  } as LiveExchange;
  const adapter = new LiveAdapter({ exchange, symbol: 'BTC/USDT', ids, handler, now: () => 1_000_000_000, backoffMs: 1 });
  adapter.adopt(1, ids.of(1), 1, 100, 1, 0, '11');
  return { adapter, handler, core };
}

const run = (r: Rig) => reconcilePositions({ adapter: r.adapter, core: r.core, handler: r.handler, ids, base: 'BTC', baseline: () => ({ offset: 10 }), now: () => 0 }, { unknownOrders: 'cancel', positionTolerance: 1e-9 }, 'periodic');

test('a fill the exchange already counts but the stream has not delivered: applied from its own-trade list, no mismatch', async () => {
  const r = rig({ balances: async () => ({ BTC: { free: 10.5, used: 0, total: 10.5 } }), myTrades: async () => [trade('t1', '11', 0.5)] });
  const rep = await run(r);
  assert.equal(rep.mismatch, undefined);
  assert.equal(rep.holdingCompared, true);
  assert.equal(r.core.portfolio.position, 0.5, 'the fill is booked once');
  assert.equal(r.core.fills.length, 1);
});

test('a fill booked while the balance was being read: read again, no mismatch', async () => {
  let calls = 0;
  const r: Rig = rig({
    balances: async () => {
      // The snapshot predates the fill; the stream delivers it before the answer comes back.
      if (calls++ === 0) {
        r.adapter.applyTrade(trade('t1', '11', 0.5));
        return { BTC: { free: 10, used: 0, total: 10 } };
      }
      return { BTC: { free: 10.5, used: 0, total: 10.5 } };
    },
    myTrades: async () => [trade('t1', '11', 0.5)],
  });
  const rep = await run(r);
  assert.equal(rep.mismatch, undefined);
  assert.equal(calls, 2, 'the balance is read again after the fill');
  assert.equal(rep.exchangeBase, 10.5);
  assert.equal(rep.corePosition, 0.5);
});

test('a real difference (a trade of an order that is not ours) is a mismatch', async () => {
  const r = rig({ balances: async () => ({ BTC: { free: 10.2, used: 0, total: 10.2 } }), myTrades: async () => [trade('t9', '99', 0.2)] });
  const rep = await run(r);
  assert.equal(rep.holdingCompared, true);
  assert.match(rep.mismatch ?? '', /exchange holds 10\.2 BTC, ledger expects 10 \(difference 0\.2/);
  assert.equal(r.core.fills.length, 0, 'a foreign trade is not booked as ours');
});

test('fills that keep arriving: no verdict this time rather than a false one', async () => {
  let n = 0;
  const r: Rig = rig({
    balances: async () => {
      r.adapter.applyTrade(trade(`s${++n}`, '11', 0.01));
      return { BTC: { free: 10, used: 0, total: 10 } };
    },
    myTrades: async () => [],
  });
  const rep = await run(r);
  assert.equal(rep.holdingCompared, false);
  assert.equal(rep.mismatch, undefined);
});
