// Capture conversion rules on small hand-made captures: sync, gaps, trade sides, BBO rows, bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { EventFlag, EventType } from '../market/index.js';
import { UserError } from '../core/index.js';
import { convertCaptureToArrow, loadCaptureSync } from './capture-convert.js';
import { readEventFile } from './event-store.js';

const depth = (ns: number, E: number, U: number, u: number, b: [string, string][], a: [string, string][]): string =>
  `${ns} ${JSON.stringify({ stream: 'btcusdt@depth@100ms', data: { e: 'depthUpdate', E, s: 'BTCUSDT', U, u, b, a } })}`;
const trade = (ns: number, t: number, p: string, q: string, m: boolean): string =>
  `${ns} ${JSON.stringify({ stream: 'btcusdt@trade', data: { e: 'trade', E: ns / 1e6 + 1000, s: 'BTCUSDT', t, p, q, T: ns / 1e6 + 999, m, M: true } })}`;
const ticker = (ns: number, u: number, b: string, B: string, a: string, A: string): string =>
  `${ns} ${JSON.stringify({ stream: 'btcusdt@bookTicker', data: { u, s: 'BTCUSDT', b, B, a, A } })}`;
const snapshot = (ns: number, id: number): string =>
  `${ns} ${JSON.stringify({ lastUpdateId: id, bids: [['100.00', '1.0'], ['99.00', '2.0']], asks: [['101.00', '1.5'], ['102.00', '3.0']] })}`;

const MS = 1_000_000; // ns per ms

function withCapture<T>(lines: string[], fn: (path: string, dir: string) => T, gzip = true): T {
  const dir = mkdtempSync(join(tmpdir(), 'cap-'));
  try {
    const path = join(dir, gzip ? 'c.gz' : 'c.txt');
    const text = lines.join('\n') + '\n';
    writeFileSync(path, gzip ? gzipSync(text) : text);
    return fn(path, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('diffs before the snapshot are buffered, stale ones dropped, the covering one applied after it', () => {
  const lines = [
    depth(1000 * MS, 2000, 10, 20, [['100.00', '0.5']], []), // u <= 20: stale
    depth(1100 * MS, 2100, 21, 25, [['99.50', '1.0']], [['101.00', '0']]), // covers 23
    snapshot(1150 * MS, 22),
    depth(1200 * MS, 2200, 26, 30, [], [['103.00', '4']]),
  ];
  const { events: e, report } = withCapture(lines, (p) => loadCaptureSync([p]));
  assert.equal(report.gaps.length, 0);
  assert.equal(report.staleDiffs, 1);
  assert.deepEqual(Array.from(e.type), [1, 1, 1, 1, 2, 2, 2]);
  assert.deepEqual(Array.from(e.flags), [EventFlag.SnapshotStart, 0, 0, EventFlag.EndOfMessage, 0, EventFlag.EndOfMessage, EventFlag.EndOfMessage]);
  assert.deepEqual(Array.from(e.side), [1, 1, -1, -1, 1, -1, -1]);
  assert.deepEqual(Array.from(e.id), [22, 22, 22, 22, 25, 25, 30]);
  assert.deepEqual(Array.from(e.price), [100, 99, 101, 102, 99.5, 101, 103]);
  assert.deepEqual(Array.from(e.size), [1, 2, 1.5, 3, 1, 0, 4]);
  // Buffered diff: applied at the snapshot's arrival; exchange time kept.
  assert.equal(e.tsLocal[4], 1150 * 1000);
  assert.equal(e.tsExchange[4], 2100 * 1000);
  // Snapshot has no exchange time: local + the latest exchange−local offset (2100 − 1100 ms).
  assert.equal(e.tsExchange[0], (1150 + 1000) * 1000);
  assert.equal(e.tsLocal[6], 1200 * 1000);
});

test('a sequence gap is reported and nothing is applied until a later snapshot resyncs', () => {
  const lines = [
    snapshot(1000 * MS, 100),
    depth(1100 * MS, 2100, 101, 105, [['100.00', '2']], []),
    depth(1200 * MS, 2200, 108, 110, [['100.00', '3']], []), // gap: expected 106
    depth(1300 * MS, 2300, 111, 115, [['100.00', '4']], []),
    snapshot(1350 * MS, 112),
    depth(1400 * MS, 2400, 116, 118, [['100.00', '5']], []),
  ];
  const { events: e, report } = withCapture(lines, (p) => loadCaptureSync([p]));
  assert.equal(report.gaps.length, 1);
  assert.deepEqual({ ...report.gaps[0], file: undefined }, { kind: 'sequence', file: undefined, line: 3, tsLocal: 1200 * 1000, expected: 106, got: 108 });
  const deltas = [...e.type.keys()].filter((i) => e.type[i] === EventType.Delta).map((i) => [e.id[i], e.size[i]]);
  // 105 applied; 110 (gap) not; after the snapshot at 112, the buffered 111–115 covers 113; then 116–118.
  assert.deepEqual(deltas, [[105, 2], [115, 4], [118, 5]]);
  assert.equal(report.messages.snapshot, 2);
});

test('trades: aggressor side from m, trade-id gaps reported, duplicates dropped; bookTicker gives two BBO rows', () => {
  const lines = [
    depth(999 * MS, 1999, 1, 2, [], []),
    trade(1000 * MS, 7, '100.50', '0.25', true),
    trade(1001 * MS, 8, '100.60', '0.10', false),
    trade(1002 * MS, 8, '100.60', '0.10', false),
    trade(1003 * MS, 11, '100.70', '0.30', false),
    ticker(1004 * MS, 55, '100.00', '1.25', '100.01', '0.5'),
  ];
  const { events: e, report } = withCapture(lines, (p) => loadCaptureSync([p]), false);
  assert.deepEqual(Array.from(e.type), [3, 3, 3, 4, 4]);
  assert.deepEqual(Array.from(e.side), [-1, 1, 1, 1, -1]);
  assert.deepEqual(Array.from(e.id), [7, 8, 11, 55, 55]);
  assert.deepEqual(Array.from(e.flags), [1, 1, 1, 0, EventFlag.EndOfMessage]);
  assert.equal(e.tsExchange[0], (1000 + 999) * 1000, 'trade time T');
  assert.equal(report.duplicateTrades, 1);
  assert.deepEqual(report.gaps.map((g) => [g.kind, g.expected, g.got]), [['trade', 9, 11]]);
  assert.deepEqual([e.price[3], e.size[3], e.price[4], e.size[4]], [100, 1.25, 100.01, 0.5]);
  assert.equal(report.unappliedDiffs, 1, 'a diff with no snapshot is never applied');
});

test('bad captures are one clear UserError naming the file and line', () => {
  withCapture([snapshot(1 * MS, 1), '12345 {"stream":"x","data":{"e":"trade","t":1,"p":"1.0"'], (p) => {
    assert.throws(() => loadCaptureSync([p]), (e: unknown) => e instanceof UserError && /c\.txt:2: malformed or truncated/.test(e.message));
  }, false);
  withCapture(['not a capture line'], (p) => {
    assert.throws(() => loadCaptureSync([p]), (e: unknown) => e instanceof UserError && /:1:/.test(e.message));
  }, false);
  withCapture([trade(1000 * MS, 1, '1.0', '1.0', true), `${1001 * MS} ${JSON.stringify({ stream: 'ethusdt@trade', data: { e: 'trade', E: 1, s: 'ETHUSDT', t: 1, p: '1', q: '1', T: 1, m: true } })}`], (p) => {
    assert.throws(() => loadCaptureSync([p]), /mixes symbols BTCUSDT and ETHUSDT/);
    assert.equal(loadCaptureSync([p], { symbol: 'ETHUSDT' }).events.length, 1);
  }, false);
  const dir = mkdtempSync(join(tmpdir(), 'cap-'));
  try {
    const gz = gzipSync(Array.from({ length: 2000 }, (_, i) => trade((1000 + i) * MS, i + 1, '1.0', '1.0', true)).join('\n'));
    const p = join(dir, 'cut.gz');
    writeFileSync(p, gz.subarray(0, gz.length - 20));
    assert.throws(() => loadCaptureSync([p]), /truncated or corrupt gzip/);
    return assert.rejects(convertCaptureToArrow([p], join(dir, 'out.arrow')), /truncated or corrupt gzip/);
  } finally {
    setTimeout(() => rmSync(dir, { recursive: true, force: true }), 200);
  }
});

test('convertCaptureToArrow streams to an Arrow file with the symbol in its metadata', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cap-'));
  try {
    const p = join(dir, 'c.gz');
    writeFileSync(p, gzipSync([snapshot(1000 * MS, 5), trade(1001 * MS, 1, '100.00', '1', false), depth(1002 * MS, 2002, 6, 6, [['100.00', '0']], [])].join('\n')));
    const out = join(dir, 'o.arrow');
    const report = await convertCaptureToArrow([p], out);
    const f = readEventFile(out);
    assert.equal(f.events.length, report.rows);
    assert.equal(f.meta['symbol'], 'BTCUSDT');
    assert.deepEqual(Array.from(f.events.type), [1, 1, 1, 1, 3, 2]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const fdepth = (ns: number, E: number, U: number, u: number, pu: number, b: [string, string][], a: [string, string][]): string =>
  `${ns} ${JSON.stringify({ stream: 'btcusdt@depth@0ms', data: { e: 'depthUpdate', E, T: E - 1, s: 'BTCUSDT', U, u, pu, b, a } })}`;

test('futures diffs (pu): stale only when u < lastUpdateId, the first covers U ≤ lastUpdateId ≤ u, then pu = previous u; a break is a gap', () => {
  const lines = [
    fdepth(1000 * MS, 2000, 80, 90, 70, [['100.00', '0.5']], []), // u < 100: stale
    fdepth(1050 * MS, 2050, 95, 100, 90, [['99.50', '1.0']], []), // u = lastUpdateId: kept by the futures rule (spot drops it)
    snapshot(1100 * MS, 100),
    fdepth(1200 * MS, 2200, 104, 109, 100, [], [['103.00', '4']]), // ids skip (futures ids are not contiguous): pu continues
    fdepth(1300 * MS, 2300, 115, 120, 112, [['98.00', '1']], []), // pu 112 ≠ 109: a sequence gap
    fdepth(1400 * MS, 2400, 121, 125, 120, [['97.00', '1']], []), // continues the lost one: not applied either (no book)
  ];
  const { events: e, report } = withCapture(lines, (p) => loadCaptureSync([p]));
  assert.equal(report.staleDiffs, 1);
  assert.deepEqual(report.gaps.map((g) => [g.kind, g.line, g.expected, g.got]), [['sequence', 5, 109, 112]]);
  assert.equal(report.unappliedDiffs, 2);
  const deltas = Array.from(e.id).filter((_, i) => e.type[i] === EventType.Delta);
  assert.deepEqual(deltas, [100, 109]);
  // The same first diff without pu follows spot's rule: u ≤ lastUpdateId is stale.
  const spot = withCapture([depth(1050 * MS, 2050, 95, 100, [['99.50', '1.0']], []), snapshot(1100 * MS, 100), depth(1200 * MS, 2200, 101, 109, [], [['103.00', '4']])], (p) => loadCaptureSync([p]));
  assert.equal(spot.report.staleDiffs, 1);
  assert.equal(spot.report.gaps.length, 0);
  // A futures diff that starts after the snapshot without continuing it cannot be the first: a sync gap.
  const late = withCapture([snapshot(1100 * MS, 100), fdepth(1200 * MS, 2200, 104, 109, 102, [], [['103.00', '4']])], (p) => loadCaptureSync([p]));
  assert.deepEqual(late.report.gaps.map((g) => [g.kind, g.expected, g.got]), [['sync', 100, 104]]);
});

test('the local time: nanoseconds to µs by dropping the last three digits, whatever its length; a non-digit anywhere in it refused', () => {
  const body = JSON.stringify({ stream: 'btcusdt@bookTicker', data: { u: 7, s: 'BTCUSDT', b: '100.5', B: '1', a: '101', A: '2' } });
  // 19 digits (every line of today's captures, read eight digits at a time), 18 and 20 digits (read one by one).
  for (const [ns, us] of [
    ['1723161254087891268', 1723161254087891],
    ['9007199254740991999', 9007199254740991],
    ['172316125408789126', 172316125408789],
    ['01723161254087891268', 1723161254087891],
  ] as const) {
    withCapture([`${ns} ${body}`], (p) => {
      const { events } = loadCaptureSync([p]);
      assert.equal(events.length, 2);
      assert.equal(events.tsLocal[0], us, ns);
    }, false);
  }
  // Beyond 2^53 µs a double would round it: refused, not rounded.
  withCapture([`9007199254740993000 ${body}`], (p) => assert.throws(() => loadCaptureSync([p]), /:1: malformed or truncated capture line \(local time is not an integer/), false);
  for (let i = 0; i < 19; i++) {
    const ns = '1723161254087891268'.slice(0, i) + 'x' + '1723161254087891268'.slice(i + 1);
    withCapture([`${ns} ${body}`], (p) => {
      assert.throws(() => loadCaptureSync([p]), (e: unknown) => e instanceof UserError && /c\.txt:1: malformed or truncated capture line \(local time is not an integer/.test(e.message), ns);
    }, false);
  }
});

/** Rows of a converted capture as [type, side, flags, tsExchange, tsLocal, price, size, id] (tests read them whole). */
const rowsOf = (e: ReturnType<typeof loadCaptureSync>['events']): number[][] =>
  Array.from({ length: e.length }, (_, i) => [e.type[i]!, e.side[i]!, e.flags[i]!, e.tsExchange[i]!, e.tsLocal[i]!, e.price[i]!, e.size[i]!, e.id[i]!]);

test('a spot break is a gap row in the file at the breaking message (the book unknown), and the next snapshot is the resync', async () => {
  const lines = [
    snapshot(1000 * MS, 100),
    depth(1100 * MS, 2100, 101, 105, [['100.00', '2']], []),
    trade(1150 * MS, 1, '100.00', '0.1', true),
    depth(1200 * MS, 2200, 108, 110, [['100.00', '3']], []), // U 108 ≠ 105 + 1: the break
    trade(1250 * MS, 2, '100.00', '0.1', true),
    depth(1300 * MS, 2300, 111, 115, [['100.00', '4']], []),
    snapshot(1350 * MS, 112),
    depth(1400 * MS, 2400, 116, 118, [['100.00', '5']], []),
  ];
  const { events: e, report } = withCapture(lines, (p) => loadCaptureSync([p]));
  const gaps = [...e.type.keys()].filter((i) => e.type[i] === EventType.Gap);
  assert.equal(gaps.length, 1, 'one gap row');
  const g = gaps[0]!;
  // At the breaking message's times; the book was known up to update id 105.
  assert.deepEqual(rowsOf(e)[g], [EventType.Gap, 0, EventFlag.EndOfMessage, 2200 * 1000, 1200 * 1000, 0, 0, 105]);
  // In arrival order: after the first trade, before the second; nothing of the book until the snapshot that follows.
  assert.deepEqual(Array.from(e.type.subarray(g - 2, g + 3)), [EventType.Delta, EventType.Trade, EventType.Gap, EventType.Trade, EventType.Snapshot]);
  assert.equal(e.flags[g + 2]! & EventFlag.SnapshotStart, EventFlag.SnapshotStart, 'the resync: a whole snapshot');
  assert.equal(report.resyncs, 1);
  assert.equal(report.redundantSnapshots, 0);
  // Through the Arrow file: format 2, the gap row read back as written.
  const dir = mkdtempSync(join(tmpdir(), 'cap-'));
  try {
    const p = join(dir, 'c.gz');
    writeFileSync(p, gzipSync(lines.join('\n')));
    await convertCaptureToArrow([p], join(dir, 'o.arrow'));
    const f = readEventFile(join(dir, 'o.arrow'));
    assert.equal(f.meta['marketmakerl.format'], 'marketmakerl.events/3');
    assert.equal(f.meta['converter_version'], '4');
    assert.deepEqual(rowsOf(f.events), rowsOf(e));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('futures: a break is pu ≠ the previous u, whatever U says; spot-style continuity (U = u + 1) with a wrong pu is a gap row, skipped ids with the right pu are not', () => {
  const lines = [
    snapshot(1100 * MS, 100),
    fdepth(1200 * MS, 2200, 98, 104, 97, [], [['103.00', '4']]), // the first: U ≤ 100 ≤ u
    fdepth(1300 * MS, 2300, 109, 112, 104, [['98.00', '1']], []), // ids skip, pu continues: applied
    fdepth(1400 * MS, 2400, 113, 120, 111, [['97.00', '1']], []), // U = 112 + 1 (spot would go on) but pu 111 ≠ 112: a break
  ];
  const { events: e, report } = withCapture(lines, (p) => loadCaptureSync([p]));
  assert.deepEqual(report.gaps.map((g) => [g.kind, g.expected, g.got]), [['sequence', 112, 111]]);
  const r = rowsOf(e);
  assert.deepEqual(r.map((x) => x[0]), [1, 1, 1, 1, 2, 2, EventType.Gap]);
  // Futures messages carry T: the gap row's exchange time is the breaking message's T (E − 1 here).
  assert.deepEqual(r[6], [EventType.Gap, 0, EventFlag.EndOfMessage, 2399 * 1000, 1400 * 1000, 0, 0, 112]);
  assert.equal(report.resyncs, 0, 'no snapshot follows: the gap lasts to the end of the capture');
});

test('a snapshot whose first diff does not cover it (a sync break) is followed by a gap row; a later snapshot resyncs', () => {
  const lines = [
    snapshot(1000 * MS, 100),
    depth(1100 * MS, 2100, 103, 105, [['100.00', '2']], []), // must cover 101: it does not
    depth(1200 * MS, 2200, 106, 110, [['100.00', '3']], []),
    snapshot(1300 * MS, 108),
    depth(1400 * MS, 2400, 111, 111, [['100.00', '5']], []),
  ];
  const { events: e, report } = withCapture(lines, (p) => loadCaptureSync([p]));
  assert.deepEqual(report.gaps.map((g) => [g.kind, g.expected, g.got]), [['sync', 101, 103]]);
  const types = Array.from(e.type);
  // snapshot, gap, snapshot (resync), the buffered diff covering 109, then 111.
  assert.deepEqual(types, [1, 1, 1, 1, EventType.Gap, 1, 1, 1, 1, 2, 2]);
  assert.equal(e.id[4], 100);
  assert.equal(report.resyncs, 1);
});

test("futures bookTicker rows are stamped with the transaction time T, as the depth message of the same update: the exchange's publication time E can be tens of ms later", () => {
  // The shared USD-M capture at 2024-08-08 23:58:39.672: a sweep of the asks; the depth message and the
  // bookTicker of update 5123128533400 both carry T = …672 and E = …732 (published 60 ms later).
  const T = 1_723_161_519_672;
  const E = T + 60;
  const fticker = (ns: number, u: number, b: string, a: string): string =>
    `${ns} ${JSON.stringify({ stream: 'btcusdt@bookTicker', data: { e: 'bookTicker', u, s: 'BTCUSDT', b, B: '1.476', a, A: '0.721', T, E } })}`;
  const lines = [
    snapshot(1000 * MS, 100),
    fdepth(1100 * MS, 2000, 95, 105, 90, [], []),
    fticker(1200 * MS, 110, '100.00', '101.00'),
    `${1300 * MS} ${JSON.stringify({ stream: 'btcusdt@depth@0ms', data: { e: 'depthUpdate', E, T, s: 'BTCUSDT', U: 106, u: 110, pu: 105, b: [], a: [['101.00', '0.721']] } })}`,
  ];
  const { events: e } = withCapture(lines, (p) => loadCaptureSync([p]));
  const rows = Array.from({ length: e.length }, (_, i) => [e.type[i], e.tsExchange[i]] as const);
  const bbo = rows.filter(([t]) => t === EventType.Bbo).map(([, ts]) => ts);
  const diff = rows.filter(([t]) => t === EventType.Delta).map(([, ts]) => ts);
  assert.deepEqual(bbo, [T * 1000, T * 1000], 'the bookTicker at its T');
  assert.equal(diff.at(-1), T * 1000, 'the depth message of the same update at its T');
});

test('each row keeps its publication delay E − T: futures depth, bookTicker and trades, spot trades; 0 without both (spot depth and bookTicker, REST snapshots); through the Arrow file too', async () => {
  // Futures messages of the shared USD-M capture's kind: the matching engine's transaction time T, and Binance's
  // event time E, when it published the message (here 37, 60 and 2 ms later).
  const T = 1_723_161_519_672;
  const futures = [
    snapshot(1000 * MS, 100),
    fdepth(1100 * MS, 2000, 95, 105, 90, [], []),
    `${1200 * MS} ${JSON.stringify({ stream: 'btcusdt@depth@0ms', data: { e: 'depthUpdate', E: T + 37, T, s: 'BTCUSDT', U: 106, u: 110, pu: 105, b: [['100.00', '0.5']], a: [] } })}`,
    `${1300 * MS} ${JSON.stringify({ stream: 'btcusdt@bookTicker', data: { e: 'bookTicker', u: 110, s: 'BTCUSDT', b: '100.00', B: '0.5', a: '101.00', A: '1.5', T, E: T + 60 } })}`,
    `${1400 * MS} ${JSON.stringify({ stream: 'btcusdt@trade', data: { e: 'trade', E: T + 2, T, s: 'BTCUSDT', t: 7, p: '100.00', q: '0.1', X: 'MARKET', m: true } })}`,
  ];
  for (const compactFastPath of [true, false]) {
    const { events: e } = withCapture(futures, (p) => loadCaptureSync([p], { compactFastPath }));
    const by = (type: number): [number, number][] => Array.from({ length: e.length }, (_, i) => i).filter((i) => e.type[i] === type).map((i) => [e.tsExchange[i]!, e.publishDelay[i]!]);
    assert.deepEqual(by(EventType.Delta), [[T * 1000, 37_000]], 'the depth message: exchange time T, published at E');
    assert.deepEqual(by(EventType.Bbo), [[T * 1000, 60_000], [T * 1000, 60_000]], 'the bookTicker: T, published at E');
    assert.deepEqual(by(EventType.Trade), [[T * 1000, 2000]], 'the trade: T, published at E');
    assert.ok(by(EventType.Snapshot).every(([, d]) => d === 0), 'the REST snapshot (no T): 0');
  }
  // Spot: depth and bookTicker carry no T (0); a trade carries T and E (here E = T + 1 ms).
  const spot = [snapshot(1000 * MS, 100), depth(1100 * MS, 2000, 101, 102, [['100.00', '0.7']], []), ticker(1200 * MS, 102, '100.00', '0.7', '101.00', '1.5'), trade(1300 * MS, 1, '100.00', '0.1', false)];
  const { events: s } = withCapture(spot, (p) => loadCaptureSync([p]));
  const delays = Array.from({ length: s.length }, (_, i) => [s.type[i], s.publishDelay[i]]);
  assert.deepEqual(delays.filter(([t]) => t === EventType.Trade), [[EventType.Trade, 1000]]);
  assert.ok(delays.filter(([t]) => t !== EventType.Trade).every(([, d]) => d === 0));
  // Written to and read back from the event file.
  const dir = mkdtempSync(join(tmpdir(), 'cap-'));
  try {
    const p = join(dir, 'f.gz');
    writeFileSync(p, gzipSync(futures.join('\n')));
    await convertCaptureToArrow([p], join(dir, 'f.arrow'));
    const f = readEventFile(join(dir, 'f.arrow'));
    const { events: e } = withCapture(futures, (q) => loadCaptureSync([q]));
    assert.deepEqual(Array.from(f.events.publishDelay), Array.from(e.publishDelay));
    assert.ok(f.events.publishDelay.some((d) => d === 60_000));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
