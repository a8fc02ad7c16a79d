// verify-fills and gaps in the depth stream, on hand-made captures: a fill computed from an unknown book is a violation, found without the simulator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { bookGapsOf, verifyFills } from '../../src/verify/index.js';
import { convertCaptureToArrow } from '../../src/data/index.js';

const MS = 1_000_000; // ns per ms
const US = 1000; // µs per ms

const depth = (ms: number, E: number, U: number, u: number, b: [string, string][]): string =>
  `${ms * MS} ${JSON.stringify({ stream: 'btcusdt@depth@100ms', data: { e: 'depthUpdate', E, s: 'BTCUSDT', U, u, b, a: [] } })}`;
const fdepth = (ms: number, E: number, U: number, u: number, pu: number, b: [string, string][]): string =>
  `${ms * MS} ${JSON.stringify({ stream: 'btcusdt@depth@0ms', data: { e: 'depthUpdate', E, T: E - 1, s: 'BTCUSDT', U, u, pu, b, a: [] } })}`;
/** A seller's trade (buyer is maker) logged at `ms`, its E one second later, its T 1 ms before E. */
const sell = (ms: number, t: number, p: string, q: string): string =>
  `${ms * MS} ${JSON.stringify({ stream: 'btcusdt@trade', data: { e: 'trade', E: ms + 1000, s: 'BTCUSDT', t, p, q, T: ms + 999, m: true, M: true } })}`;
const ticker = (ms: number, u: number): string => `${ms * MS} ${JSON.stringify({ stream: 'btcusdt@bookTicker', data: { u, s: 'BTCUSDT', b: '100.00', B: '1', a: '100.02', A: '1' } })}`;
const snapshot = (ms: number, id: number): string => `${ms * MS} ${JSON.stringify({ lastUpdateId: id, bids: [['100.00', '1.0']], asks: [['100.02', '1.0']] })}`;

/** A spot capture: the depth stream breaks at 1200 ms (U 108 after u 105), a snapshot at 1350 ms resyncs it. */
const SPOT = [
  snapshot(1000, 100),
  depth(1100, 2100, 101, 105, [['100.00', '2']]),
  sell(1150, 1, '100.00', '0.1'),
  depth(1200, 2200, 108, 110, [['100.00', '3']]),
  sell(1250, 2, '100.00', '0.1'),
  ticker(1260, 111),
  snapshot(1350, 112),
  depth(1400, 2400, 113, 115, [['100.00', '4']]),
  sell(1450, 3, '100.00', '0.1'),
];

function withFiles<T>(files: Record<string, string>, fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'verify-gap-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), name.endsWith('.gz') ? gzipSync(text) : text);
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the gap windows of raw captures, by the rules of each stream: spot U = u + 1, futures pu = u', () => {
  withFiles({ 'spot.gz': SPOT.join('\n') + '\n' }, (dir) => {
    const g = bookGapsOf([join(dir, 'spot.gz')]);
    // From the break's exchange time (2200 ms) to the resync snapshot's (local 1350 ms + the 1000 ms offset of
    // the last trade: 2350 ms); the bookTicker in between is stamped 2260 ms the same way.
    assert.deepEqual(g.windows.map((w) => [w.from / US, w.to / US, w.at.replace(dir, '')]), [[2200, 2350, '/spot.gz:4']]);
  });
  const usdm = [
    snapshot(1100, 100),
    fdepth(1200, 2200, 98, 104, 97, [['100.00', '2']]), // the first: U ≤ 100 ≤ u
    fdepth(1300, 2300, 109, 112, 104, [['100.00', '3']]), // ids skip, pu continues: no break
    fdepth(1400, 2400, 113, 120, 111, [['100.00', '4']]), // U = 112 + 1 but pu 111 ≠ 112: a break
  ];
  withFiles({ 'usdm.gz': usdm.join('\n') + '\n' }, (dir) => {
    const g = bookGapsOf([join(dir, 'usdm.gz')]);
    assert.equal(g.windows.length, 1);
    assert.equal(g.windows[0]!.from, 2399 * US, "the breaking message's T");
    assert.equal(g.windows[0]!.to, Number.POSITIVE_INFINITY, 'no snapshot after it');
    assert.ok(g.windows[0]!.at.endsWith('usdm.gz:4'));
  });
  // The same capture in spot form (no pu): U 109 after u 104 is a break, U 113 after 112 is not.
  const spotForm = usdm.map((l) => l.replace(/,"pu":\d+/, '').replace('depth@0ms', 'depth@100ms'));
  withFiles({ 'spot2.gz': spotForm.join('\n') + '\n' }, (dir) => {
    const g = bookGapsOf([join(dir, 'spot2.gz')]);
    assert.deepEqual(g.windows.map((w) => w.at.replace(dir, '')), ['/spot2.gz:3']);
  });
});

test('verify-fills: a maker fill on a trade printed in a gap and a taker fill whose order met the book in it are book_unknown; fills outside it pass', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'verify-gap-'));
  try {
    writeFileSync(join(dir, 'spot.gz'), gzipSync(SPOT.join('\n') + '\n'));
    const run = join(dir, 'run');
    // Trades print at T = 2149, 2249 and 2449 ms: the second inside the gap (2200, 2350].
    const orders = [
      'order_id,side,price,qty,sent_us,arrived_us,ended_us,end_reason,queue_ahead',
      `1,buy,100.00,1,${1990 * US},${2000 * US},,open,0`,
      `2,buy,100.02,0.5,${2290 * US},${2300 * US},${2300 * US},filled,`,
    ];
    const fills = [
      'ts,side,price,qty,fee,liquidity,order_id,ts_exchange_us,trade_id',
      `0,buy,100.00,0.05,0,maker,1,${2149 * US},1`,
      `0,buy,100.00,0.05,0,maker,1,${2249 * US},2`,
      `0,buy,100.00,0.05,0,maker,1,${2449 * US},3`,
      `0,buy,100.02,0.5,0,taker,2,${2300 * US},`,
    ];
    mkdirSync(run);
    writeFileSync(join(run, 'orders.csv'), orders.join('\n') + '\n');
    writeFileSync(join(run, 'fills.csv'), fills.join('\n') + '\n');
    const v = verifyFills(run, [join(dir, 'spot.gz')]);
    assert.equal(v.violations.book_unknown, 2, JSON.stringify(v.examples));
    assert.equal(v.violations_total, 2, JSON.stringify(v.examples));
    assert.deepEqual(v.examples.map((e) => [e.kind, e.order_id, e.trade_id]), [
      ['book_unknown', 1, 2],
      ['book_unknown', 2, null],
    ]);
    assert.match(v.examples[0]!.detail, /trade 2 printed at 2249000 µs while the book was unknown: the depth stream broke at .*spot\.gz:4 and no snapshot resynced it before 2350000 µs/);
    assert.equal(v.book_gaps, 1);
    assert.equal(v.book_gap_seconds, 0.15);
    // The converted file states the same gap by its rows: the same verdict from the event file alone.
    const arrow = join(dir, 'spot.arrow');
    await convertCaptureToArrow([join(dir, 'spot.gz')], arrow);
    const g = bookGapsOf([arrow]);
    assert.deepEqual(g.windows.map((w) => [w.from / US, w.to / US]), [[2200, 2350]]);
    const fromFile = verifyFills(run, [arrow]);
    assert.equal(fromFile.violations.book_unknown, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
