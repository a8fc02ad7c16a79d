// `daily-smoke` against the fake Binance (every step timed, a wrong symbol stops it at fetch), `mvp-launch` stopping at a failing
// campaign, `compose-config` and `image` with and without Docker: one JSON line each, exit 0 only when the check holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeBinance } from '../fake-exchange/index.js';
import { REPO_ROOT } from '../fixtures/shared-data.js';
import { runOps, type OpsRun } from '../fixtures/ops.js';

const dir = mkdtempSync(join(tmpdir(), 'mm-smoke-'));
const EXAMPLE = join(REPO_ROOT, 'config', 'examples', 'btcusdt.yaml');

/** The CLI in a child process while the fake exchange keeps serving in this one. */
function runAsync(args: string[]): Promise<OpsRun> {
  const argv = ['--import', import.meta.resolve('tsx'), join(REPO_ROOT, 'src', 'cli', 'main.ts'), ...args];
  return new Promise((ok) => {
    const c = spawn(process.execPath, argv, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += String(d)));
    c.stderr.on('data', (d) => (err += String(d)));
    c.on('close', (status) => {
      const last = out.trim().split('\n').pop() ?? '{}';
      let json: Record<string, any> = {};
      try {
        json = JSON.parse(last);
      } catch {
        json = {};
      }
      ok({ status, json, stdout: out, stderr: err });
    });
  });
}

test('daily-smoke on the fake Binance: fetch, a day of history, a one-day backtest and 5 paper iterations, each timed (exit 0); a wrong symbol stops it at fetch (exit 1)', async () => {
  const fake = new FakeBinance({ stepMs: 10 });
  const url = await fake.start();
  try {
    const r = await runAsync(['daily-smoke', '--exchange', 'binance', '--symbol', 'BTC/USDT', '--exchange-url', url, '--end', '2024-12-29T00:00:00Z', '--config', EXAMPLE, '--poll-seconds', '0.5', '--out', join(dir, 'ok')]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.json.steps.map((s: { step: string; ok: boolean }) => [s.step, s.ok]), [['fetch', true], ['history', true], ['backtest', true], ['paper', true]]);
    for (const s of r.json.steps) assert.ok(s.seconds > 0);
    const bad = await runAsync(['daily-smoke', '--exchange', 'binance', '--symbol', 'NOPE/USDT', '--exchange-url', url, '--out', join(dir, 'bad')]);
    assert.equal(bad.status, 1, bad.stderr);
    assert.equal(bad.json.steps.length, 1);
    assert.equal(bad.json.steps[0].step, 'fetch');
    assert.equal(bad.json.steps[0].exit_code, 2);
    assert.deepEqual(bad.json.not_run, ['history', 'backtest', 'paper']);
  } finally {
    await fake.stop();
  }
});

test('mvp-launch: a campaign whose config names a missing klines file fails, the chain stops there (exit 1)', () => {
  const cfg = join(dir, 'broken.yaml');
  writeFileSync(cfg, ['mode: backtest', 'paths: { artifacts_dir: artifacts, data_dir: . }', 'agents:', '  - { name: data, role: data, params: { source: file, file: missing.csv } }', '  - { name: model, role: ml, inputs: [data] }', '  - { name: exec, role: execution, inputs: [model] }', ''].join('\n'));
  const r = runOps(['mvp-launch', '--config', cfg, '--out', join(dir, 'launch')]);
  assert.equal(r.status, 1, r.stderr);
  assert.deepEqual(r.json.steps.map((s: { step: string; ok: boolean }) => [s.step, s.ok]), [['consistency-check', true], ['campaign', false]]);
  assert.deepEqual(r.json.not_run, ['analysis', 'walk-forward', 'paper']);
});

test('compose-config: the shipped compose file holds (Docker or a clear skip); a missing Dockerfile fails (exit 1); image without Docker fails (exit 1)', () => {
  const shipped = runOps(['compose-config', '--file', join(REPO_ROOT, 'docker-compose.server.yml')]);
  assert.equal(shipped.status, 0, shipped.stderr);
  assert.deepEqual(shipped.json.services, ['realtime-strategy']);
  const noDocker = runOps(['compose-config', '--file', join(REPO_ROOT, 'docker-compose.server.yml'), '--docker', join(dir, 'no-docker')]);
  assert.equal(noDocker.status, 0);
  assert.match(noDocker.json.docker_compose.note, /^SKIPPED: .*no-docker not found/);
  assert.match(noDocker.stderr, /compose-config: SKIPPED/);
  const broken = join(dir, 'compose');
  mkdirSync(broken);
  copyFileSync(join(REPO_ROOT, 'docker-compose.server.yml'), join(broken, 'docker-compose.server.yml'));
  const b = runOps(['compose-config', '--file', join(broken, 'docker-compose.server.yml'), '--docker', join(dir, 'no-docker')]);
  assert.equal(b.status, 1);
  assert.ok(b.json.problems.some((p: string) => /Dockerfile .* does not exist/.test(p)), JSON.stringify(b.json.problems));
  const img = runOps(['image', '--docker', join(dir, 'no-docker')]);
  assert.equal(img.status, 1);
  assert.match(img.json.error, /no-docker not found: no image can be built here/);
});
