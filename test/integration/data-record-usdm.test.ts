// The USD-M perpetual through the fake's futures streams: `record --exchange binanceusdm` and `convert` of a raw capture of them, each book checked against the venue's bookTicker; a diff lost in `pu` continuity is a gap, never applied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { EventFlag, EventType, type EventColumns } from '../../src/market/index.js';
import { readEventFile } from '../../src/data/index.js';
import { FakeBinance, captureData } from '../fake-exchange/index.js';
import { CLI_CWD, cliArgs } from '../fixtures/cli-source.js';
import { PlainBook as Book, topOf } from '../fixtures/plain-book.js';

/** The book an event file describes, after each complete book message, by its update id (`top` and the best 20 levels). */
function booksOf(ev: EventColumns, into: Map<number, { top: string; levels: string }>): { crossed: number; snapshots: number } {
  const book = new Book();
  let crossed = 0;
  let snapshots = 0;
  for (let i = 0; i < ev.length; i++) {
    const t = ev.type[i]!;
    if (t !== EventType.Snapshot && t !== EventType.Delta) continue;
    if (ev.flags[i]! & EventFlag.SnapshotStart) {
      book.bids.clear();
      book.asks.clear();
      snapshots++;
    }
    book.set(ev.side[i] === 1 ? 'b' : 'a', ev.price[i]!, ev.size[i]!);
    if (ev.flags[i]! & EventFlag.EndOfMessage) {
      if (!(Math.max(...book.bids.keys()) < Math.min(...book.asks.keys()))) crossed++;
      into.set(ev.id[i]!, { top: book.top(), levels: book.levels(20) });
    }
  }
  return { crossed, snapshots };
}

/** The venue's own bookTicker, by update id: what the fake streams at `/public/ws/btcusdt@bookTicker`, read by a plain websocket client. */
async function watchBookTicker(url: string): Promise<{ tickers: Map<number, string>; close: () => void }> {
  const tickers = new Map<number, string>();
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/public/ws/btcusdt@bookTicker`);
  ws.on('message', (raw) => {
    const m = JSON.parse(String(raw)) as { e?: string; u: number; b: string; B: string; a: string; A: string; T?: number; E?: number };
    assert.equal(m.e, 'bookTicker', 'USD-M bookTicker names its event');
    assert.ok(typeof m.T === 'number' && typeof m.E === 'number', 'USD-M bookTicker carries T and E');
    tickers.set(m.u, topOf(Number(m.b), Number(m.B), Number(m.a), Number(m.A)));
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { tickers, close: () => ws.terminate() };
}

/** The true book of the USD-M capture after each diff the fake replays, best 20 levels, for the ids wanted. */
function trueBooks(wanted: Set<number>): Map<number, string> {
  const { snapshot, depth } = captureData('usdm');
  const book = new Book();
  for (const [p, q] of snapshot.bids) book.set('b', Number(p), Number(q));
  for (const [p, q] of snapshot.asks) book.set('a', Number(p), Number(q));
  const out = new Map<number, string>();
  for (const d of depth) {
    for (const [p, q] of d.b) book.set('b', Number(p), Number(q));
    for (const [p, q] of d.a) book.set('a', Number(p), Number(q));
    if (wanted.has(d.u)) out.set(d.u, book.levels(20));
  }
  return out;
}

async function until(what: string, ok: () => boolean, log: () => string, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${log()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('`record --exchange binanceusdm` from the fake USD-M streams: a dropped diff breaks pu continuity, is reported and resynced; the recorded book equals bookTicker and the true book', { timeout: 300_000 }, async () => {
  // The replay starts once the recorder is connected: a slow start must not spend the capture.
  const fake = new FakeBinance({ usdm: true, stepMs: 5, autoStart: false });
  await fake.start();
  const usdm = fake.usdm!;
  const dir = mkdtempSync(join(tmpdir(), 'record-usdm-'));
  const checker = await watchBookTicker(fake.url);
  let child: ChildProcess | undefined;
  try {
    child = spawn(process.execPath, cliArgs('record', '--exchange', 'binanceusdm', '--symbol', 'BTC/USDT:USDT', '--out', dir), {
      cwd: CLI_CWD,
      env: { ...process.env, MARKETMAKERL_EXCHANGE_URL: fake.url },
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b) => (stdout += String(b)));
    child.stderr!.on('data', (b) => (stderr += String(b)));
    const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));
    const count = (what: string): number => stderr.split('\n').filter((l) => l.includes(what)).length;
    await until('the recorder on the book and trade streams', () => fake.websocketClients >= 3, () => stderr);
    fake.resume();
    // Synced (ccxt resolved a book from the snapshot and the diffs after it): lose one diff on the wire.
    await until('the first snapshot', () => count('book snapshot') >= 1, () => stderr);
    fake.dropDepth(1, 'usdm');
    await until('the gap', () => count('"gap"') >= 1, () => stderr);
    await until('a snapshot after the gap', () => count('book snapshot') >= 2, () => stderr);
    const mark = usdm.sent.depth;
    await until('diffs after the resync', () => usdm.sent.depth >= mark + 1500 || usdm.done, () => `${usdm.sent.depth} sent`);
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    assert.equal(usdm.sent.droppedDepth, 1);
    const report = JSON.parse(stdout) as { files: string[]; gaps: number; snapshots: number; trades: number; stopped_by: string };
    assert.equal(report.stopped_by, 'signal');
    assert.ok(report.gaps >= 1, `gaps ${report.gaps}`);
    assert.ok(report.snapshots >= 2, `snapshots ${report.snapshots}`);
    assert.match(stderr, /"gap".*checksum/, 'the book stream reports the break');
    assert.ok(report.trades > 0);

    const recorded = new Map<number, { top: string; levels: string }>();
    const tradeIds = new Set(captureData('usdm').trades.map((t) => t.t));
    for (const f of report.files) {
      const { events, meta } = readEventFile(f);
      assert.deepEqual([meta['venue'], meta['symbol']], ['binanceusdm', 'BTC/USDT:USDT']);
      const { crossed } = booksOf(events, recorded);
      assert.equal(crossed, 0);
      for (let i = 0; i < events.length; i++) if (events.type[i] === EventType.Trade) assert.ok(tradeIds.has(events.id[i]!), 'perpetual trades (@trade), ids from the capture');
    }
    // Independent checks: the venue's bookTicker at every update id both carry, and the true book's 20 levels.
    let compared = 0;
    for (const [u, t] of checker.tickers) {
      const r = recorded.get(u);
      if (r === undefined) continue;
      assert.equal(r.top, t, `recorded book vs bookTicker at update ${u}`);
      compared++;
    }
    const truth = trueBooks(new Set(recorded.keys()));
    let deep = 0;
    for (const [u, r] of recorded) {
      const want = truth.get(u);
      if (want === undefined) continue;
      assert.equal(r.levels, want, `top 20 levels at update ${u}`);
      deep++;
    }
    console.log(`# ${compared} recorded book states equal bookTicker (of ${checker.tickers.size} tickers, ${recorded.size} book states); ${deep} equal the true book's 20 levels; ${JSON.stringify({ ...report, files: report.files.length })}`);
    assert.ok(compared >= 15, `book states comparable with bookTicker: ${compared}`);
    assert.ok(deep >= 100, `book states compared with the true book: ${deep}`);
  } finally {
    child?.kill('SIGKILL');
    checker.close();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

interface RawDepth {
  U: number;
  u: number;
  pu: number;
  E: number;
  T: number;
}

test('a raw capture of the fake USD-M streams with one diff lost: `convert` reports the pu break, applies nothing until the next snapshot, and its book equals bookTicker', { timeout: 300_000 }, async () => {
  const fake = new FakeBinance({ usdm: true, stepMs: 5, autoStart: false });
  await fake.start();
  const usdm = fake.usdm!;
  const dir = mkdtempSync(join(tmpdir(), 'capture-usdm-'));
  // A collector as Binance's are written: `<local_ns> <json>` lines, combined-stream messages and REST snapshots.
  const lines: string[] = [];
  const log = (text: string): void => void lines.push(`${BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n} ${text}`);
  const ws = new WebSocket(`${fake.url.replace(/^http/, 'ws')}/public/stream?streams=btcusdt@depth@0ms/btcusdt@trade/btcusdt@bookTicker`);
  let depthSeen = 0;
  ws.on('message', (raw) => {
    const text = String(raw);
    if (text.includes('"depthUpdate"')) depthSeen++;
    log(text);
  });
  const snapshot = async (): Promise<void> => log(await (await fetch(`${fake.url}/fapi/v1/depth?symbol=BTCUSDT&limit=1000`)).text());
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const seen = (n: number) => until(`${n} depth messages`, () => depthSeen >= n, () => `${depthSeen} seen`);
    fake.resume();
    await seen(10);
    await snapshot();
    await seen(300);
    fake.dropDepth(1, 'usdm');
    await until('the drop', () => usdm.sent.droppedDepth === 1, () => 'not dropped');
    await seen(depthSeen + 100);
    await snapshot();
    await seen(depthSeen + 300);
    fake.pause();
    ws.close();
    const file = join(dir, 'btcusdt_fake.txt');
    writeFileSync(file, lines.join('\n') + '\n');

    // The capture read without project code: where continuity breaks, and the bookTickers.
    const diffs: RawDepth[] = [];
    const tickers = new Map<number, string>();
    const snapshotIds: number[] = [];
    for (const line of lines) {
      const msg = JSON.parse(line.slice(line.indexOf(' ') + 1)) as { lastUpdateId?: number; E?: number; T?: number; data?: RawDepth & { e: string; b: string; B: string; a: string; A: string } };
      if (msg.lastUpdateId !== undefined) {
        assert.ok(typeof msg.E === 'number' && typeof msg.T === 'number', 'the USD-M snapshot carries E and T');
        snapshotIds.push(msg.lastUpdateId);
      } else if (msg.data!.e === 'depthUpdate') {
        for (const k of ['U', 'u', 'pu', 'E', 'T'] as const) assert.equal(typeof msg.data![k], 'number', `depthUpdate carries ${k}`);
        diffs.push(msg.data!);
      } else if (msg.data!.e === 'bookTicker') tickers.set(msg.data!.u, topOf(Number(msg.data!.b), Number(msg.data!.B), Number(msg.data!.a), Number(msg.data!.A)));
    }
    const breaks = diffs.flatMap((d, i) => (i > 0 && d.pu !== diffs[i - 1]!.u ? [{ expected: diffs[i - 1]!.u, got: d.pu, at: d.u }] : []));
    assert.equal(breaks.length, 1, 'one break in pu continuity: the dropped diff');
    const brk = breaks[0]!;
    assert.equal(snapshotIds.length, 2);

    const out = join(dir, 'usdm.arrow');
    const r = spawnSync(process.execPath, cliArgs('convert', file, '--out', out), { cwd: CLI_CWD, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { gaps: number; messages: { depth: number; snapshot: number } };
    assert.equal(summary.gaps, 1);
    assert.equal(summary.messages.snapshot, 2);
    assert.match(r.stderr, new RegExp(`warning: sequence gap at .*: expected id ${brk.expected}, got ${brk.got}`));

    const books = new Map<number, { top: string; levels: string }>();
    const { crossed, snapshots } = booksOf(readEventFile(out).events, books);
    assert.equal(crossed, 0);
    assert.equal(snapshots, 2, 'the first snapshot, and the one after the gap');
    // Between the break and the second snapshot nothing is applied: no book state carries those ids.
    const waiting = diffs.filter((d) => d.u >= brk.at && d.u <= snapshotIds[1]!);
    assert.ok(waiting.length > 50, `diffs that waited for the snapshot: ${waiting.length}`);
    for (const d of waiting) if (d.u !== snapshotIds[1]) assert.equal(books.has(d.u), false, `diff ${d.u} applied across the gap`);
    assert.ok(diffs.some((d) => d.u > snapshotIds[1]! && books.has(d.u)), 'diffs after the second snapshot are applied');
    let compared = 0;
    for (const [u, t] of tickers) {
      const b = books.get(u);
      if (b === undefined) continue;
      assert.equal(b.top, t, `converted book vs bookTicker at update ${u}`);
      compared++;
    }
    console.log(`# convert: ${diffs.length} diffs, ${tickers.size} bookTickers, ${compared} compared; break expected ${brk.expected} got ${brk.got}`);
    assert.ok(compared >= 30, `comparable update ids: ${compared}`);
  } finally {
    ws.terminate();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
