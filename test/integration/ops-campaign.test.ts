// `campaign`: a small pipeline over two seeds and the first seed again agrees with itself byte for byte (exit 0); a campaign whose
// results differ from its baseline for the same seed fails (exit 1); a repeated run that differs is named file by file; its folder
// follows the run folder's rules (new, or an earlier campaign of ours with --force; never a folder of yours or one holding its inputs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { digestDifferences, digestRun } from '../../src/ops/index.js';
import { runOps } from '../fixtures/ops.js';
import { assertOneLineRefusal } from '../fixtures/cli-refusal.js';

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
  const r = runOps(['campaign', '--n', '2', '--config', 'a.yaml', '--seed', '11', '--max-workers', '1', '--out', 'first'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.json.ok, true);
  assert.deepEqual(r.json.seeds, [11, 12]);
  assert.equal(r.json.repeat_agrees, true);
  assert.equal(r.json.spread[0].agent, 'exec');
  assert.equal(r.json.spread[0].runs, 2);
  assert.deepEqual([r.json.out, r.json.campaign_json], ['first', join('first', 'campaign.json')]);
  const c = JSON.parse(readFileSync(join(dir, 'first', 'campaign.json'), 'utf8'));
  assert.equal(c.repeat.digest, c.runs[0].digest);
  assert.notEqual(c.runs[0].digest, c.runs[1].digest, 'two seeds gave identical results: the seed does not reach the pipeline');
  // Every agent's outputs are in the digest (data, model, fills, metrics, trace, risk), not just a summary.
  assert.ok(Object.keys(c.runs[0].files).length >= 5, JSON.stringify(c.runs[0].files));
  assert.deepEqual([c.spread[0].min, c.spread[0].max], [Math.min(...c.runs.map((x: any) => x.pnl.exec)), Math.max(...c.runs.map((x: any) => x.pnl.exec))].map((x) => Math.round(x * 1e6) / 1e6));

  // Same seeds, another γ: the results differ from the baseline for the same seed → exit 1, the files named.
  const changed = runOps(['campaign', '--n', '1', '--config', 'b.yaml', '--seed', '11', '--max-workers', '1', '--baseline', 'first', '--out', 'second'], { cwd: dir });
  assert.equal(changed.status, 1, changed.stderr);
  assert.equal(changed.json.ok, false);
  assert.equal(changed.json.repeat_agrees, true);
  assert.equal(changed.json.baseline_differences, 1);
  assert.match(changed.stderr, /seed 11 differs from the baseline in .*<run>_exec_/);

  // A repeated run with one byte changed in one file is caught, that file named.
  const run = { ...c.runs[0], outputs: Object.keys(c.runs[0].files).map((n: string) => join('first', n.replace('<run>', c.runs[0].run_id))) };
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

test('the campaign folder: every run\'s files and campaign.json under <artifacts_dir>/campaigns/<id>, listed in its marker; nothing loose in the artifacts folder', () => {
  const r = runOps(['campaign', '--n', '1', '--config', 'a.yaml', '--seed', '5', '--max-workers', '1'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const folder = join(dir, 'out', 'campaigns', r.json.campaign_id);
  assert.equal(r.json.out, join('out', 'campaigns', r.json.campaign_id));
  const marker = JSON.parse(readFileSync(join(folder, '.marketmakerl'), 'utf8')) as { kind: string; entries: string[] };
  assert.equal(marker.kind, 'campaign');
  const files = readdirSync(folder).filter((n) => n !== '.marketmakerl').sort();
  assert.deepEqual(marker.entries, files, 'the marker lists every file of the folder');
  assert.ok(files.includes('campaign.json') && files.every((n) => n === 'campaign.json' || n.startsWith(`${r.json.campaign_id}_seed5`)), files.join(' '));
  assert.ok(!readdirSync(join(dir, 'out')).some((n) => n.startsWith(r.json.campaign_id)), 'no run file loose in the artifacts folder');
});

test('--out follows the run folder rules before any run: a folder of yours, a file, one holding the config or inside the baseline are refused in one line (exit 2); an earlier campaign is replaced only with --force and only when it holds nothing but its own files', () => {
  const w = mkdtempSync(join(tmpdir(), 'mm-campaign-out-'));
  writeFileSync(join(w, 'a.yaml'), stringify(config(0.1)));
  const run = (...args: string[]) => runOps(['campaign', '--n', '1', '--config', 'a.yaml', '--seed', '3', '--max-workers', '1', ...args], { cwd: w });
  // A folder of yours (not empty, no marker): refused, untouched.
  mkdirSync(join(w, 'mine'));
  writeFileSync(join(w, 'mine', 'notes.txt'), 'mine');
  assertOneLineRefusal(run('--out', 'mine'), /--out: 'mine' is a folder that is not empty and was not written by marketmakerl/);
  assert.deepEqual(readdirSync(join(w, 'mine')), ['notes.txt']);
  assertOneLineRefusal(run('--out', 'mine', '--force'), /--out: 'mine' is a folder that is not empty and was not written by marketmakerl/);
  // A file where the folder goes.
  writeFileSync(join(w, 'file'), 'x');
  assertOneLineRefusal(run('--out', 'file'), /--out: 'file' is a file, not a folder/);
  // The folder holding the config the runs read.
  mkdirSync(join(w, 'cfg'));
  writeFileSync(join(w, 'cfg', 'c.yaml'), stringify(config(0.1)));
  assertOneLineRefusal(runOps(['campaign', '--n', '1', '--config', 'cfg/c.yaml', '--out', 'cfg', '--force'], { cwd: w }), /--out: 'cfg' holds the input 'cfg\/c\.yaml' of this command/);
  assert.equal(existsSync(join(w, 'out')), false, 'nothing written by the refusals');

  // A new folder: written; again without --force: refused; with --force: replaced.
  const first = run('--out', 'camp');
  assert.equal(first.status, 0, first.stderr);
  const before = readdirSync(join(w, 'camp')).sort();
  assertOneLineRefusal(run('--out', 'camp'), /--out: 'camp' holds an earlier run; add --force to replace it/);
  assertOneLineRefusal(run('--out', 'camp/inner', '--baseline', 'camp'), /--out: 'camp\/inner' is inside the input run folder 'camp' of this command/);
  assert.deepEqual(readdirSync(join(w, 'camp')).sort(), before, 'the refusals left it as it was');
  assertOneLineRefusal(run('--out', 'camp', '--force', '--baseline', 'nothing.json'), /--baseline: cannot read a campaign folder or JSON file at nothing\.json/);
  assert.deepEqual(readdirSync(join(w, 'camp')).sort(), before, 'the refusals left it as it was');
  const again = run('--out', 'camp', '--force');
  assert.equal(again.status, 0, again.stderr);
  const after = readdirSync(join(w, 'camp'));
  assert.ok(after.every((n) => n === '.marketmakerl' || n === 'campaign.json' || n.startsWith(`${again.json.campaign_id}_`)), `only the new campaign's files: ${after.join(' ')}`);
  // A file of yours in it: --force refuses, naming it, and leaves the folder as it is.
  writeFileSync(join(w, 'camp', 'my-notes.md'), 'mine');
  const kept = readdirSync(join(w, 'camp')).sort();
  assertOneLineRefusal(run('--out', 'camp', '--force'), /--out: 'camp' holds 'my-notes\.md', which marketmakerl did not write/);
  assert.deepEqual(readdirSync(join(w, 'camp')).sort(), kept);
});

test('a campaign refused by the runtime at its first run leaves nothing behind: the folder it created is gone (exit 2)', () => {
  const w = mkdtempSync(join(tmpdir(), 'mm-campaign-fail-'));
  writeFileSync(join(w, 'broken.ts'), 'export default 42;\n');
  writeFileSync(join(w, 'c.yaml'), stringify({ ...config(0.1), quoting: { strategy: 'broken.ts' } }));
  const r = runOps(['campaign', '--n', '1', '--config', 'c.yaml', '--max-workers', '1', '--out', 'deep/camp'], { cwd: w });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /broken\.ts/);
  assert.equal(existsSync(join(w, 'deep')), false, 'the folders it created are removed');
});
