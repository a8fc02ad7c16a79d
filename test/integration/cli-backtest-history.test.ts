// backtest --exchange as a user runs it against the fake Binance: the history cache as a bar source, equal to the same bars from a file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from '../fixtures/free-port.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, KLINES_1M, REPO_ROOT } from '../fixtures/shared-data.js';
import { FakeBinance } from '../fake-exchange/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'mm-bt-history-'));
const FAST_RETRY = { ...process.env, MARKETMAKERL_RETRY_ATTEMPTS: '2', MARKETMAKERL_RETRY_BASE_MS: '5' };
const END = '2024-12-29T00:00:00Z';
const SPAN = ['--timeframe', '1m', '--days', '3', '--end', END];
const PARAMS = ['--model', 'glft', '--gamma', '0.0005', '--A', '0.0167'];
const cache = join(tmp, 'cache');
let fake: FakeBinance;

before(async () => {
  const b = spawnSync('make', ['-s', 'build'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  fake = new FakeBinance({ autoStart: false });
  await fake.start();
});

after(async () => {
  await fake.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** The CLI in a child process (asynchronously: the fake exchange answers from this process). */
function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(CLI, args, { cwd: REPO_ROOT, env: FAST_RETRY });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    c.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const klineRequests = (): number => fake.requests.filter((r) => r.path === '/api/v3/klines').length;
const read = (dir: string, f: string): string => readFileSync(join(dir, f), 'utf8');

/** The rows of the shared 1m file (close time, no open time) whose bars close inside [from, to). */
function fileSlice(fromMs: number, toMs: number): string {
  const [header, ...rows] = readFileSync(KLINES_1M, 'utf8').trim().split('\n');
  const kept = rows.filter((l) => {
    const closeMs = Date.parse(l.slice(l.lastIndexOf(',') + 1).replace(' ', 'T'));
    return closeMs > fromMs && closeMs < toMs;
  });
  return [header, ...kept].join('\n') + '\n';
}

test('backtest --exchange fetches the span into the cache and equals a backtest of the same bars from a file', async () => {
  const out = join(tmp, 'history-run');
  const r = await cli('backtest', '--exchange', 'binance', '--symbol', 'BTC/USDT', ...SPAN, ...PARAMS, '--exchange-url', fake.url, '--cache-dir', cache, '--out', out);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const summary = JSON.parse(lines[0]!) as { run_dir: string; bars: number };
  assert.equal(summary.run_dir, out);
  assert.equal(summary.bars, 3 * 1440);
  assert.ok(klineRequests() > 0);

  const cfg = JSON.parse(read(out, 'config.json')) as { data_source: Record<string, unknown>; market: { symbol: string } };
  assert.deepEqual(cfg.data_source, {
    kind: 'history',
    exchange: 'binance',
    symbol: 'BTC/USDT',
    timeframe: '1m',
    days: 3,
    from_utc: '2024-12-26T00:00:00.000Z',
    to_utc: '2024-12-29T00:00:00.000Z',
    cache: join(cache, 'binance', 'BTC-USDT', '1m.csv'),
    rows: 3 * 1440,
    bar_seconds: 60,
    new_rows: 3 * 1440,
    pages: cfg.data_source['pages'],
    offline: false,
    gaps: 0,
    gap_ranges: [],
  });
  assert.equal(cfg.market.symbol, 'BTC/USDT');

  // The same three days cut from the shared file, in its own format (close times, +01:00 offsets).
  const csv = join(tmp, 'span.csv');
  writeFileSync(csv, fileSlice(Date.parse('2024-12-26T00:00:00Z'), Date.parse(END)));
  const fileOut = join(tmp, 'file-run');
  const f = await cli('backtest', '--data', csv, ...PARAMS, '--out', fileOut);
  assert.equal(f.code, 0, f.stderr);
  for (const name of ['metrics.json', 'trace.csv', 'fills.csv']) assert.equal(read(out, name), read(fileOut, name), name);
  assert.equal((JSON.parse(read(fileOut, 'config.json')) as { data_source: { kind: string } }).data_source.kind, 'file');
});

test('study --exchange reads the same cached span and finds what a study of the same bars from a file finds', async () => {
  const out = join(tmp, 'study-ex.json');
  const r = await cli('study', '--exchange', 'binance', '--symbol', 'BTC/USDT', ...SPAN, '--exchange-url', fake.url, '--cache-dir', cache, '--out', out);
  assert.equal(r.code, 0, r.stderr);
  const fromFile = join(tmp, 'study-file.json');
  const f = await cli('study', '--data', join(tmp, 'span.csv'), '--out', fromFile);
  assert.equal(f.code, 0, f.stderr);
  const a = JSON.parse(read(tmp, 'study-ex.json')) as Record<string, unknown> & { source: { kind: string; rows: number } };
  const b = JSON.parse(read(tmp, 'study-file.json')) as Record<string, unknown>;
  assert.equal(a.source.kind, 'history');
  assert.equal(a.source.rows, 3 * 1440);
  for (const k of ['bars', 'start', 'end', 'returns', 'range', 'intensity', 'hourly']) assert.deepEqual(a[k], b[k], k);
  const stray = await cli('study', '--data', join(tmp, 'span.csv'), '--symbol', 'BTC/USDT');
  assert.equal(stray.code, 2);
  assert.match(stray.stderr, /--symbol: only with --exchange/);
});

test('a second run with a fixed end reads the cache without contacting the exchange; data.exchange in --config gives the same run', async () => {
  fake.requests.length = 0;
  const config = join(tmp, 'history.yaml');
  writeFileSync(config, ['data:', '  exchange: binance', '  symbol: BTC/USDT', '  timeframe: 1m', '  days: 3', `  end: "${END}"`, `  cache_dir: ${cache}`, 'quoting:', '  model: glft', '  gamma: 0.0005', '  A: 0.0167', ''].join('\n'));
  const out = join(tmp, 'cached-run');
  const r = await cli('backtest', '--config', config, '--exchange-url', fake.url, '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(klineRequests(), 0, 'no kline was asked for');
  assert.equal(fake.requests.length, 0, 'the exchange was not contacted at all');
  const src = (JSON.parse(read(out, 'config.json')) as { data_source: Record<string, unknown> }).data_source;
  assert.deepEqual([src['new_rows'], src['pages'], src['rows'], src['offline']], [0, 0, 3 * 1440, true]);
  assert.equal(read(out, 'metrics.json'), read(join(tmp, 'history-run'), 'metrics.json'));
  // Offline indeed: an exchange URL nothing listens on changes nothing.
  const dead = join(tmp, 'dead-url-run');
  const d = await cli('backtest', '--config', config, '--exchange-url', 'http://127.0.0.1:9', '--out', dead);
  assert.equal(d.code, 0, d.stderr);
  assert.equal(read(dead, 'metrics.json'), read(out, 'metrics.json'));
});

test('bad source flags: one line naming the flag, exit 2, nothing written', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--data', KLINES_1M, '--exchange', 'binance', '--symbol', 'BTC/USDT'], /^error: --data: give either --data FILE or --exchange\/--symbol, not both$/],
    [['--exchange', 'binance'], /^error: --symbol: /],
    [['--exchange', 'binance', '--symbol', 'BTC/USDT', '--timeframe', '7m'], /^error: --timeframe: expected one of 1s, 1m, /],
    [['--exchange', 'binance', '--symbol', 'BTC/USDT', '--days', '0'], /^error: --days: expected a number of days in \(0, 3650\], got 0$/],
    [['--exchange', 'binance', '--symbol', 'BTC/USDT', '--days', '5000'], /^error: --days: /],
    [['--exchange', 'binance', '--symbol', 'BTC/USDT', '--days', 'three'], /^error: --days: expected a number/],
    [['--exchange', 'binance', '--symbol', 'BTC/USDT', '--end', 'yesterday'], /^error: --end: expected an ISO-8601 time/],
    [['--days', '3'], /^error: --days: only with --exchange/],
    [['--exchange', 'binance', '--symbol', 'BTC/USDX', '--days', '1', '--end', END], /^error: --symbol: binance does not list 'BTC\/USDX'/],
  ];
  for (const [args, re] of cases) {
    const out = join(tmp, 'never');
    const bad = join(tmp, 'never-cache');
    const r = await cli('backtest', ...args, '--exchange-url', fake.url, '--cache-dir', bad, '--out', out);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, re);
    assert.equal(r.stdout, '');
    assert.ok(!existsSync(out) && !existsSync(bad), `nothing written for ${args.join(' ')}`);
  }
});

test('network faults outlasting the retries: exit 3, no run folder', async () => {
  const port = await freePort();
  const down = await cli('backtest', '--exchange', 'binance', '--symbol', 'BTC/USDT', ...SPAN, '--exchange-url', `http://127.0.0.1:${port}`, '--cache-dir', join(tmp, 'down-cache'), '--out', join(tmp, 'down'));
  assert.equal(down.code, 3, down.stderr);
  assert.match(down.stderr, /^error: binance: loading markets: .* after 2 attempt/);
  assert.ok(!existsSync(join(tmp, 'down')));

  fake.failRest({ path: '/api/v3/klines', times: 10, status: 503 });
  try {
    const out = join(tmp, 'faulty');
    const r = await cli('backtest', '--exchange', 'binance', '--symbol', 'BTC/USDT', ...SPAN, '--exchange-url', fake.url, '--cache-dir', join(tmp, 'faulty-cache'), '--out', out);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr.trim(), /^error: .*klines from .* after 2 attempt/);
    assert.ok(!existsSync(out));
    assert.ok(readdirSync(tmp).every((n) => !n.startsWith('faulty') || n === 'faulty-cache'));
  } finally {
    fake.clearFaults();
  }
});
