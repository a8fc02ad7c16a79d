// The analysis presets' success paths on the shared 5m klines (small budgets): every variant runs `analyze`, the robustness table agrees
// with its own rows (recomputed here), exit 0; the budget preset keeps its selection and Sharpe while the PnL scales with the capital.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KLINES_5M } from '../fixtures/shared-data.js';
import { runOps, type OpsRun } from '../fixtures/ops.js';

const root = mkdtempSync(join(tmpdir(), 'mm-presets-'));

interface Row {
  variant: string;
  ok: boolean;
  exit_code: number;
  ready_for_live_keys: boolean;
  failed_checks: string[];
  oos_pnl: number;
  oos_sharpe: number;
  windows: number;
  best_strategy: Record<string, unknown>;
  analysis_json: string;
}

/** Run a preset and check what every preset's success must show: exit 0, three completed variants, a table whose verdict its rows give. */
function preset(name: string, days: number, combos: number, variants: string[]): { r: OpsRun; rows: Row[] } {
  const out = join(root, name);
  const t0 = Date.now();
  const r = runOps(['experiments', '--preset', name, '--data', KLINES_5M, '--days', String(days), '--max-combinations', String(combos), '--out', out]);
  const seconds = (Date.now() - t0) / 1000;
  assert.equal(r.status, 0, `${r.stderr}\n${seconds} s`);
  assert.equal(r.json.ok, true);
  const rows = r.json.table as Row[];
  assert.deepEqual(rows.map((x) => [x.variant, x.ok, x.exit_code]), variants.map((v) => [v, true, 0]));
  for (const x of rows) {
    assert.ok(Number.isFinite(x.oos_pnl) && Number.isFinite(x.oos_sharpe), `${x.variant}: out-of-sample figures`);
    assert.ok(x.windows >= 1, `${x.variant}: windows ${x.windows}`);
    assert.ok(existsSync(x.analysis_json), `${x.variant}: its analysis.json`);
    // The row is the variant's own analysis, not a copy: its file says the same.
    const a = JSON.parse(readFileSync(x.analysis_json, 'utf8')) as { readiness: { ready_for_live_keys: boolean } };
    assert.equal(a.readiness.ready_for_live_keys, x.ready_for_live_keys);
  }
  // The robustness table, recomputed from the rows: every variant agrees on the verdict and on the sign of the out-of-sample PnL.
  const rob = r.json.robustness;
  const pos = rows.filter((x) => x.oos_pnl > 0).length;
  const ready = rows.filter((x) => x.ready_for_live_keys).length;
  assert.ok(pos === 0 || pos === rows.length, 'the signs agree');
  assert.ok(ready === 0 || ready === rows.length, 'the verdicts agree');
  assert.equal(rob.robust, true);
  assert.equal(rob.variants, 3);
  assert.equal(rob.completed, 3);
  assert.equal(rob.positive_oos_share, pos / rows.length);
  assert.equal(rob.ready_share, ready / rows.length);
  assert.ok(Math.abs(rob.oos_pnl_min - Math.min(...rows.map((x) => x.oos_pnl))) < 1e-6);
  assert.ok(Math.abs(rob.oos_pnl_max - Math.max(...rows.map((x) => x.oos_pnl))) < 1e-6);
  assert.equal(rob.why, `every variant agrees: ${ready ? 'ready' : 'not ready'}, out-of-sample PnL ${pos ? 'positive' : 'not positive'}`);
  // The file holds the same table.
  const file = JSON.parse(readFileSync(join(out, 'experiments.json'), 'utf8'));
  assert.deepEqual(file.table, rows);
  assert.deepEqual(file.robustness, rob);
  return { r, rows };
}

test('walk-forward on six days: the 2/1, 3/1 and 4/2 schemes all run and agree (exit 0), fewer windows for longer schemes', () => {
  const { rows } = preset('walk-forward', 6, 1, ['train2-test1', 'train3-test1', 'train4-test2']);
  // 6 days: 4 test days with 2/1, 3 with 3/1, one 2-day window with 4/2.
  assert.deepEqual(rows.map((x) => x.windows), [4, 3, 1]);
});

test('research-budgets on six days: three budgets agree (exit 0); the same selection and Sharpe, the PnL scales with the capital', () => {
  const { rows } = preset('research-budgets', 6, 2, ['budget-1000', 'budget-10000', 'budget-100000']);
  for (const x of rows.slice(1)) assert.deepEqual(x.best_strategy, rows[0]!.best_strategy, `${x.variant}: the selection does not depend on the capital`);
  for (const x of rows.slice(1)) assert.ok(Math.abs(x.oos_sharpe - rows[0]!.oos_sharpe) <= 0.02 * Math.abs(rows[0]!.oos_sharpe), `${x.variant}: Sharpe ${x.oos_sharpe} vs ${rows[0]!.oos_sharpe}`);
  // Ten times the capital, about ten times the PnL (orders are rounded to the lot, so not exactly).
  for (let i = 1; i < rows.length; i++) {
    const ratio = rows[i]!.oos_pnl / rows[i - 1]!.oos_pnl;
    assert.ok(ratio > 8 && ratio < 12, `${rows[i]!.variant}: PnL ratio ${ratio}`);
  }
});

test('quant-experiments on seven days: three random samples (seeds 7, 8, 9) agree (exit 0), each a different sample', () => {
  const { rows } = preset('quant-experiments', 7, 2, ['seed-7', 'seed-8', 'seed-9']);
  const picked = new Set(rows.map((x) => JSON.stringify(x.best_strategy)));
  const pnls = new Set(rows.map((x) => x.oos_pnl));
  assert.ok(picked.size > 1 || pnls.size > 1, 'the seeds gave different samples');
});
