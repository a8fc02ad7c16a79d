// The ladder example (examples/strategies/ladder.ts) in bar and tick backtests: several orders rest per side, fills come at more than one level, and every tick fill passes verify-fills on the real capture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { iterateEventBatches } from '../../src/data/index.js';
import { loadBarsFor, parseTradingConfig, runBarJob, runTickJob, writeTickRunFolder } from '../../src/engine/index.js';
import { loadStrategyModule } from '../../src/strategy/index.js';
import { loadTrades, verifyFills } from '../../src/verify/index.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { KLINES_1M, REPO_ROOT } from '../fixtures/shared-data.js';

const MODULE = join(REPO_ROOT, 'examples', 'strategies', 'ladder.ts');
await loadStrategyModule(MODULE);
const dir = mkdtempSync(join(tmpdir(), 'ladder-strategy-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const QTY = 0.001;
// Level i rests QTY × (1 + i): its size tells a fill's level. The gate's max_order_qty must admit the deepest.
const config = (data: Record<string, unknown>, step_bps: number) => ({
  capital: 100_000,
  data,
  quoting: { strategy: MODULE, params: { levels: 3, step_bps, growth: 1 }, order_qty: QTY, max_inventory_qty: 0.05 },
  risk: { max_order_qty: 0.01 },
  sim: { maker_fee_bps: 0, queue: 'power:2', feed_latency_ms: 5 },
});

/** Fills per level (0, 1, 2) from their orders' sizes. */
function perLevel(sizes: Iterable<number>): number[] {
  const n = [0, 0, 0];
  for (const q of sizes) {
    const level = Math.round(q / QTY) - 1;
    assert.ok(level >= 0 && level < 3 && Math.abs(q - QTY * (level + 1)) < 1e-12, `an order of ${q} is no level's size`);
    n[level]!++;
  }
  return n;
}

test('bar backtest on a month of 1m klines: three orders rest per side, every level fills, each inside its bar', (t) => {
  const cfg = parseTradingConfig(config({ path: KLINES_1M }, 5));
  const loaded = loadBarsFor(cfg);
  const r = runBarJob(cfg, loaded);
  const m = r.metrics;
  t.diagnostic(JSON.stringify({ fills: m.fills, placed: m.orders_placed, denied: m.orders_denied, max_orders_per_side: m.max_orders_per_side, pnl: m.total_pnl }));
  assert.equal(m.max_orders_per_side, 3);
  assert.equal(m.orders_denied, 0, 'the strategy keeps its ladder within the limits the gate checks');
  const f = r.core.fills;
  const levels = perLevel(Array.from({ length: f.length }, (_, i) => f.qty[i]!)); // bar fills are whole orders
  t.diagnostic(`fills per level: ${levels.join(', ')}`);
  assert.ok(levels.every((n) => n > 100), `fills at every level: ${levels.join(', ')}`);
  assert.ok(levels[0]! > levels[1]! && levels[1]! > levels[2]!, 'deeper levels fill less often');
  // Honest bar fills: a bid fills only if the bar traded below it, an ask only if above.
  const bars = loaded.bars;
  const bar = new Map<number, number>();
  for (let i = 0; i < bars.length; i++) bar.set(bars.ts[i]!, i); // decided at the open of bar i, matched against it, stamped with its time
  let checked = 0;
  for (let i = 0; i < f.length; i++) {
    const b = bar.get(f.ts[i]!);
    if (b === undefined) continue;
    if (f.side[i]! > 0) assert.ok(bars.low[b]! < f.price[i]!, `bid fill at ${f.price[i]} in a bar with low ${bars.low[b]}`);
    else assert.ok(bars.high[b]! > f.price[i]!, `ask fill at ${f.price[i]} in a bar with high ${bars.high[b]}`);
    checked++;
  }
  assert.equal(checked, f.length, 'every fill has its bar');
});

test('tick backtest on the real capture: three orders rest per side, fills at every level, verify-fills finds no violation', (t) => {
  const events = ensureSharedCaptureArrow();
  const cfg = parseTradingConfig(config({ events }, 0.05));
  const r = runTickJob(cfg, iterateEventBatches(events));
  const m = r.metrics;
  t.diagnostic(JSON.stringify({ fills: m.fills, placed: m.orders_placed, denied: m.orders_denied, by_rule: m.risk.denials_by_rule, max_orders_per_side: m.max_orders_per_side, pnl: m.total_pnl }));
  assert.equal(m.max_orders_per_side, 3);
  const a = r.exchange.audit;
  const sizeOf = new Map<number, number>();
  for (let i = 0; i < a.length; i++) sizeOf.set(a.id[i]!, a.qty[i]!);
  const f = r.core.fills;
  const levels = perLevel(Array.from({ length: f.length }, (_, i) => sizeOf.get(f.clientId[i]!)!));
  t.diagnostic(`fills per level: ${levels.join(', ')}`);
  assert.ok(levels.filter((n) => n > 50).length >= 2, `fills at more than one level: ${levels.join(', ')}`);
  const out = join(dir, 'tick');
  writeTickRunFolder(out, { config: r.resolved, metrics: m, trace: r.trace, fills: f, stats: r.stats, audit: a, tickSize: 0.01 });
  const v = verifyFills(out, [events], loadTrades([events]));
  assert.equal(v.violations_total, 0, JSON.stringify(v.examples.slice(0, 3)));
  assert.equal(v.taker_fills_unchecked, 0);
  assert.equal(v.fills, f.length);
});

test('GLFT with quoting.levels 3 on the real capture: three orders rest per side, it fills, verify-fills finds no violation', (t) => {
  const events = ensureSharedCaptureArrow();
  const cfg = parseTradingConfig({
    capital: 100_000,
    data: { events },
    quoting: { model: 'glft', gamma: 0.0001, horizon_seconds: 60, order_qty: QTY, max_inventory_qty: 0.02, levels: 3, level_spacing_bps: 0.05 },
    sim: { maker_fee_bps: 0, queue: 'power:2', feed_latency_ms: 5 },
  });
  const r = runTickJob(cfg, iterateEventBatches(events));
  const m = r.metrics;
  t.diagnostic(JSON.stringify({ fills: m.fills, placed: m.orders_placed, denied: m.orders_denied, max_orders_per_side: m.max_orders_per_side, pnl: m.total_pnl }));
  assert.equal(m.max_orders_per_side, 3);
  assert.ok(m.fills > 100, `fills ${m.fills}`);
  const out = join(dir, 'glft');
  writeTickRunFolder(out, { config: r.resolved, metrics: m, trace: r.trace, fills: r.core.fills, stats: r.stats, audit: r.exchange.audit, tickSize: 0.01 });
  const v = verifyFills(out, [events], loadTrades([events]));
  assert.equal(v.violations_total, 0, JSON.stringify(v.examples.slice(0, 3)));
  assert.equal(v.fills, m.fills);
});
