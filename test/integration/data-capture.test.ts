// The shared Binance capture, converted: trades rebuild the official 5m klines, the book never crosses and matches bookTicker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventFlag, EventType, resampleBars, allocBars, type Bars, type EventColumns } from '../../src/market/index.js';
import { convertCaptureToArrow, loadKlines, readEventFile } from '../../src/data/index.js';
import { ensureSharedCaptureArrow, sharedCaptureFiles } from '../fixtures/capture.js';
import { KLINES_1M, KLINES_5M } from '../fixtures/shared-data.js';

const FIVE_MIN_US = 300e6;
const ONE_MIN_US = 60e6;

interface OfficialKline {
  openMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: string;
  quoteVolume: string;
  trades: number;
  takerBuyVolume: string;
}

function officialKline(openMs: number): OfficialKline {
  const line = readFileSync(KLINES_5M, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${openMs},`));
  assert.ok(line, `kline ${openMs} in the 5m file`);
  const c = line.split(',');
  return {
    openMs,
    open: Number(c[1]),
    high: Number(c[2]),
    low: Number(c[3]),
    close: Number(c[4]),
    volume: c[5]!,
    quoteVolume: c[7]!,
    trades: Number(c[8]),
    takerBuyVolume: c[9]!,
  };
}

/** Decimal text with 8 places from an integer count of 1e-8 units. */
const units8 = (v: bigint): string => `${v / 100_000_000n}.${(v % 100_000_000n).toString().padStart(8, '0')}`;

function kline(ev: EventColumns, fromUs: number, toUs: number): Omit<OfficialKline, 'openMs'> {
  let open = Number.NaN;
  let high = -Infinity;
  let low = Infinity;
  let close = Number.NaN;
  let vol = 0n;
  let quote = 0n;
  let takerBuy = 0n;
  let trades = 0;
  for (let i = 0; i < ev.length; i++) {
    if (ev.type[i] !== EventType.Trade) continue;
    const t = ev.tsExchange[i]!;
    if (t < fromUs || t >= toUs) continue;
    const p = ev.price[i]!;
    const q = ev.size[i]!;
    if (Number.isNaN(open)) open = p;
    close = p;
    if (p > high) high = p;
    if (p < low) low = p;
    // Exact sums: prices have 2 decimals, sizes 5 (spot BTCUSDT tick and lot).
    const qUnits = BigInt(Math.round(q * 1e8));
    vol += qUnits;
    quote += BigInt(Math.round(p * 100)) * BigInt(Math.round(q * 1e5)) * 10n;
    if (ev.side[i] === 1) takerBuy += qUnits;
    trades++;
  }
  return { open, high, low, close, volume: units8(vol), quoteVolume: units8(quote), trades, takerBuyVolume: units8(takerBuy) };
}

test('converted trades reproduce the official 5m klines of 23:55 and 00:00 exactly', () => {
  const { events } = readEventFile(ensureSharedCaptureArrow());
  for (const openMs of [1723161300000, 1723161600000]) {
    const want = officialKline(openMs);
    const got = kline(events, openMs * 1000, openMs * 1000 + FIVE_MIN_US);
    const { openMs: _, ...fields } = want;
    assert.deepEqual(got, fields, `kline ${new Date(openMs).toISOString()}`);
  }
  assert.equal(kline(events, 1723161300000e3, 1723161300000e3 + FIVE_MIN_US).trades, 8863);
});

test('trades aggregated to 1m and resampled to 5m equal trades aggregated straight to 5m', () => {
  const { events } = readEventFile(ensureSharedCaptureArrow());
  const start = 1723161300000e3;
  const mins = 10;
  const bars1m = allocBars(mins, ONE_MIN_US);
  for (let m = 0; m < mins; m++) {
    const k = kline(events, start + m * ONE_MIN_US, start + (m + 1) * ONE_MIN_US);
    bars1m.ts[m] = start + m * ONE_MIN_US;
    bars1m.open[m] = k.open;
    bars1m.high[m] = k.high;
    bars1m.low[m] = k.low;
    bars1m.close[m] = k.close;
    bars1m.volume[m] = Number(k.volume);
  }
  const five = resampleBars(bars1m, 5);
  assert.equal(five.length, 2);
  for (let j = 0; j < 2; j++) {
    const want = officialKline((start + j * FIVE_MIN_US) / 1000);
    assert.equal(five.ts[j], want.openMs * 1000);
    assert.deepEqual([five.open[j], five.high[j], five.low[j], five.close[j]], [want.open, want.high, want.low, want.close]);
    assert.equal(five.volume[j]!.toFixed(8), want.volume);
  }
});

test('the 1m file resampled to 5m: aligned, contiguous, consistent, volume preserved, first bar as in the file', () => {
  const { bars } = loadKlines(KLINES_1M);
  assert.equal(bars.intervalMicros, ONE_MIN_US);
  const five: Bars = resampleBars(bars, 5);
  // 41,761 one-minute bars from 23:00 UTC: 8,352 full 5m bars and one of a single minute.
  assert.equal(five.length, Math.ceil(bars.length / 5));
  let volIn = 0;
  let volOut = 0;
  for (let i = 0; i < bars.length; i++) volIn += bars.volume[i]!;
  for (let j = 0; j < five.length; j++) {
    volOut += five.volume[j]!;
    assert.equal(five.ts[j]! % FIVE_MIN_US, 0, 'aligned on 5m');
    if (j > 0) assert.equal(five.ts[j]! - five.ts[j - 1]!, FIVE_MIN_US, 'contiguous');
    const o = five.open[j]!;
    const c = five.close[j]!;
    assert.ok(five.low[j]! <= Math.min(o, c) && five.high[j]! >= Math.max(o, c));
  }
  assert.ok(Math.abs(volIn - volOut) < 1e-6);
  // First five minutes of the file (2024-11-30 23:00–23:05 UTC), read off its first rows.
  assert.equal(five.ts[0], Date.UTC(2024, 10, 30, 23, 0) * 1000);
  assert.deepEqual([five.open[0], five.high[0], five.low[0], five.close[0]], [96466.11, 96555.56, 96422.0, 96543.99]);
  assert.equal(five.volume[0]!.toFixed(5), (6.6158 + 7.0222 + 8.55144 + 13.69845 + 3.78218).toFixed(5));
});

/** A reference L2 book (maps; clarity over speed) to check the converted stream. */
class RefBook {
  bids = new Map<number, number>();
  asks = new Map<number, number>();
  set(side: number, price: number, size: number): void {
    const m = side === 1 ? this.bids : this.asks;
    if (size === 0) m.delete(price);
    else m.set(price, size);
  }
  best(side: number): [number, number] {
    const m = side === 1 ? this.bids : this.asks;
    let bp = side === 1 ? -Infinity : Infinity;
    for (const p of m.keys()) if (side === 1 ? p > bp : p < bp) bp = p;
    return [bp, m.get(bp) ?? Number.NaN];
  }
}

test('the book rebuilt from snapshot + diffs never crosses and equals bookTicker at the same update id', () => {
  const { events: ev } = readEventFile(ensureSharedCaptureArrow());
  const book = new RefBook();
  let bookId = Number.NaN;
  let snapshots = 0;
  let messages = 0;
  let compared = 0;
  let bboBid: [number, number] = [Number.NaN, Number.NaN];
  // The depth stream comes every 100 ms and bookTicker at every update, in either arrival order:
  // compare by update id, after the pass.
  const bookAt = new Map<number, string>();
  const bboAt: [number, string][] = [];
  const fmt = (b: [number, number], a: [number, number]): string => `${b[0]}x${b[1]} / ${a[0]}x${a[1]}`;
  for (let i = 0; i < ev.length; i++) {
    const type = ev.type[i]!;
    const flags = ev.flags[i]!;
    if (type === EventType.Snapshot || type === EventType.Delta) {
      if (type === EventType.Snapshot && flags & EventFlag.SnapshotStart) {
        book.bids.clear();
        book.asks.clear();
        snapshots++;
      }
      if (type === EventType.Delta) assert.ok(!Number.isNaN(bookId) && ev.id[i]! >= bookId, 'deltas only after a snapshot, ids rising');
      book.set(ev.side[i]!, ev.price[i]!, ev.size[i]!);
      if (flags & EventFlag.EndOfMessage) {
        bookId = ev.id[i]!;
        messages++;
        const bid = book.best(1);
        const ask = book.best(-1);
        assert.ok(bid[0] < ask[0], `book crossed after update ${bookId}: ${bid[0]} >= ${ask[0]}`);
        bookAt.set(bookId, fmt(bid, ask));
      }
    } else if (type === EventType.Bbo) {
      if (ev.side[i] === 1) bboBid = [ev.price[i]!, ev.size[i]!];
      else bboAt.push([ev.id[i]!, fmt(bboBid, [ev.price[i]!, ev.size[i]!])]);
    }
  }
  for (const [id, bbo] of bboAt) {
    const b = bookAt.get(id);
    if (b === undefined) continue;
    assert.equal(b, bbo, `book vs bookTicker at update ${id}`);
    compared++;
  }
  assert.equal(snapshots, 1);
  assert.ok(messages > 6000, `book messages ${messages}`);
  console.log(`# compared ${compared} bookTicker updates with the rebuilt book`);
  assert.ok(compared > 50, `bookTicker updates at a depth update id: ${compared}`);
});

test('the streamed converter (chunked gunzip) writes exactly the rows of the in-memory one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'convert-'));
  try {
    const out = join(dir, 'c.arrow');
    const report = await convertCaptureToArrow(sharedCaptureFiles(), out);
    const a = readEventFile(out).events;
    const b = readEventFile(ensureSharedCaptureArrow()).events;
    assert.equal(report.rows, b.length);
    assert.equal(a.length, b.length);
    for (const k of ['type', 'side', 'flags', 'tsExchange', 'tsLocal', 'price', 'size', 'id'] as const) {
      assert.ok(Buffer.from(a[k].buffer, a[k].byteOffset, a[k].byteLength).equals(Buffer.from(b[k].buffer, b[k].byteOffset, b[k].byteLength)), k);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
