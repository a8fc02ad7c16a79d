// train-rl, evaluate-rl and backtest --model rl as a user runs them; broken policy files end with one line and exit 2.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, KLINES_1M, REPO_ROOT } from '../fixtures/shared-data.js';

const tmp = mkdtempSync(join(tmpdir(), 'mm-rl-cli-'));
const cli = (...args: string[]) => spawnSync(CLI, args, { cwd: REPO_ROOT, encoding: 'utf8' });
const config = join(tmp, 'train.json');
writeFileSync(
  config,
  JSON.stringify({
    episode_bars: 500,
    warmup_bars: 100,
    base_gamma: 0.1,
    cem: { population: 8, windows: 2 },
    data: { simulate: { bars: 8000, trend_drift_in_vols: 0.5 } },
  }),
);
const train = (out: string, ...extra: string[]) => cli('train-rl', '--simulate', '--config', config, '--episodes', '48', '--seed', '4', '--out', out, '--quiet', ...extra);

before(() => {
  const b = spawnSync('make', ['-s', 'build'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
});

test('train-rl writes policy.json, training.csv and a PNG learning curve; the same seed gives the same files', () => {
  const a = join(tmp, 'a');
  const r = train(a, '--workers', '2');
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout.trim());
  assert.equal(summary.policy, join(a, 'policy.json'));
  assert.equal(summary.generations, 3);
  const csv = readFileSync(join(a, 'training.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'generation,episode,mean_reward,elite_reward,eval_reward');
  assert.equal(csv.length, 5);
  const png = readFileSync(join(a, 'learning-curve.png'));
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  const b = join(tmp, 'b');
  assert.equal(train(b, '--workers', '1').status, 0);
  assert.equal(readFileSync(join(b, 'training.csv'), 'utf8'), readFileSync(join(a, 'training.csv'), 'utf8'));
  const pa = JSON.parse(readFileSync(join(a, 'policy.json'), 'utf8'));
  const pb = JSON.parse(readFileSync(join(b, 'policy.json'), 'utf8'));
  assert.deepEqual(pb.params, pa.params);
});

test('backtest --model rl and evaluate-rl use the policy', () => {
  const policy = join(tmp, 'a', 'policy.json');
  if (!existsSync(policy)) assert.equal(train(join(tmp, 'a')).status, 0);
  const bt = cli('backtest', '--model', 'rl', '--policy', policy, '--bars', '2000', '--out', join(tmp, 'bt'));
  assert.equal(bt.status, 0, bt.stderr);
  assert.equal(JSON.parse(bt.stdout).model, 'rl');
  const ev = cli('evaluate-rl', '--policy', policy, '--simulate', '--out', join(tmp, 'eval.json'));
  assert.equal(ev.status, 0, ev.stderr);
  const report = JSON.parse(readFileSync(join(tmp, 'eval.json'), 'utf8'));
  assert.deepEqual(report.rows.map((x: { model: string }) => x.model), ['rl', 'base', 'as', 'glft']);
  // Paired comparisons: the mean per-bar difference adds up to the difference of the rows' rewards.
  const reward = (m: string): number => report.rows.find((x: { model: string }) => x.model === m).reward;
  assert.deepEqual(report.paired.map((p: { vs: string }) => p.vs), ['base', 'as', 'glft']);
  for (const p of report.paired as Array<{ vs: string; bars: number; mean_reward_diff_per_bar: number; confidence: number | null }>) {
    assert.equal(p.bars, report.heldout.bars);
    assert.ok(Math.abs(p.mean_reward_diff_per_bar * p.bars - (reward('rl') - reward(p.vs))) < 1e-6 * (1 + Math.abs(reward('rl'))), p.vs);
    assert.ok(p.confidence === null || (p.confidence >= 0 && p.confidence <= 1));
  }
  for (const k of ['total_pnl', 'sharpe', 'max_drawdown_pct', 'fills', 'markouts_bps', 'reward']) assert.ok(k in report.rows[0], k);
  assert.ok(report.heldout.bars > 0 && report.heldout.dropped_overlap_bars > 0, 'evaluation starts after the training period');
});

test('corrupted or incompatible policies and bad flags: one line on stderr, exit code 2', () => {
  const good = readFileSync(join(tmp, 'a', 'policy.json'), 'utf8');
  const cases: [string, RegExp][] = [
    [good.slice(0, good.length / 2), /not valid JSON/],
    [good.replace('"version": 1', '"version": 7'), /incompatible policy version 7/],
    [good.replace('"params": [', '"params": [1.5, '), /params: expected \d+ parameters/],
  ];
  for (const [i, [text, message]] of cases.entries()) {
    const path = join(tmp, `bad-${i}.json`);
    writeFileSync(path, text);
    for (const r of [cli('backtest', '--model', 'rl', '--policy', path, '--bars', '500'), cli('evaluate-rl', '--policy', path, '--simulate')]) {
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  }
  for (const args of [
    ['backtest', '--model', 'rl', '--bars', '500'],
    ['train-rl', '--simulate', '--data', 'x.csv'],
    ['train-rl', '--simulate', '--episodes', '3'],
    ['evaluate-rl', '--policy', join(tmp, 'missing.json'), '--simulate'],
  ]) {
    const r = cli(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^error: /);
  }
});

test('the tuned base is a γ that trades; when every such γ loses to not trading, that is said (stderr, the summary, policy.json)', () => {
  // The 1m klines at the default 10 bps maker fee: every γ that trades scores below not trading, and the best γ
  // of the whole grid never fills. The base is the best γ that fills on at least 1% of the training bars: a
  // policy can only learn to tune quotes that trade.
  const small = join(tmp, 'small.json');
  writeFileSync(small, JSON.stringify({ episode_bars: 500, cem: { population: 8, windows: 2 } }));
  const out = join(tmp, 'flat');
  const r = cli('train-rl', '--data', KLINES_1M, '--config', small, '--episodes', '32', '--seed', '1', '--out', out, '--quiet');
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout.trim()) as { warnings: string[]; base: { gamma: number } };
  assert.ok(summary.warnings.some((w) => /^the best γ of AS on the training period \(γ [0-9.]+: 0 fills, reward 0\) fills on fewer than 1% of its bars; the base is the best γ that trades/.test(w)), JSON.stringify(summary.warnings));
  assert.match(r.stderr, /^warning: the best γ of AS on the training period .* stays the line to beat/m);
  const policy = JSON.parse(readFileSync(join(out, 'policy.json'), 'utf8')) as { training: { warnings: string[]; base_tuning?: unknown } };
  assert.deepEqual(policy.training.warnings, summary.warnings);
  // The base trades: its own backtest on the training period fills on at least 1% of the bars.
  const ev = cli('evaluate-rl', '--policy', join(out, 'policy.json'), '--data', KLINES_1M);
  assert.equal(ev.status, 0, ev.stderr);
  const rows = (JSON.parse(ev.stdout.trim().split('\n').at(-1)!) as { rows: { model: string; gamma: number; fills: number }[] }).rows;
  const base = rows.find((x) => x.model === 'base')!;
  assert.equal(base.gamma, summary.base.gamma);
  assert.ok(base.fills > 0, `the base fills on the held-out period too (${base.fills})`);
  // A γ given by the user: no warning about the base.
  assert.ok(!(JSON.parse(train(join(tmp, 'plain')).stdout.trim()) as { warnings: string[] }).warnings.some((w) => /γ of AS/.test(w)));
});
