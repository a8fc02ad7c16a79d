// Kline loading: the real Binance files in every layout, and one clear error per kind of bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadKlines, parseKlines } from './klines-csv.js';
import { UserError } from '../core/index.js';
import { firstInconsistentBar, resampleBars } from '../market/index.js';
import { KLINES_1M, KLINES_5M } from '../../test/fixtures/shared-data.js';

test('the 1m file (header, close_datetime in UTC+01:00) loads with open times in UTC', () => {
  const { bars, gaps, format } = loadKlines(KLINES_1M);
  assert.equal(format, 'headed');
  assert.equal(bars.length, 41_761);
  assert.equal(gaps, 0);
  assert.equal(bars.intervalMicros, 60e6);
  assert.equal(new Date(bars.ts[0]! / 1000).toISOString(), '2024-11-30T23:00:00.000Z');
  assert.equal(new Date(bars.ts[bars.length - 1]! / 1000).toISOString(), '2024-12-29T23:00:00.000Z');
  assert.equal(firstInconsistentBar(bars), -1);
});

test('the official 5m dump (12 columns, no header) loads exactly', () => {
  const { bars, format, gaps } = loadKlines(KLINES_5M);
  assert.equal(format, 'binance');
  assert.equal(bars.length, 8928);
  assert.equal(gaps, 0);
  assert.equal(bars.intervalMicros, 300e6);
  assert.equal(new Date(bars.ts[0]! / 1000).toISOString(), '2024-08-01T00:00:00.000Z');
  const closes = Array.from(bars.close);
  assert.ok(Math.min(...closes) > 49_000 && Math.max(...closes) < 66_000);
});

test('the 1m file resampled to 5m keeps every bar consistent and conserves volume', () => {
  const { bars } = loadKlines(KLINES_1M);
  const five = resampleBars(bars, 5);
  assert.equal(five.intervalMicros, 300e6);
  assert.equal(firstInconsistentBar(five), -1);
  let v1 = 0;
  let v5 = 0;
  for (let i = 0; i < bars.length; i++) v1 += bars.volume[i]!;
  for (let i = 0; i < five.length; i++) v5 += five.volume[i]!;
  assert.ok(Math.abs(v1 - v5) < 1e-6 * v1);
  // First full bucket: 23:00–23:05 aggregates the first five minutes.
  assert.equal(five.open[0], bars.open[0]);
  assert.equal(five.close[0], bars.close[4]);
  assert.equal(five.high[0], Math.max(...Array.from(bars.high.subarray(0, 5))));
});

test('a headed CSV with ISO or epoch-ms timestamps loads', () => {
  const iso = 'timestamp,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,0.5,1.5,10\n2024-01-01T00:01:00Z,1.5,2,1,1.2,3\n';
  const ms = 'timestamp,open,high,low,close,volume\n1704067200000,1,2,0.5,1.5,10\n1704067260000,1.5,2,1,1.2,3\n';
  const a = parseKlines(Buffer.from(iso)).bars;
  const b = parseKlines(Buffer.from(ms)).bars;
  assert.deepEqual(Array.from(a.ts), Array.from(b.ts));
  assert.equal(a.intervalMicros, 60e6);
});

test('bad input is one UserError naming file, line and field', () => {
  const bad = (text: string, re: RegExp) => assert.throws(() => parseKlines(Buffer.from(text), 'f.csv'), (e: unknown) => e instanceof UserError && re.test(e.message));
  const h = 'timestamp,open,high,low,close,volume\n';
  bad(h + '1704067200000,1,2,0.5,1.5,10\n1704067260000,abc,2,1,1.2,3\n', /f\.csv:3: open/);
  bad(h + '1704067200000,1,2,0.5,1.5,10\n1704067260000,1.5,2\n', /f\.csv:3: expected 6 columns/);
  bad(h + '1704067200000,1,2,0.5,1.5,10\n1704067260000,1.5,1.4,1,1.2,3\n', /inconsistent bar/);
  bad(h + '1704067260000,1,2,0.5,1.5,10\n1704067200000,1.5,2,1,1.2,3\n', /time does not increase/);
  bad('time,o,h\n1,2,3\n', /header lacks column/);
  bad(h, /at least 2 bars/);
  assert.throws(() => loadKlines('/nonexistent/file.csv'), /cannot read file/);
});
