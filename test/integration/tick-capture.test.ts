// Tick backtests on the shared Binance capture: full runs, no fill far away, fills only where trades reached, latency and queue, determinism.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEvents, iterateEventBatches } from '../../src/data/index.js';
import { EventType } from '../../src/market/index.js';
import { runTickJob, writeTickRunFolder, type TickJobResult } from '../../src/engine/index.js';
import { flatConfig } from '../fixtures/trading-config.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { FarQuotes, TouchQuotes } from '../fixtures/tick-strategies.js';

const path = ensureSharedCaptureArrow();
const events = readEvents(path);
const base = { events: path, order_qty: 0.001, max_inventory_qty: 0.01 };

function touch(latencyMs: number, queue = 'risk-averse'): TickJobResult {
  const cfg = flatConfig({ ...base, feed_latency_ms: latencyMs, order_latency_ms: latencyMs, queue });
  return runTickJob(cfg, [events], { strategy: new TouchQuotes(0.001, 0.01) });
}

test('AS and GLFT complete a full streamed run over the capture and account for every event', () => {
  for (const model of ['as', 'glft'] as const) {
    const cfg = flatConfig({ events: path, model, gamma: 0.0001, horizon_seconds: 60, feed_latency_ms: 5 });
    const r = runTickJob(cfg, iterateEventBatches(path));
    assert.equal(r.events, events.length);
    assert.ok(r.trace.length > 600, `trace rows ${r.trace.length}`);
    assert.ok(r.metrics.fills > 0, `${model} fills`);
    const m = r.metrics;
    assert.ok(Math.abs(m.pnl_spread_capture + m.pnl_inventory - m.pnl_fees - m.total_pnl) < 1e-6, 'PnL split adds up');
    assert.ok(r.core.view.sigma > 0 && r.core.view.intensityA > 0 && r.core.view.intensityK > 0, 'σ, A, k estimated live');
  }
});

test('a strategy quoting 2% away from the market gets no fill', () => {
  const cfg = flatConfig({ ...base, feed_latency_ms: 5 });
  const r = runTickJob(cfg, [events], { strategy: new FarQuotes(0.02, 0.001) });
  assert.ok(r.core.counters.placed > 0);
  assert.equal(r.metrics.fills, 0);
});

test('quoting at the touch: every fill is at a price a trade reached at that moment, and fills not caused by a sweep are at printed prices', () => {
  const r = touch(5);
  const f = r.core.fills;
  const s = r.stats;
  assert.ok(f.length > 100, `fills ${f.length}`);
  // Trades by exchange time, to look up what traded around each fill.
  const tTs: number[] = [];
  const tPx: number[] = [];
  const tSide: number[] = [];
  for (let i = 0; i < events.length; i++) {
    if (events.type[i] !== EventType.Trade) continue;
    tTs.push(events.tsExchange[i]!);
    tPx.push(events.price[i]!);
    tSide.push(events.side[i]!);
  }
  let through = 0;
  for (let i = 0; i < f.length; i++) {
    const side = f.side[i]!;
    const px = f.price[i]!;
    const x = s.exchangeTs[i]!;
    let exact = false;
    let beyond = false;
    for (let j = 0; j < tTs.length; j++) {
      if (tTs[j]! > x || tTs[j]! < x - 2e6 || tSide[j] === side) continue;
      if (Math.abs(tPx[j]! - px) < 1e-9) exact = true;
      if (side > 0 ? tPx[j]! < px : tPx[j]! > px) beyond = true;
    }
    if (s.through[i]) {
      through++;
      assert.ok(beyond, `fill ${i} at ${px}: a trade went through it`);
    } else assert.ok(exact, `fill ${i} at ${px}: a trade printed at that price`);
  }
  assert.equal(through, r.metrics.trade_through_fills);
});

test('doubling latency never improves the average queue position at fill', () => {
  for (const queue of ['risk-averse', 'power:2']) {
    let prev = -Infinity;
    for (const ms of [2, 4, 8, 16]) {
      const q = touch(ms, queue).metrics.queue_position_at_fill!.mean;
      assert.ok(q >= prev, `${queue}: ${ms} ms gives ${q}, less than ${prev} at half the latency`);
      prev = q;
    }
  }
});

test('determinism: the same config and file give byte-identical run folders', () => {
  const dirs: string[] = [];
  for (let k = 0; k < 2; k++) {
    const cfg = flatConfig({ events: path, model: 'glft', gamma: 0.0001, feed_latency_ms: 3, order_latency_ms: 7, queue: 'log', partial_fills: true });
    const r = runTickJob(cfg, iterateEventBatches(path));
    const dir = join(mkdtempSync(join(tmpdir(), 'tick-det-')), 'run');
    writeTickRunFolder(dir, { config: r.resolved, metrics: r.metrics, trace: r.trace, fills: r.core.fills, stats: r.stats, audit: r.exchange.audit, tickSize: 0.01 });
    dirs.push(dir);
  }
  const files = readdirSync(dirs[0]!).sort();
  assert.deepEqual(files, ['.marketmakerl', 'config.json', 'fills.csv', 'metrics.json', 'metrics.schema.json', 'orders.csv', 'trace.csv']);
  for (const f of files) assert.ok(readFileSync(join(dirs[0]!, f)).equals(readFileSync(join(dirs[1]!, f))), `${f} differs`);
  assert.match(readFileSync(join(dirs[0]!, 'fills.csv'), 'utf8').split('\n')[0]!, /^ts,side,price,qty,fee,liquidity,order_id,sample,ts_exchange_us,trade_id$/);
});
