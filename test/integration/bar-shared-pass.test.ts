// K bar backtests in one shared pass give, run by run, exactly what each gives alone (real 5m klines).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadKlines } from '../../src/data/index.js';
import { sliceBars } from '../../src/market/index.js';
import { runBarJob, runBarSharedPass, type BarJobResult } from '../../src/engine/index.js';
import { flatConfig } from '../fixtures/trading-config.js';
import { linearPolicy } from '../fixtures/policy.js';
import { KLINES_5M } from '../fixtures/shared-data.js';

const bars = sliceBars(loadKlines(KLINES_5M).bars, 1_000, 3_000);
const loaded = { bars, source: { kind: 'test' } };
const policy = linearPolicy({
  features: ['inventory', 'volatility', 'trend', 'momentum', 'mean_reversion'],
  base: { model: 'glft', gamma: 0.001, horizon: 'rolling', horizon_seconds: 3600 },
  weight: (f, a) => Math.sin(1 + f * 3 + a) * 0.6,
  decisionSeconds: 900,
});

/** Seventeen different runs: models (rl reads the bar signals), γ, k fixed or fitted, fees, touch fills with their own seeds, requotes, sizes, feature windows. */
const mixed: Record<string, unknown>[] = [
  { model: 'as', gamma: 0.0005 },
  { model: 'glft', gamma: 0.001, A: 1 / 300 },
  { model: 'rl', gamma: 0.001 },
  { model: 'as', gamma: 0.002, horizon: 'infinite', touch_fill_prob: 0.5, seed: 3 },
  { model: 'as', gamma: 0.0005, horizon: 'finite', horizon_seconds: 7200, maker_fee_bps: -0.5 },
  { model: 'glft', gamma: 0.0002, calibrate: false, k: 0.05, A: 0.01 },
  { model: 'as', gamma: 0.001, requote_ticks: 50, maker_fee_bps: 10 },
  { model: 'as', gamma: 0.001, vol_estimator: 'rolling', vol_window: 20 },
  { model: 'glft', gamma: 0.003, vol_estimator: 'ewma', ewma_half_life: 12 },
  { model: 'as', gamma: 0.0007, order_qty: 0.01, max_inventory_qty: 0.03 },
  { model: 'rl', gamma: 0.001, touch_fill_prob: 0.3, seed: 9, signal_window: 30, maker_fee_bps: 1, order_qty: 0.002 },
  { model: 'as', gamma: 0.0005, min_spread_ticks: 200, capital: 5_000 },
  { model: 'glft', gamma: 0.0009, touch_fill_prob: 1 },
  { model: 'as', gamma: 0.004, calibrate: false, k: 0.02 },
  { model: 'glft', gamma: 0.0005, vol_estimator: 'rolling', maker_fee_bps: 2 },
  { model: 'glft', gamma: 0.0015, requote_ticks: 5, price_band_pct: 1 },
  { model: 'as', gamma: 0.0005, markout_horizons: [2, 7] },
];
const cfgOf = (input: Record<string, unknown>) => flatConfig({ ...input, data: { path: 'klines.csv' } });

const bytes = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Everything a run produces that a user or the analysis reads, as comparable values. */
function fingerprint(r: BarJobResult): Record<string, unknown> {
  const t = r.trace;
  const f = r.core.fills;
  const cols = (o: object, names: string[], n: number) => Object.fromEntries(names.map((k) => [k, bytes((o as Record<string, Float64Array>)[k]!.subarray(0, n)).toString('base64')]));
  return {
    trace: cols(t, ['ts', 'mid', 'bid', 'ask', 'reservation', 'inventory', 'cash', 'equity', 'state'], t.length),
    fills: cols(f, ['ts', 'side', 'price', 'qty', 'fee', 'taker', 'clientId', 'sample'], f.length),
    metrics: JSON.stringify(r.metrics),
    resolved: JSON.stringify(r.resolved),
    counters: JSON.stringify(r.core.counters),
  };
}

const alone = mixed.map((input) => fingerprint(runBarJob(cfgOf(input), loaded, policy)));

for (const k of [1, 2, 17]) {
  test(`K = ${k}: every run of one shared pass equals its own single run, byte for byte`, () => {
    // K = 2 pairs different models and σ windows (one frame each); 17 takes every config, in a shuffled order.
    const pick = k === 1 ? [2] : k === 2 ? [7, 14] : [16, 3, 0, 9, 12, 5, 14, 2, 11, 6, 1, 8, 13, 4, 10, 15, 7];
    const shared = runBarSharedPass(
      loaded,
      pick.map((i) => ({ cfg: cfgOf(mixed[i]!), policy })),
    );
    assert.equal(shared.length, k);
    shared.forEach((r, j) => assert.deepEqual(fingerprint(r), alone[pick[j]!], `run ${j} (config ${pick[j]})`));
  });
}

test('the mixed configs really differ (the comparison is not between copies of one run)', () => {
  const pnls = new Set(alone.map((a) => a['metrics']));
  assert.equal(pnls.size, mixed.length);
  assert.ok(alone.every((a) => (a['fills'] as Record<string, string>)['ts']!.length > 0), 'every run fills');
});
