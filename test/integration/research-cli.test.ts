// analyze, report and worker as a user runs them: artifacts, progress lines, one-line errors, nothing half-written, Redis scale-out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { freePort } from '../fixtures/free-port.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, KLINES_5M, REPO_ROOT } from '../fixtures/shared-data.js';
import { FakeBinance } from '../fake-exchange/index.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';

const tmp = mkdtempSync(join(tmpdir(), 'mm-analyze-'));
const FAST_RETRY = { ...process.env, MARKETMAKERL_RETRY_ATTEMPTS: '2', MARKETMAKERL_RETRY_BASE_MS: '5' };
const cli = (...args: string[]) => spawnSync(CLI, args, { cwd: REPO_ROOT, encoding: 'utf8', env: FAST_RETRY });
const SMALL = ['--data', KLINES_5M, '--days', '5', '--train-days', '2', '--test-days', '1', '--max-combinations', '6', '--seed', '3'];

before(() => {
  const b = spawnSync('make', ['-s', 'build'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
});

const stable = (path: string): string => {
  const j = JSON.parse(readFileSync(path, 'utf8')) as { meta: Record<string, unknown> };
  delete j.meta['run'];
  return JSON.stringify(j);
};

test('analyze writes every artifact under one stamp, JSON progress lines on a pipe, one summary line', () => {
  const out = join(tmp, 'ok');
  const r = cli('analyze', ...SMALL, '--budgets', '2500,10000', '--workers', '2', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const files = readdirSync(out).filter((n) => n !== '.marketmakerl').sort();
  const stamp = files[0]!.split('_')[0]!;
  for (const f of ['klines.csv', 'strategy_runs.csv', 'budget_summary.csv', 'format_summary.csv', 'walk_forward.csv', 'analysis.json', 'report.html']) {
    assert.ok(files.includes(`${stamp}_${f}`), f);
  }
  const summary = JSON.parse(r.stdout.trim());
  assert.equal(typeof summary.ready_for_live_keys, 'boolean');
  const progress = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { done: number; total: number });
  assert.ok(progress.length >= 2);
  assert.equal(progress[progress.length - 1]!.done, progress[0]!.total);
  const a = JSON.parse(readFileSync(join(out, `${stamp}_analysis.json`), 'utf8'));
  for (const k of ['meta', 'best_strategy', 'top_10', 'walk_forward', 'readiness']) assert.ok(k in a, k);
  assert.ok(a.meta.sampling.evaluated <= 6);
  for (const c of Object.values(a.readiness.checks) as Array<Record<string, unknown>>) assert.deepEqual(Object.keys(c).sort(), ['limit', 'pass', 'value']);
  assert.equal(a.readiness.by_budget.length, 2);
  assert.equal(readFileSync(join(out, `${stamp}_budget_summary.csv`), 'utf8').trim().split('\n').length, 3);
  const html = readFileSync(join(out, `${stamp}_report.html`), 'utf8');
  assert.ok((html.match(/<svg/g) ?? []).length >= 7);
  assert.doesNotMatch(html, /<script|<link|src="http/);
});

test('two analyses started together into one --out never share a stamp: each its own complete set of files, its own analysis.json', async () => {
  const out = join(tmp, 'together');
  const run = (seed: string): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    new Promise((done) => {
      const p = spawn(CLI, ['analyze', ...SMALL.slice(0, -2), '--seed', seed, '--workers', '1', '--quiet', '--out', out], { cwd: REPO_ROOT, env: FAST_RETRY });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      p.on('close', (code) => done({ code, stdout, stderr }));
    });
  const [a, b] = await Promise.all([run('3'), run('4')]);
  const lines = [a, b].map((r) => {
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout.trim()) as { analysis_json: string; report: string };
  });
  assert.notEqual(lines[0]!.analysis_json, lines[1]!.analysis_json, 'one analysis.json each');
  const names = readdirSync(out).filter((n) => n !== '.marketmakerl' && n !== 'results.sqlite' && !n.startsWith('results.sqlite-'));
  assert.equal(names.length, 2 * 9, names.join(' '));
  for (const [i, seed] of [3, 4].entries()) {
    const l = lines[i]!;
    const prefix = l.analysis_json.slice(0, -'analysis.json'.length);
    assert.equal(l.report, `${prefix}report.html`);
    assert.equal((JSON.parse(readFileSync(l.analysis_json, 'utf8')) as { meta: { seed: number } }).meta.seed, seed, 'each analysis.json is its own run\'s');
    for (const f of ['klines.csv', 'strategy_runs.csv', 'budget_summary.csv', 'format_summary.csv', 'walk_forward.csv', 'oos_trace.csv', 'oos_fills.csv', 'analysis.json', 'report.html']) {
      assert.ok(existsSync(`${prefix}${f}`), `${prefix}${f}: a whole set under each stamp`);
    }
  }
});

test('bad input: one line, exit 2 (3 for an unreachable Redis), nothing written', async () => {
  const empty = join(tmp, 'empty.csv');
  writeFileSync(empty, '');
  const port = await freePort();
  const cases: Array<[string[], number, RegExp]> = [
    [['--data', KLINES_5M, '--days', '0'], 2, /--days/],
    [['--data', KLINES_5M, '--days', '400'], 2, /--days/],
    [['--data', KLINES_5M, '--days', '40'], 2, /--days: 40 days requested/],
    [['--data', empty], 2, /expected at least 2 bars|cannot read/],
    [['--data', KLINES_5M, '--days', '3', '--train-days', '5'], 2, /too few bars for one walk-forward window/],
    [['--data', KLINES_5M, '--engine', 'tick'], 2, /--engine tick/],
    [['--data', KLINES_5M, '--exchange', 'binance', '--symbol', 'BTC/USDT'], 2, /either --data FILE or --exchange/],
    [['--symbol', 'BTC/USDT'], 2, /--symbol: only with --exchange/],
    [['--exchange', 'binance', '--symbol', 'BTC/USDT', '--exchange-url', `http://127.0.0.1:${port}`], 3, /./],
    [['--data', KLINES_5M, '--timeframe', '1m'], 2, /--timeframe/],
    [['--data', KLINES_5M, '--budgets', '1000,abc'], 2, /--budgets/],
    [['--data', KLINES_5M, '--queue', 'http://x'], 2, /--queue: expected redis:\/\/HOST:PORT/],
    [['--data', KLINES_5M, '--queue', `redis://127.0.0.1:${port}`], 3, /cannot reach Redis/],
  ];
  for (const [args, code, msg] of cases) {
    const out = join(tmp, `bad-${code}-${args.join('_').replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 120));
    const r = cli('analyze', ...args, '--out', out, '--quiet');
    assert.equal(r.status, code, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, msg);
    assert.ok(!existsSync(out) || readdirSync(out).length === 0, `nothing written for ${args.join(' ')}`);
  }
});

test('analyze --exchange reads the history cache, fetching what is missing through ccxt (fake Binance)', async () => {
  const fake = new FakeBinance({ autoStart: false });
  await fake.start();
  try {
    const out = join(tmp, 'hist');
    const cache = join(tmp, 'hist-cache');
    const args = ['analyze', '--exchange', 'binance', '--symbol', 'BTC/USDT', '--timeframe', '5m', '--days', '4', '--end', '2024-08-31T00:00:00Z', '--exchange-url', fake.url, '--cache-dir', cache, '--train-days', '2', '--max-combinations', '4', '--quiet', '--out', out];
    const r = await run(CLI, args);
    assert.equal(r.code, 0, r.stderr);
    const a = JSON.parse(readFileSync(JSON.parse(r.stdout).analysis_json, 'utf8'));
    assert.equal(a.meta.data.kind, 'history');
    assert.equal(a.meta.data.bars, 4 * 288);
    assert.equal(a.meta.data.last_bar, '2024-08-30T23:55:00.000Z');
    assert.ok(existsSync(a.meta.data.cache));
    // The exchange named by the config instead of --exchange: --timeframe picks its bars all the same (it read 1m bars).
    const cfg = join(tmp, 'hist.yaml');
    writeFileSync(cfg, 'data:\n  exchange: binance\n  symbol: BTC/USDT\n');
    const viaConfig = ['analyze', '--config', cfg, ...args.slice(args.indexOf('--timeframe'), args.indexOf('--out')), '--out', join(tmp, 'hist-config')];
    assert.ok(!viaConfig.includes('--exchange'));
    const r2 = await run(CLI, viaConfig);
    assert.equal(r2.code, 0, r2.stderr);
    const a2 = JSON.parse(readFileSync(JSON.parse(r2.stdout).analysis_json, 'utf8'));
    assert.deepEqual([a2.meta.data.kind, a2.meta.data.bars, a2.meta.data.last_bar], ['history', 4 * 288, '2024-08-30T23:55:00.000Z']);
  } finally {
    await fake.stop();
  }
});

test('report RUN_DIR renders a backtest run folder to a self-contained report.html', () => {
  const run = join(tmp, 'run');
  assert.equal(cli('backtest', '--seed', '2', '--bars', '2000', '--out', run).status, 0);
  const r = cli('report', run);
  assert.equal(r.status, 0, r.stderr);
  const html = readFileSync(join(run, 'report.html'), 'utf8');
  for (const t of ['PnL over time', 'Inventory', 'Quotes vs mid with fills', 'Drawdown', 'PnL decomposition', 'markout at 1 bar', 'fill ratio', 'time two-sided']) assert.ok(html.includes(t), t);
  assert.doesNotMatch(html, /<script|<link|src="http/);
  // A tick (L2) run folder renders the same way, its PnL split into spread capture and inventory.
  const tick = join(tmp, 'tick-run');
  const t = cli('backtest', '--events', ensureSharedCaptureArrow(), '--gamma', '0.0001', '--out', tick);
  assert.equal(t.status, 0, t.stderr);
  assert.equal(cli('report', tick).status, 0);
  assert.match(readFileSync(join(tick, 'report.html'), 'utf8'), /spread capture/);
  const bad = cli('report', join(tmp, 'nope'));
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /not a run folder/);
  // The runtime's output: its summary names the execution agents; each gets <run_id>_<agent>_report.html.
  const rt = join(tmp, 'runtime');
  mkdirSync(rt);
  const agents = [
    { name: 'data', role: 'data', params: { source: 'simulated', bars: 600 } },
    { name: 'model', role: 'ml', inputs: ['data'], params: { gamma: 0.1 } },
    { name: 'exec', role: 'execution', inputs: ['model'] },
  ];
  writeFileSync(join(rt, 'config.yaml'), JSON.stringify({ mode: 'backtest', seed: 3, paths: { artifacts_dir: 'out', data_dir: '.' }, market: { symbol: 'SIM/USDT' }, agents }));
  assert.equal(spawnSync(CLI, ['run', '--config', 'config.yaml', '--run-id', 'rt'], { cwd: rt, encoding: 'utf8' }).status, 0);
  const rr = spawnSync(CLI, ['report', join('out', 'rt_summary.json')], { cwd: rt, encoding: 'utf8' });
  assert.equal(rr.status, 0, rr.stderr);
  assert.deepEqual(JSON.parse(rr.stdout.trim()), { report: join('out', 'rt_exec_report.html'), run: 'rt · exec', bytes: JSON.parse(rr.stdout.trim()).bytes });
  assert.match(readFileSync(join(rt, 'out', 'rt_exec_report.html'), 'utf8'), /Run report — rt · exec[\s\S]*multi-agent runtime[\s\S]*spread capture/);
});

// ---- Redis scale-out: Debian's redis-server on a free 127.0.0.1 port, two worker processes.
const hasRedis = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).status === 0;
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

/**
 * `analyze ARGS --queue` against a fresh redis-server with two `worker` processes, then the same analysis
 * with one local thread: both analysis.json (timestamps aside) must be equal and the workers must have
 * run `jobs` jobs between them.
 */
async function queueMatchesLocal(args: string[], jobCount: number, label: string): Promise<void> {
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(redis);
  await waitFor(redis.stdout!, /Ready to accept connections/);
  const url = `redis://127.0.0.1:${port}`;
  const workers = [0, 1].map(() => spawn(CLI, ['worker', '--queue', url], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
  children.push(...workers);
  await Promise.all(workers.map((w) => waitFor(w.stderr!, /"worker":"ready"/)));
  const qOut = join(tmp, `${label}-queue`);
  const q = await run(CLI, ['analyze', ...args, '--queue', url, '--out', qOut, '--quiet']);
  assert.equal(q.code, 0, q.stderr);
  const stopped = workers.map((w) => waitFor(w.stderr!, /"worker":"stopped"/));
  for (const w of workers) w.kill('SIGTERM');
  const jobs = (await Promise.all(stopped)).map((line) => (JSON.parse(line) as { jobs: number }).jobs);
  assert.equal(jobs[0]! + jobs[1]!, jobCount, 'every task ran on a worker');
  redis.kill('SIGTERM');
  const lOut = join(tmp, `${label}-local`);
  assert.equal(cli('analyze', ...args, '--workers', '1', '--out', lOut, '--quiet').status, 0);
  const pick = (d: string): string => join(d, readdirSync(d).find((f) => f.endsWith('_analysis.json'))!);
  assert.equal(stable(pick(qOut)), stable(pick(lOut)));
}

const noRedis = hasRedis ? false : 'redis-server is not installed (apt-get install redis-server)';

test('analyze --queue: two worker processes on Redis give the same analysis as a local run', { skip: noRedis }, async () => {
  // 6 combos on 5 one-day blocks: one shared-pass task per block.
  await queueMatchesLocal(SMALL, 5, 'bar');
});

test('analyze --engine tick --queue: two worker processes on Redis give the same analysis as a local run', { skip: noRedis }, async () => {
  const { readEvents, writeEvents } = await import('../../src/data/index.js');
  const { eventRows } = await import('../../src/market/index.js');
  const short = join(tmp, 'short.arrow');
  writeEvents(short, eventRows(readEvents(ensureSharedCaptureArrow()), 0, 150_000));
  await queueMatchesLocal(['--events', short, '--train-minutes', '1', '--test-minutes', '1', '--max-combinations', '4', '--maker-fee-bps', '0', '--seed', '3'], 4, 'tick');
});

test('analyze --queue with 3 workers, one killed mid-task: its task is taken again by another, counted once, same analysis as a local run', { skip: noRedis }, async () => {
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(redis);
  await waitFor(redis.stdout!, /Ready to accept connections/);
  const url = `redis://127.0.0.1:${port}`;
  // Worker 1 takes the first task and freezes inside it; it is then killed (SIGKILL).
  const doomed = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/integration/queue-hang-worker.ts'), url, '2'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(doomed);
  await waitFor(doomed.stderr!, /"worker":"ready"/);
  const qOut = join(tmp, 'failover-queue');
  const analysis = run(CLI, ['analyze', ...SMALL, '--queue', url, '--out', qOut, '--quiet']);
  const taken = JSON.parse(await waitFor(doomed.stderr!, /"worker":"job"/)) as { task: number };
  doomed.kill('SIGKILL');
  // Workers 2 and 3: the real command, with a short stall time so the dead worker's task comes back soon.
  const workers = [0, 1].map(() => spawn(CLI, ['worker', '--queue', url, '--stall-seconds', '2'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
  children.push(...workers);
  const logs = workers.map((w) => {
    const lines: string[] = [];
    let buf = '';
    w.stderr!.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      lines.push(...parts);
    });
    return lines;
  });
  const q = await analysis;
  assert.equal(q.code, 0, q.stderr);
  const stopped = workers.map((w) => new Promise((r) => w.once('exit', r)));
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(stopped);
  redis.kill('SIGTERM');
  const done = logs.flat().map((l) => JSON.parse(l) as { worker: string; task?: number }).filter((l) => l.worker === 'done');
  // SMALL: 6 combos on 5 one-day blocks, one shared-pass task per block; each completed exactly once.
  assert.deepEqual(done.map((l) => l.task).sort(), [0, 1, 2, 3, 4]);
  assert.ok(done.some((l) => l.task === taken.task), 'the killed worker’s task was completed by another worker');
  const run1 = (JSON.parse(readFileSync(join(qOut, readdirSync(qOut).find((f) => f.endsWith('_analysis.json'))!), 'utf8')) as { meta: { run: { cases_evaluated: number } } }).meta.run;
  assert.equal(run1.cases_evaluated, 30, 'every case counted once');
  const lOut = join(tmp, 'failover-local');
  assert.equal(cli('analyze', ...SMALL, '--workers', '1', '--out', lOut, '--quiet').status, 0);
  const pick = (d: string): string => join(d, readdirSync(d).find((f) => f.endsWith('_analysis.json'))!);
  assert.equal(stable(pick(qOut)), stable(pick(lOut)));
});

/** Resolve with the first line matching `re` (reject after 20 s). */
function waitFor(stream: NodeJS.ReadableStream, re: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}: ${buf.slice(-500)}`)), 20_000);
    const on = (d: Buffer): void => {
      buf += d.toString();
      const line = buf.split('\n').find((l) => re.test(l));
      if (line !== undefined) {
        clearTimeout(timer);
        stream.off('data', on);
        resolve(line);
      }
    };
    stream.on('data', on);
  });
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    c.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
