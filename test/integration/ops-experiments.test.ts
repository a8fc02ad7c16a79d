// `experiments`: analyze over a preset's variants and a robustness table. A conclusion that changes with the variant, or a variant that
// cannot run, is not robust (exit 1); the table's verdict is checked on its own rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { robustness, type VariantResult } from '../../src/ops/index.js';
import { KLINES_5M } from '../fixtures/shared-data.js';
import { runOps } from '../fixtures/ops.js';

const row = (variant: string, oos_pnl: number, ready = false): VariantResult => ({ variant, ok: true, exit_code: 0, oos_pnl, ready_for_live_keys: ready });

test('robustness: agreeing variants are robust; a sign flip, a verdict flip or a failed variant are not', () => {
  assert.equal(robustness([row('a', -3), row('b', -1), row('c', -0.5)]).robust, true);
  assert.equal(robustness([row('a', 2, true), row('b', 1, true)]).why, 'every variant agrees: ready, out-of-sample PnL positive');
  const flip = robustness([row('a', -3), row('b', 1), row('c', -0.5)]);
  assert.equal(flip.robust, false);
  assert.equal(flip.positive_oos_share, 0.333333);
  assert.match(flip.why, /sign of the out-of-sample PnL changes/);
  assert.match(robustness([row('a', 1, true), row('b', 1, false)]).why, /readiness verdict changes/);
  assert.match(robustness([row('a', 1), { variant: 'b', ok: false, exit_code: 2, error: 'too few bars' }]).why, /1 variant\(s\) failed: b \(too few bars\)/);
});

test('walk-forward on three days of the shared 5m klines: the 2/1 scheme runs, the longer schemes cannot (exit 1, each named)', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'mm-experiments-')), 'wf');
  const r = runOps(['experiments', '--preset', 'walk-forward', '--data', KLINES_5M, '--days', '3', '--max-combinations', '2', '--out', out]);
  assert.equal(r.status, 1, r.stderr);
  assert.deepEqual(r.json.table.map((x: VariantResult) => [x.variant, x.ok]), [['train2-test1', true], ['train3-test1', false], ['train4-test2', false]]);
  assert.ok(existsSync(r.json.table[0].analysis_json), 'the completed variant left its analysis.json');
  assert.match(r.json.table[1].error, /too few bars for one walk-forward window/);
  assert.equal(r.json.robustness.completed, 1);
  assert.equal(r.json.robustness.robust, false);
  assert.ok(existsSync(join(out, 'experiments.json')));
  assert.equal(runOps(['experiments', '--preset', 'walk-backward', '--data', KLINES_5M]).status, 2);
});
