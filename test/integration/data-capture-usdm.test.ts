// The Binance USD-M perpetual capture (and the same messages in COIN-M form): an independent rebuild from the raw lines (futures rules) equals bookTicker, the converter equals it, gaps are reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { EventFlag, EventType } from '../../src/market/index.js';
import { convertCaptureToArrow, readEventFile } from '../../src/data/index.js';
import { SHARED_DATA } from '../fixtures/shared-data.js';
import { PlainBook as Book, topOf } from '../fixtures/plain-book.js';

const USDM = join(SHARED_DATA, 'binance-l2-trades-hftbacktest-20240808', 'usdm', 'btcusdt_20240808.gz');

interface Depth {
  U: number;
  u: number;
  pu: number;
  b: [string, string][];
  a: [string, string][];
}

/**
 * Binance's futures local-book procedure straight from the raw lines (no project code): buffer diffs,
 * take the snapshot, drop diffs with u < lastUpdateId, the first applied has U ≤ lastUpdateId ≤ u, every
 * later one has pu = the previous u. Returns the top of book after each applied diff, by its u.
 */
function rebuildFromRaw(lines: string[]): { topAt: Map<number, string>; tickers: [number, string][]; breaks: number; stale: number } {
  const book = new Book();
  const topAt = new Map<number, string>();
  const tickers: [number, string][] = [];
  let pending: Depth[] = [];
  let last = Number.NaN;
  let synced = false;
  let breaks = 0;
  let stale = 0;
  const apply = (d: Depth): void => {
    for (const [p, q] of d.b) book.set('b', Number(p), Number(q));
    for (const [p, q] of d.a) book.set('a', Number(p), Number(q));
    last = d.u;
    topAt.set(d.u, book.top());
  };
  for (const line of lines) {
    if (line === '') continue;
    const msg = JSON.parse(line.slice(line.indexOf(' ') + 1));
    if ('lastUpdateId' in msg) {
      for (const [p, q] of msg.bids as [string, string][]) book.set('b', Number(p), Number(q));
      for (const [p, q] of msg.asks as [string, string][]) book.set('a', Number(p), Number(q));
      last = msg.lastUpdateId;
      let first = true;
      for (const d of pending) {
        if (d.u < last) {
          stale++;
          continue;
        }
        if (first) assert.ok(d.U <= last && last <= d.u, `first diff ${d.U}..${d.u} covers ${last}`);
        else assert.equal(d.pu, last);
        first = false;
        apply(d);
      }
      pending = [];
      synced = true;
      continue;
    }
    const d = msg.data;
    if (d.e === 'depthUpdate') {
      if (!synced) pending.push(d);
      else if (d.pu === last) apply(d);
      else breaks++;
    } else if (d.e === 'bookTicker') tickers.push([d.u, topOf(Number(d.b), Number(d.B), Number(d.a), Number(d.A))]);
  }
  return { topAt, tickers, breaks, stale };
}

/** The raw rebuild against bookTicker at every update id both carry (a ticker at a depth message's final id); returns how many. */
function tickersMatched(raw: { topAt: Map<number, string>; tickers: [number, string][] }): number {
  let compared = 0;
  for (const [u, t] of raw.tickers) {
    const top = raw.topAt.get(u);
    if (top === undefined) continue;
    assert.equal(top, t, `rebuilt book vs bookTicker at update ${u}`);
    compared++;
  }
  return compared;
}

/** The converter's rows replayed into a plain book: after each depth message, the raw rebuild's top; returns how many were compared. */
function assertConvertedEqualsRebuild(ev: ReturnType<typeof readEventFile>['events'], topAt: Map<number, string>, wholeContracts = false): number {
  const book = new Book();
  let checked = 0;
  for (let i = 0; i < ev.length; i++) {
    const type = ev.type[i]!;
    if (type !== EventType.Snapshot && type !== EventType.Delta) continue;
    if (type === EventType.Snapshot && ev.flags[i]! & EventFlag.SnapshotStart) (book.bids.clear(), book.asks.clear());
    if (wholeContracts) assert.equal(ev.size[i], Math.round(ev.size[i]!), 'whole contracts');
    book.set(ev.side[i] === 1 ? 'b' : 'a', ev.price[i]!, ev.size[i]!);
    if (type === EventType.Delta && ev.flags[i]! & EventFlag.EndOfMessage) {
      assert.equal(book.top(), topAt.get(ev.id[i]!), `converted book at update ${ev.id[i]}`);
      checked++;
    }
  }
  return checked;
}

test('USD-M capture: the book rebuilt from the raw lines by the futures rules equals bookTicker at every update id both carry; the converter equals that book', async () => {
  const lines = gunzipSync(readFileSync(USDM)).toString('utf8').split('\n');
  const raw = rebuildFromRaw(lines);
  assert.equal(raw.breaks, 0, 'pu continuity holds through the capture');
  assert.equal(raw.stale, 4, 'four diffs end before the snapshot');
  const compared = tickersMatched(raw);
  console.log(`# compared ${compared} of ${raw.tickers.length} bookTicker updates (those at a depth message's final id) with the raw rebuild`);
  assert.ok(compared > 500, `comparable updates: ${compared}`);

  const dir = mkdtempSync(join(tmpdir(), 'mm-usdm-'));
  try {
    const out = join(dir, 'usdm.arrow');
    const report = await convertCaptureToArrow([USDM], out);
    assert.equal(report.gaps.length, 0);
    assert.equal(report.staleDiffs, 4);
    assert.deepEqual(report.messages, { depth: 6551, trade: 21313, bookTicker: 66089, snapshot: 1, ignored: 0 });
    const ev = readEventFile(out).events;
    assert.equal(assertConvertedEqualsRebuild(ev, raw.topAt), raw.topAt.size, 'every applied diff, once');
    // Perpetual trades keep their exchange trade time T; the tick is 0.1 and the lot 0.001.
    let trades = 0;
    for (let i = 0; i < ev.length; i++) if (ev.type[i] === EventType.Trade) (trades++, assert.ok(Math.abs(ev.price[i]! * 10 - Math.round(ev.price[i]! * 10)) < 1e-6));
    assert.equal(trades, 21313);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('USD-M capture with one depth message removed: the break is reported (expected the previous u, got pu) and nothing after it is applied', async () => {
  const lines = gunzipSync(readFileSync(USDM)).toString('utf8').split('\n');
  const depthAt = lines.map((l, i) => (l.includes('"depthUpdate"') ? i : -1)).filter((i) => i >= 0);
  const cut = depthAt[3000]!;
  const before = JSON.parse(lines[depthAt[2999]!]!.slice(lines[depthAt[2999]!]!.indexOf(' ') + 1)).data;
  const removed = JSON.parse(lines[cut]!.slice(lines[cut]!.indexOf(' ') + 1)).data;
  const dir = mkdtempSync(join(tmpdir(), 'mm-usdm-gap-'));
  try {
    const path = join(dir, 'btcusdt_gap.gz');
    writeFileSync(path, gzipSync(lines.filter((_, i) => i !== cut).join('\n')));
    const report = await convertCaptureToArrow([path], join(dir, 'gap.arrow'));
    assert.equal(report.gaps.length, 1);
    const g = report.gaps[0]!;
    assert.equal(g.kind, 'sequence');
    assert.equal(g.expected, before.u);
    assert.equal(g.got, removed.u, "the next message's pu names the lost one's u");
    assert.equal(g.line, depthAt[3001]!, 'the next depth message, one line up from where it was (1-based: its old 0-based index)');
    assert.equal(report.unappliedDiffs, depthAt.length - 3001, 'no snapshot follows: the rest waits, unapplied');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * The USD-M capture rewritten as Binance COIN-M (inverse) messages of BTCUSD_PERP: the same ids, times and
 * prices; streams `btcusd_perp@…`, symbol `BTCUSD_PERP` with its pair (`ps`: `BTCUSD`) on depth and
 * bookTicker, and sizes in whole contracts (COIN-M quantities are contracts: here 1 per 0.001 BTC of the
 * original). The futures sync rules are the same (U, u, pu), so the same checks must hold.
 */
function asCoinM(lines: string[]): string[] {
  const contracts = (q: string): string => String(Math.round(Number(q) * 1000));
  const levels = (xs: [string, string][]): [string, string][] => xs.map(([p, q]) => [p, contracts(q)]);
  return lines.map((line) => {
    if (line === '') return line;
    const at = line.indexOf(' ');
    const msg = JSON.parse(line.slice(at + 1));
    if ('lastUpdateId' in msg) {
      msg.bids = levels(msg.bids);
      msg.asks = levels(msg.asks);
      msg.symbol = 'BTCUSD_PERP';
      msg.pair = 'BTCUSD';
    } else {
      msg.stream = String(msg.stream).replace(/^btcusdt@/, 'btcusd_perp@');
      const d = msg.data;
      const { s, ...rest } = d;
      assert.equal(s, 'BTCUSDT');
      if (d.e === 'depthUpdate') msg.data = { ...rest, s: 'BTCUSD_PERP', ps: 'BTCUSD', b: levels(d.b), a: levels(d.a) };
      else if (d.e === 'bookTicker') msg.data = { ...rest, s: 'BTCUSD_PERP', ps: 'BTCUSD', B: contracts(d.B), A: contracts(d.A) };
      else msg.data = { ...rest, s: 'BTCUSD_PERP', q: contracts(d.q) };
    }
    return `${line.slice(0, at)} ${JSON.stringify(msg)}`;
  });
}

test('COIN-M (inverse) messages: the same futures sync — the raw rebuild equals bookTicker, the converter equals the rebuild, sizes in contracts; a lost diff is a pu break', async () => {
  const lines = asCoinM(gunzipSync(readFileSync(USDM)).toString('utf8').split('\n'));
  assert.match(lines.find((l) => l.includes('depthUpdate'))!, /"stream":"btcusd_perp@depth@0ms".*"s":"BTCUSD_PERP","ps":"BTCUSD"/);
  const raw = rebuildFromRaw(lines);
  assert.equal(raw.breaks, 0);
  const compared = tickersMatched(raw);
  assert.ok(compared > 500, `comparable updates: ${compared}`);
  const dir = mkdtempSync(join(tmpdir(), 'mm-coinm-'));
  try {
    const path = join(dir, 'btcusd_perp_20240808.gz');
    writeFileSync(path, gzipSync(lines.join('\n')));
    const report = await convertCaptureToArrow([path], join(dir, 'coinm.arrow'));
    assert.equal(report.gaps.length, 0);
    assert.deepEqual(report.messages, { depth: 6551, trade: 21313, bookTicker: 66089, snapshot: 1, ignored: 0 });
    const ev = readEventFile(join(dir, 'coinm.arrow')).events;
    assert.equal(assertConvertedEqualsRebuild(ev, raw.topAt, true), raw.topAt.size, 'every applied diff, once');
    // One depth message lost: the next one's pu names it.
    const depthAt = lines.map((l, i) => (l.includes('"depthUpdate"') ? i : -1)).filter((i) => i >= 0);
    const cut = depthAt[3000]!;
    const gapPath = join(dir, 'btcusd_perp_gap.gz');
    writeFileSync(gapPath, gzipSync(lines.filter((_, i) => i !== cut).join('\n')));
    const gap = await convertCaptureToArrow([gapPath], join(dir, 'gap.arrow'));
    assert.equal(gap.gaps.length, 1);
    assert.equal(gap.gaps[0]!.kind, 'sequence');
    assert.equal(gap.gaps[0]!.got, JSON.parse(lines[cut]!.slice(lines[cut]!.indexOf(' ') + 1)).data.u);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
