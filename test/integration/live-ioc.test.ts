// Immediate-or-cancel orders on the live order path: the real ccxt client against the fake (spot and USD-M), and a live session's IOC from decision to ledger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger, checkLedgerInvariants } from '../../src/ledger/index.js';
import { ClientOrderIds } from '../../src/venues/ccxt/client-order-id.js';
import type { MarketView, QuoteTarget, Strategy, TakeOrder } from '../../src/strategy/index.js';
import { startFakePrivateExchange } from '../fake-exchange/private/index.js';
import { TEST_KEY, TEST_SECRET, ledgerCount, noDuplicateOrders, openExchange, startRig, waitFor } from './live-helpers.js';
import { FLAT_PERP, PERP_SYMBOL, openPerpExchange } from './live-perp-helpers.js';

const near = (a: number, b: number, eps = 1e-9): boolean => Math.abs(a - b) <= eps;

test('IOC through ccxt against the fake: spot and USD-M take the touch up to their limit, the rest expires; never open, taker fee, our client order id', async () => {
  const fake = await startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET, perp: FLAT_PERP });
  const spot = await openExchange(fake);
  const perp = await openPerpExchange(fake);
  try {
    assert.equal(spot.capabilities.ioc, true);
    assert.equal(perp.capabilities.ioc, true);
    const a = fake.account;
    // The ask shows 0.0004 BTC: a buy of 0.001 up to 60,001 takes it at 60,000.5 and the rest expires.
    a.setMarket(60_000, 60_000.5, 1, 0.0004);
    const usdt0 = a.balance('USDT').free;
    const x = await spot.createIoc!('BTC/USDT', 1, 0.001, 60_001, 'ioc-spot-a');
    assert.deepEqual([x.clientOrderId, x.status, x.filled, x.amount], ['ioc-spot-a', 'expired', 0.0004, 0.001]);
    const sent = fake.requests.find((r) => r.method === 'POST' && r.path === 'order')!;
    assert.deepEqual([sent.params['type'], sent.params['timeInForce'], sent.params['newClientOrderId']], ['LIMIT', 'IOC', 'ioc-spot-a']);
    const [tr] = await spot.myTrades('BTC/USDT', undefined);
    assert.deepEqual([tr!.price, tr!.qty, tr!.liquidity, tr!.orderId], [60_000.5, 0.0004, 'taker', x.id]);
    // Paid at the touch's price with the fee; nothing stays locked (the unfilled rest and the price improvement are released).
    assert.ok(near(a.balance('USDT').free, usdt0 - 0.0004 * 60_000.5 - tr!.fee, 1e-6), `USDT ${a.balance('USDT').free}`);
    assert.ok(near(a.balance('USDT').locked, 0), 'nothing locked');
    assert.deepEqual(await spot.openOrders('BTC/USDT'), []);
    assert.equal((await spot.orderByClientId('BTC/USDT', 'ioc-spot-a'))?.status, 'expired', 'a lookup by client order id finds it expired');
    // A limit that does not reach the touch takes nothing and expires; a whole fill is closed.
    const none = await spot.createIoc!('BTC/USDT', -1, 0.001, 60_100, 'ioc-spot-b');
    assert.deepEqual([none.status, none.filled], ['expired', 0]);
    a.setMarket(60_000, 60_000.5, 1, 1);
    const whole = await spot.createIoc!('BTC/USDT', -1, 0.001, 59_999, 'ioc-spot-c');
    assert.deepEqual([whole.status, whole.filled], ['closed', 0.001]);

    // USD-M: a sell of 0.003 when the bid shows 0.002: 0.002 taken at the bid (taker fee 0.05 %), a short opened; the rest expires.
    const p = fake.perp!;
    p.setMarket(60_000, 60_000.1, 0.002, 1);
    const y = await perp.createIoc!(PERP_SYMBOL, -1, 0.003, 59_999.9, 'ioc-perp-a');
    assert.deepEqual([y.status, y.filled], ['expired', 0.002]);
    const fsent = fake.requests.find((r) => r.method === 'POST' && r.path === '/fapi/v1/order')!;
    assert.deepEqual([fsent.params['type'], fsent.params['timeInForce'], fsent.params['newClientOrderId']], ['LIMIT', 'IOC', 'ioc-perp-a']);
    const [ptr] = await perp.myTrades(PERP_SYMBOL, undefined);
    assert.deepEqual([ptr!.price, ptr!.qty, ptr!.liquidity], [60_000, 0.002, 'taker']);
    assert.ok(near(ptr!.fee, 60_000 * 0.002 * 0.0005, 1e-8), `fee ${ptr!.fee}`);
    assert.equal(p.position, -0.002);
    assert.deepEqual(await perp.openOrders(PERP_SYMBOL), []);
  } finally {
    await spot.close();
    await perp.close();
    await fake.close();
  }
});

/** Quotes nothing; sends the immediate-or-cancel orders a test queues, one per decision. */
class TakeQueue implements Strategy {
  readonly name = 'take-queue';
  readonly queue: TakeOrder[] = [];
  decide(_v: Readonly<MarketView>, out: QuoteTarget): void {
    out.bidPrice = out.askPrice = Number.NaN;
    out.bidQty = out.askQty = 0;
    out.take = this.queue.shift();
  }
}

test('a live session sends an IOC: the partial fill is booked once, the order ends cancelled in the core, the adapter and the ledger; a lost answer is looked up and never sent again', async () => {
  const strategy = new TakeQueue();
  const rig = await startRig({ strategy });
  const a = rig.fake.account;
  try {
    a.setMarket(60_000, 60_000.5, 1, 0.0004);
    await waitFor('the preflight', () => rig.session.lastPreflight !== undefined);
    strategy.queue.push({ side: 1, price: 60_000.5, qty: 0.001 });
    await waitFor('the IOC ended', () => a.orders.size === 1 && rig.session.core.fills.length === 1 && rig.session.core.open.count === 0 && rig.session.adapter.live().length === 0);
    const f = rig.session.core.fills;
    assert.deepEqual([f.side[0], f.price[0], f.qty[0], f.taker[0]], [1, 60_000.5, 0.0004, 1]);
    assert.ok(near(rig.session.core.portfolio.position, 0.0004));

    // The answer to the next create is lost (the fake carries it out and never answers): the adapter looks
    // the order up by its client order id, finds it expired with its fill, and does not send it again.
    a.setMarket(60_000, 60_000.5, 0.0003, 1);
    rig.fake.faults.hangAfterAccept = 1;
    strategy.queue.push({ side: -1, price: 60_000, qty: 0.001 });
    await waitFor('the second IOC settled', () => a.orders.size === 2 && rig.session.core.fills.length === 2 && rig.session.core.open.count === 0 && rig.session.adapter.live().length === 0, 30_000);
    assert.ok(rig.lines.some((l) => l.includes('"event":"live_order_found"')), 'settled by lookup');
    rig.session.stop();
    const summary = await rig.run;
    assert.equal(summary.fills, 2);
    assert.equal(summary.mismatches, 0, 'the holding equals the ledger');
    assert.ok(noDuplicateOrders(rig.fake), 'no client order id sent twice');
    assert.equal(a.trades.length, 2);
    assert.ok(near(rig.session.core.portfolio.position, 0.0004 - 0.0003));

    const db = rig.ledger.db;
    const orders = db.prepare<[], { status: string; qty: number; remaining: number }>('SELECT status, qty, remaining FROM orders ORDER BY client_id').all();
    assert.deepEqual(
      orders.map((o) => [o.status, o.qty, Math.round(o.remaining * 1e9) / 1e9]),
      [
        ['canceled', 0.001, 0.0006],
        ['canceled', 0.001, 0.0007],
      ],
      'each IOC ended cancelled with its unfilled rest, never open',
    );
    assert.equal(ledgerCount(rig.ledger, "SELECT count(*) AS n FROM fills WHERE liquidity = 'taker'"), 2, 'each fill journaled once, as taker');
    assert.deepEqual(checkLedgerInvariants(db), []);
  } finally {
    rig.session.stop();
    await rig.run.catch(() => undefined);
    await rig.close();
    await rig.fake.close();
    rmSync(rig.dir, { recursive: true, force: true });
  }
});

test('a restart after a crash with an IOC in flight: the ledger has it pending, the exchange expired it with a fill; the start reconciliation books the fill once and ends the order', async () => {
  const fake = await startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET });
  const dir = mkdtempSync(join(tmpdir(), 'mm-live-ioc-restart-'));
  const a = fake.account;
  a.setMarket(60_000, 60_000.5, 1, 0.0004);
  // The crashed run: the order journaled (pending-new), then sent; the process died before any answer.
  const coid = new ClientOrderIds('run_live_test').of(1);
  const before = new Ledger(join(dir, 'ledger.sqlite'));
  before.startRun({ runId: 'live_crashed', mode: 'live', exchange: 'binance', symbol: 'BTC/USDT', config: { test: true }, initialCash: 10_000 }, new Date());
  before.placed(1, 1, 1, 60_000.5, 0.001);
  before.close();
  const sent = a.create({ side: 'BUY', type: 'LIMIT', price: 60_000.5, quantity: 0.001, clientOrderId: coid, timeInForce: 'IOC' });
  assert.ok('orderId' in sent && sent.status === 'EXPIRED' && sent.executedQty === 0.0004);
  const rig = await startRig({ strategy: new TakeQueue() }, { fake, dir });
  try {
    await waitFor('the start reconciliation', () => rig.lines.some((l) => l.includes('"event":"live_reconcile"') && l.includes('"reason":"start"')));
    rig.session.stop();
    const summary = await rig.run;
    assert.equal(summary.mismatches, 0);
    assert.ok(near(rig.session.core.portfolio.position, 0.0004), 'the fill made while down is booked');
    const o = rig.ledger.db.prepare<[], { status: string; remaining: number }>('SELECT status, remaining FROM orders WHERE client_id = 1').get()!;
    assert.deepEqual([o.status, Math.round(o.remaining * 1e9) / 1e9], ['canceled', 0.0006], 'ended, not left open');
    assert.equal(ledgerCount(rig.ledger, 'SELECT count(*) AS n FROM fills'), 1);
    assert.equal(a.createdByClientId.get(coid), 1, 'never sent again');
    assert.deepEqual(checkLedgerInvariants(rig.ledger.db), []);
  } finally {
    rig.session.stop();
    await rig.run.catch(() => undefined);
    await rig.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
