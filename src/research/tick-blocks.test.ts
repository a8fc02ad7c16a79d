// Tick blocks on hand-made events: end-aligned spans, cuts at message boundaries, opening books from the prefix only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../core/index.js';
import { EventType, L2Book, eventRows } from '../market/index.js';
import { EventBuilder } from '../../test/fixtures/tick-events.js';
import { planTickBlocks } from './tick-blocks.js';
import { fromSharedEvents } from './shared-events.js';
import { DEFAULT_LADDER_TICKS } from '../sim/index.js';

const S = 1_000_000; // µs per second
const FLAGS = { train: '--train-minutes', test: '--test-minutes', events: '--events' };

/** 10 s of a market: a snapshot, then every second a two-level diff and a trade. */
function market(): EventBuilder {
  const b = new EventBuilder().snapshot(0, [[100, 1], [99.99, 2]], [[100.01, 1], [100.02, 3]]);
  for (let s = 1; s <= 10; s++) {
    b.delta(s * S, [[1, 100, 1 + s], [-1, 100.01, 1 + s / 10]]);
    b.trade(s * S + 500_000, s % 2 ? 1 : -1, 100 + (s % 2 ? 0.01 : 0), 0.5);
  }
  return b;
}

test('blocks are equal spans aligned to the last event, cut at message boundaries, with the leftover before them unused', () => {
  const ev = market().build();
  // 3 s blocks over 10.5 s of events: 3 blocks, 1.5 s unused at the start.
  const { plan, data } = planTickBlocks('m', ev, 3 * S, 2, 0.01, 3, S, FLAGS);
  assert.equal(data.blocks.length, 3);
  assert.deepEqual(plan.windows, [{ index: 0, train: [0, 1], test: 2 }]);
  const end = 10.5 * S + 1;
  assert.deepEqual(data.blocks.map((b) => [b.startMicros, b.endMicros]), [[end - 9 * S, end - 6 * S], [end - 6 * S, end - 3 * S], [end - 3 * S, end]]);
  for (const b of data.blocks) {
    assert.ok(ev.tsExchange[b.from]! >= b.startMicros, 'a block starts at or after its start time');
    assert.ok(b.from === 0 || (ev.flags[b.from - 1]! & 1) === 1, 'and at a message boundary');
  }
  assert.equal(data.blocks[2]!.to, ev.length);
  assert.equal(plan.unusedBars, data.blocks[0]!.from);
  assert.equal(data.refPrice, 100.01, 'first trade price');
  // The order price of a block is the last trade before it.
  const b1 = data.blocks[1]!;
  let last = Number.NaN;
  for (let i = 0; i < b1.from; i++) if (ev.type[i] === EventType.Trade) last = ev.price[i]!;
  assert.equal(b1.orderPrice, last);
  // The prepared columns are the shared buffer's.
  assert.equal(fromSharedEvents(data.shared).price[b1.from], ev.price[b1.from]);
});

test('an opening snapshot is the book as replayed up to the block, and depends on nothing after it', () => {
  const ev = market().build();
  const { data } = planTickBlocks('m', ev, 3 * S, 2, 0.01, 3, S, FLAGS);
  const blk = data.blocks[2]!;
  const replayed = new L2Book(0.01, DEFAULT_LADDER_TICKS);
  for (let i = 0; i < blk.from; i++) replayed.apply(ev, i);
  const opened = new L2Book(0.01, DEFAULT_LADDER_TICKS);
  const snap = eventRows(data.events, blk.bookFrom, blk.bookTo);
  for (let i = 0; i < snap.length; i++) opened.apply(snap, i);
  assert.deepEqual([opened.levels(1, Infinity), opened.levels(-1, Infinity)], [replayed.levels(1, Infinity), replayed.levels(-1, Infinity)]);
  assert.equal(snap.tsExchange[0], ev.tsExchange[blk.from]);
  // Change everything from the block on: the opening snapshot stays the same.
  const other = market().build();
  for (let i = blk.from; i < other.length; i++) other.size[i] = other.size[i]! * 7;
  const again = planTickBlocks('m', other, 3 * S, 2, 0.01, 3, S, FLAGS).data;
  const b2 = again.blocks[2]!;
  assert.deepEqual(Array.from(again.events.size.subarray(b2.bookFrom, b2.bookTo)), Array.from(data.events.size.subarray(blk.bookFrom, blk.bookTo)));
});

test('too short a file, too short a window, no trades: one UserError naming the flag', () => {
  const ev = market().build();
  assert.throws(() => planTickBlocks('m.arrow', ev, 4 * S, 2, 0.01, 3, S, FLAGS), (e: unknown) => e instanceof UserError && /^--events: m\.arrow spans 0\.18 minutes of exchange time; one walk-forward window needs 0\.2 \(2 train \+ 1 test window of 0\.067 min\)$/.test(e.message));
  assert.throws(() => planTickBlocks('m', ev, 2 * S, 2, 0.01, 3, S, FLAGS), /^UserError: --test-minutes: a test window must hold at least 3 trace samples/);
  const quiet = new EventBuilder().snapshot(0, [[100, 1]], [[100.01, 1]]).delta(20 * S, [[1, 100, 2]]).build();
  assert.throws(() => planTickBlocks('q', quiet, 3 * S, 2, 0.01, 3, S, FLAGS), /--events: q holds no trades/);
});

test('a block that starts inside a gap of the depth stream opens with the book unknown (a gap row after its snapshot); one after the resync opens known', () => {
  // A gap from 2.2 s to the snapshot at 8.2 s: block 1 (4.5–7.5 s) starts in it, block 2 (7.5–10.5 s) too (the
  // resync comes inside it); with the resync at 4.2 s instead, neither starts in a gap.
  const gapped = (resyncAt: number): ReturnType<EventBuilder['build']> => {
    const b = new EventBuilder().snapshot(0, [[100, 1], [99.99, 2]], [[100.01, 1], [100.02, 3]]);
    for (let s = 1; s <= 10; s++) {
      if (s === 2) b.gap(2.2 * S);
      if (s === Math.floor(resyncAt)) b.snapshot(resyncAt * S, [[100, 4]], [[100.01, 4]]);
      if (s < 2 || s > Math.floor(resyncAt)) b.delta(s * S, [[1, 100, 1 + s], [-1, 100.01, 1 + s / 10]]);
      b.trade(s * S + 500_000, s % 2 ? 1 : -1, 100 + (s % 2 ? 0.01 : 0), 0.5);
    }
    return b.build();
  };
  const opening = (ev: ReturnType<EventBuilder['build']>, k: number): number[] => {
    const { data } = planTickBlocks('m', ev, 3 * S, 2, 0.01, 3, S, FLAGS);
    const blk = data.blocks[k]!;
    return Array.from(data.events.type.subarray(blk.bookFrom, blk.bookTo));
  };
  const late = gapped(8.2);
  assert.equal(opening(late, 1).at(-1), EventType.Gap, 'block 1 starts in the gap');
  assert.equal(opening(late, 2).at(-1), EventType.Gap, 'block 2 too: its resync comes inside it');
  assert.ok(!opening(late, 0).includes(EventType.Gap), 'block 0 starts before the break');
  const early = gapped(4.2);
  for (const k of [0, 1, 2]) assert.ok(!opening(early, k).includes(EventType.Gap), `block ${k} after the resync opens known`);
  // Replayed, block 2's venue book is unknown from its first rows until the resync at 8.2 s.
  const { data } = planTickBlocks('m', late, 3 * S, 2, 0.01, 3, S, FLAGS);
  const blk = data.blocks[2]!;
  const book = new L2Book(0.01, 1 << 14);
  const rows = eventRows(data.events, blk.bookFrom, blk.bookTo);
  for (let i = 0; i < rows.length; i++) book.apply(rows, i);
  assert.equal(book.gapOpen, true);
  for (let i = blk.from; i < blk.to && data.events.tsExchange[i]! < 8.2 * S; i++) book.apply(data.events, i);
  assert.equal(book.gapOpen, true);
  for (let i = blk.from; i < blk.to; i++) if (data.events.type[i] === EventType.Snapshot) book.apply(data.events, i);
  assert.equal(book.gapOpen, false, 'known again at the resync');
});

test('an opening book keeps the levels outside the window and knows exactly what the replayed book knows', () => {
  // The snapshot reaches down to a level at 50 (far outside the window of 16384 ticks) and up to 100.02; diffs
  // then name levels (99.5, 99.4 emptied, 50 resized, 101 beyond the asks' range): 101 is known, 100.5 and 49.99 not.
  const b = new EventBuilder().snapshot(0, [[100, 1], [99.99, 2], [50, 4]], [[100.01, 1], [100.02, 3]]);
  b.delta(S / 2, [[1, 99.5, 2], [1, 99.4, 1], [-1, 101, 5]]);
  b.delta(S / 2 + 1, [[1, 99.4, 0], [1, 50, 6], [1, 99.99, 0]]);
  for (let s = 1; s <= 10; s++) {
    b.delta(s * S, [[1, 100, 1 + s], [-1, 100.01, 1 + s / 10]]);
    b.trade(s * S + 500_000, s % 2 ? 1 : -1, 100 + (s % 2 ? 0.01 : 0), 0.5);
  }
  const ev = b.build();
  const { data } = planTickBlocks('m', ev, 3 * S, 2, 0.01, 3, S, FLAGS);
  for (const blk of data.blocks) {
    const replayed = new L2Book(0.01, DEFAULT_LADDER_TICKS);
    for (let i = 0; i < blk.from; i++) replayed.apply(ev, i);
    const opened = new L2Book(0.01, DEFAULT_LADDER_TICKS);
    const snap = eventRows(data.events, blk.bookFrom, blk.bookTo);
    for (let i = 0; i < snap.length; i++) opened.apply(snap, i);
    assert.deepEqual([opened.levels(1, Infinity), opened.levels(-1, Infinity)], [replayed.levels(1, Infinity), replayed.levels(-1, Infinity)]);
    assert.equal(opened.base, replayed.base);
    assert.equal(opened.lastUpdateId, replayed.lastUpdateId);
    for (const p of [100.5, 100, 99.99, 99.6, 99.5, 99.4, 99.3, 50, 49.99, 20]) assert.equal(opened.depthKnownAt(1, opened.tickOf(p)), replayed.depthKnownAt(1, replayed.tickOf(p)), `bid ${p}`);
    for (const p of [99, 100.01, 100.02, 100.03, 100.5, 101]) assert.equal(opened.depthKnownAt(-1, opened.tickOf(p)), replayed.depthKnownAt(-1, replayed.tickOf(p)), `ask ${p}`);
  }
  const last = data.blocks[2]!;
  const opened = new L2Book(0.01, DEFAULT_LADDER_TICKS);
  const snap = eventRows(data.events, last.bookFrom, last.bookTo);
  for (let i = 0; i < snap.length; i++) opened.apply(snap, i);
  assert.deepEqual([opened.depthKnownAt(1, opened.tickOf(99.6)), opened.depthKnownAt(1, opened.tickOf(49.99)), opened.depthKnownAt(-1, opened.tickOf(100.5)), opened.depthKnownAt(-1, opened.tickOf(101))], [true, false, false, true]);
  assert.deepEqual([opened.qtyAt(-1, 101), opened.qtyAt(1, 50)], [5, 6]);
});
