// Fills that could really have happened: no trade before the order arrived, never more than traded, each trade used once.
import { test } from 'node:test';
import { looseSession } from '../fixtures/trading-config.js';
import assert from 'node:assert/strict';
import type { EventColumns } from '../../src/market/index.js';
import { BpsFees, constantLatency, riskAverseQueue, powerQueue } from '../../src/sim/index.js';
import type { MarketView, QuoteTarget, Strategy } from '../../src/strategy/index.js';
import { runTickBacktest, defaultTickLocalParams, type TickBacktestOptions } from '../../src/engine/index.js';
import { EventBuilder } from '../fixtures/tick-events.js';

const MS = 1000;

/** Quotes a fixed bid (and no ask) of `qty` from `from` (local µs) on. */
class BidAt implements Strategy {
  readonly name = 'bid-at';
  constructor(
    readonly bid: number,
    readonly qty: number,
    readonly from = 0,
  ) {}
  decide(v: Readonly<MarketView>, out: QuoteTarget): void {
    const on = v.now >= this.from;
    out.bidPrice = on ? this.bid : Number.NaN;
    out.askPrice = Number.NaN;
    out.bidQty = on ? this.qty : 0;
    out.askQty = 0;
    out.reservation = Number.NaN;
  }
}

function options(over: Partial<TickBacktestOptions> = {}): TickBacktestOptions {
  return {
    session: looseSession({ initialCash: 10_000, reconcile: { priceTolerance: 0, qtyTolerance: 0 }, limits: { maxOrderQty: 10, maxInventoryQty: 100, priceBandFraction: 0.5 } }),
    local: { ...defaultTickLocalParams, ladderTicks: 4096 },
    exchange: { tickSize: 0.01, partialFills: true, ladderTicks: 4096 },
    queue: riskAverseQueue,
    latency: constantLatency(10 * MS, 10 * MS),
    fees: new BpsFees(0, 0),
    feedLatencyMicros: 0,
    decisionIntervalMicros: 100 * MS,
    sampleIntervalMicros: 100 * MS,
    markoutSeconds: [1],
    ...over,
  };
}

const tail = (b: EventBuilder): EventColumns => b.delta(3_000 * MS, [[-1, 100.5, 1]]).build();

test('a trade printed before the order arrived but logged after a later depth message never fills it', () => {
  // The bid at 100.01 is decided at 100 ms and reaches the venue at 110 ms (a new level: nothing ahead).
  // A depth message stamped 120 ms is logged first; the sell that printed at 105 ms is logged after it.
  const b = new EventBuilder().snapshot(0, [[100, 1]], [[100.02, 1]]);
  b.delta(120 * MS, [[-1, 100.03, 2]]);
  b.trade(105 * MS, -1, 100.01, 0.4);
  b.trade(130 * MS, -1, 100.01, 0.3);
  const r = runTickBacktest(tail(b), new BidAt(100.01, 1, 100 * MS), options());
  const f = r.core.fills;
  assert.equal(f.length, 1, 'only the trade after arrival fills');
  assert.equal(f.qty[0], 0.3, 'and only by its own size');
  assert.equal(r.stats.exchangeTs[0], 130 * MS);
  assert.equal(r.exchange.audit.arrived[0], 110 * MS);
});

test('a depth decrease logged before the late trade that caused it does not move the queue twice', () => {
  // Our bid joins behind 5 at 100 (at the venue at 110 ms). A sell of 3 prints at 150 ms; the depth message
  // of 200 ms (level 5 → 2) is logged before that trade. Then a sell of 2.5 at 300 ms: 2 for the queue, 0.5 for us.
  const b = new EventBuilder().snapshot(0, [[100, 5]], [[100.02, 1]]);
  b.delta(200 * MS, [[1, 100, 2]]);
  b.trade(150 * MS, -1, 100, 3);
  b.trade(300 * MS, -1, 100, 2.5);
  for (const queue of [riskAverseQueue, powerQueue(2)]) {
    const r = runTickBacktest(tail(b), new BidAt(100, 1, 100 * MS), options({ queue }));
    const f = r.core.fills;
    assert.equal(f.length, 1, queue.name);
    assert.equal(f.qty[0], 0.5, `${queue.name}: the 3 traded at 150 ms consumed the queue once`);
    assert.equal(r.exchange.audit.queueAhead[0], 5);
  }
});

test('the same decrease logged after its trade gives the same fill (the venue does not depend on logging order)', () => {
  const build = (lateTrade: boolean): EventColumns => {
    const b = new EventBuilder().snapshot(0, [[100, 5]], [[100.02, 1]]);
    if (lateTrade) b.delta(200 * MS, [[1, 100, 2]]).trade(150 * MS, -1, 100, 3);
    else b.trade(150 * MS, -1, 100, 3).delta(200 * MS, [[1, 100, 2]]);
    return tail(b.trade(300 * MS, -1, 100, 2.5));
  };
  const fills = (ev: EventColumns) => {
    const r = runTickBacktest(ev, new BidAt(100, 1, 100 * MS), options({ queue: powerQueue(3) }));
    return Array.from(r.core.fills.qty.subarray(0, r.core.fills.length));
  };
  assert.deepEqual(fills(build(true)), fills(build(false)));
});

test('a trade joined in the same depth window: volume that left the level before the order arrived is not ahead of it', () => {
  // Level 5 at 100 from the snapshot; a sell of 4 at 105 ms (before our 110 ms arrival), the depth message
  // saying 1 comes at 200 ms. We join behind 5 − 4 = 1; a sell of 1.5 at 150 ms leaves 0.5 for us.
  const b = new EventBuilder().snapshot(0, [[100, 5]], [[100.02, 1]]);
  b.trade(105 * MS, -1, 100, 4).trade(150 * MS, -1, 100, 1.5).delta(200 * MS, [[1, 100, 0]]);
  const r = runTickBacktest(tail(b), new BidAt(100, 1, 100 * MS), options());
  assert.equal(r.exchange.audit.queueAhead[0], 1);
  assert.deepEqual(Array.from(r.core.fills.qty.subarray(0, r.core.fills.length)), [0.5]);
});
