// `daily-smoke` against the fake Binance (every step timed, a wrong symbol stops it at fetch), `mvp-launch` passing on small budgets and
// stopping at a failing campaign, `compose-config` and `image` with and without Docker: one JSON line each, exit 0 only when the check holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeBinance } from '../fake-exchange/index.js';
import { CAPTURE_DIR, KLINES_5M, REPO_ROOT } from '../fixtures/shared-data.js';
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

test('mvp-launch on small budgets: consistency-check, a campaign, an analysis, the walk-forward preset and a paper session on the shared capture all pass (exit 0), each with its summary', () => {
  const cfg = join(dir, 'small.yaml');
  writeFileSync(cfg, ['mode: backtest', 'seed: 7', `paths: { artifacts_dir: ${join(dir, 'small-art')}, data_dir: . }`, 'market: { symbol: SIM/USDT }', 'agents:', '  - { name: data, role: data, params: { source: simulated, bars: 600 } }', '  - { name: model, role: ml, inputs: [data] }', '  - { name: exec, role: execution, inputs: [model] }', ''].join('\n'));
  // The analysis under readiness rules its user states (here: out-of-sample PnL after fees above 0 and nothing else), on a random
  // sample of the space whose out-of-sample window made money on these six days; the default rules say not ready on any of them.
  const analysis = join(dir, 'analysis.yaml');
  writeFileSync(analysis, ['seed: 8', 'analysis:', '  sampling: random', '  readiness: { min_sharpe: -1000, min_sharpe_confidence: 0, min_oos_days: 0, max_drawdown_pct: 100, min_fills: 0, min_profitable_window_share: 0, max_adverse_window_share: 1, max_window_return_pct: 100, min_deflated_sharpe_confidence: 0, max_pbo: 1 }', ''].join('\n'));
  const out = join(dir, 'launch-ok');
  const t0 = Date.now();
  const r = runOps(['mvp-launch', '--config', cfg, '--paper-config', EXAMPLE, '--analysis-config', analysis, '--data', KLINES_5M, '--events', join(CAPTURE_DIR, 'btcusdt_20240808.gz'), '--seeds', '1', '--days', '6', '--max-combinations', '2', '--wf-combinations', '1', '--out', out], { timeout: 290_000 });
  const seconds = (Date.now() - t0) / 1000;
  assert.equal(r.status, 0, `${r.stderr}\n${seconds} s`);
  assert.equal(r.json.ok, true);
  assert.deepEqual(r.json.not_run, []);
  const steps = Object.fromEntries(r.json.steps.map((s: { step: string }) => [s.step, s]));
  assert.deepEqual(Object.keys(steps), ['consistency-check', 'campaign', 'analysis', 'walk-forward', 'paper']);
  for (const s of r.json.steps) {
    assert.equal(s.ok, true, s.step);
    assert.equal(s.exit_code, 0, s.step);
    assert.ok(s.seconds > 0, s.step);
  }
  assert.equal(steps['consistency-check'].summary.broken, 0);
  assert.deepEqual(steps.campaign.summary.seeds, [7]);
  assert.equal(steps.campaign.summary.repeat_agrees, true);
  assert.equal(steps.campaign.summary.runs_failed, 0);
  assert.ok(existsSync(steps.campaign.summary.out));
  assert.equal(steps.analysis.summary.ready_for_live_keys, true);
  assert.deepEqual(steps.analysis.summary.failed_checks, []);
  assert.ok(steps.analysis.summary.oos_pnl > 0, `oos pnl ${steps.analysis.summary.oos_pnl}`);
  assert.ok(existsSync(steps.analysis.summary.analysis_json));
  assert.equal(steps['walk-forward'].summary.robust, true);
  assert.equal(steps['walk-forward'].summary.completed, 3);
  assert.ok(existsSync(steps['walk-forward'].summary.out));
  // The paper session: its fills as its ledger has them.
  const paper = steps.paper.summary;
  assert.ok(paper.fills > 0 && paper.events > 100_000, JSON.stringify(paper));
  const db = new Database(paper.ledger, { readonly: true });
  const n = (db.prepare('SELECT count(*) AS n FROM fills').get() as { n: number }).n;
  db.close();
  assert.equal(n, paper.fills);
  assert.ok(paper.ledger.startsWith(out));
});

test('compose-config: the shipped compose file holds (Docker or a clear skip); a missing Dockerfile fails (exit 1); image without Docker is skipped (exit 4)', () => {
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
  assert.equal(img.status, 4, 'no Docker: skipped, with its own exit code');
  assert.equal(img.json.skipped, true);
  assert.match(img.json.error, /^SKIPPED: .*no-docker not found: no image can be built here/);
  assert.match(img.stderr, /image: SKIPPED: .*no image was built \(exit 4\)/);
});

/** A stand-in `docker`: `version` answers as a client without a daemon (or with one), `build` succeeds or fails. */
function fakeDocker(name: string, daemon: boolean, build: 'ok' | 'fail'): string {
  const p = join(dir, name);
  const version = daemon ? 'echo 28.2.2' : 'echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1';
  const b = build === 'ok' ? 'echo "naming to docker.io/library/x done"' : 'echo "ERROR: failed to solve: process \\"/bin/sh -c npm ci\\" did not complete successfully: exit code: 1" >&2; exit 1';
  writeFileSync(p, `#!/bin/sh\ncase "$1" in\n  version) ${version} ;;\n  build) ${b} ;;\n  *) exit 1 ;;\nesac\n`, { mode: 0o755 });
  return p;
}

test('image: the Dockerfile checked against a fresh clone first (a COPY of a missing, ignored or uncommitted path: exit 1); no daemon: SKIPPED (exit 4); a daemon: the build decides', () => {
  // The shipped Dockerfile passes its offline checks; the daemon decides the rest.
  const noDaemon = runOps(['image', '--docker', fakeDocker('docker-no-daemon', false, 'ok')]);
  assert.equal(noDaemon.status, 4, noDaemon.stderr);
  assert.deepEqual(noDaemon.json.dockerfile_problems, []);
  assert.match(noDaemon.json.error, /^SKIPPED: no Docker daemon reachable \(Cannot connect to the Docker daemon/);
  const built = runOps(['image', '--docker', fakeDocker('docker-ok', true, 'ok'), '--tag', 'mm:test']);
  assert.equal(built.status, 0, built.stderr);
  assert.equal(built.json.ok, true);
  assert.equal(built.json.docker_server, '28.2.2');
  const failed = runOps(['image', '--docker', fakeDocker('docker-fail', true, 'fail')]);
  assert.equal(failed.status, 1);
  assert.match(failed.json.error, /failed to solve/);
  // A context as a fresh clone of a broken checkout would be: one COPY source missing, one ignored, one never committed.
  const ctx = join(dir, 'ctx');
  mkdirSync(join(ctx, 'src', 'cli'), { recursive: true });
  mkdirSync(join(ctx, 'test'));
  mkdirSync(join(ctx, 'config'));
  for (const f of ['package.json', 'package-lock.json', '.dockerignore']) copyFileSync(join(REPO_ROOT, f), join(ctx, f));
  writeFileSync(join(ctx, 'src', 'cli', 'main.ts'), '');
  writeFileSync(join(ctx, 'test', 'x.ts'), '');
  writeFileSync(join(ctx, 'config', 'local.yaml'), '');
  writeFileSync(join(ctx, 'Dockerfile'), ['FROM node:20.20.2-bookworm-slim AS build', 'COPY package.json \\', '     package-lock.json ./', 'COPY src ./src', 'COPY schemas ./schemas', 'COPY test ./test', 'COPY config ./config', 'FROM node:20.20.2-bookworm-slim', 'COPY --from=build /app/dist ./dist', 'ENTRYPOINT ["node", "dist/cli/run.js"]', ''].join('\n'));
  const git = (...a: string[]): void => void spawnSync('git', ['-C', ctx, ...a], { encoding: 'utf8' });
  git('init', '-q');
  git('add', 'Dockerfile', '.dockerignore', 'package.json', 'package-lock.json', 'src', 'test');
  const bad = runOps(['image', '--context', ctx, '--docker', fakeDocker('docker-ok2', true, 'ok')]);
  assert.equal(bad.status, 1, bad.stderr);
  assert.deepEqual(bad.json.dockerfile_problems, [
    'Dockerfile:5: COPY schemas: not in the build context',
    'Dockerfile:6: COPY test: excluded by .dockerignore',
    'Dockerfile:7: COPY config: not committed (a fresh clone has no such file)',
    'Dockerfile:10: ENTRYPOINT runs dist/cli/run.js, but src/cli/run.ts does not exist to compile it',
  ]);
  assert.match(bad.stderr, /image: Dockerfile:5: COPY schemas: not in the build context/);
});
