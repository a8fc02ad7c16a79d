// max_inventory_qty is a hard limit in order-book backtests: under order latency a replaced quote whose cancel is
// still travelling can fill, so the gate counts it. Checked from outside on the shared spot and USD-M captures:
// the position is rebuilt from fills.csv alone and never passes the limit, with one level or a ladder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOps } from '../fixtures/ops.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { USDM_MARKET, ensureSharedUsdmArrow } from '../fixtures/usdm-capture.js';

/** The largest |position| of a run, from its fills.csv (buys add, sells subtract), and the number of fills. */
function maxPosition(runDir: string): { max: number; fills: number } {
  const [head, ...rows] = readFileSync(join(runDir, 'fills.csv'), 'utf8').trim().split('\n');
  const cols = head!.split(',');
  const side = cols.indexOf('side');
  const qty = cols.indexOf('qty');
  let pos = 0;
  let max = 0;
  for (const r of rows) {
    const f = r.split(',');
    pos += (f[side] === 'buy' ? 1 : -1) * Number(f[qty]);
    max = Math.max(max, Math.abs(pos));
  }
  return { max, fills: rows.length };
}

const LIMIT = 0.005;

for (const [name, market, events] of [
  ['spot', undefined, ensureSharedCaptureArrow],
  ['USD-M', USDM_MARKET, ensureSharedUsdmArrow],
] as const) {
  test(`${name}: |position| stays within max_inventory_qty at 200 ms order latency, one level and a 3-level ladder`, () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mm-inventory-'));
    for (const levels of [1, 3]) {
      const cfg = { ...(market !== undefined ? { market } : {}), quoting: { gamma: 0.0001, horizon_seconds: 60, order_qty: 0.001, max_inventory_qty: LIMIT, levels } };
      writeFileSync(join(cwd, 'cfg.json'), JSON.stringify(cfg));
      const out = join(cwd, `run-${levels}`);
      const r = runOps(['backtest', '--config', 'cfg.json', '--events', events(), '--order-latency-ms', '200', '--out', out, '--json'], { cwd });
      assert.equal(r.status, 0, r.stderr);
      const { max, fills } = maxPosition(out);
      assert.ok(fills > 50, `levels ${levels}: the run trades (${fills} fills)`);
      assert.ok(max <= LIMIT * (1 + 1e-9), `levels ${levels}: |position| reached ${max}, beyond max_inventory_qty ${LIMIT}`);
      const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
      assert.ok((metrics.risk?.denials_by_rule?.max_inventory_qty ?? 0) > 0, `levels ${levels}: the gate held quotes back at the limit`);
      // verify-fills holds the position to the same limit, and catches a fill repeated past it.
      const v = runOps(['verify-fills', out, '--capture', events()], { cwd });
      assert.equal(v.status, 0, v.stderr);
      assert.equal(v.json.violations.inventory_limit, 0);
      assert.equal(v.json.max_inventory_qty, LIMIT);
      assert.equal(v.json.violations.position_mismatch, 0);
      assert.ok(Math.abs(v.json.end_position - metrics.final_inventory) < 1e-12, `verify-fills' end ${v.json.end_position} against metrics.json's ${metrics.final_inventory}`);
      assert.ok(Math.abs(v.json.max_abs_position - max) < 1e-12, `verify-fills' ${v.json.max_abs_position} against ${max}`);
    }
    // A simulator that gives one more fill at the position's peak, booked as any other: fills.csv has the
    // fill once more and metrics.json's final inventory counts it.
    const out = join(cwd, 'run-1');
    const lines = readFileSync(join(out, 'fills.csv'), 'utf8').trim().split('\n');
    const qtyCol = lines[0]!.split(',').indexOf('qty');
    const sideCol = lines[0]!.split(',').indexOf('side');
    let pos = 0;
    let peak = 1;
    for (let k = 1; k < lines.length; k++) {
      const f = lines[k]!.split(',');
      pos += (f[sideCol] === 'buy' ? 1 : -1) * Number(f[qtyCol]);
      if (Math.abs(pos) > LIMIT * 0.999) {
        peak = k;
        break;
      }
    }
    const extra = lines[peak]!.split(',');
    extra[sideCol] = pos > 0 ? 'buy' : 'sell';
    lines.splice(peak + 1, 0, extra.join(','));
    writeFileSync(join(out, 'fills.csv'), lines.join('\n') + '\n');
    const metricsPath = join(out, 'metrics.json');
    const metrics = JSON.parse(readFileSync(metricsPath, 'utf8'));
    metrics.final_inventory += (pos > 0 ? 1 : -1) * Number(extra[qtyCol]);
    writeFileSync(metricsPath, JSON.stringify(metrics));
    const v = runOps(['verify-fills', out, '--capture', events()], { cwd });
    assert.equal(v.status, 1, v.stderr);
    assert.ok(v.json.violations.inventory_limit >= 1, JSON.stringify(v.json.violations));
    assert.equal(v.json.violations.position_mismatch, 0, 'the run booked the extra fill: its position agrees');
    // The same extra fill in fills.csv only (metrics.json as the run wrote it): the position no longer agrees.
    metrics.final_inventory -= (pos > 0 ? 1 : -1) * Number(extra[qtyCol]);
    writeFileSync(metricsPath, JSON.stringify(metrics));
    const w = runOps(['verify-fills', out, '--capture', events()], { cwd });
    assert.equal(w.status, 1, w.stderr);
    assert.equal(w.json.violations.position_mismatch, 1, JSON.stringify(w.json.violations));
    assert.ok(w.json.violations.inventory_limit >= 1, 'from flat, the extra fill still takes the position past the limit');
  });
}
