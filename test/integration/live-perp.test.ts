// Live trading of a USD-M perpetual end to end: the real ccxt client (binanceusdm) against the fake's /fapi order endpoints, the shared USD-M capture replayed into its book; ledger = exchange account (position, wallet: linear PnL and fees).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { checkLedgerInvariants } from '../../src/ledger/index.js';
import { VenueFault } from '../../src/venues/ccxt/live-types.js';
import { TEST_KEY, TEST_SECRET, waitFor } from './live-helpers.js';
import { CaptureReplay, FLAT_PERP, PERP_SYMBOL, PERP_WALLET, openPerpExchange, startPerpFake, startPerpRig, tempDir, usdmEvents } from './live-perp-helpers.js';
import { startFakePrivateExchange } from '../fake-exchange/private/index.js';

const near = (a: number, b: number, eps: number): boolean => Math.abs(a - b) <= eps;

interface LedgerPosition {
  position: number;
  cash: number;
  realized_pnl: number;
  fees: number;
  fill_count: number;
}

test('the fake USD-M order endpoints through ccxt: GTX post-only with our client id, a crossing GTX refused, lookups, cancel, cancel-all, own trades with fee and realised PnL, margin balance', async () => {
  const fake = await startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET, perp: { ...FLAT_PERP, wallet: 1_000 } });
  const p = fake.perp!;
  p.setMarket(60_000, 60_000.1);
  const ex = await openPerpExchange(fake);
  try {
    const bid = await ex.createPostOnly(PERP_SYMBOL, 1, 0.002, 59_999.9, 'perp-a');
    assert.deepEqual([bid.clientOrderId, bid.status, bid.amount], ['perp-a', 'open', 0.002]);
    const sent = fake.requests.find((r) => r.method === 'POST' && r.path === '/fapi/v1/order')!;
    assert.deepEqual([sent.params['type'], sent.params['timeInForce'], sent.params['newClientOrderId'], sent.params['quantity']], ['LIMIT', 'GTX', 'perp-a', '0.002']);
    // A post-only bid at the ask would take: refused, and not recorded (Binance -5022).
    await assert.rejects(ex.createPostOnly(PERP_SYMBOL, 1, 0.002, 60_000.1, 'perp-b'), (e: unknown) => e instanceof VenueFault && e.kind === 'rejected' && /-5022/.test(e.message));
    assert.equal(p.findByClientId('perp-b'), undefined);
    // Below the minimum notional (100 USDT), and more margin than the wallet carries (1,000 USDT at leverage 5).
    await assert.rejects(ex.createPostOnly(PERP_SYMBOL, 1, 0.001, 59_000, 'perp-c'), (e: unknown) => e instanceof VenueFault && /-4164/.test(e.message));
    await assert.rejects(ex.createPostOnly(PERP_SYMBOL, -1, 0.09, 60_100, 'perp-d'), (e: unknown) => e instanceof VenueFault && /-2019/.test(e.message));

    // Filled: a long of 0.002 at 59,999.9; then sold 0.003 at 60,010.0: 0.002 closed (+0.2202), 0.001 short opened.
    p.marketTrade('SELL', 59_999.9, 0.002);
    const ask = await ex.createPostOnly(PERP_SYMBOL, -1, 0.003, 60_010, 'perp-e');
    assert.equal((await ex.orderByClientId(PERP_SYMBOL, 'perp-e'))?.id, ask.id);
    p.marketTrade('BUY', 60_010, 0.005);
    const trades = await ex.myTrades(PERP_SYMBOL, undefined);
    assert.deepEqual(
      trades.map((t) => [t.side, t.price, t.qty, t.liquidity]),
      [
        [1, 59_999.9, 0.002, 'maker'],
        [-1, 60_010, 0.003, 'maker'],
      ],
    );
    const fees = 59_999.9 * 0.002 * 0.0002 + 60_010 * 0.003 * 0.0002;
    assert.ok(near(trades[0]!.fee + trades[1]!.fee, fees, 1e-8), 'fees in USDT, 0.02 % of the notional');
    const realized = 0.002 * (60_010 - 59_999.9);
    assert.ok(near(p.wallet, 1_000 + realized - fees, 1e-8), `wallet ${p.wallet}`);
    assert.equal(p.position, -0.001);
    assert.equal(p.entryPrice, 60_010);
    const account = await ex.perpAccount!(PERP_SYMBOL);
    assert.equal(account.position, -0.001, 'the position as positionRisk reports it');
    const usdt = (await ex.balances())['USDT']!;
    assert.ok(near(usdt.total, p.wallet + p.unrealizedPnl, 1e-6), 'total = margin balance');
    assert.ok(near(usdt.free, usdt.total - (0.001 * p.markPrice) / 5, 1e-6), 'free = margin balance − the position’s initial margin');

    // Cancel by client id; a second cancel finds nothing; cancel-all leaves nothing open.
    await ex.createPostOnly(PERP_SYMBOL, 1, 0.002, 59_990, 'perp-f');
    await ex.createPostOnly(PERP_SYMBOL, 1, 0.002, 59_980, 'perp-g');
    assert.equal((await ex.cancel(PERP_SYMBOL, 'perp-f'))?.status, 'canceled');
    assert.equal(await ex.cancel(PERP_SYMBOL, 'perp-f'), undefined);
    assert.deepEqual((await ex.openOrders(PERP_SYMBOL)).map((o) => o.clientOrderId), ['perp-g']);
    await ex.cancelAll(PERP_SYMBOL);
    assert.deepEqual(await ex.openOrders(PERP_SYMBOL), []);
    assert.equal((await ex.ordersSince(PERP_SYMBOL, 0)).length, 4, 'refused orders are not in the history');
    assert.ok(!fake.requests.some((r) => !r.path.startsWith('/fapi/') && r.path !== 'exchangeInfo'), 'nothing but the USD-M API (and the spot listing) was asked');
  } finally {
    await ex.close();
    await fake.close();
  }
});

test('the fake refuses what Binance USD-M refuses: tick, quantity step, reduce-only that would not reduce, hedge mode without a position side', () => {
  const fake = startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET, perp: FLAT_PERP });
  return fake.then(async (f) => {
    try {
      const p = f.perp!;
      p.setMarket(60_000, 60_000.1);
      const base = { side: 'BUY' as const, type: 'LIMIT', price: 59_000, quantity: 0.002, clientOrderId: undefined, timeInForce: 'GTX' };
      const code = (r: object): number | undefined => ('code' in r ? (r as { code: number }).code : undefined);
      assert.equal(code(p.create({ ...base, price: 59_000.05 })), -4014);
      assert.equal(code(p.create({ ...base, quantity: 0.0025 })), -1111);
      assert.equal(code(p.create({ ...base, timeInForce: undefined as unknown as string })), -1102);
      assert.equal(code(p.create({ ...base, reduceOnly: true })), -2022, 'flat: nothing to reduce');
      p.marketTrade('SELL', 59_000, 0); // no-op trade
      assert.ok('orderId' in p.create({ ...base, side: 'SELL', price: 60_100 }));
      p.marketTrade('BUY', 60_100, 0.002);
      assert.equal(p.position, -0.002);
      assert.ok('orderId' in p.create({ ...base, quantity: 0.001, reduceOnly: true, price: 59_000 }), 'a reduce-only bid under the short: accepted, even below the minimum notional');
      assert.equal(code(p.create({ ...base, quantity: 0.002, reduceOnly: true, price: 58_900 })), -2022, 'together with the resting one it would flip the position');
      p.dualSide = true;
      assert.equal(code(p.create(base)), -4061);
    } finally {
      await f.close();
    }
  });
});

test('a live session quotes the perpetual on the replayed USD-M capture, gets fills, cancels all at the end; the ledger equals the exchange account (position, wallet with linear PnL and fees)', { timeout: 240_000 }, async (t) => {
  const fake = await startPerpFake();
  const p = fake.perp!;
  const replay = new CaptureReplay(p, usdmEvents(), 2);
  replay.primeTouch();
  const dir = tempDir();
  const rig = await startPerpRig(fake, dir);
  try {
    await waitFor('the preflight', () => rig.session.lastPreflight !== undefined, 60_000);
    replay.start();
    const sides = (): { buys: number; sells: number } => ({ buys: p.trades.filter((t) => t.side === 'BUY').length, sells: p.trades.filter((t) => t.side === 'SELL').length });
    // Until both sides filled and some of it closed a position at another price than it opened (realised PnL).
    await waitFor('fills on both sides, PnL realised', () => sides().buys >= 2 && sides().sells >= 2 && p.realizedPnl !== 0 && rig.session.core.fills.length === p.trades.length, 180_000);
    replay.stop();
    rig.session.stop();
    const summary = await rig.run;

    assert.equal(summary.cancelVerified, true);
    assert.equal(p.openOrders().length, 0, 'nothing left resting');
    assert.equal(summary.mismatches, 0, 'reconciliations found the position the ledger holds');
    assert.ok(summary.reconciliations >= 2);
    assert.equal(summary.fills, p.trades.length);
    const row = rig.ledger.db.prepare<[], LedgerPosition>('SELECT position, cash, realized_pnl, fees, fill_count FROM positions').get()!;
    assert.ok(near(row.position, p.position, 1e-9), `ledger position ${row.position} = exchange ${p.position}`);
    assert.ok(near(row.fees, p.commissions, 1e-6), `ledger fees ${row.fees} = exchange commissions ${p.commissions}`);
    assert.ok(near(row.realized_pnl, p.realizedPnl, 1e-6), `ledger realised ${row.realized_pnl} = exchange ${p.realizedPnl}`);
    assert.ok(near(row.cash - PERP_WALLET, p.wallet - PERP_WALLET, 1e-6), `ledger cash change ${row.cash - PERP_WALLET} = wallet change ${p.wallet - PERP_WALLET}`);
    assert.ok(p.commissions > 0, 'fees were paid');
    const refused = fake.requests.filter((r) => r.path === '/fapi/v1/order' && r.method === 'POST' && r.status === 400).length;
    t.diagnostic(`${replay.trades} capture trades replayed; ${summary.placed} placed, ${refused} refused by the venue, ${p.trades.length} fills; position ${p.position}, realised ${p.realizedPnl}, fees ${p.commissions} USDT`);
    assert.equal(row.fill_count, p.trades.length);
    assert.deepEqual(checkLedgerInvariants(rig.ledger.db), []);
    assert.ok([...p.createdByClientId.values()].every((n) => n === 1), 'no client order id sent twice');
    const creates = fake.requests.filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order');
    assert.equal(creates.filter((r) => r.status === 200).length, p.orders.size, 'every order at the exchange came from one answered create');
    assert.ok(p.orders.size >= 2);
    for (const r of creates) {
      assert.equal(r.params['timeInForce'], 'GTX');
      assert.match(r.params['newClientOrderId'] ?? '', /^mm[0-9a-z]{8}-\d+$/);
    }
    // The holding compared is the perpetual's position (positionRisk), never a spot balance.
    assert.ok(fake.requests.filter((r) => r.path === '/fapi/v3/positionRisk').length >= summary.reconciliations);
    assert.ok(!fake.requests.some((r) => r.path === 'account'));
    // Secrets: nowhere in the log or the ledger.
    rig.ledger.close();
    for (const f of readdirSync(dir)) {
      const t = readFileSync(join(dir, f)).toString('latin1');
      assert.ok(!t.includes(TEST_KEY) && !t.includes(TEST_SECRET), `a secret in ${f}`);
    }
  } finally {
    replay.stop();
    await rig.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
