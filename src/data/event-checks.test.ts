// Event files are checked as they are read: every kind of bad row is refused with its number, in whole reads and in batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../core/index.js';
import { allocEvents, EventType, type EventColumns } from '../market/index.js';
import { EVENT_TIME_TOLERANCE, checkEventRows, eventCheck } from './event-checks.js';
import { iterateEventBatches, readEvents, writeEvents } from './event-store.js';

function rows(n: number): EventColumns {
  const e = allocEvents(n);
  for (let i = 0; i < n; i++) {
    e.type[i] = i % 3 === 2 ? EventType.Trade : EventType.Delta;
    e.side[i] = i % 2 === 0 ? 1 : -1;
    e.tsExchange[i] = 1e15 + i * 1000 - (i % 5) * 50_000; // exchange times that wobble, as they do across streams
    e.tsLocal[i] = 1e15 + i * 1000 + 3_000;
    e.price[i] = 100 + (i % 7) * 0.01;
    e.size[i] = i % 3 === 2 ? 0.5 : i % 4; // level removals (0) are fine
    e.id[i] = i;
  }
  e.length = n;
  return e;
}

const refused = (fn: () => unknown, re: RegExp): void => assert.throws(fn, (e: unknown) => e instanceof UserError && e.exitCode === 2 && re.test(e.message));

test('each bad row is named: type, side, price, size, times, local time going back', () => {
  const cases: [(e: EventColumns) => void, RegExp][] = [
    [(e) => (e.type[7] = 0), /^f: row 8: type 0 is not an event type/],
    [(e) => (e.side[7] = 0), /^f: row 8: side 0 is not \+1 or -1$/],
    [(e) => (e.price[7] = Number.NaN), /^f: row 8: price NaN is not a finite positive number$/],
    [(e) => (e.price[7] = -1), /^f: row 8: price -1 /],
    [(e) => (e.price[7] = 0), /^f: row 8: price 0 /],
    [(e) => (e.price[7] = Number.POSITIVE_INFINITY), /^f: row 8: price Infinity /],
    [(e) => (e.size[7] = -0.5), /^f: row 8: size -0.5 is not a finite number ≥ 0$/],
    [(e) => (e.size[7] = Number.NaN), /^f: row 8: size NaN /],
    [(e) => (e.tsLocal[7] = Number.NaN), /^f: row 8: local time NaN /],
    [(e) => (e.tsExchange[7] = Number.NEGATIVE_INFINITY), /^f: row 8: exchange time -Infinity /],
    [(e) => (e.tsLocal[7] = e.tsLocal[6]! - EVENT_TIME_TOLERANCE.localMicros - 1), /^f: row 8: local time goes back 1\.00\d s \(more than the 1 s tolerated\)$/],
  ];
  for (const [mutate, re] of cases) {
    const e = rows(20);
    mutate(e);
    refused(() => checkEventRows(e, eventCheck('f')), re);
  }
  checkEventRows(rows(20), eventCheck('f'));
  // Within tolerance: a local clock step back of half a second is accepted.
  const e = rows(20);
  e.tsLocal[9] = e.tsLocal[8]! - 500_000;
  checkEventRows(e, eventCheck('f'));
});

test('reading a file: the whole file and batch by batch refuse the same row, numbered across batches', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'mm-ev-')), 'bad.arrow');
  const e = rows(10_000);
  e.price[7_500] = Number.NaN;
  writeEvents(path, e, { batchRows: 1_000 });
  refused(() => readEvents(path), /bad\.arrow: row 7501: price NaN/);
  refused(() => {
    for (const b of iterateEventBatches(path)) void b;
  }, /bad\.arrow: row 7501: price NaN/);
  // Times are carried across batches: a step back at a batch boundary is seen.
  const back = rows(3_000);
  for (let i = 2_000; i < 3_000; i++) back.tsLocal[i]! -= 10_000_000_000;
  const p2 = join(mkdtempSync(join(tmpdir(), 'mm-ev-')), 'back.arrow');
  writeEvents(p2, back, { batchRows: 1_000 });
  refused(() => {
    for (const b of iterateEventBatches(p2)) void b;
  }, /back\.arrow: row 2001: local time goes back/);
});

test('a gap row (type 5: side, price and size 0) passes; one with a side, price or size is refused by its row', () => {
  const gapAt = (e: EventColumns, i: number): void => {
    e.type[i] = EventType.Gap;
    e.side[i] = 0;
    e.price[i] = 0;
    e.size[i] = 0;
  };
  const ok = rows(20);
  gapAt(ok, 7);
  checkEventRows(ok, eventCheck('f'));
  const cases: [(e: EventColumns) => void, RegExp][] = [
    [(e) => (e.side[7] = 1), /^f: row 8: a gap row has side, price and size 0, got 1, 0, 0$/],
    [(e) => (e.price[7] = 100), /^f: row 8: a gap row has side, price and size 0, got 0, 100, 0$/],
    [(e) => (e.tsLocal[7] = Number.NaN), /^f: row 8: local time NaN /],
    [(e) => (e.type[7] = 6), /^f: row 8: type 6 is not an event type \(1 snapshot, 2 delta, 3 trade, 4 BBO, 5 gap\)$/],
  ];
  for (const [mutate, re] of cases) {
    const e = rows(20);
    gapAt(e, 7);
    mutate(e);
    refused(() => checkEventRows(e, eventCheck('f')), re);
  }
});
