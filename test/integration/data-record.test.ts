// The recorder against the fake Binance through ccxt websockets: a forced disconnect and a sequence gap, files still exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventFlag, EventType, type EventColumns } from '../../src/market/index.js';
import { readEventFile, recordMarket, type RecorderEvent } from '../../src/data/index.js';
import { createExchange } from '../../src/venues/index.js';
import { FakeBinance, captureData } from '../fake-exchange/index.js';
import { CLI_CWD, cliArgs } from '../fixtures/cli-source.js';

/** The true book after the capture's depth messages with the wanted ids, top `depth` levels, keyed by update id. */
function trueBooks(depth: number, wanted: Set<number>): Map<number, string> {
  const { snapshot, depth: diffs } = captureData();
  const bids = new Map<number, number>(snapshot.bids.map(([p, q]) => [Number(p), Number(q)]));
  const asks = new Map<number, number>(snapshot.asks.map(([p, q]) => [Number(p), Number(q)]));
  const out = new Map<number, string>();
  for (const d of diffs) {
    for (const [p, q] of d.b) Number(q) === 0 ? bids.delete(Number(p)) : bids.set(Number(p), Number(q));
    for (const [p, q] of d.a) Number(q) === 0 ? asks.delete(Number(p)) : asks.set(Number(p), Number(q));
    if (wanted.has(d.u)) out.set(d.u, top(bids, asks, depth));
  }
  return out;
}

function top(bids: Map<number, number>, asks: Map<number, number>, depth: number): string {
  const b = [...bids].sort((x, y) => y[0] - x[0]).slice(0, depth);
  const a = [...asks].sort((x, y) => x[0] - y[0]).slice(0, depth);
  return JSON.stringify([b, a]);
}

function replay(ev: EventColumns, onMessage: (id: number, book: string) => void): { crossed: number } {
  const bids = new Map<number, number>();
  const asks = new Map<number, number>();
  let crossed = 0;
  for (let i = 0; i < ev.length; i++) {
    const t = ev.type[i]!;
    if (t !== EventType.Snapshot && t !== EventType.Delta) continue;
    if (ev.flags[i]! & EventFlag.SnapshotStart) {
      bids.clear();
      asks.clear();
    }
    const m = ev.side[i] === 1 ? bids : asks;
    if (ev.size[i] === 0) m.delete(ev.price[i]!);
    else m.set(ev.price[i]!, ev.size[i]!);
    if (ev.flags[i]! & EventFlag.EndOfMessage) {
      const bb = Math.max(...bids.keys());
      const ba = Math.min(...asks.keys());
      if (!(bb < ba)) crossed++;
      onMessage(ev.id[i]!, top(bids, asks, 20));
    }
  }
  return { crossed };
}

test('recording survives a forced disconnect and a sequence gap; the recorded book equals the true book', async () => {
  const fake = new FakeBinance({ stepMs: 5 });
  await fake.start();
  const dir = mkdtempSync(join(tmpdir(), 'record-'));
  const ex = await createExchange({ exchange: 'binance', exchangeUrl: fake.url, websocket: true });
  const events: RecorderEvent[] = [];
  const stop = new AbortController();
  // Book states the recorder has received from ccxt (counted at the exchange object, outside the code under test).
  let bookStates = 0;
  const watchOrderBook = ex.watchOrderBook.bind(ex);
  ex.watchOrderBook = async (...args: Parameters<typeof ex.watchOrderBook>) => {
    const book = await watchOrderBook(...args);
    bookStates++;
    return book;
  };
  // Each phase waits for what the recorder saw, not for a time: under load a resync can take seconds, and a
  // diff dropped while the recorder is resyncing would be hidden inside the new snapshot, not seen as a gap.
  const deadline = Date.now() + 120_000;
  const until = async (what: string, ok: () => boolean): Promise<void> => {
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; events: ${events.map((e) => e.kind + ('stream' in e ? `:${e.stream}` : '')).join(' ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const count = (kind: RecorderEvent['kind'], stream?: string): number => events.filter((e) => e.kind === kind && (stream === undefined || ('stream' in e && e.stream === stream))).length;
  try {
    const done = recordMarket(ex, {
      symbol: 'BTC/USDT',
      outDir: dir,
      rotateEveryMs: 700,
      retry: { maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 100, rateLimitDelayMs: 50 },
      signal: stop.signal,
      onEvent: (e) => events.push(e),
    });
    // 1. Synced and streaming: drop the connection.
    await until('the first snapshot', () => count('snapshot') >= 1);
    let mark = bookStates;
    await until('book updates after the first snapshot', () => bookStates >= mark + 3);
    const snapshotsBefore = count('snapshot');
    fake.disconnectWebsockets();
    // 2. Resynced after the reconnect and streaming again: skip one diff.
    await until('a snapshot after the reconnect', () => count('snapshot') > snapshotsBefore);
    mark = bookStates;
    await until('book updates after the reconnect', () => bookStates >= mark + 3);
    fake.dropDepth(1);
    // 3. The gap is seen and the book resynced; record long enough to rotate and to compare many states.
    await until('the gap', () => count('gap', 'book') >= 1);
    const snapshotsAtGap = count('snapshot');
    await until('a snapshot after the gap', () => count('snapshot') > snapshotsAtGap);
    mark = bookStates;
    await until('book updates after the gap and a rotation', () => bookStates >= mark + 40 && count('rotate') >= 1);
    stop.abort();
    const report = await done;

    assert.ok(report.reconnects >= 1, `reconnects ${report.reconnects}`);
    assert.ok(report.snapshots >= 3, `snapshots (start, after reconnect, after gap): ${report.snapshots}`);
    assert.ok(report.files.length >= 2, `rotation: ${report.files.length} files`);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temp files left');

    // The disconnect and the gap each left a gap row in the file they fell in (the book unknown from there), each
    // followed by the snapshot of the resync.
    let gapRows = 0;
    for (const f of report.files) {
      const ev = readEventFile(f).events;
      for (let i = 0; i < ev.length; i++) {
        if (ev.type[i] !== EventType.Gap) continue;
        gapRows++;
        const next = [...ev.type.subarray(i + 1)].findIndex((t) => t === EventType.Snapshot || t === EventType.Delta || t === EventType.Gap);
        if (next >= 0) assert.equal(ev.type[i + 1 + next], EventType.Snapshot, 'after a gap row the book comes back by a snapshot');
      }
    }
    assert.ok(gapRows >= 2, `gap rows (the disconnect, the gap): ${gapRows}`);

    const recorded = new Map<number, string>();
    let compared = 0;
    let lastTrade = 0;
    const tradeIds = new Set(captureData().trades.map((t) => t.t));
    for (const f of report.files) {
      const { events: ev, meta } = readEventFile(f);
      assert.equal(meta['symbol'], 'BTC/USDT');
      const firstBook = [...ev.type].findIndex((t) => t === EventType.Snapshot || t === EventType.Delta);
      if (firstBook >= 0) assert.equal(ev.type[firstBook], EventType.Snapshot, 'each file starts its book with a snapshot');
      const { crossed } = replay(ev, (id, book) => recorded.set(id, book));
      assert.equal(crossed, 0);
      for (let i = 0; i < ev.length; i++) {
        if (ev.type[i] !== EventType.Trade) continue;
        assert.ok(ev.id[i]! > lastTrade, 'trade ids rise');
        assert.ok(tradeIds.has(ev.id[i]!));
        lastTrade = ev.id[i]!;
      }
    }
    const truth = trueBooks(20, new Set(recorded.keys()));
    for (const [id, book] of recorded) {
      const want = truth.get(id);
      if (want === undefined) continue;
      assert.equal(book, want, `top 20 levels at update ${id}`);
      compared++;
    }
    console.log(`# ${compared} recorded book states compared; ${JSON.stringify(report)}`.replace(dir, '<dir>'));
    assert.ok(compared > 20, `book states compared: ${compared}`);
    assert.ok(report.trades > 0);
  } finally {
    stop.abort();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('`record` stops cleanly on SIGINT with its file complete and readable', async () => {
  const fake = new FakeBinance({ stepMs: 5 });
  await fake.start();
  const dir = mkdtempSync(join(tmpdir(), 'record-cli-'));
  try {
    const child = spawn(process.execPath, cliArgs('record', '--exchange', 'binance', '--symbol', 'BTC/USDT', '--out', dir), {
      cwd: CLI_CWD,
      env: { ...process.env, MARKETMAKERL_EXCHANGE_URL: fake.url },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += String(b)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no snapshot within 40 s: ${stderr}`)), 40_000);
      child.stderr.on('data', (b) => {
        stderr += String(b);
        if (stderr.includes('book snapshot')) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    const out = JSON.parse(stdout) as { files: string[]; stopped_by: string; snapshots: number };
    assert.equal(out.stopped_by, 'signal');
    assert.equal(out.files.length, 1);
    const { events } = readEventFile(out.files[0]!);
    assert.ok(events.length > 100);
    assert.equal(events.flags[[...events.type].indexOf(EventType.Snapshot)]! & EventFlag.SnapshotStart, EventFlag.SnapshotStart);
  } finally {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
