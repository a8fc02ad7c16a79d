// The fake exchange's own matching engine on hand-made markets: queue at join, the hidden queue families, latencies, post-only, independence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EventFlag, EventType, allocEvents, type EventColumns } from '../../src/market/index.js';
import type { Liquidity, OrderEventHandler } from '../../src/orders/index.js';
import { MatchingEngine, type MatchingEngineOptions } from './matching-engine.js';

type Row = [type: number, side: number, flags: number, ts: number, price: number, size: number];
const S = EventType.Snapshot;
const D = EventType.Delta;
const T = EventType.Trade;
const END = EventFlag.EndOfMessage;

function events(rows: Row[]): EventColumns {
  const ev = allocEvents(rows.length);
  rows.forEach(([type, side, flags, ts, price, size], i) => {
    ev.type[i] = type;
    ev.side[i] = side;
    ev.flags[i] = flags;
    ev.tsExchange[i] = ts;
    ev.tsLocal[i] = ts;
    ev.price[i] = price;
    ev.size[i] = size;
    ev.id[i] = i;
  });
  ev.length = rows.length;
  return ev;
}

/** Bids 99.99 (10) and 99.98 (5), asks 100.00 (4) and 100.01 (6), at t = 0. */
const OPENING: Row[] = [
  [S, 1, EventFlag.SnapshotStart, 0, 99.99, 10],
  [S, 1, 0, 0, 99.98, 5],
  [S, -1, 0, 0, 100.0, 4],
  [S, -1, END, 0, 100.01, 6],
];

interface Answer {
  kind: string;
  ts: number;
  id: number;
  qty?: number;
  exchangeTs?: number;
}

/** Replays `rows` (after the opening book) with the commands given at their local times, in the tick backtest's order at each instant. */
function run(o: Partial<MatchingEngineOptions>, rows: Row[], commands: { ts: number; place?: [id: number, side: 1 | -1, price: number, qty: number]; cancel?: number }[]): { answers: Answer[]; engine: MatchingEngine } {
  const engine = new MatchingEngine({ tickSize: 0.01, queue: { family: 'fifo' }, entry: { ms: 0 }, response: { ms: 0 }, ...o });
  const ev = events([...OPENING, ...rows]);
  const answers: Answer[] = [];
  const h: OrderEventHandler = {
    onAccepted: (ts, id) => answers.push({ kind: 'accepted', ts, id }),
    onRejected: (ts, id) => answers.push({ kind: 'rejected', ts, id }),
    onDenied: () => {},
    onCanceled: (ts, id) => answers.push({ kind: 'canceled', ts, id }),
    onFill: (ts: number, id: number, _s, _p, qty: number, _f: number, _l: Liquidity) => answers.push({ kind: 'fill', ts, id, qty, exchangeTs: engine.last.exchangeTs }),
  };
  const cmds = [...commands].sort((a, b) => a.ts - b.ts);
  let i = 0;
  let c = 0;
  for (;;) {
    const tRow = i < ev.length ? ev.tsExchange[i]! : Infinity;
    const tCmd = c < cmds.length ? cmds[c]!.ts : Infinity;
    const tIn = engine.nextInboundTs();
    const tOut = engine.nextOutboundTs();
    const m = Math.min(tRow, tCmd, tIn, tOut);
    if (m === Infinity) break;
    if (tRow === m) engine.onMarket(ev, i, ev.tsExchange[i++]!);
    else if (tIn === m) engine.processInbound();
    else if (tOut === m) engine.deliver(h);
    else {
      const x = cmds[c++]!;
      if (x.place !== undefined) engine.place(x.ts, ...x.place);
      if (x.cancel !== undefined) engine.cancel(x.ts, x.cancel);
    }
  }
  return { answers, engine };
}

test('an order joins behind the depth at its price and fills only with the volume beyond it; answers come back after entry + response', () => {
  const { answers, engine } = run({ entry: { ms: 5 }, response: { ms: 3 } }, [
    [T, -1, 0, 20_000, 99.99, 7],
    [T, -1, 0, 30_000, 99.99, 4],
  ], [{ ts: 1_000, place: [1, 1, 99.99, 2] }]);
  assert.deepEqual(engine.log[0], { kind: 'arrived', id: 1, ts: 6_000, ahead: 10 });
  assert.deepEqual(answers, [
    { kind: 'accepted', ts: 9_000, id: 1 },
    // 7 + 4 = 11 traded against 10 ahead: 1 reaches us, at the second trade's time, 3 ms later to us.
    { kind: 'fill', ts: 33_000, id: 1, qty: 1, exchangeTs: 30_000 },
  ]);
});

test('a trade printed before the order arrives cannot fill it; a trade through its price fills it at once', () => {
  const { answers } = run({ entry: { ms: 10 } }, [
    [T, -1, 0, 5_000, 99.99, 50],
    [T, -1, 0, 20_000, 99.98, 1.5],
  ], [{ ts: 0, place: [1, 1, 99.99, 1] }]);
  assert.deepEqual(
    answers.map((a) => [a.kind, a.qty]),
    [
      ['accepted', undefined],
      ['fill', 1],
    ],
  );
  assert.equal(answers[1]!.exchangeTs, 20_000);
});

test('post-only: an order that would cross the touch is rejected', () => {
  const { answers } = run({}, [], [{ ts: 1, place: [1, 1, 100.0, 1] }, { ts: 2, place: [2, -1, 99.99, 1] }, { ts: 3, place: [3, -1, 100.0, 1] }]);
  assert.deepEqual(
    answers.map((a) => `${a.id}:${a.kind}`),
    ['1:rejected', '2:rejected', '3:accepted'],
  );
});

/** Ahead 10 of 10 + nothing behind; 5 more join behind us; 6 cancelled; then a trade of `trade`. */
function cancelScenario(queue: MatchingEngineOptions['queue'], trade: number): Answer[] {
  return run({ queue }, [
    [D, 1, END, 10_000, 99.99, 15],
    [D, 1, END, 20_000, 99.99, 9],
    [T, -1, 0, 30_000, 99.99, trade],
  ], [{ ts: 1_000, place: [1, 1, 99.99, 1] }]).answers.filter((a) => a.kind === 'fill');
}

test('the hidden queue families place a cancellation as they say: FIFO behind us, power:N by aheadᴺ / (aheadᴺ + behindᴺ)', () => {
  // FIFO: 6 cancelled, 5 behind us → at least 1 came from ahead: 9 ahead; a trade of 9.5 leaves 0.5 for us.
  assert.deepEqual(cancelScenario({ family: 'fifo' }, 9.5).map((a) => a.qty), [0.5]);
  // power:1: share 10/15 of 6 = 4 ahead → 6 ahead; a trade of 6.5 fills 0.5.
  assert.ok(Math.abs(cancelScenario({ family: 'power', n: 1 }, 6.5)[0]!.qty! - 0.5) < 1e-9);
  assert.deepEqual(cancelScenario({ family: 'fifo' }, 6.5), []);
  // power:3: share 1000/1125 of 6 = 5.333 ahead → 4.667 ahead.
  assert.ok(Math.abs(cancelScenario({ family: 'power', n: 3 }, 5)[0]!.qty! - (5 - (10 - 6 * (1000 / 1125)))) < 1e-9);
  assert.deepEqual(cancelScenario({ family: 'power', n: 1 }, 5), []);
});

test('a depth decrease that the trades since the last depth message explain moves no queue', () => {
  const fills = run({ queue: { family: 'power', n: 1 } }, [
    [D, 1, END, 10_000, 99.99, 15], // 5 join behind us
    [T, -1, 0, 20_000, 99.99, 3], // ahead 10 → 7
    [D, 1, END, 25_000, 99.99, 12], // the trade, not a cancel
    [T, -1, 0, 30_000, 99.99, 7.5],
  ], [{ ts: 1_000, place: [1, 1, 99.99, 1] }]).answers.filter((a) => a.kind === 'fill');
  assert.deepEqual(fills.map((a) => a.qty), [0.5]);
});

test('one trade fills our orders in queue order with its volume used once; a cancel removes a resting order, a late one is ignored', () => {
  const { answers } = run({}, [
    [T, -1, 0, 10_000, 99.98, 6],
    [T, -1, 0, 20_000, 99.98, 5],
  ], [
    { ts: 1_000, place: [1, 1, 99.98, 1] },
    { ts: 2_000, place: [2, 1, 99.98, 1] },
    { ts: 3_000, place: [3, 1, 99.97, 1] },
    { ts: 15_000, cancel: 3 },
    { ts: 25_000, cancel: 1 },
  ]);
  // Ahead 5 for both: the first trade leaves 1 beyond the queue → order 1; the second fills order 2.
  assert.deepEqual(
    answers.filter((a) => a.kind !== 'accepted').map((a) => `${a.id}:${a.kind}:${a.qty ?? ''}`),
    ['1:fill:1', '3:canceled:', '2:fill:1'],
  );
});

test('jittered latencies stay within their band, keep the order of the connection, and average to their centre', () => {
  const cmds = Array.from({ length: 400 }, (_, k) => ({ ts: 1_000 + k * 50_000, place: [k + 1, 1, 99.9, 1] as [number, 1, number, number] }));
  const { answers, engine } = run({ entry: { ms: 20, jitter: 8 }, response: { ms: 10, jitter: 4 }, seed: 7 }, [], cmds);
  const arrivals = engine.log.filter((l) => l.kind === 'arrived');
  const entry = arrivals.map((a, k) => (a.ts - cmds[k]!.ts) / 1000);
  const resp = answers.map((a, k) => (a.ts - arrivals[k]!.ts) / 1000);
  assert.ok(entry.every((e) => e >= 12 - 1e-9 && e <= 28 + 1e-9));
  assert.ok(resp.every((r) => r >= 6 - 1e-9 && r <= 14 + 1e-9));
  const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
  assert.ok(Math.abs(mean(entry) - 20) < 1, `entry mean ${mean(entry)}`);
  assert.ok(Math.abs(mean(resp) - 10) < 0.5, `response mean ${mean(resp)}`);
  assert.ok(new Set(entry.map((e) => e.toFixed(3))).size > 50, 'jittered, not constant');
});

test("the engine is the fake's own code: it imports nothing from the project's simulator", () => {
  const src = readFileSync(fileURLToPath(new URL('./matching-engine.ts', import.meta.url)), 'utf8');
  const imports = [...src.matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
  assert.ok(imports.length > 0);
  for (const i of imports) assert.ok(!/src\/(sim|engine)\b/.test(i), `imports ${i}`);
});
