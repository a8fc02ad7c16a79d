// Live faults through the real ccxt client: a timeout after the exchange accepted, a 429 burst, a min-notional rejection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/core/index.js';
import type { OrderEventHandler } from '../../src/orders/index.js';
import { ClientOrderIds } from '../../src/venues/ccxt/client-order-id.js';
import { LiveAdapter } from '../../src/venues/ccxt/live-adapter.js';
import { startFakePrivateExchange } from '../fake-exchange/private/index.js';
import { TEST_KEY, TEST_SECRET, bothQuotesOpen, noDuplicateOrders, openExchange, startRig, waitFor } from './live-helpers.js';

test('a timeout after the exchange accepted an order is resolved by looking it up: no second order', async () => {
  const fake = await startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET });
  fake.faults.hangAfterAccept = 1;
  const rig = await startRig({}, { fake, dir: (await import('node:fs')).mkdtempSync(`${(await import('node:os')).tmpdir()}/mm-live-`) });
  try {
    await waitFor('both quotes open', () => bothQuotesOpen(rig));
    assert.equal(fake.faults.hangAfterAccept, 0, 'the fault fired');
    // The private stream may report the order before the timeout; the lookup follows the timeout.
    await waitFor('the lookup after the timeout', () => rig.lines.some((l) => l.includes('"event":"live_order_found"')));
    assert.ok(rig.lines.some((l) => l.includes('RequestTimeout')));
    assert.equal(fake.account.orders.size, 2, 'exactly two orders exist at the exchange');
    assert.ok(noDuplicateOrders(fake));
    assert.equal(rig.session.core.counters.rejected, 0);
    rig.session.stop();
    assert.equal((await rig.run).cancelVerified, true);
  } finally {
    await rig.close();
    await fake.close();
  }
});

test('a 429 burst is retried with backoff, and the session trades on without duplicates', async () => {
  const fake = await startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET });
  fake.faults.rateLimit = 4;
  const rig = await startRig({}, { fake, dir: (await import('node:fs')).mkdtempSync(`${(await import('node:os')).tmpdir()}/mm-live-`) });
  try {
    await waitFor('both quotes open', () => bothQuotesOpen(rig));
    assert.equal(fake.faults.rateLimit, 0);
    assert.equal(fake.requests.filter((r) => r.status === 429).length, 4);
    assert.ok(rig.lines.some((l) => l.includes('"rateLimited":true')), 'retries were marked as rate limited');
    // A second burst while quoting: cancel-all at the end still verifies.
    fake.faults.rateLimit = 3;
    rig.session.stop();
    assert.equal((await rig.run).cancelVerified, true);
    assert.equal(fake.account.openOrders().length, 0);
    assert.ok(noDuplicateOrders(fake));
  } finally {
    await rig.close();
    await fake.close();
  }
});

test('an order below the minimum notional: refused by the preflight, and rejected by the venue if sent', async () => {
  const fake = await startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET });
  const rig = await startRig({ orderQty: 0.00004 }, { fake, dir: (await import('node:fs')).mkdtempSync(`${(await import('node:os')).tmpdir()}/mm-live-`) });
  try {
    await assert.rejects(rig.run, (e: unknown) => e instanceof UserError && /live preflight refused: order notional 4 USDT .* below the market's minimum notional 5/.test(e.message));
    assert.equal(fake.requests.filter((r) => r.method === 'POST').length, 0, 'nothing was sent');

    const events: string[] = [];
    const handler: OrderEventHandler = {
      onAccepted: (_t, id) => events.push(`accepted ${id}`),
      onRejected: (_t, id, reason) => events.push(`rejected ${id} ${reason}`),
      onDenied: () => {},
      onCanceled: (_t, id) => events.push(`canceled ${id}`),
      onFill: () => {},
    };
    const adapter = new LiveAdapter({ exchange: rig.exchange, symbol: 'BTC/USDT', ids: new ClientOrderIds('min-notional'), handler, now: () => Date.now() * 1000 });
    adapter.place(0, 7, 1, 99_000, 0.00004);
    await adapter.idle();
    assert.equal(events.length, 1);
    assert.match(events[0]!, /^rejected 7 .*NOTIONAL/);
    assert.equal(fake.account.orders.size, 0);
  } finally {
    await rig.close();
    await fake.close();
  }
});

test('a wrong secret is a fatal fault, never retried', async () => {
  const fake = await startFakePrivateExchange({ apiKey: TEST_KEY, secret: 'another-secret-entirely' });
  const ex = await openExchange(fake);
  try {
    await assert.rejects(ex.balances(), (e: unknown) => e instanceof Error && (e as { kind?: string }).kind === 'fatal');
    assert.equal(fake.requests.filter((r) => r.path === 'account').length, 1);
  } finally {
    await ex.close();
    await fake.close();
  }
});
