// The bar backtester on real Binance klines: causality, honest fills, conservation, determinism.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadKlines } from '../../src/data/index.js';
import { cloneBars, sliceBars, type Bars } from '../../src/market/index.js';
import { parseTradingConfig, runBarJob, traceCsv, fillsCsv, type TradingConfigInput } from '../../src/engine/index.js';
import { KLINES_1M } from '../fixtures/shared-data.js';

const real = sliceBars(loadKlines(KLINES_1M).bars, 0, 6000);
const configs: TradingConfigInput[] = [
  { data: { path: 'x' }, quoting: { gamma: 0.0005, model: 'as' }, sim: { maker_fee_bps: 0 } },
  { data: { path: 'x' }, quoting: { gamma: 0.0005, model: 'glft', A: 1 / 60 }, sim: { maker_fee_bps: 0 } },
  { data: { path: 'x' }, quoting: { gamma: 0.002, model: 'as', horizon: 'infinite' }, sim: { touch_fill_prob: 0.5, maker_fee_bps: 1 } },
  { data: { path: 'x' }, quoting: { gamma: 0.0005, model: 'as', horizon: 'finite', horizon_seconds: 3600 }, sim: { maker_fee_bps: -0.5 } },
];
const run = (bars: Bars, input: TradingConfigInput) => runBarJob(parseTradingConfig(input), { bars, source: {} });

for (const input of configs) {
  const label = `${input.quoting!.model}/${input.quoting!.horizon ?? 'rolling'}`;

  test(`${label}: quotes and state up to bar t do not change when every bar after t changes`, () => {
    const t = 4000;
    const a = run(real, input);
    const moved = cloneBars(real);
    for (let i = t + 1; i < moved.length; i++) {
      // A different future: prices shifted and stretched, volume changed.
      moved.open[i] = moved.open[i]! * 1.03;
      moved.close[i] = moved.close[i]! * 0.97;
      moved.high[i] = Math.max(moved.open[i]!, moved.close[i]!) * 1.01;
      moved.low[i] = Math.min(moved.open[i]!, moved.close[i]!) * 0.99;
      moved.volume[i] = moved.volume[i]! * 2;
    }
    const b = run(moved, input);
    const rows = (csv: string) => csv.split('\n').slice(0, t + 2); // header + rows 0..t
    assert.deepEqual(rows(traceCsv(b.trace, 0.01)), rows(traceCsv(a.trace, 0.01)));
    // Fills up to bar t are the same too.
    const fillsUpTo = (r: typeof a) => fillsCsv(r.core.fills, 0.01).split('\n').filter((l, i) => i === 0 || (l !== '' && Number(l.split(',')[7]) <= t));
    assert.deepEqual(fillsUpTo(b), fillsUpTo(a));
  });

  test(`${label}: every fill is inside its bar's range, traded through, at the resting order's price`, () => {
    const r = run(real, input);
    const f = r.core.fills;
    assert.ok(f.length > 50, `expected fills, got ${f.length}`);
    const touch = (input.sim?.touch_fill_prob ?? 0) > 0;
    for (let i = 0; i < f.length; i++) {
      const t = f.sample[i]!;
      const price = f.price[i]!;
      assert.ok(price >= real.low[t]! && price <= real.high[t]!, `fill ${price} outside [${real.low[t]}, ${real.high[t]}]`);
      if (f.side[i]! > 0) {
        assert.ok(touch ? real.low[t]! <= price : real.low[t]! < price, 'a bid fills only when the low trades through it');
        assert.equal(price, r.trace.bid[t], 'at the bid that rested during the bar');
      } else {
        assert.ok(touch ? real.high[t]! >= price : real.high[t]! > price, 'an ask fills only when the high trades through it');
        assert.equal(price, r.trace.ask[t]);
      }
    }
  });

  test(`${label}: cash and position are conserved net of fees; PnL parts add up`, () => {
    const r = run(real, input);
    const f = r.core.fills;
    let cash = r.core.portfolio.initialCash;
    let pos = 0;
    let fees = 0;
    for (let i = 0; i < f.length; i++) {
      cash -= f.side[i]! * f.price[i]! * f.qty[i]! + f.fee[i]!;
      pos += f.side[i]! * f.qty[i]!;
      fees += f.fee[i]!;
    }
    const n = r.trace.length;
    const last = real.close[n - 1]!;
    assert.ok(Math.abs(pos - r.metrics.final_inventory) < 1e-9);
    assert.ok(Math.abs(cash + pos * last - r.metrics.final_equity) < 1e-6);
    const m = r.metrics;
    assert.ok(Math.abs(m.realized_pnl + m.inventory_pnl - m.fees - m.total_pnl) < 1e-6);
    assert.ok(Math.abs(fees - m.fees) < 1e-9);
    // The split a market maker reads first, recomputed from the fills and the closes: the edge against the
    // previous close (the mid the quote was decided on), and what the inventory made as the mid moved.
    let capture = 0;
    for (let i = 0; i < f.length; i++) if (f.sample[i]! >= 1) capture += f.side[i]! * f.qty[i]! * (real.close[f.sample[i]! - 1]! - f.price[i]!);
    assert.ok(Math.abs(capture - m.pnl_spread_capture!) < 1e-6, `capture ${capture} against ${m.pnl_spread_capture}`);
    assert.ok(Math.abs(m.pnl_spread_capture! + m.pnl_inventory! - m.fees - m.total_pnl) < 1e-6);
    assert.ok(m.max_abs_inventory <= (r.resolved['quoting'] as { max_inventory_qty: number }).max_inventory_qty + 1e-9, 'inventory limit holds');
  });
}

test('quotes rest on both sides of the previous close and never cross it', () => {
  const r = run(real, configs[0]!);
  for (let t = 1; t < r.trace.length; t++) {
    const bid = r.trace.bid[t]!;
    const ask = r.trace.ask[t]!;
    if (bid === bid) assert.ok(bid < real.close[t - 1]!);
    if (ask === ask) assert.ok(ask > real.close[t - 1]!);
  }
});

test('same config, same bytes; Sharpe is annualised from the bar interval', () => {
  const a = run(real, configs[2]!);
  const b = run(real, configs[2]!);
  assert.equal(traceCsv(a.trace, 0.01), traceCsv(b.trace, 0.01));
  assert.equal(fillsCsv(a.core.fills, 0.01), fillsCsv(b.core.fills, 0.01));
  assert.deepEqual(a.metrics, b.metrics);
  assert.equal(a.metrics.periods_per_year, 365 * 24 * 60);
});

test('markouts are reported at 1, 5 and 20 bars and match a direct computation', () => {
  const r = run(real, configs[0]!);
  const m5 = r.metrics.markouts.find((m) => m.horizon === 5)!;
  const f = r.core.fills;
  let s = 0;
  let c = 0;
  for (let i = 0; i < f.length; i++) {
    const j = f.sample[i]! + 5;
    if (j >= r.trace.length) continue;
    s += f.side[i]! * (real.close[j]! - f.price[i]!);
    c++;
  }
  assert.equal(m5.fills, c);
  assert.ok(Math.abs(m5.mean_price! - s / c) < 1e-9);
  assert.deepEqual(r.metrics.markouts.map((m) => m.horizon), [1, 5, 20]);
});
