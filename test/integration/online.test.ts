// Opt-in (ONLINE=1): the data path against the real exchange — fetch, study and backtest its klines, then a short
// paper session on its live book. Skipped otherwise: the suite never reaches the internet by default.
// ONLINE_EXCHANGE (binance), ONLINE_SYMBOL (BTC/USDT), ONLINE_TIMEFRAME (1m) and MARKETMAKERL_EXCHANGE_URL
// (a proxy, or the fake exchange for a dry run) adjust it. `make test-online` runs it alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKlines } from '../../src/data/index.js';
import { cliArgs, CLI_CWD } from '../fixtures/cli-source.js';

const skip = process.env['ONLINE'] === '1' ? false : 'set ONLINE=1 to run against the real exchange';
const exchange = process.env['ONLINE_EXCHANGE'] ?? 'binance';
const symbol = process.env['ONLINE_SYMBOL'] ?? 'BTC/USDT';
const timeframe = process.env['ONLINE_TIMEFRAME'] ?? '1m';
const dir = mkdtempSync(join(tmpdir(), 'mm-online-'));
const cli = (...args: string[]) => spawnSync(process.execPath, cliArgs(...args), { cwd: CLI_CWD, encoding: 'utf8', timeout: 180_000 });

let klines = '';

test('fetch: klines, both sides of the book and recent trades of the live market', { skip }, () => {
  const r = cli('fetch', '--exchange', exchange, '--symbol', symbol, '--timeframe', timeframe, '--kline-limit', '500', '--output-dir', join(dir, 'real'));
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout) as { files: Record<string, string> };
  klines = res.files['klines']!;
  const { bars } = loadKlines(klines);
  assert.ok(bars.length >= 400, `${bars.length} klines`);
  for (let i = 0; i < bars.length; i++) assert.ok(bars.low[i]! <= Math.min(bars.open[i]!, bars.close[i]!) && bars.high[i]! >= Math.max(bars.open[i]!, bars.close[i]!));
  const best = (f: string): number => Number(readFileSync(res.files[f]!, 'utf8').split('\n')[1]!.split(',')[0]);
  assert.ok(best('orderbook_bids') < best('orderbook_asks'), 'the book is not crossed');
});

test('study and backtest the fetched klines', { skip }, () => {
  assert.ok(klines !== '', 'fetch ran first');
  const s = cli('study', '--data', klines, '--out', join(dir, 'study.json'));
  assert.equal(s.status, 0, s.stderr);
  assert.ok(Number.isFinite(JSON.parse(s.stdout).annualised_vol_pct));
  const out = join(dir, 'run');
  const b = cli('backtest', '--data', klines, '--out', out);
  assert.equal(b.status, 0, b.stderr);
  for (const f of ['config.json', 'metrics.json', 'trace.csv', 'fills.csv']) assert.ok(existsSync(join(out, f)), f);
});

test('a short paper session on the live book: decisions logged, exit 0', { skip }, () => {
  const r = cli(
    'realtime', '--mode', 'paper', '--exchange', exchange, '--symbol', symbol, '--timeframe', timeframe,
    '--iterations', '5', '--poll-seconds', '2', '--quiet',
    '--ledger', join(dir, 'ledger.sqlite'), '--halt-file', join(dir, 'HALT'), '--out-dir', join(dir, 'realtime'),
  );
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(join(dir, 'ledger.sqlite')));
});
