// CcxtFeed on a scripted stand-in for ccxt: book states become a snapshot then deltas; faults back off, resync, and count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventFlag, EventType, type EventColumns } from '../market/index.js';
import type { CcxtExchange } from '../venues/ccxt/exchange.js';
import { marketData } from '../venues/ccxt/market-data.js';
import { CcxtFeed, defaultCcxtFeedOptions } from './ccxt-feed.js';

class InvalidNonce extends Error {}
class NetworkError extends Error {}

type Book = { bids: [number, number][]; asks: [number, number][]; timestamp: number; nonce: number };

/** Hands out scripted order books (or throws scripted errors), one per watch call; trades never come. */
function standIn(script: (Book | Error)[]): CcxtExchange {
  let i = 0;
  const pending: ((e: Error) => void)[] = [];
  // Like ccxt: a watch call with nothing to say waits, and close() rejects every waiting call.
  const wait = (): Promise<never> => new Promise((_r, reject) => void pending.push(reject));
  return {
    watchOrderBook: async () => {
      const step = script[i++];
      if (step === undefined) return wait();
      if (step instanceof Error) throw step;
      return step;
    },
    watchTrades: async () => wait(),
    close: async () => {
      for (const r of pending.splice(0)) r(new Error('closed'));
    },
  } as unknown as CcxtExchange;
}

async function rowsOf(feed: CcxtFeed, messages: number): Promise<{ type: number; side: number; flags: number; price: number; size: number }[]> {
  const out: { type: number; side: number; flags: number; price: number; size: number }[] = [];
  for (let k = 0; k < 50 && out.filter((r) => (r.flags & EventFlag.EndOfMessage) !== 0).length < messages; k++) {
    const ev = (await feed.next(20)) as EventColumns;
    for (let i = 0; i < ev.length; i++) out.push({ type: ev.type[i]!, side: ev.side[i]!, flags: ev.flags[i]!, price: ev.price[i]!, size: ev.size[i]! });
  }
  return out;
}

const book = (bids: [number, number][], asks: [number, number][], n: number): Book => ({ bids, asks, timestamp: 1_700_000_000_000 + n, nonce: n });

test('first book is a snapshot; later books are deltas of what changed; a sequence gap is a gap row, then a snapshot resyncs', async () => {
  const ex = standIn([
    book([[100, 1], [99, 2]], [[101, 1]], 1),
    book([[100, 1], [99, 3]], [[101, 1], [102, 5]], 2),
    new InvalidNonce('gap'),
    book([[100, 2]], [[101, 1]], 3),
  ]);
  let t = 1e15;
  const feed = new CcxtFeed(marketData(ex), { ...defaultCcxtFeedOptions, symbol: 'BTC/USDT', clock: () => (t += 1000), mode: 'ws', backoffBaseMs: 1, random: () => 0 });
  await feed.start();
  const rows = await rowsOf(feed, 4);
  await feed.close();
  const snap = rows.slice(0, 3);
  assert.deepEqual(snap.map((r) => r.type), [EventType.Snapshot, EventType.Snapshot, EventType.Snapshot]);
  assert.equal(snap[0]!.flags & EventFlag.SnapshotStart, EventFlag.SnapshotStart);
  assert.equal(snap[2]!.flags & EventFlag.EndOfMessage, EventFlag.EndOfMessage);
  const delta = rows.slice(3, 5);
  assert.deepEqual(delta.map((r) => [r.type, r.side, r.price, r.size]), [
    [EventType.Delta, 1, 99, 3],
    [EventType.Delta, -1, 102, 5],
  ]);
  assert.deepEqual([rows[5]!.type, rows[5]!.side, rows[5]!.price, rows[5]!.flags], [EventType.Gap, 0, 0, EventFlag.EndOfMessage], 'the book unknown from the break');
  const resync = rows.slice(6);
  assert.equal(resync[0]!.type, EventType.Snapshot);
  assert.equal(resync[0]!.flags & EventFlag.SnapshotStart, EventFlag.SnapshotStart);
  assert.deepEqual(resync.map((r) => [r.side, r.price, r.size]), [[1, 100, 2], [-1, 101, 1]]);
  assert.equal(feed.stats.gaps, 1);
  assert.equal(feed.stats.resyncs, 2);
  assert.ok(feed.drainNotes().some((n) => n.kind === 'gap'));
});

test('a network error marks the feed down, backs off, and the next book after it is a gap row, a snapshot and a reconnect', async () => {
  const ex = standIn([book([[100, 1]], [[101, 1]], 1), new NetworkError('socket closed'), new NetworkError('refused'), book([[100, 1]], [[101, 2]], 2)]);
  let t = 1e15;
  const feed = new CcxtFeed(marketData(ex), { ...defaultCcxtFeedOptions, symbol: 'BTC/USDT', clock: () => (t += 1000), mode: 'ws', backoffBaseMs: 1, random: () => 0.5 });
  await feed.start();
  const rows = await rowsOf(feed, 3);
  await feed.close();
  assert.equal(rows.length, 5);
  assert.equal(rows[2]!.type, EventType.Gap, 'the book unknown from the drop');
  assert.equal(rows[3]!.flags & EventFlag.SnapshotStart, EventFlag.SnapshotStart, 'resynced after the drop');
  assert.equal(feed.stats.retries, 2);
  assert.equal(feed.stats.reconnects, 1);
  assert.equal(feed.connected, true);
  const kinds = feed.drainNotes().map((n) => n.kind);
  assert.deepEqual(kinds, ['disconnect', 'retry', 'retry', 'reconnect']);
});
