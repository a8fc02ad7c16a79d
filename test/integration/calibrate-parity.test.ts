// After calibration, parity of a live session against the fake exchange's own matching engine: the calibrated simulator closes the gap a deliberately wrong one leaves.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, REPO_ROOT } from '../fixtures/shared-data.js';
import { liveFromConfig, recordingOf, sessionMarket } from './calibration-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'mm-calibrate-parity-'));
const cli = (...args: string[]) => spawnSync(CLI, args, { cwd: REPO_ROOT, encoding: 'utf8' });

before(() => {
  const b = spawnSync('make', ['-s', 'build'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
});

interface ParityLine {
  fills_live: number;
  fills_replay: number;
  fills_matched: number;
  orders_matched_share: number;
  pnl_live: number;
  pnl_replay: number;
  pnl_gap: number;
  ack_latency_ms_live: number;
  ack_latency_ms_replay: number;
  order_level_orders_same_fate_share: number;
  order_level_fills_matched: number;
  order_level_fill_ratio: number;
  order_level_pnl_replay: number;
  order_level_pnl_gap_share: number;
  out: string;
}

test('parity of a live session (Avellaneda–Stoikov from its config, 3 minutes, hidden power:3 queue and 30 / 20 ms latencies): after calibration the session\'s own orders replayed as sent meet ≥ 95 % of its fills and its PnL within 10 %; the claimed simulator moves both the wrong way', async () => {
  const ev = sessionMarket(180);
  const ledger = join(dir, 'ledger.sqlite');
  // The session's config claims a simulator unlike the exchange: risk-averse queue, 5 ms each way.
  const input = { capital: 10_000, market: { tick_size: 0.01, lot_size: 0.00001 }, quoting: { gamma: 0.0001, horizon_seconds: 60, order_qty: 0.001, max_inventory_qty: 0.01 }, sim: { queue: 'risk-averse', entry_latency_ms: 5, response_latency_ms: 5, maker_fee_bps: 0 } };
  const live = await liveFromConfig(ev, { queue: { family: 'power', n: 3 }, entry: { ms: 30, jitter: 6 }, response: { ms: 20, jitter: 2 } }, ledger, input);
  assert.ok(live.fills > 100, `the session fills (${live.fills})`);
  const events = recordingOf(ev, dir);
  const sim = join(dir, 'sim.yaml');
  // The session's recording is linked to its run: calibrate-sim finds the market itself.
  const c = cli('calibrate-sim', '--ledger', ledger, '--out', sim);
  assert.equal(c.status, 0, c.stderr);
  assert.equal((JSON.parse(c.stdout) as { events: string }).events, events);
  const parity = (name: string, extra: string[]): ParityLine => {
    const r = cli('parity', '--ledger', ledger, '--events', events, '--out', join(dir, name), ...extra);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as ParityLine;
  };
  const claimed = parity('claimed', []);
  const calibrated = parity('calibrated', ['--sim-config', sim]);
  const summary = JSON.stringify({ claimed, calibrated });
  assert.equal(calibrated.fills_live, live.fills);
  // Order-level: the simulator alone, on the session's own order stream.
  assert.ok(calibrated.order_level_fill_ratio >= 0.95, `calibrated: ${calibrated.order_level_fills_matched} of ${live.fills} live fills reproduced: ${summary}`);
  assert.ok(calibrated.order_level_pnl_gap_share <= 0.1, `calibrated: PnL within 10 %: ${summary}`);
  assert.ok(claimed.order_level_fill_ratio < calibrated.order_level_fill_ratio - 0.05, `the claimed simulator reproduces fewer fills: ${summary}`);
  assert.ok(claimed.order_level_pnl_gap_share > 2 * calibrated.order_level_pnl_gap_share, `the claimed simulator's PnL is further off: ${summary}`);
  assert.ok(claimed.order_level_orders_same_fate_share < calibrated.order_level_orders_same_fate_share, `fewer orders meet their live fate: ${summary}`);
  // Strategy-level: the strategy replayed decides for itself and parts from the session at the first fill that differs.
  const j = JSON.parse(readFileSync(join(calibrated.out, 'parity.json'), 'utf8')) as { divergence: { orders_alike: number; orders_live: number; first_difference_ts: number | null; fill_difference: { ts: number } | null } };
  assert.ok(j.divergence.orders_alike > 0 && j.divergence.orders_alike < j.divergence.orders_live, JSON.stringify(j.divergence));
  assert.ok(j.divergence.fill_difference !== null && j.divergence.fill_difference.ts <= j.divergence.first_difference_ts!, `a fill differed before the orders parted: ${JSON.stringify(j.divergence)}`);
  const html = readFileSync(join(calibrated.out, 'parity.html'), 'utf8');
  assert.match(html, /data-figure="order-fill-ratio">\d+ of \d+ \((9[5-9]|100)(\.\d)?%\)/);
  assert.match(html, /Two comparisons/);
  assert.ok(calibrated.fills_matched > claimed.fills_matched, `fills matched: ${summary}`);
  assert.ok(calibrated.orders_matched_share > claimed.orders_matched_share, `orders matched: ${summary}`);
  assert.ok(Math.abs(calibrated.pnl_gap) < Math.abs(claimed.pnl_gap), `PnL gap: ${summary}`);
  assert.ok(Math.abs(calibrated.ack_latency_ms_replay - calibrated.ack_latency_ms_live) <= 0.1 * calibrated.ack_latency_ms_live, `latency: ${summary}`);
  assert.ok(Math.abs(claimed.ack_latency_ms_replay - claimed.ack_latency_ms_live) > 0.5 * claimed.ack_latency_ms_live, `latency: ${summary}`);
});
