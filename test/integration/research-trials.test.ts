// The ledger of trials: every configuration tried on the same data counts, across runs; --fresh-trials starts over only with a reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKlines } from '../../src/data/index.js';
import { cloneBars, type Bars } from '../../src/market/index.js';
import { runAnalysis, type AnalysisResult } from '../../src/research/analysis.js';
import { flatAnalysisConfig } from '../fixtures/trading-config.js';
import { serialEvaluator } from '../../src/research/evaluator.js';
import { silentProgress } from '../../src/research/progress.js';
import { ResultsStore } from '../../src/research/results-store.js';
import { KLINES_5M } from '../fixtures/shared-data.js';

const bars = loadKlines(KLINES_5M).bars;
const base = { days: 6, max_combinations: 6, walk_forward: { train_days: 2, test_days: 1 }, seed: 3 };
const asOnly = flatAnalysisConfig({ ...base, space: { model: ['as'] } });
const glftOnly = flatAnalysisConfig({ ...base, space: { model: ['glft'] } });
const dir = mkdtempSync(join(tmpdir(), 'mm-trials-'));

interface Trials {
  counted: number;
  this_run: number;
  earlier: number;
  in_pbo: number | null;
  fresh_trials_reason: string | null;
}
interface Json {
  selection: { trials: Trials; overfitting: { pbo: number; trials: number } | null };
  best_strategy: { train: { deflated_sharpe_confidence: number | null; selection_trials: number } };
  top_10: Array<{ combo_index: number; in_sample: { deflated_sharpe_confidence: number | null; selection_trials: number } }>;
  readiness: { trials: number; checks: Record<string, { value: number | null; pass: boolean }> };
}
const json = (r: AnalysisResult): Json => r.json as unknown as Json;

function analyse(store: string, cfg = asOnly, b: Bars = bars, freshTrials?: string): Promise<AnalysisResult> {
  return runAnalysis({ bars: b, cfg, source: { kind: 'test' }, evaluator: serialEvaluator(), progress: silentProgress, now: new Date(0), openStore: () => ResultsStore.open(store), ...(freshTrials ? { freshTrials } : {}) });
}

test('a second space on the same data counts both runs’ trials: deflation and PBO see all of them', async () => {
  const path = join(dir, 'two-spaces.sqlite');
  const first = await analyse(path, asOnly);
  const n1 = first.combos.length;
  assert.deepEqual(json(first).selection.trials, { ...json(first).selection.trials, counted: n1, this_run: n1, earlier: 0, in_pbo: n1, fresh_trials_reason: null });
  const second = await analyse(path, glftOnly);
  const n2 = second.combos.length;
  const t = json(second).selection.trials;
  assert.equal(t.counted, n1 + n2);
  assert.equal(t.this_run, n2);
  assert.equal(t.earlier, n1);
  assert.equal(t.in_pbo, n1 + n2, 'the earlier trials have results on these blocks: they join the PBO');
  assert.equal(json(second).selection.overfitting!.trials, n1 + n2);
  assert.equal(json(second).readiness.trials, n1 + n2);
  // The same glft space alone, on a fresh store: fewer trials, never less confident.
  const alone = await analyse(join(dir, 'alone.sqlite'), glftOnly);
  assert.equal(json(alone).selection.trials.counted, n2);
  for (const [i, e] of json(second).top_10.entries()) {
    const a = json(alone).top_10[i]!;
    assert.equal(e.combo_index, a.combo_index);
    assert.equal(e.in_sample.selection_trials, a.in_sample.selection_trials + n1);
    if (a.in_sample.deflated_sharpe_confidence !== null && a.in_sample.deflated_sharpe_confidence > 1e-9 && a.in_sample.deflated_sharpe_confidence < 1 - 1e-9) {
      assert.ok(e.in_sample.deflated_sharpe_confidence! < a.in_sample.deflated_sharpe_confidence, `rank ${i}: deflated further`);
    }
  }
  // The gate reads the same figures.
  const checks = json(second).readiness.checks;
  assert.equal(checks['deflated_sharpe_confidence']!.value, json(second).best_strategy.train.deflated_sharpe_confidence === null ? null : Math.round(json(second).best_strategy.train.deflated_sharpe_confidence! * 1e6) / 1e6);
  assert.equal(checks['pbo']!.value, Math.round(json(second).selection.overfitting!.pbo * 1e6) / 1e6);
});

test('re-running a space counts nothing twice; other data has its own count', async () => {
  const path = join(dir, 'rerun.sqlite');
  const a = await analyse(path);
  const again = await analyse(path);
  assert.equal(json(again).selection.trials.counted, a.combos.length);
  const moved = cloneBars(bars);
  moved.close[moved.length - 1] = moved.close[moved.length - 1]! * 1.0001;
  const other = await analyse(path, glftOnly, moved);
  assert.equal(json(other).selection.trials.counted, other.combos.length, 'a different data digest starts its own count');
  const back = await analyse(path, glftOnly);
  assert.equal(json(back).selection.trials.counted, a.combos.length + back.combos.length);
});

test('--fresh-trials starts a new count with its reason, which later runs keep reporting', async () => {
  const path = join(dir, 'fresh.sqlite');
  const a = await analyse(path, asOnly);
  const reason = 'the venue changed its fee schedule: earlier trials priced the old one';
  const fresh = await analyse(path, glftOnly, bars, reason);
  assert.equal(json(fresh).selection.trials.counted, fresh.combos.length);
  assert.equal(json(fresh).selection.trials.fresh_trials_reason, reason);
  const later = await analyse(path, asOnly);
  assert.equal(json(later).selection.trials.counted, fresh.combos.length + a.combos.length, 'the new count holds what was tried since');
  assert.equal(json(later).selection.trials.fresh_trials_reason, reason);
});
