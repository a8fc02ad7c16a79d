// The tick driver on hand-made events: two clocks, entry and response latency, cancels racing fills, fees, conservation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventColumns } from '../../src/market/index.js';
import { BpsFees, constantLatency, riskAverseQueue } from '../../src/sim/index.js';
import type { MarketView, QuoteTarget, Strategy } from '../../src/strategy/index.js';
import { runTickBacktest, defaultTickLocalParams, type TickBacktestOptions } from '../../src/engine/index.js';
import { EventBuilder } from '../fixtures/tick-events.js';
import { looseSession } from '../fixtures/trading-config.js';

const MS = 1000;

/** Quotes a fixed bid/ask from `from` (local µs) until `until`, then nothing. */
class Scripted implements Strategy {
  readonly name = 'scripted';
  constructor(
    readonly bid: number,
    readonly ask: number,
    readonly qty: number,
    readonly from = 0,
    readonly until = Infinity,
  ) {}
  decide(v: Readonly<MarketView>, out: QuoteTarget): void {
    const on = v.now >= this.from && v.now < this.until;
    out.bidPrice = on ? this.bid : Number.NaN;
    out.askPrice = on ? this.ask : Number.NaN;
    out.bidQty = on ? this.qty : 0;
    out.askQty = on ? this.qty : 0;
    out.reservation = Number.NaN;
  }
}

function options(over: Partial<TickBacktestOptions> = {}, latencyMs = 10, feedMs = 0): TickBacktestOptions {
  return {
    session: looseSession({
      initialCash: 10_000,
      reconcile: { priceTolerance: 0, qtyTolerance: 0 },
      limits: { maxOrderQty: 10, maxInventoryQty: 100, priceBandFraction: 0.5 },
    }),
    local: { ...defaultTickLocalParams, ladderTicks: 4096 },
    exchange: { tickSize: 0.01, partialFills: false, ladderTicks: 4096 },
    queue: riskAverseQueue,
    latency: constantLatency(latencyMs * MS, latencyMs * MS),
    fees: new BpsFees(0, 0),
    feedLatencyMicros: feedMs * MS,
    decisionIntervalMicros: 100 * MS,
    sampleIntervalMicros: 100 * MS,
    markoutSeconds: [1],
    ...over,
  };
}

/** A book at 100.00 / 100.02 from t = 0, then `more` rows, then a quiet tail to t = 3 s. */
function market(more: (b: EventBuilder) => EventBuilder): EventColumns {
  const b = new EventBuilder().snapshot(0, [[100, 1]], [[100.02, 1]]);
  return more(b).delta(3_000 * MS, [[1, 99.9, 1]]).build();
}

test('an order decided at t reaches the venue at t + entry latency: earlier trades cannot fill it', () => {
  // Decision at 100 ms, entry latency 10 ms → at the venue at 110 ms. Sells through 100.01 at 105 ms and 115 ms.
  const ev = market((b) => b.trade(105 * MS, -1, 100, 1).trade(115 * MS, -1, 100, 1));
  const r = runTickBacktest(ev, new Scripted(100.01, 100.5, 1, 100 * MS), options());
  const f = r.core.fills;
  assert.equal(f.length, 1);
  assert.equal(r.stats.exchangeTs[0], 115 * MS, 'filled by the second trade');
  assert.equal(f.ts[0], 125 * MS, 'known locally one response latency later');
  assert.equal(r.stats.sentTs[0], 100 * MS);
  assert.equal(r.metrics.order_to_fill_latency_ms!.mean, 25);
});

test('feed latency: the strategy sees the book late, the venue matches at exchange time', () => {
  // The ask drops to 100.01 at 95 ms; with a 10 ms feed the strategy does not know it at its 100 ms decision
  // and sends a bid at 100.01, which the venue rejects as crossing (post-only).
  const ev = market((b) => b.delta(95 * MS, [[-1, 100.01, 1]]));
  const r = runTickBacktest(ev, new Scripted(100.01, 100.5, 1, 100 * MS, 150 * MS), options({}, 1, 10));
  assert.equal(r.metrics.post_only_rejects, 1);
  assert.equal(r.core.counters.rejected, 1);
  const r0 = runTickBacktest(ev, new Scripted(100.01, 100.5, 1, 100 * MS, 150 * MS), options({}, 1, 0));
  assert.equal(r0.metrics.post_only_rejects, 1, 'a crossing order is rejected whatever the feed latency');
});

test('a cancel in flight can lose the race against a fill', () => {
  // Quote from 100 ms (at the venue at 110), cancel decided at 200 ms (at the venue at 210); a sweep at 205 ms fills it.
  const ev = market((b) => b.trade(205 * MS, -1, 99.9, 5));
  const r = runTickBacktest(ev, new Scripted(100.01, 100.5, 1, 100 * MS, 200 * MS), options());
  assert.equal(r.metrics.fills, 1);
  assert.equal(r.core.open.count, 0, 'the filled order left the table; nothing is left pending');
  assert.equal(r.exchange.stats.cancelsLate, 1);
  // The same sweep after the cancel arrived: no fill.
  const ev2 = market((b) => b.trade(215 * MS, -1, 99.9, 5));
  const r2 = runTickBacktest(ev2, new Scripted(100.01, 100.5, 1, 100 * MS, 200 * MS), options());
  assert.equal(r2.metrics.fills, 0);
});

test('partial fills, fees and rebates, and conservation of cash and position', () => {
  // Our bid joins behind 1 at 100.00; sells of 1.25 and 0.5 at 100.00 fill 0.25 then 0.5 of our 1. Our ask at
  // 100.50 lies beyond the snapshot's asks (its queue is unknown): a buy through it fills it.
  const ev = market((b) => b.trade(300 * MS, -1, 100, 1.25).trade(400 * MS, -1, 100, 0.5).trade(500 * MS, 1, 100.51, 3));
  const r = runTickBacktest(ev, new Scripted(100, 100.5, 1, 100 * MS), options({ exchange: { tickSize: 0.01, partialFills: true, ladderTicks: 4096 }, fees: new BpsFees(-2, 5) }));
  const f = r.core.fills;
  assert.deepEqual(Array.from(f.qty.subarray(0, f.length)), [0.25, 0.5, 1]);
  const p = r.core.portfolio;
  let cash = 10_000;
  let pos = 0;
  let fees = 0;
  for (let i = 0; i < f.length; i++) {
    const fee = f.fee[i]!;
    assert.ok(Math.abs(fee - (f.price[i]! * f.qty[i]! * -2) / 1e4) < 1e-12, 'maker rebate of 2 bps');
    cash -= f.side[i]! * f.price[i]! * f.qty[i]! + fee;
    pos += f.side[i]! * f.qty[i]!;
    fees += fee;
  }
  assert.ok(Math.abs(p.cash - cash) < 1e-9 && Math.abs(p.position - pos) < 1e-12);
  assert.ok(fees < 0 && Math.abs(p.fees - fees) < 1e-12);
  const m = r.metrics;
  assert.ok(Math.abs(m.pnl_spread_capture + m.pnl_inventory - m.pnl_fees - m.total_pnl) < 1e-9);
  assert.equal(m.max_abs_inventory, 0.75);
  // Sampled every second, the trace never sees the 0.75 held between 400 and 500 ms: the fills do.
  const coarse = runTickBacktest(ev, new Scripted(100, 100.5, 1, 100 * MS), options({ exchange: { tickSize: 0.01, partialFills: true, ladderTicks: 4096 }, fees: new BpsFees(-2, 5), sampleIntervalMicros: 1000 * MS }));
  assert.equal(coarse.metrics.max_abs_inventory, 0.75);
});

test('no trade, no fill, however far the book moves through a resting quote', () => {
  const ev = market((b) => b.delta(300 * MS, [[1, 100, 0], [-1, 100.02, 0], [-1, 99.5, 2], [1, 99.4, 2]]));
  const r = runTickBacktest(ev, new Scripted(100, 100.5, 1, 100 * MS), options());
  assert.equal(r.metrics.fills, 0);
});

test("the file's own local times: a row is seen from its local time on, and splitting the stream into batches changes nothing", () => {
  /** Records what it saw at each decision, quoting one tick inside the touch. */
  class Seer implements Strategy {
    readonly name = 'seer';
    readonly seen: [number, number, number][] = [];
    decide(v: Readonly<MarketView>, out: QuoteTarget): void {
      this.seen.push([v.now, v.bestBid, v.bestAsk]);
      const ok = v.bestBid === v.bestBid && v.bestAsk === v.bestAsk && v.bestAsk - v.bestBid > 0.015;
      out.bidPrice = ok ? Math.round((v.bestBid + 0.01) * 100) / 100 : Number.NaN;
      out.askPrice = ok ? Math.round((v.bestAsk - 0.01) * 100) / 100 : Number.NaN;
      out.bidQty = ok ? 1 : 0;
      out.askQty = ok ? 1 : 0;
      out.reservation = Number.NaN;
    }
  }
  // Exchange 95 ms, local 105 ms: the 100 ms decision must not see the new ask; the 200 ms one must.
  const b = new EventBuilder().snapshot(0, [[100, 1]], [[100.05, 1]], 2 * MS);
  b.delta(95 * MS, [[-1, 100.03, 1]], 105 * MS);
  for (let k = 1; k <= 40; k++) b.trade(100 * MS + k * 20 * MS, k % 2 ? -1 : 1, k % 2 ? 99.99 : 100.05, 2, 100 * MS + k * 20 * MS + 3 * MS);
  const ev = b.build();
  const split = (cols: EventColumns, size: number): EventColumns[] => {
    const out: EventColumns[] = [];
    for (let from = 0; from < cols.length; from += size) {
      const to = Math.min(cols.length, from + size);
      out.push({
        length: to - from,
        type: cols.type.slice(from, to),
        side: cols.side.slice(from, to),
        flags: cols.flags.slice(from, to),
        tsExchange: cols.tsExchange.slice(from, to),
        tsLocal: cols.tsLocal.slice(from, to),
        publishDelay: cols.publishDelay.slice(from, to),
        price: cols.price.slice(from, to),
        size: cols.size.slice(from, to),
        id: cols.id.slice(from, to),
      });
    }
    return out;
  };
  const runs = [[ev], split(ev, 3), split(ev, 1)].map((batches) => {
    const s = new Seer();
    const r = runTickBacktest(batches, s, options({ feedLatencyMicros: undefined }, 2));
    return { s, r };
  });
  const first = runs[0]!;
  const at = (t: number) => first.s.seen.find((x) => x[0] === t)!;
  assert.equal(at(100 * MS)[2], 100.05, 'not yet known locally at 100 ms');
  assert.equal(at(200 * MS)[2], 100.03);
  assert.ok(first.r.metrics.fills > 0);
  for (const other of runs.slice(1)) {
    assert.deepEqual(other.s.seen, first.s.seen);
    assert.deepEqual(other.r.metrics, first.r.metrics);
    assert.equal(other.r.events, ev.length);
  }
});
