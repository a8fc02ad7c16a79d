// fetch and history against the fake Binance through the real ccxt client: files, pagination, resume, gaps, errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NetworkFault, UserError } from '../../src/core/index.js';
import { checkDays, loadKlines, readHistoryBars, updateHistory, type HistorySpec } from '../../src/data/index.js';
import { createExchange, loadMarkets, type CcxtExchange, type RetryPolicy } from '../../src/venues/index.js';
import { FakeBinance } from '../fake-exchange/index.js';
import { CLI_CWD, cliArgs } from '../fixtures/cli-source.js';

const run = promisify(execFile);
const FAST: RetryPolicy = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, rateLimitDelayMs: 10 };
const AUG31 = Date.UTC(2024, 7, 31);
const FIVE_MIN = 300_000;

let fake: FakeBinance;
let ex: CcxtExchange;
let dir: string;

before(async () => {
  fake = new FakeBinance({ autoStart: false });
  await fake.start();
  fake.advance(50);
  ex = await createExchange({ exchange: 'binance', exchangeUrl: fake.url });
  await loadMarkets(ex, { retry: FAST });
  dir = mkdtempSync(join(tmpdir(), 'history-'));
});

after(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

const spec = (over: Partial<HistorySpec>): HistorySpec => ({ exchange: 'binance', symbol: 'BTC/USDT', timeframe: '5m', days: 30, endMs: AUG31, cacheDir: join(dir, 'cache'), ...over });
const klineStarts = (): number[] => fake.requests.filter((r) => r.path === '/api/v3/klines').map((r) => Number(r.query['startTime']));

test('fetch writes klines, both book sides, trades and meta, and prints them', async () => {
  const out = join(dir, 'real');
  const { stdout } = await run(process.execPath, cliArgs('fetch', '--exchange', 'binance', '--symbol', 'BTC/USDT', '--timeframe', '5m', '--kline-limit', '120', '--order-book-limit', '20', '--trades-limit', '30', '--output-dir', out, '--exchange-url', fake.url), { cwd: CLI_CWD });
  const res = JSON.parse(stdout) as { meta: Record<string, unknown>; files: Record<string, string> };
  assert.deepEqual(Object.keys(res.files).sort(), ['klines', 'meta', 'orderbook_asks', 'orderbook_bids', 'trades']);
  assert.match(res.files['klines']!, /\/\d{8}T\d{6}Z_klines\.csv$/);
  assert.deepEqual(
    { ...res.meta, fetched_at_utc: undefined },
    { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '5m', fetched_at_utc: undefined, kline_rows: 120, bid_levels: 20, ask_levels: 20, trade_rows: 30 },
  );
  assert.deepEqual(JSON.parse(readFileSync(res.files['meta']!, 'utf8')), res.meta);
  const { bars } = loadKlines(res.files['klines']!);
  assert.equal(bars.length, 120);
  assert.equal(bars.intervalMicros, FIVE_MIN * 1000);
  const bids = readFileSync(res.files['orderbook_bids']!, 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[0]));
  const asks = readFileSync(res.files['orderbook_asks']!, 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[0]));
  assert.ok(bids[0]! < asks[0]!, 'best bid below best ask');
  assert.deepEqual(bids, [...bids].sort((a, b) => b - a));
  const trades = readFileSync(res.files['trades']!, 'utf8').trim().split('\n');
  assert.equal(trades[0], 'timestamp,id,price,size,side');
  assert.match(trades[1]!, /^\d{13},\d+,[\d.]+,[\d.]+,(buy|sell)$/);
  assert.ok(readdirSync(out).every((f) => !f.endsWith('.tmp')));
});

test('history pages through 30 days, then asks only for what is new', async () => {
  fake.requests.length = 0;
  const first = await updateHistory(ex, spec({ days: 20, endMs: AUG31 - 10 * 86_400_000 }), { retry: FAST });
  assert.equal(first.rows, 20 * 288);
  assert.equal(first.pages, 6, '5760 bars in pages of 1000');
  assert.deepEqual(first.gaps, []);
  const starts = klineStarts();
  assert.equal(starts[0], AUG31 - 30 * 86_400_000);
  for (let i = 1; i < starts.length; i++) assert.equal(starts[i]! - starts[i - 1]!, 1000 * FIVE_MIN, 'each page starts after the last');

  fake.requests.length = 0;
  const second = await updateHistory(ex, spec({}), { retry: FAST });
  assert.equal(second.rows, 30 * 288);
  assert.equal(second.newRows, 10 * 288);
  assert.ok(klineStarts().every((s) => s >= AUG31 - 10 * 86_400_000), 'only the new ten days were asked for');

  fake.requests.length = 0;
  const third = await updateHistory(ex, spec({}), { retry: FAST });
  assert.deepEqual([third.pages, third.newRows, third.rows], [0, 0, 30 * 288]);
  const bars = readHistoryBars(spec({}));
  assert.equal(bars.length, 30 * 288);
  assert.equal(bars.ts[0], (AUG31 - 30 * 86_400_000) * 1000);
});

test('a gap at the exchange is reported, remembered, and not asked for again', async () => {
  const gapFrom = Date.UTC(2024, 7, 10, 12);
  const gapTo = gapFrom + 7 * FIVE_MIN;
  fake.klineGaps.push([gapFrom, gapTo]);
  try {
    const s = spec({ symbol: 'BTCUSDT', cacheDir: join(dir, 'cache-gap'), days: 5, endMs: Date.UTC(2024, 7, 12) });
    const r = await updateHistory(ex, s, { retry: FAST });
    assert.deepEqual(r.gaps, [{ fromMs: gapFrom, toMs: gapTo, bars: 7 }]);
    assert.equal(r.rows, 5 * 288 - 7);
    fake.requests.length = 0;
    const again = await updateHistory(ex, s, { retry: FAST });
    assert.equal(again.pages, 0);
    assert.deepEqual(again.gaps, r.gaps);
  } finally {
    fake.klineGaps.length = 0;
  }
});

test('an interrupted history leaves a valid cache, and the next call resumes where it stopped', async () => {
  const s = spec({ cacheDir: join(dir, 'cache-resume'), days: 14 });
  await assert.rejects(
    updateHistory(ex, s, {
      retry: FAST,
      flushEveryMs: 0,
      onPage: ({ page }) => {
        if (page === 2) fake.failRest({ path: '/api/v3/klines', times: 10, reset: true });
      },
    }),
    (e: unknown) => e instanceof NetworkFault && /klines from .* after 3 attempt/.test(e.message),
  );
  fake.clearFaults();
  const partial = loadKlines(join(dir, 'cache-resume', 'binance', 'BTC-USDT', '5m.csv')).bars;
  assert.equal(partial.length, 2000, 'two pages landed');
  fake.requests.length = 0;
  const r = await updateHistory(ex, s, { retry: FAST });
  assert.equal(r.rows, 14 * 288);
  assert.equal(r.newRows, 14 * 288 - 2000);
  assert.equal(klineStarts()[0], Date.UTC(2024, 7, 17) + 2000 * FIVE_MIN);
});

test('transient faults are retried with backoff; bad input is a clear UserError', async () => {
  fake.failRest({ path: '/api/v3/klines', times: 1, status: 429, retryAfterSeconds: 1 });
  fake.failRest({ path: '/api/v3/klines', times: 1, status: 503 });
  const retries: string[] = [];
  const r = await updateHistory(ex, spec({ cacheDir: join(dir, 'cache-retry'), days: 1 }), { retry: FAST, retryHooks: { onRetry: (f) => retries.push(f.kind) } });
  assert.equal(r.rows, 288);
  assert.equal(retries.length, 2);
  await assert.rejects(updateHistory(ex, spec({ symbol: 'BTC/USDX' })), (e: unknown) => e instanceof UserError && /does not list 'BTC\/USDX'.*BTC\/USDT/.test(e.message));
  await assert.rejects(updateHistory(ex, spec({ timeframe: '7m' })), (e: unknown) => e instanceof UserError && /does not support '7m'; supported: 1s, 1m, 3m, 5m/.test(e.message));
  assert.throws(() => checkDays(0), /--days: expected a number of days in \(0, 3650\], got 0/);
  assert.throws(() => checkDays(5000), UserError);
  await assert.rejects(createExchange({ exchange: 'binanse' }), (e: unknown) => e instanceof UserError && /unknown exchange 'binanse'; did you mean binance/.test(e.message));
  const down = await createExchange({ exchange: 'binance', exchangeUrl: 'http://127.0.0.1:9' });
  await assert.rejects(loadMarkets(down, { retry: FAST }), (e: unknown) => e instanceof NetworkFault && /loading markets: .* after 3 attempt/.test(e.message));
});

test('the CLI answers bad input with one line and exit code 2', async () => {
  const r = await run(process.execPath, cliArgs('history', '--exchange', 'binance', '--symbol', 'BTC/USDT', '--timeframe', '7m', '--days', '3', '--exchange-url', fake.url, '--cache-dir', join(dir, 'c')), { cwd: CLI_CWD }).catch((e: { code: number; stderr: string }) => e);
  assert.equal((r as { code: number }).code, 2);
  assert.equal((r as { stderr: string }).stderr.trim().split('\n').length, 1);
  assert.match((r as { stderr: string }).stderr, /^error: --timeframe: binance does not support '7m'; supported: /);
  assert.ok(!existsSync(join(dir, 'c')));
});
