// PaperSession and ReplayFeed without a network: halts cancel everything, denials and transitions are journaled, resumes continue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventFlag, EventType, BTCUSDT, type EventColumns } from '../market/index.js';
import { EventBuffer } from '../data/index.js';
import { paperSetup } from './venue-options.js';
import { PaperSession } from './paper-session.js';
import { LatencyWindow, iterationRow } from './paper-loop.js';
import type { MarketFeed } from './market-feed.js';
import { ReplayFeed } from './replay-feed.js';
import type { PaperJournal } from './paper-journal.js';

const S = 1_000_000;
const T0 = 1_723_161_300 * S;

/** A book around 100 moving by a tick every 100 ms, with a trade at the bid each second. */
function market(seconds: number): EventColumns {
  const b = new EventBuffer(1024);
  b.push(EventType.Snapshot, 1, EventFlag.SnapshotStart, T0, T0, 99.99, 5, 1);
  b.push(EventType.Snapshot, -1, EventFlag.EndOfMessage, T0, T0, 100.01, 5, 1);
  for (let k = 1; k <= seconds * 10; k++) {
    const t = T0 + k * 100_000;
    const up = (k % 20) / 100;
    b.push(EventType.Delta, 1, 0, t, t, 99.99 + up, 5, k + 1);
    b.push(EventType.Delta, -1, EventFlag.EndOfMessage, t, t, 100.01 + up, 5, k + 1);
    if (k % 10 === 0) b.push(EventType.Trade, -1, EventFlag.EndOfMessage, t, t, 99.9 + up, 0.5, k);
  }
  return b.view();
}

function recordingJournal(): PaperJournal & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    placed: (_t, id) => void log.push(`placed ${id}`),
    orderEvent: (_t, id, type, reason) => void log.push(`${type} ${id}${reason ? ` ${reason}` : ''}`),
    fill: (_t, id) => void log.push(`fill ${id}`),
    quote: () => {},
    risk: (t) => void log.push(`risk ${t.condition} ${t.raised ? 'raised' : 'cleared'} ${t.to}`),
    riskMarks: () => {},
    note: (_t, kind) => void log.push(`note ${kind}`),
  };
}

test('quotes rest once warm; the kill switch halts, cancels every order and journals why; nothing is placed after', () => {
  const { strategy, options } = paperSetup(
    { market: { symbol: BTCUSDT.symbol }, features: { sigma_sample_ms: 100, sigma_window: 10 }, quoting: { gamma: 0.01, order_qty: 0.01, max_inventory_qty: 1 }, risk: { max_order_qty: 1, max_inventory_qty: 1 }, loop: { decision_interval_ms: 0 } },
    100,
  );
  const j = recordingJournal();
  const s = new PaperSession(strategy, options, j);
  const ev = market(5);
  let from = 0;
  for (let i = 0; i < ev.length; i++) {
    if ((ev.flags[i]! & EventFlag.EndOfMessage) === 0) continue;
    s.onRows(ev, from, i + 1);
    s.decide(ev.tsLocal[i]!, { lastDataLocal: ev.tsLocal[i]!, connected: true });
    from = i + 1;
  }
  const now = ev.tsLocal[ev.length - 1]!;
  assert.ok(s.core.open.count > 0, 'quotes rest');
  assert.ok(j.log.some((l) => l.startsWith('accepted')));
  s.halt(now, 'operator');
  s.decide(now + 1000, { lastDataLocal: now, connected: true });
  s.pump(now + 10 * S);
  assert.equal(s.core.open.count, 0, 'halted: nothing rests');
  assert.ok(j.log.includes('risk kill-switch raised halted'));
  const after = j.log.length;
  s.decide(now + 2 * S, { lastDataLocal: now + 2 * S, connected: true });
  assert.ok(!j.log.slice(after).some((l) => l.startsWith('placed')), 'nothing is placed while halted');
  assert.equal(s.core.view.tradingState, 'halted');
});

test('a place the ledger cannot record never leaves: counted as denied (rule ledger), not as placed; the venue sees nothing', () => {
  const { strategy, options } = paperSetup(
    { market: { symbol: BTCUSDT.symbol }, features: { sigma_sample_ms: 100, sigma_window: 10 }, quoting: { gamma: 0.01, order_qty: 0.01, max_inventory_qty: 1 }, risk: { max_order_qty: 1, max_inventory_qty: 1 }, loop: { decision_interval_ms: 0 } },
    100,
  );
  const j = recordingJournal();
  j.placed = () => {
    throw new Error('disk full');
  };
  const s = new PaperSession(strategy, options, j);
  const ev = market(3);
  let from = 0;
  for (let i = 0; i < ev.length; i++) {
    if ((ev.flags[i]! & EventFlag.EndOfMessage) === 0) continue;
    s.onRows(ev, from, i + 1);
    s.decide(ev.tsLocal[i]!, { lastDataLocal: ev.tsLocal[i]!, connected: true });
    from = i + 1;
  }
  s.pump(ev.tsLocal[ev.length - 1]! + S);
  const c = s.core.counters;
  assert.ok(c.denied > 0, 'the strategy tried to quote');
  assert.equal(c.placed, 0, 'nothing was placed');
  assert.equal(s.exchange.audit.length, 0, 'the venue saw no order');
  const byRule = Object.fromEntries(s.core.gate.denialsByRule);
  assert.ok((byRule['ledger'] ?? 0) > 0, `refusals of the ledger counted under its name: ${JSON.stringify(byRule)}`);
  assert.equal(Object.values(byRule).reduce((a, b) => a + b, 0), c.denied, 'every denial counted by its rule');
  assert.equal(j.log.filter((l) => l.startsWith('denied')).length, c.denied, 'each denial journaled');
});

test('the iteration line counts the commands that reached the venue; a place the gate or the ledger refused is in its denials only', () => {
  // Three new orders a minute: the quotes that move every 100 ms are mostly refused by the order rate; the ledger refuses one too.
  const { strategy, options } = paperSetup(
    { market: { symbol: BTCUSDT.symbol }, features: { sigma_sample_ms: 100, sigma_window: 10 }, quoting: { gamma: 0.01, order_qty: 0.01, max_inventory_qty: 1 }, risk: { max_order_qty: 1, max_inventory_qty: 1, max_orders_per_window: 3, order_rate_window_ms: 60_000 }, loop: { decision_interval_ms: 0 } },
    100,
  );
  const j = recordingJournal();
  let refusals = 1;
  const placed = j.placed;
  j.placed = (...a) => {
    if (refusals-- > 0) throw new Error('disk full');
    placed(...a);
  };
  const s = new PaperSession(strategy, options, j);
  const ev = market(3);
  let from = 0;
  for (let i = 0; i < ev.length; i++) {
    if ((ev.flags[i]! & EventFlag.EndOfMessage) === 0) continue;
    s.onRows(ev, from, i + 1);
    s.decide(ev.tsLocal[i]!, { lastDataLocal: ev.tsLocal[i]!, connected: true });
    from = i + 1;
  }
  const end = ev.tsLocal[ev.length - 1]!;
  const feed = { kind: 'replay', connected: true, stats: { reconnects: 0, resyncs: 0, gaps: 0, retries: 0, rateLimited: 0 } } as unknown as MarketFeed;
  const zero = { rows: 0, trades: 0, decisions: 0, commands: 0, fills: 0, denials: 0, riskEvents: 0 };
  const row = iterationRow({ exchange: 'binance', symbol: BTCUSDT.symbol }, s, feed, 1, end, new LatencyWindow(), 0, zero);
  const c = s.core.counters;
  const byRule = Object.fromEntries(s.core.gate.denialsByRule);
  assert.ok((byRule['order_rate'] ?? 0) > 0 && byRule['ledger'] === 1, `refused by the gate and by the ledger: ${JSON.stringify(byRule)}`);
  assert.equal(c.placed, s.exchange.audit.length, 'every place counted reached the venue');
  assert.equal(c.placed, 3, 'the place the ledger refused did not use up the order rate: three sent in the minute');
  assert.equal(row.commands, c.placed + c.canceled + c.amended, 'commands: places, cancels and amends sent');
  assert.equal(row.denials, c.denied, 'denials: every refusal, the gate\'s and the ledger\'s');
  assert.ok(row.commands < row.denials, `most quotes were refused: ${row.commands} sent, ${row.denials} refused`);
});

test('resume: position, cash and the id sequence continue; open orders are placed again once a book exists', () => {
  const { strategy, options } = paperSetup({ features: { sigma_sample_ms: 100, sigma_window: 10 }, quoting: { order_qty: 0.001 }, loop: { decision_interval_ms: 0 } }, 100);
  const j = recordingJournal();
  const s = new PaperSession(strategy, options, j);
  s.resume({ position: 0.003, cash: 9_700, avgCost: 100, realizedPnl: 1, fees: 0.1, fills: 7, lastClientId: 41, openOrders: [{ clientId: 40, side: -1, price: 100.5, remaining: 0.001 }], riskMarks: undefined });
  assert.equal(s.core.nextId(), 42);
  const ev = market(1);
  s.onRows(ev, 0, 2);
  s.decide(T0, { lastDataLocal: T0, connected: true });
  assert.ok(j.log.includes('resumed 40 open at restart: placed again on the paper venue'));
  s.pump(T0 + S);
  assert.ok(j.log.includes('accepted 40'));
  assert.equal(s.core.portfolio.position, 0.003);
  assert.equal(s.core.view.cash, 9_700);
});

test('replay feed: paced by the clock, restamped on delivery; a disconnect stops it and a reconnect resyncs from the snapshot', async () => {
  const ev = market(2);
  let t = 5_000 * S;
  const feed = new ReplayFeed(ev, { clock: () => t, speed: 1, pollMs: 1 });
  await feed.start();
  let got = await feed.next(0);
  assert.equal(got?.length, 2, 'the snapshot is due at once');
  assert.equal(got?.tsLocal[0], t, 'restamped with the clock');
  t += 250_000;
  got = await feed.next(0);
  assert.equal(got?.length, 4, 'two messages of 100 ms are due after 250 ms');
  assert.equal(feed.backlog(), 0);
  feed.disconnect();
  t += 300_000;
  assert.equal((await feed.next(0))?.length, 0);
  assert.ok(feed.backlog() > 0, 'data piles up while the link is down');
  feed.reconnect();
  got = await feed.next(0);
  assert.equal(got!.flags[0]! & EventFlag.SnapshotStart, EventFlag.SnapshotStart, 'a resync starts with the snapshot');
  assert.equal(feed.stats.reconnects, 1);
  assert.deepEqual(feed.drainNotes().map((n) => n.kind), ['disconnect', 'reconnect']);
});

test('replay feed: a message larger than the buffer is handed out whole, not stalled on', async () => {
  const b = new EventBuffer(16);
  for (let i = 0; i < 5000; i++) b.push(EventType.Snapshot, i < 2500 ? 1 : -1, i === 0 ? EventFlag.SnapshotStart : i === 4999 ? EventFlag.EndOfMessage : 0, T0, T0, i < 2500 ? 99 - i * 0.01 : 101 + i * 0.01, 1, 1);
  const feed = new ReplayFeed(b.view(), { clock: () => T0, speed: Number.POSITIVE_INFINITY });
  await feed.start();
  assert.equal((await feed.next(0))?.length, 5000);
  assert.equal(await feed.next(0), undefined, 'then the recording has ended');
});

test('an order reaching the paper venue at the instant a trade prints misses it; only later trades fill it (the tick backtest\'s order)', () => {
  const { options } = paperSetup({ sim: { entry_latency_ms: 10, response_latency_ms: 10, maker_fee_bps: 0 }, quoting: { order_qty: 0.001 }, loop: { decision_interval_ms: 0 } }, 100);
  // Bids 0.001 at the best bid, once.
  const strategy = {
    name: 'touch-bid-once',
    decide(v: { bestBid: number; mid: number }, out: { bidPrice: number; bidQty: number; askPrice: number; askQty: number; reservation: number }): void {
      out.bidPrice = v.bestBid;
      out.bidQty = 0.001;
      out.askPrice = Number.NaN;
      out.askQty = 0;
      out.reservation = v.mid;
    },
  };
  const s = new PaperSession(strategy, options);
  const b = new EventBuffer(16);
  b.push(EventType.Snapshot, 1, EventFlag.SnapshotStart, T0, T0, 99.99, 5, 1);
  b.push(EventType.Snapshot, -1, EventFlag.EndOfMessage, T0, T0, 100.01, 5, 1);
  const arrival = T0 + 10_000;
  // A sell through our bid printed exactly when the order reaches the venue, then another one after.
  b.push(EventType.Trade, -1, EventFlag.EndOfMessage, arrival, arrival, 99.98, 1, 7);
  b.push(EventType.Trade, -1, EventFlag.EndOfMessage, arrival + 1, arrival + 1, 99.98, 1, 8);
  const ev = b.view();
  s.onRows(ev, 0, 2);
  s.decide(T0, { lastDataLocal: T0, connected: true });
  assert.equal(s.core.open.count, 1, 'the bid is on its way');
  s.onRows(ev, 2, 3);
  s.pump(arrival + S);
  assert.equal(s.core.fills.length, 0, 'the trade at the arrival instant came first');
  assert.equal(s.core.open.count, 1, 'the bid rests');
  s.onRows(ev, 3, 4);
  s.pump(arrival + 2 * S);
  assert.equal(s.core.fills.length, 1, 'a trade after the arrival fills it');
  assert.equal(s.core.fills.price[0], 99.99);
});

test('a gap row in the feed halts the paper session (every order cancelled) until a snapshot resyncs the book, and its venue fills nothing meanwhile', () => {
  const { strategy, options } = paperSetup(
    { market: { symbol: BTCUSDT.symbol }, features: { sigma_sample_ms: 100, sigma_window: 10 }, quoting: { gamma: 0.01, order_qty: 0.01, max_inventory_qty: 1 }, risk: { max_order_qty: 1, max_inventory_qty: 1 }, loop: { decision_interval_ms: 0 } },
    100,
  );
  const j = recordingJournal();
  const s = new PaperSession(strategy, options, j);
  const ev = market(4);
  // From 2 s: the depth stream breaks (a gap row), sells sweep down to 99 (they would fill any bid), then at
  // 3 s a snapshot resyncs the book.
  const gapAt = T0 + 2 * S;
  const cut = ev.tsLocal.findIndex((t) => t > gapAt);
  const b = new EventBuffer(1024);
  const rows = (from: number, to: number): void => {
    for (let i = from; i < to; i++) b.push(ev.type[i]!, ev.side[i]!, ev.flags[i]!, ev.tsExchange[i]!, ev.tsLocal[i]!, ev.price[i]!, ev.size[i]!, ev.id[i]!);
  };
  rows(0, cut);
  b.push(EventType.Gap, 0, EventFlag.EndOfMessage, gapAt + 1, gapAt + 1, 0, 0, 0);
  for (let k = 1; k <= 9; k++) b.push(EventType.Trade, -1, EventFlag.EndOfMessage, gapAt + k * 100_000, gapAt + k * 100_000, 99, 5, 1000 + k);
  b.push(EventType.Snapshot, 1, EventFlag.SnapshotStart, T0 + 3 * S, T0 + 3 * S, 99.99, 5, 10_000);
  b.push(EventType.Snapshot, -1, EventFlag.EndOfMessage, T0 + 3 * S, T0 + 3 * S, 100.01, 5, 10_000);
  const all = b.view();
  let from = 0;
  let before = -1;
  for (let i = 0; i < all.length; i++) {
    if ((all.flags[i]! & EventFlag.EndOfMessage) === 0) continue;
    s.onRows(all, from, i + 1);
    s.decide(all.tsLocal[i]!, { lastDataLocal: all.tsLocal[i]!, connected: true });
    if (all.type[i] === EventType.Gap) before = s.core.fills.length;
    from = i + 1;
  }
  assert.ok(before >= 0);
  assert.ok(j.log.includes('risk book-gap raised halted'), j.log.filter((l) => l.startsWith('risk')).join('; '));
  assert.ok(j.log.includes('risk book-gap cleared active'));
  assert.equal(s.core.fills.length, before, 'the sweep in the gap filled nothing');
  assert.equal(s.exchange.market.gaps, 1, 'the venue met the gap');
  assert.equal(s.exchange.market.known, true, 'and the resync');
  const raised = j.log.indexOf('risk book-gap raised halted');
  const cleared = j.log.indexOf('risk book-gap cleared active');
  assert.ok(!j.log.slice(raised, cleared).some((l) => l.startsWith('placed')), 'nothing placed while the book is unknown');
  assert.ok(j.log.slice(cleared).some((l) => l.startsWith('placed')), 'quoting again after the resync');
});
