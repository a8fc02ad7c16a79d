// The run folder's CSVs written chunk by chunk hold exactly the text the in-memory builders give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../core/index.js';
import { FillLog } from './fill-log.js';
import { Trace } from './trace.js';
import { fillsCsv, traceCsv, writeFillsCsv, writeTraceCsv } from './run-folder.js';

function traceOf(n: number, rng: Rng): Trace {
  const t = new Trace(Math.max(1, n));
  for (let i = 0; i < n; i++) {
    const mid = 100 + rng.normal();
    // A sample without a quote (NaN) now and then, as a halted or warming run writes.
    const bid = i % 7 === 3 ? Number.NaN : mid - 0.05;
    t.push(1_700_000_000_000_000 + i * 60_000_000, mid, bid, mid + 0.05, mid + 0.001, (i % 5) - 2, 1e4 + rng.normal(), 1e4 + rng.normal(), i % 3);
  }
  return t;
}

function fillsOf(n: number, rng: Rng): FillLog {
  const f = new FillLog();
  for (let i = 0; i < n; i++) f.push(1_700_000_000_000_000 + i * 1000, i + 1, i % 2 === 0 ? 1 : -1, 100 + rng.normal(), 0.01, 0.0001, i % 4 === 0 ? 'taker' : 'maker', i);
  return f;
}

test('trace.csv and fills.csv written in chunks equal traceCsv / fillsCsv: empty, one row, across chunk edges', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-csv-'));
  const rng = new Rng(3);
  for (const n of [0, 1, 4095, 4096, 4097, 10_000]) {
    const trace = traceOf(n, rng);
    const fills = fillsOf(n, rng);
    writeTraceCsv(join(dir, `t${n}.csv`), trace, 0.01);
    writeFillsCsv(join(dir, `f${n}.csv`), fills, 0.01);
    const t = readFileSync(join(dir, `t${n}.csv`), 'utf8');
    const f = readFileSync(join(dir, `f${n}.csv`), 'utf8');
    assert.equal(t, traceCsv(trace, 0.01), `trace of ${n} rows`);
    assert.equal(f, fillsCsv(fills, 0.01), `fills of ${n} rows`);
    assert.equal(t.split('\n').length, n + 2, 'header, n rows, a final newline');
  }
  rmSync(dir, { recursive: true, force: true });
});

test("trace.csv keeps the mid's half tick: a one-tick spread's mid is not rounded to a tick", () => {
  // BTCUSDT perpetual (tick 0.1), a one-tick spread: the mid sits between two ticks.
  const perp = new Trace(2);
  perp.push(1_723_161_257_000_000, 61800.05, 61800.0, 61800.1, 61800.05, 0, 1e4, 1e4, 0);
  perp.push(1_723_161_258_000_000, 61807.95, 61807.9, 61808.0, 61807.95, 0, 1e4, 1e4, 0);
  const rows = traceCsv(perp, 0.1).trim().split('\n').slice(1).map((r) => r.split(','));
  assert.deepEqual(rows.map((r) => Number(r[6])), [61800.05, 61807.95]);
  assert.deepEqual(rows.map((r) => [r[1], r[2]]), [['61800.0', '61800.1'], ['61807.9', '61808.0']], 'quotes stay on the tick');
  // Spot (tick 0.01).
  const spot = new Trace(1);
  spot.push(1_723_161_259_000_000, 61000.005, 61000.0, 61000.01, 61000.005, 0, 1e4, 1e4, 0);
  assert.equal(Number(traceCsv(spot, 0.01).trim().split('\n')[1]!.split(',')[6]), 61000.005);
});
