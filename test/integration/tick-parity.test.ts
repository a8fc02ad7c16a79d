// Parity: one short fixture through the tick backtest driver and the realtime driver (replay feed, simulated venue, manual clock).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readEvents } from '../../src/data/index.js';
import { inVenueOrder, makeInstrument, type EventColumns } from '../../src/market/index.js';
import { CommandLog } from '../../src/orders/index.js';
import { BpsFees, constantLatency, powerQueue } from '../../src/sim/index.js';
import { QuotingStrategy, defaultQuotingParams, type Strategy } from '../../src/strategy/index.js';
import { TickBacktest, RealtimeDriver, ColumnsReplayFeed, ManualClock, defaultTickLocalParams, type RealtimeOptions } from '../../src/engine/index.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { TouchQuotes } from '../fixtures/tick-strategies.js';

/**
 * The first 90 s of the shared capture in venue order (trades at their trade time). The realtime
 * driver's venue applies rows as they arrive; the backtest's venue puts a trade logged late back at its
 * trade time. On a stream already in that order the two meet the same market.
 */
function fixture(): EventColumns {
  const all = inVenueOrder(readEvents(ensureSharedCaptureArrow()));
  let n = 0;
  const t0 = all.tsLocal[0]!;
  while (n < all.length && all.tsLocal[n]! < t0 + 90e6) n++;
  return { ...all, length: n };
}

function options(): RealtimeOptions {
  return {
    core: { initialCash: 100_000, reconcile: { priceTolerance: 0, qtyTolerance: 0 }, limits: { maxOrderQty: 0.01, maxInventoryQty: 0.05, priceBandFraction: 0.05 } },
    local: { ...defaultTickLocalParams, intensityWindowMicros: 30e6, intensityRecalibrateMicros: 5e6, sigmaWindow: 30 },
    exchange: { tickSize: 0.01, partialFills: true },
    queue: powerQueue(2),
    latency: constantLatency(7_000, 4_000),
    fees: new BpsFees(-0.5, 2),
    feedLatencyMicros: 0,
    decisionIntervalMicros: 100_000,
    sampleIntervalMicros: 500_000,
    markoutSeconds: [1, 10],
    feedTimeoutMs: 0,
  };
}

const strategies = (): [string, () => Strategy][] => [
  ['touch', () => new TouchQuotes(0.005, 0.02)],
  ['as', () => new QuotingStrategy({ ...defaultQuotingParams, gamma: 0.0001, horizonSeconds: 30, orderQty: 0.005, maxInventoryQty: 0.02 }, makeInstrument('BTC/USDT'))],
];

for (const [name, make] of strategies()) {
  test(`${name}: the backtest and the realtime driver send the same commands and get the same fills`, async () => {
    const ev = fixture();
    const bt = new TickBacktest(make(), options());
    const btLog = new CommandLog(bt.exchange);
    bt.core.connect(btLog);
    const a = bt.run([ev]);

    const rt = new RealtimeDriver(make(), options(), new ColumnsReplayFeed(ev, 37), new ManualClock());
    const rtLog = new CommandLog(rt.session.exchange);
    rt.session.core.connect(rtLog);
    const b = await rt.run();

    assert.ok(btLog.commands.length > 20, `commands ${btLog.commands.length}`);
    assert.ok(a.core.fills.length > 0, 'some fills');
    assert.deepEqual(rtLog.commands, btLog.commands);
    const fills = (r: typeof a) => {
      const f = r.core.fills;
      return Array.from({ length: f.length }, (_, i) => [f.ts[i], f.clientId[i], f.side[i], f.price[i], f.qty[i], f.fee[i], f.taker[i]]);
    };
    assert.deepEqual(fills(b), fills(a));
    assert.equal(b.events, a.events);
    assert.deepEqual({ ...b.metrics }, { ...a.metrics });
  });
}

/** A clock read by the driver, moved by the feed as a wall clock would move while it waits. */
class WaitingClock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
}

/** Delivers the rows whose local time has come, waiting (moving the clock) at most `timeoutMs`. */
class TimedFeed {
  private i = 0;
  waits = 0;
  constructor(
    private readonly ev: EventColumns,
    private readonly clock: WaitingClock,
  ) {}
  async next(timeoutMs: number): Promise<EventColumns | undefined> {
    const ev = this.ev;
    if (this.i >= ev.length) return undefined;
    const due = this.clock.t + timeoutMs * 1000;
    if (ev.tsLocal[this.i]! > due) {
      this.clock.t = due;
      this.waits++;
      return { ...ev, length: 0 };
    }
    if (ev.tsLocal[this.i]! > this.clock.t) this.clock.t = ev.tsLocal[this.i]!;
    const from = this.i;
    while (this.i < ev.length && ev.tsLocal[this.i]! <= this.clock.t) this.i++;
    const to = this.i;
    const cut = <T extends { subarray(a: number, b: number): T }>(a: T): T => a.subarray(from, to);
    return { length: to - from, type: cut(ev.type), side: cut(ev.side), flags: cut(ev.flags), tsExchange: cut(ev.tsExchange), tsLocal: cut(ev.tsLocal), price: cut(ev.price), size: cut(ev.size), id: cut(ev.id) };
  }
}

test('a clock that is read, not moved: timers fire while the feed is quiet, and commands and fills stay the same', async () => {
  const all = fixture();
  // Local time = exchange time, in exchange-time order, so the file's local stamps are what a feed delivers.
  const n = Math.min(all.length, 40_000);
  const ev = { ...all, length: n, tsLocal: all.tsExchange.slice(0, n) };
  for (let i = 1; i < n; i++) if (ev.tsLocal[i]! < ev.tsLocal[i - 1]!) ev.tsLocal[i] = ev.tsLocal[i - 1]!;
  const opts = { ...options(), feedLatencyMicros: undefined, feedTimeoutMs: 1000 };
  const bt = new TickBacktest(new TouchQuotes(0.005, 0.02), opts);
  const btLog = new CommandLog(bt.exchange);
  bt.core.connect(btLog);
  const a = bt.run([ev]);
  const clock = new WaitingClock(ev.tsLocal[0]! - 1);
  const feed = new TimedFeed(ev, clock);
  const rt = new RealtimeDriver(new TouchQuotes(0.005, 0.02), opts, feed, clock);
  const rtLog = new CommandLog(rt.session.exchange);
  rt.session.core.connect(rtLog);
  const b = await rt.run();
  assert.ok(feed.waits > 10, `the loop waited for timers ${feed.waits} times`);
  assert.ok(btLog.commands.length > 20);
  assert.deepEqual(rtLog.commands, btLog.commands);
  assert.deepEqual(Array.from(b.core.fills.price.subarray(0, b.core.fills.length)), Array.from(a.core.fills.price.subarray(0, a.core.fills.length)));
  assert.equal(b.core.fills.length, a.core.fills.length);
});

/*
 * Feed latency f > 0. The backtest's venue has each row at its exchange time, f before the trading
 * side; the realtime driver's venue applies a row when it arrives (a paper venue learns of the market
 * when we do), so it runs on the local clock, f behind. Nothing else differs but where f falls in the
 * round trip: a command sent at local t meets, in the backtest, the market of exchange time t + E; in
 * the realtime venue, that of t + E − f. Hence realtime with (E, R) is exactly the backtest with
 * (E − f, R + f) (and the backtest with (E, R) is realtime with (E + f, R − f) when R ≥ f), while with
 * equal latencies the two part: realtime's orders meet a market f older, its fills reach us f later.
 * (The realtime venue used to take market rows at their exchange time but commands at local time, two
 * clocks in one venue; it matched neither.)
 */
test('feed latency 5 ms: the realtime driver is the backtest with f moved from the entry to the response latency', async () => {
  const f = 5_000;
  const ev = fixture();
  const opts = (entry: number, response: number): RealtimeOptions => ({ ...options(), latency: constantLatency(entry, response), feedLatencyMicros: f });
  const rt = new RealtimeDriver(new TouchQuotes(0.005, 0.02), opts(7_000, 4_000), new ColumnsReplayFeed(ev, 37), new ManualClock());
  const rtLog = new CommandLog(rt.session.exchange);
  rt.session.core.connect(rtLog);
  const b = await rt.run();
  const fills = (r: typeof b) => {
    const x = r.core.fills;
    return Array.from({ length: x.length }, (_, i) => [x.ts[i], x.clientId[i], x.side[i], x.price[i], x.qty[i], x.fee[i], x.taker[i]]);
  };
  const backtest = (entry: number, response: number) => {
    const bt = new TickBacktest(new TouchQuotes(0.005, 0.02), opts(entry, response));
    const log = new CommandLog(bt.exchange);
    bt.core.connect(log);
    return { r: bt.run([ev]), commands: log.commands };
  };
  const shifted = backtest(7_000 - f, 4_000 + f);
  assert.ok(shifted.commands.length > 20 && shifted.r.core.fills.length > 10);
  assert.deepEqual(rtLog.commands, shifted.commands);
  assert.deepEqual(fills(b), fills(shifted.r));
  const same = backtest(7_000, 4_000);
  assert.equal(fills(b)[0]![0]! - fills(same.r)[0]![0]!, f, 'the first fill reaches us f later');
  assert.notDeepEqual(fills(b), fills(same.r));
});
