// `risk-calibration`: the BTC/USDT example config against every scenario (simulated and the shared Binance data) keeps each loss
// within its limits (exit 0); limits too tight for the same strategy are breached and named (exit 1); an unknown scenario is exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { REPO_ROOT } from '../fixtures/shared-data.js';
import { runOps } from '../fixtures/ops.js';

const EXAMPLE = join(REPO_ROOT, 'config', 'examples', 'btcusdt.yaml');

test('the example config: six scenarios, each loss within daily_loss_limit and max_drawdown, the crash moves trading to reducing (exit 0)', () => {
  const r = runOps(['risk-calibration', '--config', EXAMPLE]);
  assert.equal(r.status, 0, r.stderr);
  const names = r.json.results.map((x: { scenario: string }) => x.scenario);
  assert.deepEqual(names, ['sim-crash', 'sim-gap', 'sim-vol-burst', 'sim-frozen-feed', 'shared-aug-2024-crash', 'shared-dec-2024-worst-12h']);
  assert.deepEqual(r.json.limits, { daily_loss_limit: 100, max_drawdown: 150, warn_fraction: 0.8, max_inventory_qty: 0.01 });
  for (const x of r.json.results) {
    assert.ok(x.max_drawdown <= 150 && x.worst_daily_loss <= 100, JSON.stringify(x));
    assert.ok(x.max_inventory <= 0.01 + 1e-12, `${x.scenario}: inventory ${x.max_inventory} beyond the limit`);
  }
  const crash = r.json.results[0];
  assert.ok(crash.max_drawdown > 0, 'the crash cost nothing: the strategy did not trade');
  const warn = crash.triggers.find((t: { condition: string }) => t.condition === 'daily-loss-warning');
  assert.ok(warn && warn.minutes_after_event >= 0 && warn.minutes_after_event <= 30 && warn.to === 'reducing', JSON.stringify(crash.triggers));
  // The simulated market starts at the price of the config's own klines (its scale), the shared scenarios are real bars.
  assert.ok(r.json.sim_start_price > 90_000 && r.json.sim_start_price < 100_000);
  assert.equal(r.json.results[4].bars, 54 * 12);
});

test('no reducing stage before the halt (warn_fraction 1) and five times the inventory: the crash and December\'s worst 12 hours go beyond daily_loss_limit, each named with its overshoot (exit 1)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-riskcal-'));
  const doc = parse(readFileSync(EXAMPLE, 'utf8')) as Record<string, any>;
  doc.risk.warn_fraction = 1;
  doc.risk.max_inventory_qty = 0.05;
  doc.quoting.max_inventory_qty = 0.05;
  doc.data.path = join(REPO_ROOT, '..', 'shared', 'data', 'binance-spot-btcusdt-1m-klines-2024-12', 'BTCUSDT_1m.csv');
  delete doc.data.events;
  const cfg = join(dir, 'tight.yaml');
  writeFileSync(cfg, stringify(doc));
  const r = runOps(['risk-calibration', '--config', cfg, '--scenarios', 'sim-crash', 'shared-dec-2024-worst-12h', '--out', join(dir, 'cal.json')]);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.json.ok, false);
  assert.deepEqual(r.json.breached, ['sim-crash', 'shared-dec-2024-worst-12h']);
  for (const x of r.json.results) {
    const b = x.breaches.find((y: { limit: string }) => y.limit === 'daily_loss_limit');
    assert.ok(b && b.loss > 100 && Math.abs(b.beyond - (b.loss - 100)) < 0.011, JSON.stringify(x.breaches));
    assert.ok(x.triggers.some((t: { to: string }) => t.to === 'halted'), `${x.scenario}: no halt before the loss went beyond the limit`);
  }
  assert.match(r.stderr, /sim-crash: .*BEYOND daily_loss_limit by/);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'cal.json'), 'utf8')).breached, r.json.breached);
  const bad = runOps(['risk-calibration', '--scenarios', 'meteor']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^error: --scenarios: unknown scenario 'meteor'; expected some of sim-crash, /);
});
