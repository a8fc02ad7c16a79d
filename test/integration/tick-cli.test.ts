// `backtest --events` as a user runs it: flags, the run folder, a latency series file, streaming, and errors.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEvents, writeEvents } from '../../src/data/index.js';
import { runTickJob } from '../../src/engine/index.js';
import { flatConfig } from '../fixtures/trading-config.js';
import { CLI, REPO_ROOT } from '../fixtures/shared-data.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';

const tmp = mkdtempSync(join(tmpdir(), 'mm-tick-cli-'));
const cli = (...args: string[]) => spawnSync(CLI, args, { cwd: REPO_ROOT, encoding: 'utf8' });
const events = ensureSharedCaptureArrow();

before(() => {
  const b = spawnSync('make', ['-s', 'build'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
});

test('backtest --events with every tick flag writes the run folder and one JSON line', () => {
  const lat = join(tmp, 'latency.csv');
  writeFileSync(lat, 'ts_ms,entry_ms,response_ms\n1723161250000,3,2\n1723161600000,9,4\n');
  const out = join(tmp, 'run');
  const r = cli('backtest', '--events', events, '--model', 'glft', '--gamma', '0.0001', '--queue', 'log', '--feed-latency-ms', '2',
    '--order-latency-file', lat, '--maker-fee-bps', '-1', '--taker-fee-bps', '4', '--partial-fills', '--decision-interval-ms', '200',
    '--sample-interval-ms', '500', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const line = JSON.parse(r.stdout.trim());
  assert.equal(line.run_dir, out);
  assert.ok(line.fills > 0 && line.fees < 0, 'maker rebates');
  assert.deepEqual(readdirSync(out).sort(), ['.marketmakerl', 'config.json', 'fills.csv', 'metrics.json', 'metrics.schema.json', 'orders.csv', 'trace.csv']);
  const fh = readFileSync(join(out, 'fills.csv'), 'utf8').split('\n')[0]!.split(',');
  for (const c of ['ts', 'side', 'price', 'qty', 'fee', 'liquidity']) assert.ok(fh.includes(c), c);
  const th = readFileSync(join(out, 'trace.csv'), 'utf8').split('\n');
  for (const c of ['ts', 'bid', 'ask', 'inventory', 'cash', 'equity']) assert.ok(th[0]!.split(',').includes(c), c);
  assert.equal(Number(th[2]!.split(',')[0]) - Number(th[1]!.split(',')[0]), 500, 'trace every 500 ms');
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.equal(m.engine, 'tick');
  assert.deepEqual(m.markouts_seconds.map((x: { horizon_seconds: number }) => x.horizon_seconds), [1, 10, 60]);
  for (const k of ['pnl_spread_capture', 'pnl_inventory', 'pnl_fees', 'fill_ratio', 'order_to_fill_latency_ms', 'queue_position_at_fill', 'inventory_half_life_seconds', 'time_two_sided_seconds'])
    assert.ok(k in m, k);
  assert.ok(m.order_to_fill_latency_ms.mean >= 2 + 3, 'feed + entry + response at least');
  const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(cfg.sim.queue, 'log');
  assert.equal(cfg.sim.partial_fills, true);
  assert.match(cfg.order_latency, /^series/);
});

test('bad tick flags are one line and exit code 2', () => {
  for (const [args, msg] of [
    [['--events', events, '--queue', 'fifo'], /--queue/],
    [['--events', join(tmp, 'missing.arrow')], /cannot read event file/],
    [['--events', events, '--data', 'x.csv'], /--events/],
    [['--events', events, '--order-latency-ms', '-3'], /--order-latency-ms/],
    // A quote size the venue (as the exchange) rejects: not a whole number of the market's 0.00001 lots.
    [['--events', events, '--order-qty', '0.0012345'], /^error: --order-qty: 0\.0012345 is not a whole number of lots of market\.lot_size 0\.00001/],
  ] as const) {
    const r = cli('backtest', ...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
});

test('streaming holds at most two batches, whatever the file length, with the same result as one batch', () => {
  const ev = readEvents(events);
  const path = join(tmp, 'small-batches.arrow');
  writeEvents(path, ev, { batchRows: 8192 });
  const cfg = flatConfig({ events: path, gamma: 0.0001, horizon_seconds: 60, feed_latency_ms: 20 });
  const streamed = runTickJob(cfg);
  const whole = runTickJob(cfg, [ev]);
  assert.equal(streamed.events, ev.length);
  assert.ok(streamed.maxBatchesHeld <= 2, `held ${streamed.maxBatchesHeld} of ${Math.ceil(ev.length / 8192)} batches`);
  assert.ok(streamed.metrics.fills > 0);
  assert.deepEqual(streamed.metrics, whole.metrics);
});
