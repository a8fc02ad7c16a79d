// The analysis with the tick engine on the real L2 capture: blocks opened by the true book, no test-window leakage, serial = threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readEvents } from '../../src/data/index.js';
import { L2Book, EventType, allocEvents, type EventColumns } from '../../src/market/index.js';
import type { AnalysisResult } from '../../src/research/analysis.js';
import type { AnalysisConfig } from '../../src/research/analysis-config.js';
import { flatAnalysisConfig } from '../fixtures/trading-config.js';
import { analysisFiles } from '../../src/research/analysis-artifacts.js';
import { eventRows } from '../../src/market/index.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { writeLinearPolicy } from '../fixtures/policy.js';
import { analyseWith, stableAnalysisJson } from '../fixtures/analysis.js';
import { DEFAULT_LADDER_TICKS } from '../../src/sim/index.js';

const path = ensureSharedCaptureArrow();
const events = readEvents(path);
// 10.8 minutes of BTCUSDT: 1-minute blocks, 2-minute train windows → 10 blocks, 8 windows; 6 combos, no fee so quotes fill.
const cfg = flatAnalysisConfig({ engine: 'tick', max_combinations: 6, seed: 5, walk_forward: { train_minutes: 2, test_minutes: 1 }, backtest: { maker_fee_bps: 0 } });

const analyse = (ev: EventColumns, c: AnalysisConfig = cfg, workers = 1): Promise<AnalysisResult> => analyseWith({ events: { path, events: ev } }, c, workers);
const stable = stableAnalysisJson;

function copyEvents(ev: EventColumns): EventColumns {
  const c = allocEvents(ev.length);
  for (const k of ['type', 'side', 'flags', 'tsExchange', 'tsLocal', 'price', 'size', 'id'] as const) c[k].set(ev[k].subarray(0, ev.length));
  c.length = ev.length;
  return c;
}

const base = await analyse(events);

test('blocks are equal spans of exchange time ending at the last event; windows train on the blocks just before their test block', () => {
  const t = base.tick!;
  assert.equal(t.blocks.length, 10);
  assert.equal(base.plan.windows.length, 8);
  for (let b = 0; b < t.blocks.length; b++) {
    const blk = t.blocks[b]!;
    assert.equal(blk.endMicros - blk.startMicros, 60e6);
    if (b > 0) assert.equal(blk.from, t.blocks[b - 1]!.to, 'blocks are contiguous');
  }
  assert.equal(t.blocks[9]!.endMicros, t.lastMicros + 1);
  assert.equal(t.blocks[9]!.to, events.length);
  for (const w of base.plan.windows) assert.deepEqual(w.train, [w.test - 2, w.test - 1]);
  assert.ok(base.budgets[0]!.inSample.some((p) => p.fills > 0), 'quotes fill');
  const meta = base.json['meta'] as { engine: string; walk_forward: { engine: string }; data: { sharpe_basis: string } };
  assert.equal(meta.engine, 'tick');
  assert.match(meta.data.sharpe_basis, /31536000 samples/);
});

test('each block opens with the book as replayed from the start of the file, and stays equal to it row for row', () => {
  const t = base.tick!;
  // Levels, window, touch, and what the book knows (the snapshot's range and the levels named beyond it).
  const all = (b: L2Book): string => JSON.stringify([b.base, b.levels(1, 1e6), b.levels(-1, 1e6), b.touchBid, b.touchAsk, b.bestBidQty(), b.bestAskQty(), b.bidFloor, b.askCeiling, b.statedBeyond(1), b.statedBeyond(-1)]);
  const continuous = new L2Book(0.01, DEFAULT_LADDER_TICKS);
  let i = 0;
  for (const blk of t.blocks) {
    for (; i < blk.from; i++) if (events.type[i] !== EventType.Trade) continuous.apply(events, i);
    const opened = new L2Book(0.01, DEFAULT_LADDER_TICKS);
    const own = eventRows(t.events, blk.bookFrom, blk.bookTo);
    for (let k = 0; k < own.length; k++) opened.apply(own, k);
    assert.equal(all(opened), all(continuous), `block at row ${blk.from} opens with the replayed book`);
    for (; i < blk.to; i++) {
      if (events.type[i] === EventType.Trade) continue;
      continuous.apply(events, i);
      opened.apply(events, i);
      if (opened.bestBidSlot !== continuous.bestBidSlot || opened.bestAskSlot !== continuous.bestAskSlot) assert.fail(`ladder differs at row ${i}`);
      if (!Object.is(opened.touchBid, continuous.touchBid) || !Object.is(opened.touchAsk, continuous.touchAsk)) assert.fail(`touch differs at row ${i}`);
    }
    assert.equal(all(opened), all(continuous), `block ending at row ${blk.to}`);
  }
});

test('changing a test window’s events does not change the parameters chosen for it (or before it)', async () => {
  // A window whose test traded (so that a different market there must show), after at least two others.
  const windows = base.budgets[0]!.windows;
  const target = windows.findIndex((w, k) => k >= 2 && w.test.fills > 0);
  assert.ok(target >= 2, 'a later test window with fills');
  const blk = base.tick!.blocks[base.plan.windows[target]!.test]!;
  const changed = copyEvents(events);
  // A different market inside the test window: every trade three times its size and 2 USD lower.
  for (let i = blk.from; i < blk.to; i++) {
    if (changed.type[i] !== EventType.Trade) continue;
    changed.size[i] = changed.size[i]! * 3;
    changed.price[i] = changed.price[i]! - 2;
  }
  const after = await analyse(changed);
  for (let w = 0; w <= target; w++) {
    assert.equal(after.budgets[0]!.windows[w]!.combo_index, base.budgets[0]!.windows[w]!.combo_index, `window ${w}`);
    assert.deepEqual(after.budgets[0]!.windows[w]!.params, base.budgets[0]!.windows[w]!.params);
    assert.equal(after.budgets[0]!.windows[w]!.train_score, base.budgets[0]!.windows[w]!.train_score, 'train blocks ran the same market');
  }
  // The change reached the test window itself.
  const [a, b] = [after.budgets[0]!.windows[target]!.test, base.budgets[0]!.windows[target]!.test];
  assert.ok(a.pnl !== b.pnl || a.fills !== b.fills, 'the test window traded a different market');
});

test('same inputs give the same analysis.json; two worker threads give identical results', async () => {
  const threaded = await analyse(events, cfg, 2);
  assert.equal(stable(threaded), stable(base));
  assert.equal(analysisFiles(threaded)['walk_forward.csv'], analysisFiles(base)['walk_forward.csv']);
});

test('the shared pass (the default) and every case replayed alone give the same analysis', async () => {
  const alone = await analyseWith({ events: { path, events } }, cfg, 1, { sharedPass: false });
  assert.equal(stable(alone), stable(base));
  assert.equal(analysisFiles(alone)['walk_forward.csv'], analysisFiles(base)['walk_forward.csv']);
});

test('readiness reads the test windows only; the out-of-sample path ends at budget + their PnL', () => {
  const b = base.budgets[0]!;
  const checks = base.json.readiness.checks;
  assert.ok(Math.abs(checks['pnl_after_fees']!.value! - b.windows.reduce((s, w) => s + w.test.pnl, 0)) < 1e-5);
  assert.equal(checks['fills']!.value, b.windows.reduce((s, w) => s + w.test.fills, 0));
  const end = b.path.equity[b.path.equity.length - 1]!;
  assert.ok(Math.abs(end - (b.budget + b.oos.pnl)) < 1e-6);
  // One trace sample per second of each test window.
  assert.ok(Math.abs(b.path.ts.length - b.windows.length * 60) <= b.windows.length);
  const files = analysisFiles(base);
  assert.ok('blocks.csv' in files && !('klines.csv' in files));
  assert.match(files['strategy_runs.csv']!.split('\n')[0]!, /markout_10s_bps/);
});

test('a file too short for one window is one error naming --events', async () => {
  const short = eventRows(events, 0, 60_000); // about 1.5 minutes
  await assert.rejects(analyse(short), /^UserError: --events: .* spans 1\.\d+ minutes of exchange time; one walk-forward window needs 3 /);
  await assert.rejects(analyse(events, { ...cfg, walk_forward: { ...cfg.walk_forward, test_minutes: 0.5, train_minutes: 1.2 } }), /--train-minutes: expected a whole multiple of --test-minutes/);
  await assert.rejects(analyse(events, { ...cfg, walk_forward: { ...cfg.walk_forward, test_minutes: 0.5, train_minutes: 1 } }), /--test-minutes: a test window must hold at least 50 trace samples/);
});

test('with --policy the tick space gains model rl: the policy travels with the tasks, threads give the serial result', async () => {
  const { mkdtempSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { defaultActionDims } = await import('../../src/models/index.js');
  const file = writeLinearPolicy(join(mkdtempSync(join(tmpdir(), 'mm-tick-rl-an-')), 'policy.json'), {
    features: ['inventory', 'volatility'],
    sigmaRef: 1e-5,
    decisionSeconds: 1,
    base: { model: 'as', gamma: 0.0002, horizon: 'rolling', horizon_seconds: 60 },
    // Widen quotes as inventory grows (spread multiplier on the inventory feature), so the policy acts.
    weight: (f, a) => (defaultActionDims[a]!.name === 'spread_mult' && f === 0 ? 2 : 0),
  });
  const short = eventRows(events, 0, 120_000);
  const c = flatAnalysisConfig({ engine: 'tick', policy_path: file, max_combinations: 4, seed: 5, walk_forward: { train_minutes: 1, test_minutes: 1 }, backtest: { maker_fee_bps: 0 }, space: { model: ['rl', 'as'] } });
  const serial = await analyse(short, c);
  assert.ok(serial.combos.some((x) => x.model === 'rl'));
  const rlAt = serial.combos.findIndex((x) => x.model === 'rl');
  assert.ok(serial.budgets[0]!.inSample[rlAt]!.blocks > 0);
  const threads = await analyse(short, c, 2);
  assert.equal(stable(threads), stable(serial));
  const noPolicy = flatAnalysisConfig({ engine: 'tick', max_combinations: 2, seed: 5, walk_forward: { train_minutes: 1, test_minutes: 1 }, space: { model: ['rl'] } });
  await assert.rejects(analyse(short, noPolicy), /--policy: model rl in the parameter space needs a trained policy file/);
});
