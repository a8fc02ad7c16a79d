// Live recovery through the real ccxt client: fills during a stream gap, the kill switch, a restart with open orders, a position mismatch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHaltFile } from '../../src/risk/index.js';
import { checkLedgerInvariants } from '../../src/ledger/index.js';
import { startFakePrivateExchange, type FakePrivateExchange } from '../fake-exchange/private/index.js';
import type { LiveExchange } from '../../src/venues/ccxt/live-types.js';
import { TEST_KEY, TEST_SECRET, bothQuotesOpen, exchangeBaseDelta, ledgerCount, ledgerPosition, noDuplicateOrders, restingPrice, startRig, waitFor } from './live-helpers.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'mm-live-'));

test('fills during a private-stream disconnect are recovered by reconciliation', async () => {
  const rig = await startRig();
  const { fake } = rig;
  try {
    await waitFor('both quotes open', () => bothQuotesOpen(rig));
    const bid = restingPrice(rig, 'BUY');
    const ask = restingPrice(rig, 'SELL');
    fake.faults.userStreamDown = true;
    fake.dropUserStreams();
    // Both quotes fill at the exchange in the same instant the stream goes, so nothing can tell the session.
    // (Once it notices the drop it halts and cancels everything: a fill made after that would find no order.)
    const gapFills = [...fake.account.marketTrade('SELL', bid, 0.0006), ...fake.account.marketTrade('BUY', ask, 0.001)];
    assert.equal(gapFills.length, 2, 'both resting quotes filled at the exchange');
    await waitFor('the drop noticed', () => rig.lines.some((l) => l.includes('"event":"live_stream_dropped"')));
    fake.faults.userStreamDown = false;
    await waitFor('the gap fills recovered', () => rig.session.core.fills.length === 2);
    assert.ok(rig.lines.some((l) => l.includes('"event":"live_fill_recovered"')));
    await waitFor('quoting again', () => bothQuotesOpen(rig) && rig.session.risk.state === 'active');
    rig.session.stop();
    const summary = await rig.run;
    assert.equal(summary.cancelVerified, true);
    assert.ok(Math.abs(summary.position - (0.0006 - 0.001)) < 1e-12);
    assert.ok(Math.abs(ledgerPosition(rig.ledger) - exchangeBaseDelta(fake)) < 1e-12, 'ledger position = exchange holding change');
    assert.equal(ledgerCount(rig.ledger, 'SELECT count(*) AS n FROM fills'), fake.account.trades.length);
    assert.deepEqual(checkLedgerInvariants(rig.ledger.db), []);
    assert.equal(summary.mismatches, 0);
  } finally {
    await rig.close();
    await fake.close();
  }
});

/** A reconnect held back by the fake in one of two ways: the websocket upgrade, or (socket open) the user-data subscription's answer. */
const HELD_RECONNECTS = [
  {
    name: 'a reconnect whose socket hangs is not back: halted, nothing quoted, until the connection opens; then quoting again',
    hold: (fake: FakePrivateExchange) => (fake.faults.userStreamHang = true),
    held: async () => {},
  },
  {
    name: 'a reconnect whose socket opens but whose user-data subscription is never answered is not back: halted, nothing quoted, until the subscription is confirmed',
    hold: (fake: FakePrivateExchange) => (fake.faults.userStreamSubscribeHang = true),
    held: async (fake: FakePrivateExchange, exchange: LiveExchange) => {
      // The new socket is open (the upgrade was answered) but Binance has not confirmed the subscription: no order update can come.
      await waitFor('the new socket open, its subscription held', () => fake.heldSubscriptions() >= 1);
      assert.equal(exchange.privateStreamOpen?.(), false, 'an unconfirmed subscription is not an open stream');
      assert.equal(fake.subscribedStreams(), 0);
    },
  },
];

for (const c of HELD_RECONNECTS) {
  test(c.name, async () => {
    const rig = await startRig();
    const { fake } = rig;
    try {
      await waitFor('both quotes open', () => bothQuotesOpen(rig));
      c.hold(fake);
      fake.dropUserStreams();
      await waitFor('the drop noticed', () => rig.lines.some((l) => l.includes('"event":"live_stream_dropped"')));
      await waitFor('halted, every order cancelled', () => rig.session.risk.state === 'halted' && fake.account.openOrders().length === 0);
      await c.held(fake, rig.exchange);
      // The new subscription has not failed, and is not back either.
      await new Promise((r) => setTimeout(r, 1_000));
      assert.equal(rig.session.risk.state, 'halted', 'not back while the reconnect is held');
      assert.equal(fake.account.openOrders().length, 0, 'nothing quoted without an order stream');
      assert.ok(!rig.lines.some((l) => l.includes('"event":"live_stream_reconnected"')));
      fake.releaseUserStreams();
      await waitFor('back and quoting', () => rig.lines.some((l) => l.includes('"event":"live_stream_reconnected"')) && rig.session.risk.state === 'active' && bothQuotesOpen(rig));
      assert.ok(fake.subscribedStreams() >= 1, 'subscribed again');
      rig.session.stop();
      const summary = await rig.run;
      assert.equal(summary.cancelVerified, true);
      assert.equal(summary.mismatches, 0);
    } finally {
      await rig.close();
      await fake.close();
    }
  });
}

test('the kill switch halts, cancels every order at the exchange and verifies it', async () => {
  const haltFile = join(tempDir(), 'HALT');
  const rig = await startRig({ haltFile });
  const { fake } = rig;
  try {
    await waitFor('both quotes open', () => bothQuotesOpen(rig));
    writeHaltFile(haltFile, 'operator test');
    await waitFor('halted', () => rig.session.risk.state === 'halted');
    await waitFor('cancel verified', () => rig.lines.some((l) => l.includes('"event":"live_cancel_all","verified":true')));
    assert.equal(fake.account.openOrders().length, 0);
    assert.equal(rig.session.core.open.count, 0);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(fake.account.openOrders().length, 0, 'nothing is quoted while halted');
    const notes = rig.ledger.db.prepare<[], { kind: string; reason: string }>("SELECT kind, reason FROM risk_events WHERE kind IN ('raised', 'halt-cancel')").all();
    assert.ok(notes.some((n) => n.kind === 'raised' && n.reason.includes('operator test')));
    assert.ok(notes.some((n) => n.kind === 'halt-cancel' && n.reason.includes('verified')));
    rig.session.stop();
    const summary = await rig.run;
    assert.equal(summary.tradingState, 'halted');
  } finally {
    await rig.close();
    await fake.close();
  }
});

test('a restart with orders still open at the exchange: fills while down are recovered, open ones adopted, foreign ones cancelled', async () => {
  const fake = await startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET });
  const dir = tempDir();
  const first = await startRig({ cancelOnStop: false }, { fake, dir });
  try {
    await waitFor('both quotes open', () => bothQuotesOpen(first));
    first.session.stop();
    await first.run;
  } finally {
    await first.close();
  }
  assert.equal(fake.account.openOrders().length, 2, 'the first run left its quotes resting');
  // While we are down: the bid fills, and someone places an order by hand.
  const bid = fake.account.openOrders().find((o) => o.side === 'BUY')!;
  const ask = fake.account.openOrders().find((o) => o.side === 'SELL')!;
  fake.account.marketTrade('SELL', bid.price, 0.001);
  const manual = fake.account.create({ side: 'BUY', type: 'LIMIT', price: 90_000, quantity: 0.0001, clientOrderId: 'web_manual_1' });
  assert.ok('orderId' in manual);

  const second = await startRig({}, { fake, dir });
  try {
    await waitFor('start reconciliation', () => second.lines.some((l) => l.includes('"reason":"start"')));
    const start = JSON.parse(second.lines.find((l) => l.includes('"event":"live_reconcile"'))!) as { fillsRecovered: number; canceledUnknown: string[]; mismatch?: string };
    assert.equal(start.fillsRecovered, 1, 'the fill made while down is recovered');
    assert.deepEqual(start.canceledUnknown, ['web_manual_1']);
    assert.equal(start.mismatch, undefined);
    assert.equal(fake.account.orders.get(manual.orderId)?.status, 'CANCELED');
    // The ask rested on: the new run tracks it under its old client id instead of placing a second one.
    assert.equal(second.session.adapter.orders.get(Number(ask.clientOrderId.split('-')[1]))?.state !== undefined, true);
    await waitFor('quoting', () => bothQuotesOpen(second));
    second.session.stop();
    const summary = await second.run;
    assert.equal(summary.cancelVerified, true);
    assert.equal(fake.account.openOrders().length, 0);
    assert.ok(Math.abs(ledgerPosition(second.ledger) - exchangeBaseDelta(fake)) < 1e-12);
    assert.ok(Math.abs(exchangeBaseDelta(fake) - 0.001) < 1e-12);
    assert.deepEqual(checkLedgerInvariants(second.ledger.db), []);
    assert.ok(noDuplicateOrders(fake));
  } finally {
    await second.close();
    await fake.close();
  }
});

test('a position that differs from the ledger is a risk event that halts trading', async () => {
  const rig = await startRig({ reconcileEveryMs: 100 });
  const { fake } = rig;
  try {
    await waitFor('both quotes open', () => bothQuotesOpen(rig));
    fake.account.balance('BTC').free -= 0.1; // withdrawn behind our back
    await waitFor('halted', () => rig.session.risk.state === 'halted');
    const row = rig.ledger.db.prepare<[], { reason: string }>("SELECT reason FROM risk_events WHERE kind = 'reconcile-mismatch'").get();
    assert.match(row?.reason ?? '', /position mismatch: exchange holds 0\.4 BTC, ledger expects 0\.5/);
    await waitFor('orders cancelled', () => fake.account.openOrders().length === 0);
    rig.session.stop();
    await rig.run;
  } finally {
    await rig.close();
    await fake.close();
  }
});

test('a buy fee charged in the base asset moves the holding offset, not into a false mismatch', async () => {
  const { FakeAccount, BTCUSDT_RULES } = await import('../fake-exchange/private/index.js');
  const fake = await startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET, account: new FakeAccount({ ...BTCUSDT_RULES, buyFeeInBase: true }) });
  const rig = await startRig({ reconcileEveryMs: 100 }, { fake, dir: tempDir() });
  try {
    await waitFor('both quotes open', () => bothQuotesOpen(rig));
    fake.account.marketTrade('SELL', restingPrice(rig, 'BUY'), 0.001);
    await waitFor('the fill', () => rig.session.core.fills.length === 1);
    const seen = rig.lines.filter((l) => l.includes('"event":"live_reconcile"')).length;
    await waitFor('two more reconciliations', () => rig.lines.filter((l) => l.includes('"event":"live_reconcile"')).length >= seen + 2);
    assert.equal(rig.session.risk.state, 'active');
    assert.ok(Math.abs(exchangeBaseDelta(fake) - (0.001 - 0.000001)) < 1e-12, 'the exchange kept its fee in BTC');
    assert.ok(Math.abs(ledgerPosition(rig.ledger) - 0.001) < 1e-12);
    rig.session.stop();
    const summary = await rig.run;
    assert.equal(summary.mismatches, 0);
    const offset = rig.ledger.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get('live_base_offset:BTC/USDT');
    assert.ok(Math.abs(Number(offset?.value) - (0.5 - 0.000001)) < 1e-12, 'the stored offset follows the fee');
  } finally {
    await rig.close();
    await fake.close();
  }
});

test('unknown_orders: adopt takes a foreign open order into the core and the ledger, where the strategy manages it', async () => {
  const fake = await startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET });
  const manual = fake.account.create({ side: 'SELL', type: 'LIMIT', price: 101_000, quantity: 0.0002, clientOrderId: 'web_manual_2' });
  assert.ok('orderId' in manual);
  const rig = await startRig({ unknownOrders: 'adopt' }, { fake, dir: tempDir() });
  try {
    await waitFor('start reconciliation', () => rig.lines.some((l) => l.includes('"reason":"start"')));
    const start = JSON.parse(rig.lines.find((l) => l.includes('"event":"live_reconcile"'))!) as { adopted: string[]; canceledUnknown: string[] };
    assert.deepEqual(start.adopted, ['web_manual_2']);
    assert.deepEqual(start.canceledUnknown, []);
    const adopted = rig.ledger.db.prepare<[], { client_id: number }>("SELECT client_id FROM order_events WHERE reason = 'adopted open order web_manual_2'").get();
    assert.ok(adopted !== undefined, 'the ledger records the adoption');
    // Adopted, it is one of our asks: off the strategy's quote, so reconcile replaces it like any stale quote.
    await waitFor('quotes open', () => bothQuotesOpen(rig));
    assert.equal(fake.account.orders.get(manual.orderId)?.status, 'CANCELED');
    assert.equal(ledgerCount(rig.ledger, `SELECT count(*) AS n FROM order_events WHERE client_id = ${adopted.client_id} AND type = 'canceled'`), 1);
    rig.session.stop();
    const summary = await rig.run;
    assert.equal(summary.cancelVerified, true);
    assert.equal(fake.account.openOrders().length, 0);
    assert.deepEqual(checkLedgerInvariants(rig.ledger.db), []);
  } finally {
    await rig.close();
    await fake.close();
  }
});
