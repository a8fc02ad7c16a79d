// verify-fills on the shared capture: AS and GLFT at three order sizes and two latencies pass; doctored fills are caught.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { iterateEventBatches } from '../../src/data/index.js';
import { runTickJob, writeTickRunFolder } from '../../src/engine/index.js';
import { flatConfig } from '../fixtures/trading-config.js';
import { loadTrades, verifyFills } from '../../src/verify/index.js';
import { ensureSharedCaptureArrow, sharedCaptureFiles } from '../fixtures/capture.js';
import { CLI } from '../fixtures/shared-data.js';

const dir = mkdtempSync(join(tmpdir(), 'verify-fills-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const events = ensureSharedCaptureArrow();
const raw = sharedCaptureFiles();

function run(model: 'as' | 'glft', qty: number, latencyMs: number, tag = ''): string {
  const cfg = flatConfig({ events, model, gamma: 0.0001, horizon_seconds: 60, queue: 'power:2', order_qty: qty, max_inventory_qty: qty * 10, order_latency_ms: latencyMs, feed_latency_ms: 5, maker_fee_bps: -0.5 });
  const r = runTickJob(cfg, iterateEventBatches(events));
  const out = join(dir, `${model}-${qty}-${latencyMs}${tag}`);
  writeTickRunFolder(out, { config: r.resolved, metrics: r.metrics, trace: r.trace, fills: r.core.fills, stats: r.stats, audit: r.exchange.audit, tickSize: 0.01 });
  return out;
}

test('AS and GLFT at 0.001, 0.01 and 0.1 BTC, 5 and 50 ms: every fill is backed by a trade after arrival, no trade used beyond its size', () => {
  const fromRaw = loadTrades(raw);
  const fromFile = loadTrades([events]);
  assert.equal(fromRaw.size, fromFile.size, 'the raw capture and its event file hold the same trades');
  let fills = 0;
  for (const model of ['as', 'glft'] as const) {
    for (const qty of [0.001, 0.01, 0.1]) {
      for (const latency of [5, 50]) {
        const out = run(model, qty, latency);
        // Half the runs checked against the raw capture, half against the event file.
        const v = latency === 5 ? verifyFills(out, raw, fromRaw) : verifyFills(out, [events], fromFile);
        assert.equal(v.violations_total, 0, `${model} ${qty} ${latency} ms: ${JSON.stringify(v.examples.slice(0, 3))}`);
        assert.equal(v.taker_fills_unchecked, 0);
        assert.ok(v.fills > 0, `${model} ${qty} ${latency} ms has fills`);
        fills += v.fills;
      }
    }
  }
  assert.ok(fills > 5_000, `fills checked: ${fills}`);
});

test('doctored fills are caught: a trade before arrival, a fill larger than its trade, a wrong aggressor, a made-up trade', () => {
  const base = run('glft', 0.01, 5, '-base');
  const trades = loadTrades([events]);
  const lines = readFileSync(join(base, 'fills.csv'), 'utf8').trimEnd().split('\n');
  const head = lines[0]!.split(',');
  const col = (name: string): number => head.indexOf(name);
  const orders = new Map(
    readFileSync(join(base, 'orders.csv'), 'utf8').trimEnd().split('\n').slice(1).map((l) => {
      const v = l.split(',');
      return [v[0]!, Number(v[5])] as const;
    }),
  );
  // Trade ids sorted by time, to find one that printed before an order arrived.
  const byTime = [...trades.entries()].sort((a, b) => a[1].ts - b[1].ts);
  const doctor = (name: string, edit: (cells: string[]) => void, row = 1): string => {
    const out = join(dir, `doctored-${name}`);
    cpSync(base, out, { recursive: true });
    const copy = lines.map((l) => l.split(','));
    edit(copy[row]!);
    writeFileSync(join(out, 'fills.csv'), copy.map((c) => c.join(',')).join('\n') + '\n');
    return out;
  };
  const cases: [string, string, (c: string[]) => void][] = [
    ['before-arrival', 'before_arrival', (c) => {
      const arrived = orders.get(c[col('order_id')]!)!;
      const earlier = byTime.filter(([, t]) => t.ts < arrived && t.price === Number(c[col('price')]) && t.aggressor === (c[col('side')] === 'buy' ? -1 : 1)).pop() ?? byTime.filter(([, t]) => t.ts < arrived).pop()!;
      c[col('trade_id')] = String(earlier[0]);
      c[col('ts_exchange_us')] = String(earlier[1].ts);
    }],
    ['oversized', 'trade_volume', (c) => {
      const t = trades.get(Number(c[col('trade_id')]))!;
      c[col('qty')] = String(t.qty * 3 + 1);
    }],
    ['made-up', 'unknown_trade', (c) => {
      c[col('trade_id')] = '1';
    }],
    ['no-trade', 'no_trade_id', (c) => {
      c[col('trade_id')] = '';
    }],
  ];
  for (const [name, kind, edit] of cases) {
    const v = verifyFills(doctor(name, edit), [events], trades);
    assert.ok(v.violations[kind as keyof typeof v.violations] >= 1, `${name}: expected a ${kind} violation, got ${JSON.stringify(v.violations)}`);
  }
  // A fill moved onto a trade whose aggressor was on the same side as the order.
  const wrongSide = join(dir, 'doctored-aggressor');
  cpSync(base, wrongSide, { recursive: true });
  const copy = lines.map((l) => l.split(','));
  const c = copy[1]!;
  const side = c[col('side')] === 'buy' ? 1 : -1;
  const arrived = orders.get(c[col('order_id')]!)!;
  const same = byTime.find(([, t]) => t.ts >= arrived && t.aggressor === side)!;
  c[col('trade_id')] = String(same[0]);
  c[col('ts_exchange_us')] = String(same[1].ts);
  writeFileSync(join(wrongSide, 'fills.csv'), copy.map((x) => x.join(',')).join('\n') + '\n');
  assert.ok(verifyFills(wrongSide, [events], trades).violations.aggressor >= 1);

  // The command: one JSON line; exit 0 when clean, 1 on a violation, 2 on bad input (one line, no stack).
  const ok = spawnSync(CLI, ['verify-fills', base, '--capture', events], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).violations_total, 0);
  const bad = spawnSync(CLI, ['verify-fills', join(dir, 'doctored-oversized'), '--capture', ...raw], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.ok(JSON.parse(bad.stdout).violations.trade_volume >= 1);
  assert.match(bad.stderr, /^verify-fills: \d+ violation/);
  const missing = spawnSync(CLI, ['verify-fills', join(dir, 'nope'), '--capture', events], { encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
  assert.doesNotMatch(missing.stderr, /at .*\.js:\d+/);
});
