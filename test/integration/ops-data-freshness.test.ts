// `data-freshness`: the shared 1m klines are fresh at their archive's end and stale a week later; a cache with a hole fails unless the
// exchange confirmed the hole; a capture with a silence fails; nothing to check fails; bad limits are exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allocEvents, EventType } from '../../src/market/index.js';
import { loadKlines, writeEvents } from '../../src/data/index.js';
import { KLINES_1M } from '../fixtures/shared-data.js';
import { runOps } from '../fixtures/ops.js';
import { captureFreshness, marketFreshness } from '../../src/ops/index.js';

const LIMITS = { maxAgeUs: 6 * 3600e6, maxMissingBars: 0, maxCaptureGapUs: 5e6 };

const tmp = mkdtempSync(join(tmpdir(), 'mm-freshness-'));
const empty = join(tmp, 'none');
const ARCHIVE_END = '2024-12-29T23:30:00Z'; // the 1m file's last bar closes at 23:01

test('the shared 1m klines at the end of their archive: fresh, no missing minute (exit 0); a week later: stale (exit 1)', () => {
  const fresh = runOps(['data-freshness', '--cache-dir', empty, '--recordings', empty, '--data', KLINES_1M, '--now', ARCHIVE_END]);
  assert.equal(fresh.status, 0, fresh.stderr);
  const m = fresh.json.markets[0];
  assert.equal(m.bars, 41_761);
  assert.equal(m.last_closed_bar_end, '2024-12-29T23:01:00.000Z');
  assert.equal(m.missing_bars, 0);
  assert.ok(Math.abs(m.age_hours - 29 / 60) < 1e-3);
  const stale = runOps(['data-freshness', '--cache-dir', empty, '--recordings', empty, '--data', KLINES_1M, '--now', '2025-01-05T23:01:00Z']);
  assert.equal(stale.status, 1);
  assert.equal(stale.json.ok, false);
  assert.equal(stale.json.markets[0].age_hours, 7 * 24);
  assert.match(stale.stderr, /stale: last closed bar ended 168 h ago \(limit 6 h\)/);
});

test('a cached series with a hole: the missing range named (exit 1); the same hole confirmed by the exchange: fresh (exit 0)', () => {
  const cache = join(tmp, 'cache');
  const dir = join(cache, 'binance', 'BTC-USDT');
  mkdirSync(dir, { recursive: true });
  // The archive's last 120 minutes in the cache's own layout, minutes 50-59 removed.
  const { bars } = loadKlines(KLINES_1M);
  const rows: string[] = [];
  for (let i = bars.length - 120; i < bars.length; i++) rows.push([bars.ts[i]! / 1000, bars.open[i], bars.high[i], bars.low[i], bars.close[i], bars.volume[i]].join(','));
  const kept = rows.filter((_, i) => i < 50 || i >= 60);
  writeFileSync(join(dir, '1m.csv'), ['timestamp,open,high,low,close,volume', ...kept].join('\n') + '\n');
  const holeFrom = Number(rows[50]!.split(',')[0]);
  const holeTo = Number(rows[60]!.split(',')[0]);
  const gapped = runOps(['data-freshness', '--cache-dir', cache, '--recordings', empty, '--now', ARCHIVE_END]);
  assert.equal(gapped.status, 1, gapped.stderr);
  const m = gapped.json.markets[0];
  assert.equal(m.market, join('binance', 'BTC-USDT', '1m'));
  assert.equal(m.missing_bars, 10);
  assert.deepEqual(m.missing_ranges, [{ from: new Date(holeFrom).toISOString(), to: new Date(holeTo).toISOString(), bars: 10 }]);
  assert.match(gapped.stderr, /gapped: 10 missing bar\(s\) in 1 range\(s\)/);
  // Ten bars allowed: passes.
  const allowed = marketFreshness(join(dir, '1m.csv'), Date.parse(ARCHIVE_END) * 1000, { ...LIMITS, maxMissingBars: 10 }, cache);
  assert.deepEqual(allowed.problems, []);
  writeFileSync(join(dir, '1m.json'), JSON.stringify({ exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m', confirmedGaps: [[holeFrom, holeTo]], updated_utc: ARCHIVE_END }));
  const confirmed = runOps(['data-freshness', '--cache-dir', cache, '--recordings', empty, '--now', ARCHIVE_END]);
  assert.equal(confirmed.status, 0, confirmed.stderr);
  assert.equal(confirmed.json.markets[0].missing_bars, 0);
  assert.equal(confirmed.json.markets[0].exchange_gap_bars, 10);
});

test('a recording with a 12 s silence: gapped (exit 1); with a 15 s limit: fresh (exit 0)', () => {
  const rec = join(tmp, 'recordings');
  mkdirSync(rec);
  const n = 200;
  const ev = allocEvents(n);
  const t0 = Date.parse('2024-12-29T23:00:00Z') * 1000;
  for (let i = 0; i < n; i++) {
    ev.type[i] = EventType.Trade;
    ev.side[i] = i % 2 ? 1 : -1;
    ev.tsLocal[i] = t0 + i * 100_000 + (i >= 100 ? 12_000_000 : 0);
    ev.tsExchange[i] = ev.tsLocal[i]! - 5_000;
    ev.price[i] = 95_000;
    ev.size[i] = 0.01;
    ev.id[i] = i + 1;
  }
  ev.length = n;
  writeEvents(join(rec, 'binance_BTCUSDT_x_001.arrow'), ev);
  const r = runOps(['data-freshness', '--cache-dir', empty, '--recordings', rec, '--now', ARCHIVE_END]);
  assert.equal(r.status, 1, r.stderr);
  const c = r.json.captures[0];
  assert.equal(c.events, n);
  assert.equal(c.gaps_over_limit, 1);
  assert.equal(c.max_gap_seconds, 12.1);
  assert.equal(c.gaps[0].from, '2024-12-29T23:00:09.900Z');
  const allowed = captureFreshness(join(rec, 'binance_BTCUSDT_x_001.arrow'), Date.parse(ARCHIVE_END) * 1000, { ...LIMITS, maxCaptureGapUs: 15e6 });
  assert.deepEqual(allowed.problems, []);
});

test('nothing to check is not fresh (exit 1); a malformed limit is bad input (exit 2, one line)', () => {
  const none = runOps(['data-freshness', '--cache-dir', empty, '--recordings', empty]);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /nothing to check/);
  const bad = runOps(['data-freshness', '--cache-dir', empty, '--max-age', 'soon']);
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr.trim(), "error: --max-age: expected a duration such as 90s, 30m, 6h or 2d, got 'soon'");
});
