// An RL policy in the tick engine (the engine of paper and live): identity policy = its base model exactly; signal features built from the mid on the policy's bars.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEvents } from '../../src/data/index.js';
import { runTickJob } from '../../src/engine/index.js';
import { flatConfig } from '../fixtures/trading-config.js';
import type { StateFeature } from '../../src/models/index.js';
import { writeLinearPolicy } from '../fixtures/policy.js';
import type { EventColumns } from '../../src/market/index.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { REPO_ROOT } from '../fixtures/shared-data.js';

const tmp = mkdtempSync(join(tmpdir(), 'mm-tick-rl-'));
const eventsPath = ensureSharedCaptureArrow();
const all = readEvents(eventsPath);
// The first 4 minutes of the capture keep the test quick.
const cut = (ev: EventColumns, micros: number): EventColumns => {
  const end = ev.tsExchange[0]! + micros;
  let n = 0;
  while (n < ev.length && ev.tsExchange[n]! < end) n++;
  return { length: n, type: ev.type.subarray(0, n), side: ev.side.subarray(0, n), flags: ev.flags.subarray(0, n), tsExchange: ev.tsExchange.subarray(0, n), tsLocal: ev.tsLocal.subarray(0, n), publishDelay: ev.publishDelay.subarray(0, n), price: ev.price.subarray(0, n), size: ev.size.subarray(0, n), id: ev.id.subarray(0, n) };
};
const events = cut(all, 240e6);

const policyFile = (name: string, features: StateFeature[], weight: (f: number, a: number) => number, signals?: { bar_seconds: number; window: number }): string =>
  writeLinearPolicy(join(tmp, `${name}.json`), {
    features,
    weight,
    sigmaRef: 1e-5,
    decisionSeconds: 1,
    ...(signals ? { signals } : {}),
    base: { model: 'as', gamma: 0.0002, horizon: 'rolling', horizon_seconds: 60 },
  });

const common = { events: eventsPath, calibrate: false, k: 0.5, order_qty: 0.001, max_inventory_qty: 0.01, requote_ticks: 0, maker_fee_bps: 0, feed_latency_ms: 5 };
const run = (over: Record<string, unknown>) => runTickJob(flatConfig({ ...common, ...over }), [events]);

test('a policy whose action is the identity quotes exactly as its base model', () => {
  const path = policyFile('identity', ['inventory', 'volatility'], () => 0);
  const rl = run({ model: 'rl', policy_path: path });
  const plain = run({ model: 'as', gamma: 0.0002, horizon: 'rolling', horizon_seconds: 60 });
  assert.ok(plain.metrics.fills > 0, 'the base model trades on this span');
  assert.equal(rl.core.fills.length, plain.core.fills.length);
  for (let i = 0; i < rl.core.fills.length; i++) {
    assert.deepEqual([rl.core.fills.ts[i], rl.core.fills.side[i], rl.core.fills.price[i], rl.core.fills.qty[i]], [plain.core.fills.ts[i], plain.core.fills.side[i], plain.core.fills.price[i], plain.core.fills.qty[i]], `fill ${i}`);
  }
  assert.equal(rl.metrics.total_pnl, plain.metrics.total_pnl);
});

test('signal features come from the mid on the policy\'s bars: no quote before their window fills, then they steer the quotes', () => {
  const signals = { bar_seconds: 10, window: 5 };
  // Skew the quotes with momentum (weight 3 on the momentum feature of the skew action).
  const path = policyFile('momentum', ['inventory', 'momentum'], (f, a) => (a === 2 && f === 1 ? 3 : 0), signals);
  const r = run({ model: 'rl', policy_path: path });
  const first = r.trace.length > 0 ? r.trace.ts[0]! : 0;
  let quotedAt = Number.NaN;
  for (let i = 0; i < r.trace.length; i++) {
    if (r.trace.bid[i] === r.trace.bid[i] || r.trace.ask[i] === r.trace.ask[i]) {
      quotedAt = r.trace.ts[i]!;
      break;
    }
  }
  assert.ok(quotedAt === quotedAt, 'it quotes once warm');
  // window + 1 closes of 10 s bars: at least 50 s after the first sample (bars are aligned to the clock).
  assert.ok(quotedAt - first >= (signals.window) * signals.bar_seconds * 1e6, `first quote ${(quotedAt - first) / 1e6} s after the start`);
  const identity = run({ model: 'rl', policy_path: policyFile('identity-sig', ['inventory', 'momentum'], () => 0, signals) });
  assert.equal(identity.trace.length, r.trace.length);
  let differs = 0;
  for (let i = 0; i < r.trace.length; i++) if (r.trace.bid[i] !== identity.trace.bid[i] && r.trace.bid[i] === r.trace.bid[i]) differs++;
  assert.ok(differs > 0, 'the momentum feature moves the quotes');
  // Deterministic.
  const again = run({ model: 'rl', policy_path: path });
  assert.equal(again.metrics.total_pnl, r.metrics.total_pnl);
});

test('CLI: backtest --events --model rl --policy runs; without --policy it is one line naming --policy, exit 2', () => {
  const b = spawnSync('make', ['-s', 'build'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  const cli = (...args: string[]) => spawnSync(join(REPO_ROOT, 'bin', 'marketmakerl'), args, { cwd: REPO_ROOT, encoding: 'utf8' });
  const path = policyFile('cli', ['inventory', 'volatility'], () => 0);
  const ok = cli('backtest', '--events', eventsPath, '--model', 'rl', '--policy', path, '--out', join(tmp, 'run'));
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout.trim()).run_dir, join(tmp, 'run'));
  const bad = cli('backtest', '--events', eventsPath, '--model', 'rl', '--out', join(tmp, 'bad'));
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^error: --policy: /);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
});

test('paper and live configs take model rl with quoting.policy_path (the same strategy object as the backtest)', async () => {
  const { paperSetup } = await import('../../src/engine/index.js');
  const { UserError } = await import('../../src/core/index.js');
  const path = policyFile('paper', ['inventory', 'trend'], () => 0, { bar_seconds: 60, window: 20 });
  const setup = paperSetup({ quoting: { model: 'rl', policy_path: path } }, 60_000);
  assert.equal(setup.strategy.name, 'rl');
  assert.equal(setup.strategy.usesSignals, true);
  assert.deepEqual(setup.strategy.signalBars, { seconds: 60, window: 20 });
  assert.throws(() => paperSetup({ quoting: { model: 'rl' } }, 60_000), (e: unknown) => e instanceof UserError && /quoting\.policy_path/.test((e as Error).message));
});
