// history --funding against the fake Binance's USD-M fundingRate endpoint through the real ccxt client: pages, the cache file, its use as market.funding.path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { UserError } from '../../src/core/index.js';
import { loadFundingSeries, updateFundingHistory } from '../../src/data/index.js';
import { createExchange, loadMarkets, type CcxtExchange, type RetryPolicy } from '../../src/venues/index.js';
import { FakeBinance } from '../fake-exchange/index.js';
import { CLI_CWD, cliArgs } from '../fixtures/cli-source.js';

const run = promisify(execFile);
const FAST: RetryPolicy = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, rateLimitDelayMs: 10 };
const H8 = 8 * 3_600_000;
const END = Date.UTC(2024, 7, 31);

let fake: FakeBinance;
let ex: CcxtExchange;
let dir: string;

// 1500 payments every 8 h up to END: more than one page of 1000.
const SERIES = Array.from({ length: 1500 }, (_, k) => ({ fundingTime: END - (1499 - k) * H8, fundingRate: ((k % 11) * 0.00002 - 0.00005).toFixed(8) }));

before(async () => {
  fake = new FakeBinance({ autoStart: false });
  await fake.start();
  fake.fundingRates = SERIES;
  ex = await createExchange({ exchange: 'binance', exchangeUrl: fake.url, perpetuals: true });
  await loadMarkets(ex, { retry: FAST });
  dir = mkdtempSync(join(tmpdir(), 'funding-history-'));
});

after(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the perpetual is listed through ccxt and its funding history arrives in pages, oldest first, exactly the served payments', async () => {
  assert.equal(ex.markets?.['BTC/USDT:USDT']?.swap, true);
  const before = fake.requests.length;
  const r = await updateFundingHistory(ex, { symbol: 'BTC/USDT:USDT', days: 480, endMs: END, cacheDir: join(dir, 'cache') }, { retry: FAST });
  const asked = fake.requests.slice(before).filter((q) => q.path === '/fapi/v1/fundingRate');
  assert.equal(asked.length, 2, 'a full page of 1000, then the rest up to the end');
  assert.deepEqual(asked.map((q) => q.query['symbol']), ['BTCUSDT', 'BTCUSDT']);
  assert.equal(Number(asked[1]!.query['startTime']), SERIES[SERIES.length - 1441 + 999]!.fundingTime + 1, 'the next page starts after the last payment received');
  const inSpan = SERIES.filter((s) => s.fundingTime >= END - 480 * 86_400_000);
  assert.equal(r.rows, inSpan.length);
  assert.match(r.path, /binance\/BTC-USDT-USDT\/funding\.csv$/);
  const s = loadFundingSeries(r.path);
  assert.deepEqual(Array.from(s.ts), inSpan.map((x) => x.fundingTime * 1000), 'times in µs');
  assert.deepEqual(Array.from(s.rate), inSpan.map((x) => Number(x.fundingRate)));
  // Again: nothing new, the file kept.
  const again = await updateFundingHistory(ex, { symbol: 'BTC/USDT:USDT', days: 480, endMs: END, cacheDir: join(dir, 'cache') }, { retry: FAST });
  assert.equal(again.newRows, 0);
});

test('a spot symbol is refused in one line: funding is paid on perpetuals', async () => {
  await assert.rejects(updateFundingHistory(ex, { symbol: 'BTC/USDT', days: 10, endMs: END, cacheDir: join(dir, 'c2') }), (e: unknown) => e instanceof UserError && /not a perpetual/.test(e.message));
});

test('history --funding as a user runs it: one JSON line, the file market.funding.path reads', async () => {
  const cache = join(dir, 'cli');
  const { stdout } = await run(process.execPath, cliArgs('history', '--funding', '--exchange', 'binance', '--symbol', 'BTC/USDT:USDT', '--days', '30', '--end', '2024-08-31T00:00:00Z', '--cache-dir', cache, '--exchange-url', fake.url, '--quiet'), { cwd: CLI_CWD });
  const out = JSON.parse(stdout);
  assert.equal(out.funding, true);
  assert.equal(out.rows, 91, '30 days of 8-hour payments, both ends included');
  const text = readFileSync(out.cache, 'utf8').split('\n');
  assert.equal(text[0], 'ts,rate');
  await assert.rejects(run(process.execPath, cliArgs('history', '--exchange', 'binance', '--symbol', 'BTC/USDT', '--days', '3', '--cache-dir', cache, '--exchange-url', fake.url), { cwd: CLI_CWD }), (e: { code?: number; stderr?: string }) => e.code === 2 && /--timeframe/.test(e.stderr ?? ''));
});
