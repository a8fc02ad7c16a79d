// The backtest and simulate commands as a user runs them: run folder contents, stdout, and errors.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAPTURE_DIR, CLI, KLINES_1M, REPO_ROOT } from '../fixtures/shared-data.js';

const tmp = mkdtempSync(join(tmpdir(), 'mm-cli-'));
const cli = (...args: string[]) => spawnSync(CLI, args, { cwd: REPO_ROOT, encoding: 'utf8' });

before(() => {
  const b = spawnSync('make', ['-s', 'build'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
});

test('backtest on simulated data writes the run folder and one JSON line', () => {
  const out = join(tmp, 'sim');
  const r = cli('backtest', '--seed', '3', '--bars', '3000', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const summary = JSON.parse(lines[0]!);
  assert.equal(summary.run_dir, out);
  for (const k of ['total_pnl', 'sharpe', 'max_drawdown_pct', 'fills']) assert.ok(k in summary, k);
  assert.deepEqual(readdirSync(out).sort(), ['.marketmakerl', 'config.json', 'fills.csv', 'metrics.json', 'metrics.schema.json', 'trace.csv']);
  const header = readFileSync(join(out, 'trace.csv'), 'utf8').split('\n')[0]!.split(',');
  for (const c of ['ts', 'bid', 'ask', 'inventory', 'cash', 'equity']) assert.ok(header.includes(c), c);
  const fh = readFileSync(join(out, 'fills.csv'), 'utf8').split('\n')[0]!.split(',');
  for (const c of ['ts', 'side', 'price', 'qty', 'fee']) assert.ok(fh.includes(c), c);
  assert.equal(readFileSync(join(out, 'trace.csv'), 'utf8').trim().split('\n').length, 3001);
  const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(cfg.seed, 3);
  assert.equal(cfg.quoting.model, 'as');
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.equal(metrics.samples, 3000);
});

test('the same seed gives byte-identical run folders', () => {
  const a = join(tmp, 'a');
  const b = join(tmp, 'b');
  assert.equal(cli('backtest', '--seed', '5', '--bars', '2000', '--out', a, '--run-id', 'x').status, 0);
  assert.equal(cli('backtest', '--seed', '5', '--bars', '2000', '--out', b, '--run-id', 'x').status, 0);
  for (const f of readdirSync(a)) assert.equal(readFileSync(join(a, f), 'utf8'), readFileSync(join(b, f), 'utf8'), f);
});

test('backtest reads the real 1m klines with GLFT', () => {
  const out = join(tmp, 'real');
  const r = cli('backtest', '--data', KLINES_1M, '--model', 'glft', '--gamma', '0.0005', '--A', '0.0167', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.equal(m.samples, 41_761);
  assert.equal(m.sample_seconds, 60);
  assert.ok(m.fills > 100);
  sameSplit(JSON.parse(r.stdout), m);
});

/** The command's line names the PnL split as metrics.json does (never the final position's unrealised mark as "inventory"). */
function sameSplit(line: Record<string, unknown>, m: Record<string, number>): void {
  for (const k of ['total_pnl', 'pnl_spread_capture', 'pnl_inventory', 'fees']) assert.ok(Math.abs((line[k] as number) - m[k]!) < 1e-6, `${k}: line ${line[k]}, metrics.json ${m[k]}`);
  assert.equal(line['inventory_pnl'], undefined);
  assert.ok(Math.abs(m['pnl_spread_capture']! + m['pnl_inventory']! - m['fees']! - m['total_pnl']!) < 1e-6);
}

test('a tick backtest prints the PnL split of its metrics.json', () => {
  const out = join(tmp, 'tick');
  const r = cli('backtest', '--events', join(CAPTURE_DIR, readdirSync(CAPTURE_DIR).find((f) => f.endsWith('.gz'))!), '--model', 'glft', '--gamma', '0.0001', '--maker-fee-bps', '-0.5', '--out', out, '--json');
  assert.equal(r.status, 0, r.stderr);
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.ok(m.fills > 10);
  sameSplit(JSON.parse(r.stdout), m);
});

test('simulate as2008 prints one JSON object with both strategies', () => {
  const r = cli('simulate', 'as2008', '--gamma', '0.1', '--paths', '200', '--seed', '1');
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.equal(o.gamma, 0.1);
  assert.equal(o.paths, 200);
  for (const s of ['inventory', 'symmetric']) {
    for (const k of ['spread', 'profit_mean', 'profit_std', 'final_q_mean', 'final_q_std']) assert.equal(typeof o[s][k], 'number', `${s}.${k}`);
  }
});

const badCases: [string, string[], RegExp][] = [
  ['missing file', ['backtest', '--data', '/nope/missing.csv'], /--data: cannot read file/],
  ['unknown model', ['backtest', '--model', 'xyz'], /--model: .*"as"|--model: .*as.*glft/],
  ['negative gamma', ['backtest', '--gamma', '-1'], /--gamma: .*>0|--gamma: too small/],
  ['non-numeric flag', ['backtest', '--gamma', 'abc'], /--gamma: expected a number/],
  ['unknown horizon', ['backtest', '--horizon', 'forever'], /--horizon/],
  ['bad as2008 gamma', ['simulate', 'as2008', '--gamma', '0'], /--gamma: expected a positive number/],
  ['unknown command', ['frobnicate'], /unknown command/],
];
for (const [name, args, re] of badCases) {
  test(`bad input (${name}): one line, exit 2, no stack trace`, () => {
    const r = cli(...args);
    assert.equal(r.status, 2, `${r.stdout}\n${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, re);
    assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/);
  });
}

test('a malformed row names file and line; nothing is written', () => {
  const f = join(tmp, 'bad.csv');
  writeFileSync(f, 'timestamp,open,high,low,close,volume\n1704067200000,1,2,0.5,1.5,10\n1704067260000,1.5,oops,1,1.2,3\n');
  const out = join(tmp, 'never');
  const r = cli('backtest', '--data', f, '--out', out);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bad\.csv:3: high: expected a positive number/);
  assert.equal(existsSync(out), false);
});

// How fast --help answers is a figure of bench/RESULTS.md (a wall-clock bound here would fail on a loaded machine).
test('--help lists the commands', () => {
  const r = cli('--help');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /backtest/);
  assert.match(r.stdout, /simulate/);
});
