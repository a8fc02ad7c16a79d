// The analysis on real 5m klines: no test-window leakage into the choice, determinism, serial = threads, out-of-sample gate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadKlines } from '../../src/data/index.js';
import { cloneBars, type Bars } from '../../src/market/index.js';
import type { AnalysisResult } from '../../src/research/analysis.js';
import { flatAnalysisConfig } from '../fixtures/trading-config.js';
import { analysisFiles } from '../../src/research/analysis-artifacts.js';
import { writeLinearPolicy } from '../fixtures/policy.js';
import { analyseWith, stableAnalysisJson } from '../fixtures/analysis.js';
import { KLINES_5M } from '../fixtures/shared-data.js';

const bars = loadKlines(KLINES_5M).bars;
// 6 days of 5m bars, 2-day train, 1-day test: 4 windows; 10 combos keeps the suite quick.
const settings = { days: 6, max_combinations: 10, walk_forward: { train_days: 2, test_days: 1 }, seed: 11 };
const cfg = flatAnalysisConfig(settings);

const analyse = (b: Bars, c = cfg, workers = 1): Promise<AnalysisResult> => analyseWith({ bars: b }, c, workers);
const stable = stableAnalysisJson;

const base = await analyse(bars);

test('walk-forward has the planned windows and never tests on a train block', () => {
  assert.equal(base.plan.windows.length, 4);
  for (const w of base.plan.windows) {
    assert.ok(w.train.every((b) => b < w.test), 'train blocks precede the test block');
    assert.equal(w.train.length, 2);
  }
  assert.ok(base.combos.length <= 10);
});

test('changing a test window’s data does not change the parameters chosen for it (or before it)', async () => {
  const target = 2;
  const [from, to] = base.plan.blocks[base.plan.windows[target]!.test]!;
  const changed = cloneBars(bars);
  const offset = bars.length - base.bars!.length; // the analysis uses the last 6 days
  for (let i = offset + from; i < offset + to; i++) {
    // A different market inside the test window: a 3% lower level and doubled ranges.
    const m = 0.97;
    const o = changed.open[i]! * m;
    const c = changed.close[i]! * m;
    const h = changed.high[i]! * m;
    const l = changed.low[i]! * m;
    changed.open[i] = o;
    changed.close[i] = c;
    changed.high[i] = h + (h - Math.max(o, c));
    changed.low[i] = l - (Math.min(o, c) - l);
  }
  const after = await analyse(changed);
  for (let w = 0; w <= target; w++) {
    assert.deepEqual(after.budgets[0]!.windows[w]!.params, base.budgets[0]!.windows[w]!.params, `window ${w}`);
    assert.equal(after.budgets[0]!.windows[w]!.combo_index, base.budgets[0]!.windows[w]!.combo_index);
  }
  // The change did reach the test window itself.
  assert.notEqual(after.budgets[0]!.windows[target]!.test.pnl, base.budgets[0]!.windows[target]!.test.pnl);
});

test('same seed and inputs give the same analysis.json (apart from run facts); worker threads give identical results', async () => {
  const again = await analyse(bars);
  assert.equal(stable(again), stable(base));
  const threaded = await analyse(bars, cfg, 2);
  assert.equal(stable(threaded), stable(base));
  assert.equal(analysisFiles(threaded)['walk_forward.csv'], analysisFiles(base)['walk_forward.csv']);
});

test('another seed samples other combinations', async () => {
  const other = await analyse(bars, { ...cfg, seed: 12 });
  assert.notDeepEqual(other.combos, base.combos);
});

test('readiness checks are the out-of-sample windows’ figures', () => {
  const b = base.budgets[0]!;
  const checks = base.json.readiness.checks;
  const sumPnl = b.windows.reduce((s, w) => s + w.test.pnl, 0);
  const sumFills = b.windows.reduce((s, w) => s + w.test.fills, 0);
  assert.ok(Math.abs(checks['pnl_after_fees']!.value! - sumPnl) < 1e-5);
  assert.equal(checks['fills']!.value, sumFills);
  const prof = b.windows.filter((w) => w.test.pnl > 0).length / b.windows.length;
  assert.ok(Math.abs(checks['profitable_window_share']!.value! - prof) < 1e-6);
  const maxRet = Math.max(...b.windows.map((w) => w.test.return_pct));
  assert.ok(Math.abs(checks['plausibility_max_window_return_pct']!.value! - maxRet) < 1e-6);
  // The in-sample best differs in general from what the windows earned: the gate never reads it.
  const json = base.json as unknown as { readiness: { rules: { basis: string } } };
  assert.match(json.readiness.rules.basis, /out of sample/);
  assert.equal(base.json.readiness.ready_for_live_keys, Object.values(checks).every((c) => c.pass));
});

test('in-sample figures are deflated for the number of combos tried: never more confident than undeflated', () => {
  const top = (base.json as unknown as { top_10: Array<{ in_sample: { sharpe_confidence: number | null; deflated_sharpe_confidence: number | null; selection_trials: number; deflation_benchmark_sharpe_per_sample: number } }> }).top_10;
  assert.ok(top.length > 0);
  for (const t of top) {
    const s = t.in_sample;
    assert.equal(s.selection_trials, base.combos.length);
    assert.ok(s.deflation_benchmark_sharpe_per_sample > 0);
    if (s.sharpe_confidence === null) continue;
    assert.ok(s.deflated_sharpe_confidence! <= s.sharpe_confidence + 1e-12);
    if (s.sharpe_confidence > 1e-9 && s.sharpe_confidence < 1 - 1e-9) assert.ok(s.deflated_sharpe_confidence! < s.sharpe_confidence);
  }
});

test('the selection carries its probability of backtest overfitting over groups of the blocks', () => {
  const sel = (base.json as unknown as { selection: { combos: number; overfitting: { groups: number; splits: number; pbo: number; mean_oos_rank: number } } }).selection;
  assert.equal(sel.combos, base.combos.length);
  // 6 one-day blocks: 6 groups, C(6, 3) = 20 splits.
  assert.equal(sel.overfitting.groups, 6);
  assert.equal(sel.overfitting.splits, 20);
  assert.ok(sel.overfitting.pbo >= 0 && sel.overfitting.pbo <= 1);
  assert.ok(sel.overfitting.mean_oos_rank > 0 && sel.overfitting.mean_oos_rank < 1);
});

test('the out-of-sample path joins the test windows and ends at budget + their PnL', () => {
  const b = base.budgets[0]!;
  assert.equal(b.path.ts.length, b.windows.length * base.plan.blockBars);
  const end = b.path.equity[b.path.equity.length - 1]!;
  assert.ok(Math.abs(end - (b.budget + b.oos.pnl)) < 1e-6);
});

test('with a policy file the space gains model rl, and rl combos run with the policy', async () => {
  const { mkdtempSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const path = writeLinearPolicy(join(mkdtempSync(join(tmpdir(), 'mm-rl-')), 'policy.json'), {
    features: ['inventory', 'volatility'],
    base: { model: 'as', gamma: 0.0005, horizon: 'rolling', horizon_seconds: 600 },
  });
  const c = flatAnalysisConfig({ ...settings, policy_path: path, space: { model: ['rl', 'as'] }, max_combinations: 6 });
  const r = await analyse(bars, c);
  assert.ok(r.combos.some((x) => x.model === 'rl'));
  const rl = r.combos.findIndex((x) => x.model === 'rl');
  assert.ok(r.budgets[0]!.inSample[rl]!.fills > 0);
  const noPolicy = flatAnalysisConfig({ ...settings, space: { model: ['rl'] } });
  await assert.rejects(analyse(bars, noPolicy), /--policy: model rl/);
});
