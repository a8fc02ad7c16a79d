// Event store: Arrow files round-trip exactly, stream by batch, and fail clearly when truncated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allocEvents, EventFlag, EventType, type EventColumns } from '../market/index.js';
import { UserError } from '../core/index.js';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { EventFileWriter, iterateEventBatches, readEventFile, readEventMeta, readEvents, writeEvents } from './event-store.js';

function sample(n: number): EventColumns {
  const c = allocEvents(n);
  for (let i = 0; i < n; i++) {
    c.type[i] = (i % 4) + 1;
    c.side[i] = i % 2 === 0 ? 1 : -1;
    c.flags[i] = i % 3 === 0 ? EventFlag.EndOfMessage : 0;
    c.tsExchange[i] = 1_723_161_255_208_000 + i * 1000;
    c.tsLocal[i] = 1_723_161_253_937_085.768 + i;
    c.publishDelay[i] = (i % 5) * 1000;
    c.price[i] = 61837.63 + (i % 100) * 0.01;
    c.size[i] = (i % 7) * 0.00001;
    c.id[i] = 50093239189 + i;
  }
  c.length = n;
  return c;
}

function assertSame(a: EventColumns, b: EventColumns, offset = 0, o: { noPublishDelay?: boolean } = {}): void {
  for (const k of ['type', 'side', 'flags', 'tsExchange', 'tsLocal', 'price', 'size', 'id'] as const) {
    assert.deepEqual(Array.from(b[k].subarray(0, b.length)), Array.from(a[k].subarray(offset, offset + b.length)), k);
  }
  // A file without the column (format 2 and older, other writers): published at exchange time.
  const want = o.noPublishDelay === true ? new Array<number>(b.length).fill(0) : Array.from(a.publishDelay.subarray(offset, offset + b.length));
  assert.deepEqual(Array.from(b.publishDelay.subarray(0, b.length)), want, 'publishDelay');
}

test('writeEvents/readEvents round-trip every column exactly, with metadata', () => {
  const dir = mkdtempSync(join(tmpdir(), 'evs-'));
  try {
    const c = sample(1001);
    const p = join(dir, 'a.arrow');
    writeEvents(p, c, { meta: { venue: 'binance', symbol: 'BTC/USDT' } });
    const f = readEventFile(p);
    assert.equal(f.events.length, 1001);
    for (const k of ['type', 'side', 'price', 'id'] as const) assert.equal(f.events[k].length, 1001, `${k} has exactly length rows`);
    assertSame(c, f.events);
    assert.equal(f.meta['symbol'], 'BTC/USDT');
    assert.equal(f.meta['marketmakerl.format'], 'marketmakerl.events/3');
    assert.equal(readEventMeta(p)['venue'], 'binance');
    assert.deepEqual(readdirSync(dir), ['a.arrow'], 'no temp file left behind');
    assert.ok(readFileSync(p).subarray(0, 6).toString() === 'ARROW1');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('multi-batch files read whole and stream batch by batch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'evs-'));
  try {
    const c = sample(2503);
    const p = join(dir, 'b.arrow');
    const w = new EventFileWriter(p, { batchRows: 1000 });
    w.append(c, 0, 10);
    w.append(c, 10, 2503);
    w.close();
    const f = readEventFile(p);
    assert.equal(f.batches, 3);
    assertSame(c, f.events);
    const sizes: number[] = [];
    let at = 0;
    for (const b of iterateEventBatches(p)) {
      sizes.push(b.length);
      assertSame(c, b, at);
      at += b.length;
    }
    assert.deepEqual(sizes, [1000, 1000, 503]);
    for (const b of iterateEventBatches(p)) assert.equal(b.type.length, b.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('files from Arrow\'s own writers (file and stream format) read too; without a publishDelay column it reads 0', () => {
  const dir = mkdtempSync(join(tmpdir(), 'evs-'));
  try {
    const c = sample(300);
    const table = tableFromArrays({
      type: c.type, side: c.side, flags: c.flags, tsExchange: c.tsExchange, tsLocal: c.tsLocal, price: c.price, size: c.size, id: c.id, note: Int32Array.from({ length: 300 }, (_, i) => i),
    });
    for (const format of ['file', 'stream'] as const) {
      const p = join(dir, `${format}.arrow`);
      writeFileSync(p, tableToIPC(table, format));
      assertSame(c, readEvents(p), 0, { noPublishDelay: true });
      const streamed = [...iterateEventBatches(p)];
      assert.equal(streamed.reduce((n, b) => n + b.length, 0), 300);
      let at = 0;
      for (const b of streamed) (assertSame(c, b, at, { noPublishDelay: true }), (at += b.length));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('empty file, aborted writer and truncated file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'evs-'));
  try {
    const p = join(dir, 'e.arrow');
    writeEvents(p, allocEvents(0));
    assert.equal(readEvents(p).length, 0);
    assert.deepEqual([...iterateEventBatches(p)].length, 0);

    const w = new EventFileWriter(join(dir, 'x.arrow'));
    w.append(sample(10));
    w.abort();
    assert.deepEqual(readdirSync(dir), ['e.arrow']);

    const q = join(dir, 't.arrow');
    writeEvents(q, sample(5000), { batchRows: 1000 });
    const bytes = readFileSync(q);
    writeFileSync(q, bytes.subarray(0, Math.floor(bytes.length / 2)));
    assert.throws(() => readEvents(q), UserError);
    assert.throws(() => [...iterateEventBatches(q)], UserError);
    assert.throws(() => readEvents(join(dir, 'missing.arrow')), UserError);
    assert.equal(EventType.Trade, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('format 3: gap rows and publication delays round-trip; a format-1 file reads as before; a file of a newer format is refused by name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'evs-'));
  try {
    const c = sample(40);
    // A gap row: no side, price or size; the id is the last update id applied.
    c.type[20] = EventType.Gap;
    c.side[20] = 0;
    c.price[20] = 0;
    c.size[20] = 0;
    c.flags[20] = EventFlag.EndOfMessage;
    const p = join(dir, 'g.arrow');
    writeEvents(p, c, { batchRows: 16 });
    assertSame(c, readEvents(p));
    let at = 0;
    for (const b of iterateEventBatches(p)) (assertSame(c, b, at), (at += b.length));
    const bytes = readFileSync(p);
    const as = (version: string): Buffer => Buffer.from(bytes.toString('latin1').replaceAll('marketmakerl.events/3', `marketmakerl.events/${version}`), 'latin1');
    // Format 1 (files written before gap rows): read by their rows.
    const one = join(dir, 'one.arrow');
    writeEvents(one, sample(30));
    writeFileSync(one, Buffer.from(readFileSync(one).toString('latin1').replaceAll('marketmakerl.events/3', 'marketmakerl.events/1'), 'latin1'));
    assert.equal(readEventMeta(one)['marketmakerl.format'], 'marketmakerl.events/1');
    assertSame(sample(30), readEvents(one));
    // A newer format: refused, whole and streamed, in one line naming it.
    const four = join(dir, 'four.arrow');
    writeFileSync(four, as('4'));
    const newer = (e: unknown): boolean => e instanceof UserError && /four\.arrow: event file format marketmakerl\.events\/4 was written by a newer marketmakerl; this version reads marketmakerl\.events\/1 to \/3/.test(e.message);
    assert.throws(() => readEvents(four), newer);
    assert.throws(() => [...iterateEventBatches(four)], newer);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
