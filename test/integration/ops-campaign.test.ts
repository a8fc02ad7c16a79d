// `campaign`: a small pipeline over two seeds and the first seed again agrees with itself byte for byte (exit 0); a campaign whose
// results differ from its baseline for the same seed fails (exit 1); a repeated run that differs is named file by file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { digestDifferences, digestRun } from '../../src/ops/index.js';
import { runOps } from '../fixtures/ops.js';

const dir = mkdtempSync(join(tmpdir(), 'mm-campaign-'));
const config = (gamma: number): Record<string, unknown> => ({
  mode: 'backtest',
  seed: 3,
  paths: { artifacts_dir: 'out', data_dir: '.' },
  market: { symbol: 'SIM/USDT' },
  agents: [
    { name: 'data', role: 'data', params: { source: 'simulated', bars: 600 } },
    { name: 'model', role: 'ml', inputs: ['data'], params: { gamma } },
    { name: 'exec', role: 'execution', inputs: ['model'] },
    { name: 'risk', role: 'risk', inputs: ['exec'] },
  ],
});
writeFileSync(join(dir, 'a.yaml'), stringify(config(0.1)));
writeFileSync(join(dir, 'b.yaml'), stringify(config(0.3)));

test('two seeds and the first again: every run completes, the repeat agrees byte for byte, the spread is over the seeds (exit 0)', () => {
  const r = runOps(['campaign', '--n', '2', '--config', 'a.yaml', '--seed', '11', '--max-workers', '1', '--out', 'first.json'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.json.ok, true);
  assert.deepEqual(r.json.seeds, [11, 12]);
  assert.equal(r.json.repeat_agrees, true);
  assert.equal(r.json.spread[0].agent, 'exec');
  assert.equal(r.json.spread[0].runs, 2);
  const c = JSON.parse(readFileSync(join(dir, 'first.json'), 'utf8'));
  assert.equal(c.repeat.digest, c.runs[0].digest);
  assert.notEqual(c.runs[0].digest, c.runs[1].digest, 'two seeds gave identical results: the seed does not reach the pipeline');
  // Every agent's outputs are in the digest (data, model, fills, metrics, trace, risk), not just a summary.
  assert.ok(Object.keys(c.runs[0].files).length >= 5, JSON.stringify(c.runs[0].files));
  assert.deepEqual([c.spread[0].min, c.spread[0].max], [Math.min(...c.runs.map((x: any) => x.pnl.exec)), Math.max(...c.runs.map((x: any) => x.pnl.exec))].map((x) => Math.round(x * 1e6) / 1e6));

  // Same seeds, another γ: the results differ from the baseline for the same seed → exit 1, the files named.
  const changed = runOps(['campaign', '--n', '1', '--config', 'b.yaml', '--seed', '11', '--max-workers', '1', '--baseline', 'first.json', '--out', 'second.json'], { cwd: dir });
  assert.equal(changed.status, 1, changed.stderr);
  assert.equal(changed.json.ok, false);
  assert.equal(changed.json.repeat_agrees, true);
  assert.equal(changed.json.baseline_differences, 1);
  assert.match(changed.stderr, /seed 11 differs from the baseline in .*<run>_exec_/);

  // A repeated run with one byte changed in one file is caught, that file named.
  const run = { ...c.runs[0], outputs: Object.keys(c.runs[0].files).map((n: string) => join('out', n.replace('<run>', c.runs[0].run_id))) };
  const a = digestRun({ ...run, failures: 0 }, dir);
  assert.equal(a.digest, c.runs[0].digest);
  const victim = run.outputs.find((p: string) => p.includes('fills'))!;
  const copy = join(dir, 'copy');
  copyFileSync(join(dir, victim), copy);
  writeFileSync(join(dir, victim), readFileSync(copy, 'utf8').replace(/\d(?=\D*$)/, (d) => String((Number(d) + 1) % 10)));
  const b = digestRun({ ...run, failures: 0 }, dir);
  assert.deepEqual(digestDifferences(a, b), [victim.split('/').pop()!.replace(c.runs[0].run_id, '<run>')]);
});

test('bad input: --n 0 and --mode live are refused with one line (exit 2)', () => {
  const zero = runOps(['campaign', '--n', '0', '--config', 'a.yaml'], { cwd: dir });
  assert.equal(zero.status, 2);
  assert.match(zero.stderr, /^error: --n: expected a whole number of seeds in \[1, 100\], got 0\n$/);
  const live = runOps(['campaign', '--n', '1', '--config', 'a.yaml', '--mode', 'live'], { cwd: dir });
  assert.equal(live.status, 2);
  assert.match(live.stderr, /live trading is not repeatable/);
});
