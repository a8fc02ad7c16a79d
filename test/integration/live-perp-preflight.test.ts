// A perpetual's preflight through ccxt's binanceusdm client against the fake USD-M account: positions (fetchPositions → positionRisk), position mode and margin mode checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakePrivateExchange, type FakePerp } from '../fake-exchange/private/index.js';
import { openLiveExchange } from '../../src/venues/ccxt/live-ccxt.js';
import { preflight } from '../../src/venues/ccxt/preflight.js';
import { ClientOrderIds } from '../../src/venues/ccxt/client-order-id.js';
import { TEST_KEY, TEST_SECRET } from './live-helpers.js';

async function check(perp: FakePerp, marginMode: 'cross' | 'isolated') {
  const fake = await startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET, perp });
  fake.perp!.setMarket(60_000, 60_000.5);
  const ex = await openLiveExchange({ exchange: 'binanceusdm', apiKey: TEST_KEY, secret: TEST_SECRET, url: fake.restUrl.replace(/\/api\/v3$/, ''), rateLimit: false, timeoutMs: 2000, perpetuals: true });
  try {
    const account = await ex.perpAccount!('BTC/USDT:USDT');
    const report = await preflight(ex, { symbol: 'BTC/USDT:USDT', orderQty: 0.002, maxInventoryQty: 0.02, tickSize: 0.1, unknownOrders: 'cancel', ids: new ClientOrderIds('perp_test'), perp: { marginMode } });
    return { account, report, paths: fake.requests.map((r) => `${r.method} ${r.path} ${r.status}`) };
  } finally {
    await ex.close();
    await fake.close();
  }
}

const ONE_WAY_CROSS: FakePerp = { positionAmt: -0.004, entryPrice: 60_000, markPrice: 60_010, marginType: 'cross', dualSide: false, leverage: 5 };

test("the USD-M account as ccxt reads it: the position (positionRisk, signed), one-way mode, cross margin; the preflight passes and notes them", async () => {
  const { account, report, paths } = await check(ONE_WAY_CROSS, 'cross');
  assert.deepEqual(account, { hedged: false, marginMode: 'cross', position: -0.004, leverage: 5 });
  assert.ok(paths.includes('GET /fapi/v3/positionRisk 200'), `fetchPositions asked the positions endpoint: ${paths.join(', ')}`);
  assert.ok(paths.includes('GET /fapi/v1/positionSide/dual 200'), 'and the position mode');
  assert.equal(report.ok, true, report.refusals.join('; '));
  assert.equal(report.market?.tickSize, 0.1);
  assert.equal(report.market?.minNotional, 100);
  assert.ok(report.notes.includes('BTC/USDT:USDT: position -0.004 contracts, leverage 5, cross margin'), report.notes.join(' | '));
  assert.ok(!report.notes.some((n) => /holding|cannot fund an ask/.test(n)), 'no spot holding checks on a perpetual');
});

test('hedge position mode and another margin mode than live.margin_mode are refused, each with its reason', async () => {
  const { report } = await check({ ...ONE_WAY_CROSS, dualSide: true, marginType: 'isolated' }, 'cross');
  assert.equal(report.ok, false);
  assert.deepEqual(report.refusals, [
    'binanceusdm is in hedge position mode (long and short apart): switch the account to one-way mode to quote BTC/USDT:USDT',
    'BTC/USDT:USDT is in isolated margin mode, live.margin_mode is cross: change one of them',
  ]);
  const iso = await check({ ...ONE_WAY_CROSS, marginType: 'isolated' }, 'isolated');
  assert.equal(iso.report.ok, true, iso.report.refusals.join('; '));
  assert.equal(iso.account.marginMode, 'isolated');
});

test('a perpetual below the market minimum notional is refused like a spot market', async () => {
  const fake = await startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET, perp: ONE_WAY_CROSS });
  fake.perp!.setMarket(60_000, 60_000.5);
  const ex = await openLiveExchange({ exchange: 'binanceusdm', apiKey: TEST_KEY, secret: TEST_SECRET, url: fake.restUrl.replace(/\/api\/v3$/, ''), rateLimit: false, timeoutMs: 2000, perpetuals: true });
  try {
    const r = await preflight(ex, { symbol: 'BTC/USDT:USDT', orderQty: 0.001, maxInventoryQty: 0.02, tickSize: 0.1, unknownOrders: 'cancel', ids: new ClientOrderIds('perp_test'), perp: { marginMode: 'cross' } });
    assert.deepEqual(r.refusals, ["order notional 60 USDT (qty 0.001 × bid 60000) is below the market's minimum notional 100"]);
  } finally {
    await ex.close();
    await fake.close();
  }
});
