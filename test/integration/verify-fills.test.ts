// verify-fills on the shared captures: AS and GLFT at three order sizes and two latencies pass, and the taker hedge of a hedged run; doctored fills are caught.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { iterateEventBatches } from '../../src/data/index.js';
import { runTickJob, writeTickRunFolder } from '../../src/engine/index.js';
import { flatConfig } from '../fixtures/trading-config.js';
import { loadTrades, verifyFills } from '../../src/verify/index.js';
import { ensureSharedCaptureArrow, sharedCaptureFiles } from '../fixtures/capture.js';
import { CLI, REPO_ROOT } from '../fixtures/shared-data.js';
import { CLI_CWD, cliArgs } from '../fixtures/cli-source.js';
import { ensureSharedSpot0808Arrow } from '../fixtures/spot-0808-capture.js';
import { ensureSharedUsdmArrow, sharedUsdmFiles } from '../fixtures/usdm-capture.js';

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
    // A third of a lot (config.json: 0.00001) less: a quantity no exchange fills; so is float noise on a whole one.
    ['off-lot', 'lot_size', (c) => {
      c[col('qty')] = String(Number(c[col('qty')]) - 0.00001 / 3);
    }],
    ['float-noise', 'lot_size', (c) => {
      c[col('qty')] = String(Number(c[col('qty')]) * (1 + 1e-15));
    }],
  ];
  for (const [name, kind, edit] of cases) {
    const v = verifyFills(doctor(name, edit), [events], trades);
    assert.ok(v.violations[kind as keyof typeof v.violations] >= 1, `${name}: expected a ${kind} violation, got ${JSON.stringify(v.violations)}`);
  }
  assert.equal(verifyFills(base, [events], trades).violations.lot_size, 0, 'every fill of the run is whole lots');
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

  // The filled order's arrival moved back to its decision: sooner than the entry latency of config.json (5 ms).
  const early = join(dir, 'doctored-maker-latency');
  cpSync(base, early, { recursive: true });
  const orderLines = readFileSync(join(base, 'orders.csv'), 'utf8').trimEnd().split('\n').map((l) => l.split(','));
  const oh = orderLines[0]!;
  const row = orderLines.find((o) => o[oh.indexOf('order_id')] === c[col('order_id')])!;
  row[oh.indexOf('arrived_us')] = row[oh.indexOf('sent_us')]!;
  writeFileSync(join(early, 'orders.csv'), orderLines.map((x) => x.join(',')).join('\n') + '\n');
  assert.equal(verifyFills(early, [events], trades).violations.maker_latency, 1);
  assert.equal(verifyFills(base, [events], trades).violations.maker_latency, 0);

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

test('taker fills of a hedged run are checked against the book the raw capture showed at their arrival; a better price, a larger size, an earlier time are caught', () => {
  const spot = ensureSharedSpot0808Arrow();
  const usdm = ensureSharedUsdmArrow();
  const rawUsdm = sharedUsdmFiles();
  const out = join(dir, 'hedged');
  execFileSync(process.execPath, cliArgs('backtest', '--config', join(REPO_ROOT, 'config', 'examples', 'hedged.yaml'), '--events', spot, usdm, '--out', out, '--json'), { cwd: CLI_CWD, encoding: 'utf8' });
  const hedge = join(out, 'usdm');
  const v = verifyFills(hedge, rawUsdm);
  assert.equal(v.violations_total, 0, JSON.stringify(v.examples.slice(0, 3)));
  assert.ok(v.taker_fills_checked > 10, `the hedge's taker fills are checked: ${JSON.stringify(v)}`);
  assert.equal(v.taker_fills_unchecked, 0);
  assert.equal(v.taker_fills_checked, v.fills, 'every fill of the taker hedge is a taker fill');
  assert.equal(v.taker_entry_latency_us, 8000, "the hedge market's own entry latency (config/examples/hedged.yaml: 8 ms)");
  // With only the event file there is no raw book: the taker fills are reported unchecked, not passed.
  const fromEvents = verifyFills(hedge, [usdm]);
  assert.equal(fromEvents.taker_fills_checked, 0);
  assert.equal(fromEvents.taker_fills_unchecked, v.fills);

  const fillLines = readFileSync(join(hedge, 'fills.csv'), 'utf8').trimEnd().split('\n');
  const orderLines = readFileSync(join(hedge, 'orders.csv'), 'utf8').trimEnd().split('\n');
  const fHead = fillLines[0]!.split(',');
  const oHead = orderLines[0]!.split(',');
  const fc = (name: string): number => fHead.indexOf(name);
  const oc = (name: string): number => oHead.indexOf(name);
  const doctor = (name: string, edit: (fill: string[], order: string[]) => void): string => {
    const d = join(dir, `hedged-${name}`);
    cpSync(hedge, d, { recursive: true });
    const fills = fillLines.map((l) => l.split(','));
    const orders = orderLines.map((l) => l.split(','));
    const fill = fills[1]!;
    edit(fill, orders.find((o) => o[oc('order_id')] === fill[fc('order_id')])!);
    writeFileSync(join(d, 'fills.csv'), fills.map((c) => c.join(',')).join('\n') + '\n');
    writeFileSync(join(d, 'orders.csv'), orders.map((c) => c.join(',')).join('\n') + '\n');
    return d;
  };
  const tick = 0.1;
  const cases: [string, keyof typeof v.violations, (f: string[], o: string[]) => void][] = [
    // One tick better than the touch it took: the book showed nothing there.
    ['better-price', 'taker_price', (f) => {
      const side = f[fc('side')] === 'buy' ? 1 : -1;
      f[fc('price')] = (Number(f[fc('price')]) - side * tick).toFixed(1);
    }],
    // More than the level showed (the order's own quantity raised with it, so only the depth can tell).
    ['larger-size', 'taker_size', (f, o) => {
      f[fc('qty')] = '500';
      o[oc('qty')] = '500';
    }],
    // Stamped before its order reached the book.
    ['earlier-fill', 'taker_time', (f) => {
      f[fc('ts_exchange_us')] = String(Number(f[fc('ts_exchange_us')]) - 3000);
    }],
    // Its order met the book sooner than the decision plus the entry latency allows (the fill moved with it).
    ['earlier-arrival', 'taker_latency', (f, o) => {
      const t = String(Number(o[oc('sent_us')]) + 2000);
      o[oc('arrived_us')] = t;
      o[oc('ended_us')] = t;
      f[fc('ts_exchange_us')] = t;
    }],
  ];
  for (const [name, kind, edit] of cases) {
    const d = doctor(name, edit);
    const r = verifyFills(d, rawUsdm);
    assert.ok(r.violations[kind] >= 1, `${name}: expected a ${kind} violation, got ${JSON.stringify(r.violations)}`);
    if (name === 'larger-size') assert.equal(r.violations.order_quantity, 0, 'the order was as large as the fill: only the depth shown catches it');
  }
  // The command: exit 1 on the doctored run.
  const bad = spawnSync(process.execPath, cliArgs('verify-fills', join(dir, 'hedged-better-price'), '--capture', ...rawUsdm), { cwd: CLI_CWD, encoding: 'utf8' });
  assert.equal(bad.status, 1, bad.stderr);
  assert.match(bad.stderr, /taker_price 1/);
});
