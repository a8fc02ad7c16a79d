// Jumps in a capture's trade ids (trades the capture missed): convert counts them, verify-fills reports them and the orders resting across them, from the raw capture and from the event file alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tradeGapsOf, loadTrades, verifyFills } from '../../src/verify/index.js';
import { REPO_ROOT } from '../fixtures/shared-data.js';
import { sharedCaptureFiles } from '../fixtures/capture.js';
import { sharedUsdmFiles } from '../fixtures/usdm-capture.js';

const MS = 1_000_000; // ns per ms
const US = 1000; // µs per ms
const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'main.ts'), ...args], { cwd: REPO_ROOT, encoding: 'utf8' });

const depth = (ms: number, E: number, U: number, u: number, b: [string, string][]): string =>
  `${ms * MS} ${JSON.stringify({ stream: 'btcusdt@depth@100ms', data: { e: 'depthUpdate', E, s: 'BTCUSDT', U, u, b, a: [] } })}`;
/** A seller's trade (buyer is maker) logged at `ms`, its E one second later, its T 1 ms before E. */
const sell = (ms: number, t: number, p: string, q: string): string =>
  `${ms * MS} ${JSON.stringify({ stream: 'btcusdt@trade', data: { e: 'trade', E: ms + 1000, s: 'BTCUSDT', t, p, q, T: ms + 999, m: true, M: true } })}`;
const snapshot = (ms: number, id: number): string => `${ms * MS} ${JSON.stringify({ lastUpdateId: id, bids: [['100.00', '1.0']], asks: [['100.02', '1.0']] })}`;

/** Trades 11, 12, then 15 (13 and 14 missed: printed between T 2249 and 2449 ms), then 16; the depth stream unbroken. */
const CAPTURE = [
  snapshot(1000, 100),
  depth(1100, 2100, 101, 105, [['100.00', '2']]),
  sell(1150, 11, '100.00', '0.1'),
  sell(1250, 12, '100.00', '0.1'),
  depth(1300, 2300, 106, 110, [['100.00', '3']]),
  sell(1450, 15, '100.00', '0.1'),
  sell(1550, 16, '100.00', '0.1'),
];

test('trade-id gaps: convert counts them (book gaps apart), verify-fills reports them and the orders resting across them, from the capture and the event file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trade-gaps-'));
  try {
    const capture = join(dir, 'spot.gz');
    writeFileSync(capture, gzipSync(CAPTURE.join('\n') + '\n'));
    const arrow = join(dir, 'spot.arrow');
    const c = cli(['convert', capture, '--out', arrow]);
    assert.equal(c.status, 0, c.stderr);
    const summary = JSON.parse(c.stdout) as { trade_gaps: number; trades_missed: number; book_gaps: number; gaps: number };
    assert.deepEqual([summary.trade_gaps, summary.trades_missed, summary.book_gaps, summary.gaps], [1, 2, 0, 1]);
    assert.match(c.stderr, /^warning: trade gap at .*spot\.gz:6 .*: expected id 13, got 15$/m);

    const gaps = tradeGapsOf(loadTrades([capture]));
    assert.deepEqual(gaps, [{ afterId: 12, beforeId: 15, from: 2249 * US, to: 2449 * US, missed: 2 }]);
    assert.deepEqual(tradeGapsOf(loadTrades([arrow])), gaps, 'the event file keeps the trade ids: the same gap');

    // Order 1 rests across the gap (open at the end), order 2 ended before it, order 3 arrived after it.
    const run = join(dir, 'run');
    mkdirSync(run);
    writeFileSync(
      join(run, 'orders.csv'),
      [
        'order_id,side,price,qty,sent_us,arrived_us,ended_us,end_reason,queue_ahead',
        `1,buy,100.00,1,${1990 * US},${2000 * US},,open,0`,
        `2,buy,99.99,1,${1990 * US},${2000 * US},${2200 * US},canceled,1`,
        `3,buy,99.98,1,${2490 * US},${2500 * US},,open,1`,
      ].join('\n') + '\n',
    );
    writeFileSync(join(run, 'fills.csv'), ['ts,side,price,qty,fee,liquidity,order_id,ts_exchange_us,trade_id', `0,buy,100.00,0.1,0,maker,1,${2549 * US},16`].join('\n') + '\n');
    for (const files of [[capture], [arrow]]) {
      const v = verifyFills(run, files);
      assert.deepEqual([v.trade_gaps, v.trades_missed, v.orders_in_trade_gaps, v.book_gaps], [1, 2, 1, 0], files[0]);
      assert.equal(v.violations_total, 0, JSON.stringify(v.examples));
    }
    const r = cli(['verify-fills', run, '--capture', capture]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { trade_gaps: number }).trade_gaps, 1);
    // A tick backtest of the event file meets the same jump: metrics.json and the summary line count it.
    const b = cli(['backtest', '--events', arrow, '--out', join(dir, 'bt'), '--order-qty', '0.01', '--json']);
    assert.equal(b.status, 0, b.stderr);
    const m = JSON.parse(readFileSync(join(dir, 'bt', 'metrics.json'), 'utf8')) as { trade_gaps: { count: number; trades_missed: number } };
    assert.deepEqual([m.trade_gaps.count, m.trade_gaps.trades_missed], [1, 2]);
    const line = JSON.parse(b.stdout.trim().split('\n').pop()!) as { trade_gaps?: number; trades_missed?: number };
    assert.deepEqual([line.trade_gaps, line.trades_missed], [1, 2]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('consecutive trade ids: no trade gap; the shared spot and USD-M captures have none', () => {
  for (const files of [sharedCaptureFiles(), sharedUsdmFiles()]) {
    const trades = loadTrades(files);
    assert.ok(trades.size > 19_000, `${files[0]}: ${trades.size} trades`);
    assert.deepEqual(tradeGapsOf(trades), [], files[0]);
  }
  const dir = mkdtempSync(join(tmpdir(), 'trade-gaps-'));
  try {
    const capture = join(dir, 'spot.gz');
    writeFileSync(capture, gzipSync(CAPTURE.map((l) => l.replace('"t":15', '"t":13').replace('"t":16', '"t":14')).join('\n') + '\n'));
    assert.deepEqual(tradeGapsOf(loadTrades([capture])), []);
    const c = cli(['convert', capture, '--out', join(dir, 'spot.arrow')]);
    assert.equal(c.status, 0, c.stderr);
    assert.deepEqual((JSON.parse(c.stdout) as { trade_gaps: number; trades_missed: number }).trade_gaps, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
