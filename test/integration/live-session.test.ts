// A whole live session through the real ccxt client against the fake exchange: quotes, a fill, cancel-all, ledger = exchange, no secret anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkLedgerInvariants } from '../../src/ledger/index.js';
import { TEST_KEY, TEST_SECRET, bothQuotesOpen, exchangeBaseDelta, ledgerCount, ledgerPosition, noDuplicateOrders, restingPrice, startRig, waitFor } from './live-helpers.js';

test('a live session quotes, fills, cancels everything at the end, and its ledger equals the exchange; no secret is written', async () => {
  const rig = await startRig();
  try {
    await waitFor('both quotes open', () => bothQuotesOpen(rig));
    const bid = restingPrice(rig, 'BUY');
    rig.fake.account.marketTrade('SELL', bid, 0.001);
    await waitFor('the fill', () => rig.session.core.fills.length === 1);
    await waitFor('the bid re-quoted', () => bothQuotesOpen(rig));
    rig.session.stop();
    const summary = await rig.run;

    assert.equal(summary.cancelVerified, true);
    assert.equal(rig.fake.account.openOrders().length, 0);
    assert.equal(summary.fills, 1);
    assert.ok(Math.abs(summary.position - 0.001) < 1e-12);
    assert.ok(Math.abs(ledgerPosition(rig.ledger) - exchangeBaseDelta(rig.fake)) < 1e-12, 'ledger position = exchange holding change');
    assert.equal(ledgerCount(rig.ledger, 'SELECT count(*) AS n FROM fills'), rig.fake.account.trades.length);
    assert.equal(ledgerCount(rig.ledger, "SELECT count(*) AS n FROM orders WHERE status IN ('pending-new', 'open', 'pending-cancel')"), 0);
    assert.deepEqual(checkLedgerInvariants(rig.ledger.db), []);
    assert.ok(noDuplicateOrders(rig.fake));
    // Every order went out post-only with our client order id.
    const creates = rig.fake.requests.filter((r) => r.method === 'POST' && r.path === 'order');
    assert.ok(creates.length >= 3);
    for (const r of creates) {
      assert.equal(r.params['type'], 'LIMIT_MAKER');
      assert.match(r.params['newClientOrderId'] ?? '', /^mm[0-9a-z]{8}-\d+$/);
    }

    // Secrets: no log line, artifact or ledger row holds the key or the secret.
    rig.ledger.close();
    const texts: string[] = [...rig.lines];
    for (const f of readdirSync(rig.dir)) texts.push(readFileSync(join(rig.dir, f)).toString('latin1'));
    for (const t of texts) {
      assert.ok(!t.includes(TEST_KEY), 'the API key leaked');
      assert.ok(!t.includes(TEST_SECRET), 'the API secret leaked');
    }
    assert.ok(rig.lines.some((l) => l.includes('"event":"live_iteration"')));
  } finally {
    await rig.close();
    await rig.fake.close();
  }
});

test('without the private websocket (polling), fills and cancels still reach the ledger', async () => {
  const rig = await startRig({ adapter: { attempts: 6, backoffMs: 20, poll: true, pollMs: 50, settleMs: 300 } });
  try {
    await waitFor('both quotes open', () => bothQuotesOpen(rig));
    rig.fake.account.marketTrade('BUY', restingPrice(rig, 'SELL'), 0.0004);
    await waitFor('the partial fill', () => rig.session.core.fills.length === 1);
    assert.equal(rig.fake.subscribedStreams(), 0, 'no private websocket was used');
    rig.session.stop();
    const summary = await rig.run;
    assert.equal(summary.cancelVerified, true);
    assert.ok(Math.abs(ledgerPosition(rig.ledger) - exchangeBaseDelta(rig.fake)) < 1e-12);
    assert.ok(Math.abs(summary.position + 0.0004) < 1e-12);
    assert.deepEqual(checkLedgerInvariants(rig.ledger.db), []);
  } finally {
    await rig.close();
    await rig.fake.close();
  }
});
