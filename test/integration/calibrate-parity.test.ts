// After calibration, parity of a live session against the fake exchange's own matching engine: the calibrated simulator closes the gap a deliberately wrong one leaves.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
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
}

test('parity of a live session (Avellaneda–Stoikov from its config, 3 minutes, hidden power:3 queue and 30 / 20 ms latencies): the calibrated simulator matches more fills, closes the PnL gap and the latency the claimed one leaves', async () => {
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
  assert.ok(calibrated.fills_matched > claimed.fills_matched, `fills matched: ${summary}`);
  assert.ok(calibrated.orders_matched_share > claimed.orders_matched_share, `orders matched: ${summary}`);
  assert.ok(Math.abs(calibrated.pnl_gap) < Math.abs(claimed.pnl_gap), `PnL gap: ${summary}`);
  assert.ok(Math.abs(calibrated.ack_latency_ms_replay - calibrated.ack_latency_ms_live) <= 0.1 * calibrated.ack_latency_ms_live, `latency: ${summary}`);
  assert.ok(Math.abs(claimed.ack_latency_ms_replay - claimed.ack_latency_ms_live) > 0.5 * claimed.ack_latency_ms_live, `latency: ${summary}`);
});
