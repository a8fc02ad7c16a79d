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

test('the hedged live book: the quoted view gets the hedge position and touch, each hedge fill is valued at the basis when first seen, the split sums to the total', async () => {
  const { LiveBook } = await import('./live-markets.js');
  const { TradingSession } = await import('./trading-session.js');
  const { parseRiskConfig } = await import('../risk/index.js');
  const { HedgeStrategy } = await import('../strategy/index.js');
  const { SPOT } = await import('../market/index.js');
  const perp = { kind: 'linear_perp' as const, contractSize: 1 };
  const settings = (contract?: typeof perp) => ({
    initialCash: 10_000,
    reconcile: { priceTolerance: 0.5, qtyTolerance: 0.1 },
    risk: parseRiskConfig({ max_order_qty: 0.02, max_inventory_qty: 0.02 }, { orderQty: 0.001, maxInventoryQty: 0.02, capital: 10_000 }),
    decisionIntervalMicros: 0,
    ...(contract !== undefined ? { contract } : {}),
  });
  const venue = { place: () => {}, cancel: () => {} };
  const strategy = new HedgeStrategy({ mode: 'taker', band: 0.002, ratio: 1, slippageTicks: 0, quoted: { spec: SPOT, tickSize: 0.01, lotSize: 0.00001 }, hedge: { spec: perp, tickSize: 0.1, lotSize: 0.001 } });
  const q = new TradingSession({ name: 'q', decide: () => {} }, settings() as never, { venue });
  const h = new TradingSession(strategy, settings(perp) as never, { venue });
  const market = (name: string, s: InstanceType<typeof TradingSession>) => ({ name, symbol: name, session: { session: s, core: s.core } as never });
  const book = new LiveBook({}, { quoted: 0, hedge: 1, plan: { market: 'usdm', mode: 'taker', band: 0.002, ratio: 1, slippage_ticks: 0 }, strategy, sampleMicros: 1_000 });
  book.attach([market('spot', q), market('usdm', h)]);
  assert.equal(strategy.source, q.core, 'the hedge reads the quoted core');
  assert.equal(strategy.requestOnce, true);
  const mark = (s: InstanceType<typeof TradingSession>, bid: number, ask: number): void => {
    s.core.view.bestBid = bid;
    s.core.view.bestAsk = ask;
    s.core.mark((bid + ask) / 2);
  };
  mark(q, 59_999, 60_001);
  mark(h, 60_009, 60_011);
  // Spot bought 0.004 at 60,000 (maker, fee 0); the hedge sold 0.004 at 60,009 (taker fee 0.12) with the basis at 10.
  q.core.onFill(1, 1, 1, 60_000, 0.004, 0, 'maker');
  h.core.onFill(2, 2, -1, 60_009, 0.004, 0.12, 'taker');
  book.step(1_000);
  assert.deepEqual([q.core.view.hedgePosition, q.core.view.hedgeBid, q.core.view.hedgeAsk], [-0.004, 60_009, 60_011]);
  // The basis narrows to 4: the short perpetual gains 0.004 × 6 against the spot.
  mark(q, 60_099, 60_101);
  mark(h, 60_103, 60_105);
  book.step(3_000);
  const s = book.split();
  assert.ok(Math.abs(s.basis - 0.004 * 6) < 1e-9, `basis ${s.basis}`);
  assert.ok(Math.abs(s.quoting - 0.004 * 100) < 1e-9, `quoting ${s.quoting}`);
  assert.ok(Math.abs(s.fees + 0.12) < 1e-12);
  assert.ok(Math.abs(s.quoting + s.hedging + s.basis + s.fees + s.funding - s.total) < 1e-9, JSON.stringify(s));
  assert.ok(Math.abs(s.total - (0.004 * 100 + 0.004 * (60_009 - 60_104) - 0.12)) < 1e-9, JSON.stringify(s));
  const r = book.record()!;
  assert.deepEqual([r.fills, r.taker_fills, r.filled_base_qty, r.samples], [1, 1, 0.004, 2]);
  assert.deepEqual([r.net_inventory.max_abs, r.quoted_alone.inventory.max_abs], [0, 0.004]);
});
