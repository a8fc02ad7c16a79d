// The summed funds check of several live markets on one account: each market's commitment, grouped by wallet and asset, against the free balance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fundsRefusal } from './live-markets.js';

const spot = (amount: number, how: string, free = 1_000) => ({ wallet: 'binance spot', asset: 'USDT', free, amount, how });

test('markets whose commitments fit their wallet together pass; those that do not are refused in one line naming each market and figure', () => {
  assert.equal(fundsRefusal([{ name: 'btc', commitment: spot(600, 'max_inventory_qty 0.01 × 60000') }, { name: 'eth', commitment: spot(400, 'max_inventory_qty 0.2 × 2000') }]), undefined, 'exactly the free balance fits');
  assert.equal(
    fundsRefusal([
      { name: 'btc', commitment: spot(600, 'max_inventory_qty 0.01 × 60000') },
      { name: 'eth', commitment: spot(600.5, 'max_inventory_qty 0.2 × 3002.5') },
    ]),
    'markets btc, eth together may commit 1200.5 USDT of binance spot, which has 1000 USDT free: btc 600 (max_inventory_qty 0.01 × 60000), eth 600.5 (max_inventory_qty 0.2 × 3002.5)',
  );
});

test('different wallets and assets are judged apart: a spot market and a perpetual margin market of one exchange do not add up', () => {
  const perp = { wallet: 'binanceusdm margin', asset: 'USDT', free: 500, amount: 240, how: 'max_inventory_qty 0.02 × 60000 / leverage 5' };
  assert.equal(fundsRefusal([{ name: 'spot', commitment: spot(900, 'x') }, { name: 'perp', commitment: perp }]), undefined);
  assert.match(fundsRefusal([{ name: 'spot', commitment: spot(900, 'x') }, { name: 'perp', commitment: { ...perp, amount: 600 } }, { name: 'none', commitment: undefined }])!, /^market perp may commit 600 USDT of binanceusdm margin, which has 500 USDT free: perp 600 \(max_inventory_qty 0\.02 × 60000 \/ leverage 5\)$/);
});
