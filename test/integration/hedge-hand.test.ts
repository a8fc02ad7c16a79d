// Hedged market making on two hand-made markets: a fill on the quoted spot market hedged on a perpetual, every figure computed by hand here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TradingConfigSchema, hedgePlan, hedgeRecord, marketConfigs, runTickMarketsJob } from '../../src/engine/index.js';
import { clearTarget, type MarketView, type QuoteTarget, type Strategy } from '../../src/strategy/index.js';
import { EventBuilder } from '../fixtures/tick-events.js';
import { inventoriesOverlap, type SplitMarket } from '../../src/engine/hedge-metrics.js';
import type { MarketJobResult } from '../../src/engine/index.js';

const splitOf = (m: MarketJobResult): SplitMarket => ({ total_pnl: m.metrics.total_pnl, fees: m.metrics.fees, pnl_funding: m.metrics.pnl_funding, spec: m.core.portfolio.spec, trace: m.trace, fills: m.core.fills });

const T0 = 1_700_000_000_000_000; // µs, on the 100 ms grid
const MS = 1000;

/** Bid 0.4 at 100.00 until the position is 0.4 (a fill of the trade at T0 + 50 ms), nothing else. */
class BidOnce implements Strategy {
  readonly name = 'bid-once';
  decide(v: Readonly<MarketView>, out: QuoteTarget): void {
    clearTarget(out);
    if (v.position < 0.4 - 1e-12) {
      out.bidPrice = 100;
      out.bidQty = 0.4;
    }
  }
}

/**
 * Spot: 99.99 / 100.01; a sell of 1 at 100.00 at T0 + 50 ms; at T0 + 500 ms the book moves to 100.09 / 100.11.
 * Perpetual: bids 100.6, 100.5, 100.4 (1 each), ask 100.7 × 1; at T0 + 105 ms the 100.6 bid is gone and
 * 100.5 shows 0.1; a buy of 1.3 at 100.7 at T0 + 300 ms; at T0 + 500 ms the book is 100.7 / 100.9.
 */
function events() {
  const spot = new EventBuilder()
    .snapshot(T0, [[99.99, 1]], [[100.01, 1]])
    .trade(T0 + 50 * MS, -1, 100, 1)
    .delta(T0 + 500 * MS, [[1, 99.99, 0], [-1, 100.01, 0], [1, 100.09, 1], [-1, 100.11, 1]])
    .delta(T0 + 1000 * MS, [[1, 90, 1]])
    .build();
  const perp = new EventBuilder()
    .snapshot(T0, [[100.6, 1], [100.5, 1], [100.4, 1]], [[100.7, 1]])
    .delta(T0 + 105 * MS, [[1, 100.6, 0], [1, 100.5, 0.1]])
    .trade(T0 + 300 * MS, 1, 100.7, 1.3)
    .delta(T0 + 500 * MS, [[1, 100.5, 0], [1, 100.4, 0], [-1, 100.7, 0], [1, 100.7, 1], [-1, 100.9, 1]])
    .delta(T0 + 1000 * MS, [[1, 90, 1]])
    .build();
  return { spot, perp };
}

function run(spotResponseMs: number, mode: 'taker' | 'passive' = 'taker') {
  const cfg = TradingConfigSchema.parse({
    capital: 20_000,
    quoting: { order_qty: 0.4, max_inventory_qty: 1 },
    risk: { max_order_qty: 1 },
    sim: { feed_latency_ms: 0, maker_fee_bps: 0, taker_fee_bps: 5, entry_latency_ms: 1, response_latency_ms: spotResponseMs },
    loop: { decision_interval_ms: 100, sample_interval_ms: 100 },
    hedge: { market: 'perp', quoted: 'spot', mode, band: 0.2, ratio: 1, slippage_ticks: 2 },
    markets: [
      { name: 'spot', symbol: 'BTC/USDT', tick_size: 0.01, lot_size: 0.00001 },
      { name: 'perp', symbol: 'BTC/USDT:USDT', instrument: 'linear_perp', contract_size: 1, tick_size: 0.1, lot_size: 0.001, sim: { entry_latency_ms: 10, response_latency_ms: 10 } },
    ],
  });
  const ms = marketConfigs(cfg);
  const plan = hedgePlan(cfg, ms);
  const { spot, perp } = events();
  const r = runTickMarketsJob(ms, {}, {}, [[spot], [perp]], [{ strategy: new BidOnce() }], plan);
  return { r, rec: hedgeRecord(r) };
}

const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} ≠ ${b}`);

test('a spot fill is hedged on the perpetual by an order that meets the book as it is when it arrives, with its taker fee; the PnL split is the hand calculation', () => {
  const { r, rec } = run(1);
  const [a, b] = r.markets;
  // Spot: one maker fill of 0.4 at 100.00 (the trade at T0 + 50 ms), known locally at T0 + 51 ms.
  assert.equal(a!.core.fills.length, 1);
  assert.equal(a!.core.fills.price[0], 100);
  close(a!.core.fills.qty[0]!, 0.4, 'spot fill');
  assert.equal(a!.core.fills.ts[0], T0 + 51 * MS);
  // The decision at T0 + 100 ms sees +0.4 beyond the 0.2 band and sells 0.4 with a limit 2 ticks under
  // the bid it knows (100.6 → 100.4). It reaches the perpetual at T0 + 110 ms, after the 100.6 bid left:
  // 0.1 at 100.5 and 0.3 at 100.4, taker, 5 bps.
  const au = b!.exchange.audit;
  assert.equal(au.length, 1, 'one hedge order');
  assert.equal(au.sent[0], T0 + 100 * MS);
  assert.equal(au.arrived[0], T0 + 110 * MS);
  assert.equal(au.price[0], 100.4);
  close(au.qty[0]!, 0.4, 'hedge qty');
  const f = b!.core.fills;
  assert.deepEqual(Array.from(f.price.subarray(0, f.length)), [100.5, 100.4]);
  close(f.qty[0]!, 0.1, 'first level');
  close(f.qty[1]!, 0.3, 'second level');
  assert.deepEqual(Array.from(f.side.subarray(0, f.length)), [-1, -1]);
  assert.deepEqual([f.ts[0], f.ts[1]], [T0 + 120 * MS, T0 + 120 * MS], 'answers 10 ms later');
  const fees = 0.1 * 100.5 * 0.0005 + 0.3 * 100.4 * 0.0005; // 0.020085
  close(b!.metrics.fees, fees, 'taker fees');
  assert.equal(b!.metrics.taker_fills, 2);
  // Both markets end flat net: +0.4 spot, −0.4 perpetual; nothing rests.
  close(a!.core.portfolio.position + b!.core.portfolio.position, 0, 'net position');
  assert.equal(b!.core.open.count, 0);
  // End marks (last samples, T0 + 900 ms): spot 100.10, perpetual 100.80.
  close(a!.metrics.total_pnl, 0.4 * (100.1 - 100), 'spot PnL');
  const avg = (0.1 * 100.5 + 0.3 * 100.4) / 0.4; // 100.425
  close(b!.metrics.total_pnl, -0.4 * (100.8 - avg) - fees, 'perpetual PnL');
  // Split: basis = side × qty × (β_end − β_fill), β = perp mid − spot mid at the last samples at or before
  // the fills reached us (T0 + 100 ms: 100.65 − 100.00) and at the end (100.80 − 100.10).
  const s = rec.pnl_split;
  close(s.quoting, 0.04, 'quoting');
  close(s.basis, -0.4 * (100.8 - 100.1 - (100.65 - 100)), 'basis');
  // hedging = execution against the perpetual's mid + the hedge's PnL on the spot mid's move.
  close(s.hedging, -0.1 * (100.65 - 100.5) - 0.3 * (100.65 - 100.4) - 0.4 * (100.1 - 100), 'hedging');
  close(s.fees, -fees, 'fees');
  close(s.funding, 0, 'funding');
  close(s.total, 0.04 - 0.4 * (100.8 - avg) - fees, 'total');
  close(s.quoting + s.hedging + s.basis + s.fees + s.funding, s.total, 'the parts sum to the total');
  close(s.total, r.book.total_pnl, "the book's PnL");
  const h = rec.hedge as { fills: number; orders: number; triggers: number; filled_base_qty: number };
  assert.deepEqual([h.orders, h.fills, h.triggers], [1, 2, 1]);
  close(h.filled_base_qty, 0.4, 'hedged');
});

test('no look-ahead: a fill the quoted market learns of after a decision is hedged at the next one, from what is known then', () => {
  // Spot answers take 60 ms: the fill (exchange T0 + 50 ms) is known at T0 + 110 ms, after the decision at T0 + 100 ms.
  const { r } = run(60);
  const [a, b] = r.markets;
  assert.equal(a!.core.fills.ts[0], T0 + 110 * MS);
  const au = b!.exchange.audit;
  assert.equal(au.length, 1);
  assert.equal(au.sent[0], T0 + 200 * MS, 'decided at the first decision after the fill was known');
  assert.equal(au.arrived[0], T0 + 210 * MS);
  // The bid it knew then was 100.5 (limit 100.3): 0.1 at 100.5, 0.3 at 100.4.
  assert.equal(au.price[0], 100.3);
  const f = b!.core.fills;
  assert.deepEqual(Array.from(f.price.subarray(0, f.length)), [100.5, 100.4]);
});

test('passive hedge: a post-only order rests at the perpetual touch behind its queue, fills by the trades that reach it, and is cancelled once back inside the band', () => {
  const { r, rec } = run(1, 'passive');
  const b = r.markets[1]!;
  const au = b.exchange.audit;
  assert.equal(au.length, 1, 'one resting hedge order');
  assert.equal(au.side[0], -1);
  assert.equal(au.price[0], 100.7, 'a sell at the best ask known at T0 + 100 ms');
  assert.equal(au.sent[0], T0 + 100 * MS);
  assert.equal(au.arrived[0], T0 + 110 * MS);
  assert.equal(au.queueAhead[0], 1, 'behind the 1 shown at 100.7');
  // The buy of 1.3 at T0 + 300 ms: 1 goes to the queue ahead, 0.3 to us (maker, 0 bps).
  const f = b.core.fills;
  assert.equal(f.length, 1);
  assert.equal(f.price[0], 100.7);
  close(f.qty[0]!, 0.3, 'filled by what reached it');
  assert.equal(f.taker[0], 0, 'maker');
  assert.equal(f.ts[0], T0 + 310 * MS);
  // At T0 + 400 ms the deviation is 0.4 − 0.3 = 0.1, inside the band: the rest is cancelled (reaches the venue at T0 + 410 ms).
  assert.equal(au.ended[0], T0 + 410 * MS);
  close(b.core.portfolio.position, -0.3, 'perpetual position');
  const s = rec.pnl_split;
  close(s.quoting + s.hedging + s.basis + s.fees + s.funding, s.total, 'split sums');
  close(s.total, r.book.total_pnl, "the book's PnL");
});

test('an inverse perpetual as the hedge leg: contracts worth 10 USD each, fees and PnL in the coin, reported in quote; every figure by hand', () => {
  const { spot } = events(); // the spot market of the tests above
  // Sizes in contracts (10 USD each): bids 100.6 × 3, 100.5 × 10; ask 100.7 × 10; at T0 + 500 ms 100.7 / 100.9.
  const perp = new EventBuilder()
    .snapshot(T0, [[100.6, 3], [100.5, 10]], [[100.7, 10]])
    .delta(T0 + 500 * MS, [[1, 100.6, 0], [1, 100.5, 0], [-1, 100.7, 0], [1, 100.7, 10], [-1, 100.9, 10]])
    .delta(T0 + 1000 * MS, [[1, 90, 1]])
    .build();
  const cfg = TradingConfigSchema.parse({
    capital: 20_000,
    quoting: { order_qty: 0.4, max_inventory_qty: 1 },
    risk: { max_order_qty: 10 },
    sim: { feed_latency_ms: 0, maker_fee_bps: 0, taker_fee_bps: 5, entry_latency_ms: 1, response_latency_ms: 1 },
    loop: { decision_interval_ms: 100, sample_interval_ms: 100 },
    hedge: { market: 'coinm', quoted: 'spot', band: 0.05, ratio: 1, slippage_ticks: 2 },
    markets: [
      { name: 'spot', symbol: 'BTC/USDT', tick_size: 0.01, lot_size: 0.00001 },
      { name: 'coinm', symbol: 'BTC/USD:BTC', instrument: 'inverse_perp', contract_size: 10, tick_size: 0.1, lot_size: 1, quoting: { max_inventory_qty: 10 }, sim: { entry_latency_ms: 10, response_latency_ms: 10 } },
    ],
  });
  const ms = marketConfigs(cfg);
  const r = runTickMarketsJob(ms, {}, {}, [[spot], [perp]], [{ strategy: new BidOnce() }], hedgePlan(cfg, ms));
  const rec = hedgeRecord(r);
  const [a, b] = r.markets;
  close(a!.core.portfolio.position, 0.4, 'spot long 0.4');
  // At T0 + 100 ms the inverse mid is 100.65: a contract is 10 / 100.65 BTC, so −0.4 BTC is −4.0258 → −4
  // contracts (lot 1); limit 2 ticks under the bid, 100.4. It reaches the book at T0 + 110 ms: 3 at 100.6, 1 at 100.5.
  const au = b!.exchange.audit;
  assert.equal(au.length, 1, 'one hedge order');
  assert.equal(au.price[0], 100.4);
  assert.equal(au.qty[0], 4);
  const f = b!.core.fills;
  assert.deepEqual(Array.from(f.price.subarray(0, f.length)), [100.6, 100.5]);
  assert.deepEqual(Array.from(f.qty.subarray(0, f.length)), [3, 1]);
  // Fees in the coin: 5 bps of contracts × 10 / price; PnL in the coin: −contracts × 10 × (1/entry − 1/exit).
  const feeCoin = 0.0005 * ((3 * 10) / 100.6 + (1 * 10) / 100.5);
  const end = 100.8; // the inverse mid at the last sample
  const pnlCoin = -3 * 10 * (1 / 100.6 - 1 / end) - 1 * 10 * (1 / 100.5 - 1 / end);
  close(b!.core.portfolio.fees, feeCoin, 'fees in the coin');
  close(b!.metrics.fees, feeCoin * end, 'fees in quote at the last mid');
  close(b!.metrics.total_pnl, (pnlCoin - feeCoin) * end, 'the inverse leg in quote');
  const s = rec.pnl_split;
  close(s.fees, -feeCoin * end, 'split fees');
  // Basis: side × the fill's base coin (contracts × 10 / fill price) × (β_end − β_fill); β at T0 + 100 ms is
  // 100.65 − 100.00, at the end 100.80 − 100.10.
  const baseQty = (3 * 10) / 100.6 + (1 * 10) / 100.5;
  close(s.basis, -baseQty * (100.8 - 100.1 - (100.65 - 100)), 'basis');
  close(s.quoting, 0.4 * (100.1 - 100), 'quoting');
  close(s.quoting + s.hedging + s.basis + s.fees + s.funding, s.total, 'the parts sum to the total');
  close(s.total, r.book.total_pnl, "the book's PnL");
  const h = rec.hedge as { filled_base_qty: number; net_inventory: { max_abs: number } };
  close(h.filled_base_qty, baseQty, 'hedged base coin');
  // Net inventory (samples every 100 ms from T0): 0.4 from the spot fill until the hedge's fills are known (T0 + 120 ms), then 0.4 − 4 contracts × 10 / the
  // inverse mid of the sample (100.65, then 100.8 from T0 + 500 ms).
  const inv = inventoriesOverlap(splitOf(a!), splitOf(b!));
  const net = Array.from(inv.net);
  close(net[0]!, 0, 'before the spot fill');
  close(net[1]!, 0.4, 'at T0 + 100 ms, before the hedge');
  close(net[2]!, 0.4 - 40 / 100.65, 'hedged, at T0 + 200 ms');
  close(net[net.length - 1]!, 0.4 - 40 / end, 'hedged, at the end');
  close(h.net_inventory.max_abs, 0.4, 'the largest is before the hedge');
});
