// Live perpetual faults and restarts through the real ccxt client against the fake USD-M account: a create whose answer is lost, resolved by client id; a restart that reconciles resting orders by client id, a fill made while down and the position from positionRisk; funding paid by the exchange, booked once across a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { checkLedgerInvariants } from '../../src/ledger/index.js';
import { TEST_KEY, TEST_SECRET, waitFor } from './live-helpers.js';
import { CaptureReplay, PERP_WALLET, startPerpFake, startPerpRig, tempDir, usdmEvents, type PerpRig } from './live-perp-helpers.js';

interface LedgerPosition {
  position: number;
  cash: number;
}

const near = (a: number, b: number, eps: number): boolean => Math.abs(a - b) <= eps;

/** Both quotes acknowledged at the exchange and open in the session. */
function bothOpen(rig: PerpRig): boolean {
  const open = rig.fake.perp!.openOrders();
  return open.length === 2 && open.some((o) => o.side === 'BUY') && open.some((o) => o.side === 'SELL') && rig.session.adapter.live().filter((t) => t.state === 'open').length === 2;
}

/** Stop the session: every order cancelled and verified, no mismatch, nothing resting, no client id sent twice, the ledger's position and cash change equal to the account's. */
async function stopAgreeing(rig: PerpRig): Promise<void> {
  const p = rig.fake.perp!;
  rig.session.stop();
  const s = await rig.run;
  assert.equal(s.cancelVerified, true);
  assert.equal(s.mismatches, 0);
  assert.equal(p.openOrders().length, 0, 'nothing left resting');
  assert.ok([...p.createdByClientId.values()].every((n) => n === 1), 'no client order id sent twice');
  const row = rig.ledger.db.prepare<[], LedgerPosition>('SELECT position, cash FROM positions').get()!;
  assert.ok(near(row.position, p.position, 1e-9), `ledger position ${row.position} = exchange ${p.position}`);
  assert.ok(near(row.cash - PERP_WALLET, p.wallet - PERP_WALLET, 1e-6), `ledger cash change ${row.cash - PERP_WALLET} = wallet change ${p.wallet - PERP_WALLET}`);
}

test('a perpetual order whose create answer is lost (the exchange accepted it) is found by its client order id: no second order, nothing left at the end', async () => {
  const fake = await startPerpFake();
  new CaptureReplay(fake.perp!, usdmEvents(), 1).primeTouch();
  fake.faults.hangAfterAccept = 1;
  const dir = tempDir();
  // A request timeout long enough for a loaded machine's other calls, short enough to see the hung create time out.
  const rig = await startPerpRig(fake, dir, {}, 1_500);
  try {
    await waitFor('both quotes open', () => bothOpen(rig), 60_000);
    await waitFor('the lookup after the timeout', () => rig.lines.some((l) => l.includes('"event":"live_order_found"')), 30_000);
    assert.equal(fake.faults.hangAfterAccept, 0, 'the fault fired');
    assert.ok(rig.lines.some((l) => l.includes('RequestTimeout')), 'the create timed out');
    const lookups = fake.requests.filter((r) => r.method === 'GET' && r.path === '/fapi/v1/order' && r.params['origClientOrderId'] !== undefined);
    assert.ok(lookups.length >= 1, 'looked up by origClientOrderId');
    assert.equal(fake.perp!.orders.size, 2, 'exactly two orders exist at the exchange');
    assert.ok([...fake.perp!.createdByClientId.values()].every((n) => n === 1));
    assert.equal(rig.session.core.counters.rejected, 0);
    rig.session.stop();
    const s = await rig.run;
    assert.equal(s.cancelVerified, true);
    assert.equal(fake.perp!.openOrders().length, 0);
  } finally {
    await rig.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a restart on the perpetual: resting orders reconciled by client id, the fill made while down booked, the position compared with positionRisk; ledger = account at the end', async () => {
  const fake = await startPerpFake();
  const p = fake.perp!;
  new CaptureReplay(p, usdmEvents(), 1).primeTouch();
  const dir = tempDir();
  // The first run leaves its orders resting (how a crash leaves them).
  const first = await startPerpRig(fake, dir, { cancelOnStop: false });
  let second: PerpRig | undefined;
  try {
    await waitFor('both quotes open', () => bothOpen(first), 60_000);
    first.session.stop();
    await first.run;
    await first.close();
    const resting = p.openOrders().map((o) => o.clientOrderId).sort();
    assert.equal(resting.length, 2);
    // While down: the bid fills whole; the exchange now holds a long the ledger has not seen.
    const bid = p.openOrders().find((o) => o.side === 'BUY')!;
    p.marketTrade('SELL', bid.price, bid.origQty);
    assert.ok(p.position > 0);
    const before = fake.requests.length;

    second = await startPerpRig(fake, dir);
    const rig = second;
    await waitFor('the start reconciliation', () => rig.lines.some((l) => l.includes('"event":"live_reconcile"') && l.includes('"reason":"start"')), 60_000);
    const start = JSON.parse(rig.lines.find((l) => l.includes('"event":"live_reconcile"') && l.includes('"reason":"start"'))!) as { fillsRecovered: number; canceledUnknown: string[]; exchangeBase: number; corePosition: number; mismatch?: string };
    assert.equal(start.fillsRecovered, 1, 'the fill made while down was booked');
    assert.deepEqual(start.canceledUnknown, [], 'our resting ask is ours: tracked again, not cancelled as unknown');
    assert.equal(start.exchangeBase, p.position, 'the holding compared is the position positionRisk reports');
    assert.equal(start.corePosition, p.position);
    assert.equal(start.mismatch, undefined);
    const asked = fake.requests.slice(before);
    assert.ok(asked.some((r) => r.path === '/fapi/v1/openOrders') && asked.some((r) => r.path === '/fapi/v3/positionRisk'));
    assert.ok(!asked.some((r) => r.path === 'account'), 'no spot balance was read');
    await stopAgreeing(rig);
    assert.deepEqual(checkLedgerInvariants(rig.ledger.db), []);
  } finally {
    await second?.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a perpetual user-data stream outage: the fills made in the gap are recovered, and the session is back and quoting once the stream is', async () => {
  const fake = await startPerpFake();
  const p = fake.perp!;
  new CaptureReplay(p, usdmEvents(), 1).primeTouch();
  const dir = tempDir();
  const rig = await startPerpRig(fake, dir);
  try {
    await waitFor('both quotes open', () => bothOpen(rig), 60_000);
    const bid = p.openOrders().find((o) => o.side === 'BUY')!;
    fake.faults.userStreamDown = true;
    fake.dropUserStreams();
    // The bid fills whole in the instant the stream goes (after the drop is noticed the session cancels everything).
    p.marketTrade('SELL', bid.price, bid.origQty);
    assert.ok(p.position > 0);
    await waitFor('the drop noticed', () => rig.lines.some((l) => l.includes('"event":"live_stream_dropped"')), 30_000);
    await waitFor('halted, the ask cancelled', () => rig.session.risk.state === 'halted' && p.openOrders().length === 0, 30_000);
    // The stream comes back with nothing to say (no order of ours moves): back all the same, once its socket is open.
    fake.faults.userStreamDown = false;
    await waitFor('the gap fill recovered', () => rig.session.core.fills.length === 1 && rig.session.core.portfolio.position === p.position, 30_000);
    await waitFor('back and quoting', () => rig.lines.some((l) => l.includes('"event":"live_stream_reconnected"')) && rig.session.risk.state === 'active' && bothOpen(rig), 30_000);
    assert.equal(rig.exchange.privateStreamOpen?.(), true);
    await stopAgreeing(rig);
    assert.deepEqual(checkLedgerInvariants(rig.ledger.db), []);
  } finally {
    await rig.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

interface FundingRow {
  ts: number;
  amount: number;
  source: string;
  exchange_id: string;
  rate: number | null;
}

test('funding on the perpetual: the exchange pays at a funding time, the session reads it from /fapi/v1/income and books it once (ledger, cash); a restart does not book it again; reconciliation agrees', async () => {
  const fake = await startPerpFake();
  const p = fake.perp!;
  new CaptureReplay(p, usdmEvents(), 1).primeTouch();
  const dir = tempDir();
  const rate = 0.0001;
  let second: PerpRig | undefined;
  const first = await startPerpRig(fake, dir, { fundingEveryMs: 100 });
  const rows = (rig: PerpRig): FundingRow[] => rig.ledger.db.prepare<[], FundingRow>('SELECT ts, amount, source, exchange_id, rate FROM funding ORDER BY id').all();
  try {
    await waitFor('both quotes open', () => bothOpen(first), 60_000);
    // Our bid fills: the account is long, and the session knows it.
    const bid = p.openOrders().find((o) => o.side === 'BUY')!;
    p.marketTrade('SELL', bid.price, bid.origQty);
    await waitFor('the fill booked', () => first.session.core.portfolio.position === p.position && p.position > 0, 30_000);
    const walletBefore = p.wallet;
    // A funding time at the exchange: a positive rate, the long pays rate × position × mark.
    const paid = p.payFunding(rate)!;
    const amount = Number(paid.income);
    assert.ok(Math.abs(amount - -rate * p.position * p.markPrice) < 1e-8 && amount < 0, `income ${paid.income}`);
    assert.ok(Math.abs(p.wallet - (walletBefore + amount)) < 1e-9);
    await waitFor('the payment journaled', () => rows(first).length === 1, 30_000);
    const asked = fake.requests.filter((r) => r.path === '/fapi/v1/income');
    assert.ok(asked.length >= 2 && asked.every((r) => r.params['incomeType'] === 'FUNDING_FEE' && r.params['symbol'] === 'BTCUSDT' && r.status === 200), 'read through ccxt fetchFundingHistory');
    // More readings (periodic and reconciliations) book nothing more.
    const n = fake.requests.filter((r) => r.path === '/fapi/v1/income').length;
    await waitFor('two more readings', () => fake.requests.filter((r) => r.path === '/fapi/v1/income').length >= n + 2, 30_000);
    assert.equal(rows(first).length, 1);
    first.session.stop();
    const s1 = await first.run;
    assert.deepEqual([s1.fundingPayments, s1.funding, s1.mismatches], [1, amount, 0]);
    const [row] = rows(first);
    assert.deepEqual([row!.ts, row!.amount, row!.source, row!.exchange_id, row!.rate], [paid.time * 1000, amount, 'exchange', String(paid.tranId), null]);
    await first.close();

    // A restart: the same payment is listed again by the exchange, and not booked again.
    const before = fake.requests.length;
    second = await startPerpRig(fake, dir, { fundingEveryMs: 100 });
    const rig = second;
    await waitFor('the start reconciliation', () => rig.lines.some((l) => l.includes('"event":"live_reconcile"') && l.includes('"reason":"start"')), 60_000);
    await waitFor('readings of the income history', () => fake.requests.slice(before).filter((r) => r.path === '/fapi/v1/income').length >= 3, 30_000);
    const since = fake.requests.slice(before).find((r) => r.path === '/fapi/v1/income')!;
    assert.equal(since.params['startTime'], String(paid.time), 'read from the newest payment the ledger holds');
    assert.equal(rows(rig).length, 1, 'booked once across the restart');
    assert.ok(Math.abs(rig.session.core.portfolio.funding - amount) < 1e-12, 'the resumed portfolio carries it');
    rig.session.stop();
    const s2 = await rig.run;
    assert.equal(s2.fundingPayments, 0);
    assert.equal(s2.mismatches, 0, 'reconciliations agree with the exchange');
    assert.equal(s2.cancelVerified, true);
    // Ledger = account: the position, and the wallet change (realised PnL − commissions + funding) in the cash.
    const pos = rig.ledger.db.prepare<[], LedgerPosition & { funding: number }>('SELECT position, cash, funding FROM positions').get()!;
    assert.ok(near(pos.position, p.position, 1e-9));
    assert.ok(near(pos.funding, p.funding, 1e-9), `ledger funding ${pos.funding} = exchange ${p.funding}`);
    assert.ok(near(pos.cash - PERP_WALLET, p.wallet - PERP_WALLET, 1e-6), `ledger cash change ${pos.cash - PERP_WALLET} = wallet change ${p.wallet - PERP_WALLET}`);
    assert.deepEqual(checkLedgerInvariants(rig.ledger.db), []);
    // Secrets: nowhere in the log or the ledger.
    rig.ledger.close();
    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f)).toString('latin1');
      assert.ok(!text.includes(TEST_KEY) && !text.includes(TEST_SECRET), `a secret in ${f}`);
    }
  } finally {
    await second?.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
