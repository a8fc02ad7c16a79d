// Gaps in the depth stream in the tick backtest: the venue fills nothing while the book is unknown, the session halts until the resync, metrics say so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventColumns } from '../../src/market/index.js';
import { BpsFees, constantLatency, riskAverseQueue } from '../../src/sim/index.js';
import type { MarketView, QuoteTarget, Strategy } from '../../src/strategy/index.js';
import { runTickBacktest, runTickJob, runEventReplay, defaultTickLocalParams, TickMetricsSchema, gapFields, type TickBacktestOptions } from '../../src/engine/index.js';
import { Ledger } from '../../src/ledger/index.js';
import { EventBuilder } from '../fixtures/tick-events.js';
import { looseSession, flatConfig } from '../fixtures/trading-config.js';

const MS = 1000;

/** Bids `bid` and asks `ask` for `qty` at every decision. */
class Fixed implements Strategy {
  readonly name = 'fixed';
  constructor(
    readonly bid: number,
    readonly ask: number,
    readonly qty: number,
  ) {}
  decide(_v: Readonly<MarketView>, out: QuoteTarget): void {
    out.bidPrice = this.bid;
    out.askPrice = this.ask;
    out.bidQty = this.qty;
    out.askQty = this.qty;
    out.reservation = Number.NaN;
  }
}

function options(): TickBacktestOptions {
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
  };
}

/** A book at 100.00 / 100.02 from t = 0, then `more`, then a quiet tail to t = 1 s. */
function market(more: (b: EventBuilder) => EventBuilder): EventColumns {
  const b = new EventBuilder().snapshot(0, [[100, 1]], [[100.02, 1]]);
  return more(b).delta(1_000 * MS, [[1, 99.9, 1]]).build();
}

test('a gap the session decides in: halted (every order cancelled) until the resync, nothing filled meanwhile, quoting again after', () => {
  // Our bid at 100.01 rests from 10 ms (decided at 0, 10 ms entry). The depth stream breaks at 150 ms;
  // sells at 170 and 205 ms reach the bid (through it, then at it) but the book is unknown: no fill. The
  // decision at 200 ms halts (book-gap) and cancels; the cancel arrives at 210 ms. The snapshot at 500 ms
  // resyncs (local data first at equal times): the decision at 500 ms quotes again and the sell at 700 ms
  // fills the new bid.
  const ev = market((b) =>
    b
      .gap(150 * MS)
      .trade(170 * MS, -1, 100, 1)
      .trade(205 * MS, -1, 100.01, 1)
      .snapshot(500 * MS, [[100, 1]], [[100.02, 1]])
      .trade(700 * MS, -1, 100.01, 1),
  );
  const r = runTickBacktest(ev, new Fixed(100.01, 100.5, 1), options());
  const f = r.core.fills;
  assert.equal(f.length, 1, 'only the fill after the resync');
  assert.equal(r.stats.exchangeTs[0], 700 * MS);
  assert.deepEqual(r.metrics.book_gaps, { count: 1, seconds: 0.35, open_at_end: false, fills_suppressed: 2, orders_rejected: 0, orders_requeued: 0 });
  const risk = r.metrics.risk;
  assert.deepEqual(
    risk.transitions.map((t) => [t.ts, t.condition, t.raised, t.from, t.to]),
    [
      ['1970-01-01T00:00:00.200Z', 'book-gap', true, 'active', 'halted'],
      ['1970-01-01T00:00:00.500Z', 'book-gap', false, 'halted', 'active'],
    ],
  );
  assert.match(risk.transitions[0]!.reason, /^the depth stream broke at 1970-01-01T00:00:00\.150Z: the book is unknown until a snapshot resyncs it$/);
  assert.equal(risk.seconds_in_state.halted, 0.3);
  assert.deepEqual(risk.halts, [], 'not a halt until a restart: it lifts at the resync');
  // Nothing was quoted in the gap: no order sent between 200 and 500 ms.
  const audit = r.exchange.audit;
  for (let k = 0; k < audit.length; k++) assert.ok(!(audit.sent[k]! >= 200 * MS && audit.sent[k]! < 500 * MS), `order ${audit.id[k]} sent at ${audit.sent[k]}`);
  TickMetricsSchema.parse(r.metrics);
  assert.deepEqual(gapFields(r.metrics), { book_gaps: 1, book_gap_seconds: 0.35, fills_suppressed: 2, orders_rejected_in_gaps: 0, gap_open_at_end: false });
});

test('a gap between two decisions: the session never quotes on it, the venue fills nothing in it and puts the resting orders at the back at the resync', () => {
  // The bid rests at 100.01 (alone, nothing ahead) from 10 ms; a gap from 120 to 150 ms; a sell through it
  // at 130 ms is not matched; the resync states 2 bid at 100.01 (others joined meanwhile): the bid goes behind
  // them. Sells of 2 at 160 ms and 1 at 170 ms: the first takes the queue in front, the second fills the bid.
  const ev = market((b) =>
    b
      .gap(120 * MS)
      .trade(130 * MS, -1, 100, 1)
      .snapshot(150 * MS, [[100.01, 2], [100, 1]], [[100.02, 1]])
      .trade(160 * MS, -1, 100.01, 2)
      .trade(170 * MS, -1, 100.01, 1),
  );
  const r = runTickBacktest(ev, new Fixed(100.01, 100.5, 1), options());
  assert.deepEqual(r.metrics.book_gaps, { count: 1, seconds: 0.03, open_at_end: false, fills_suppressed: 1, orders_rejected: 0, orders_requeued: 2 });
  assert.equal(r.metrics.risk.transitions.length, 0, 'no decision fell in the gap');
  assert.equal(r.core.fills.length, 1);
  assert.equal(r.stats.exchangeTs[0], 170 * MS, 'behind the 2 the snapshot showed');
  assert.equal(r.core.fills.price[0], 100.01);
});

test('a gap with no snapshot after it: the run ends unknown, orders arriving in it are rejected, nothing fills after the break', () => {
  // The quotes decided at 0 ms arrive at 10 ms, after the break at 5 ms: rejected. The decision at 100 ms
  // halts for good (no resync), so the sells at 300 and 400 ms meet no order.
  const ev = market((b) => b.gap(5 * MS).trade(300 * MS, -1, 100, 1).trade(400 * MS, 1, 100.5, 1));
  const r = runTickBacktest(ev, new Fixed(100.01, 100.5, 1), options());
  assert.equal(r.core.fills.length, 0);
  assert.deepEqual(r.metrics.book_gaps, { count: 1, seconds: 0.995, open_at_end: true, fills_suppressed: 0, orders_rejected: 2, orders_requeued: 0 });
  assert.equal(r.core.counters.rejected, 2);
  assert.equal(r.metrics.risk.final_state, 'halted');
  assert.equal(r.metrics.risk.transitions.length, 1);
});

test('paper on the event clock (the same driver with the ledger): the same gap figures and fills as the backtest, the halt and the resync journaled', () => {
  const ev = market((b) =>
    b
      .gap(150 * MS)
      .trade(170 * MS, -1, 100, 1)
      .trade(205 * MS, -1, 100.01, 1)
      .snapshot(500 * MS, [[100, 1]], [[100.02, 1]])
      .trade(700 * MS, -1, 100.01, 1),
  );
  const cfg = flatConfig({ order_qty: 1, max_inventory_qty: 100, order_latency_ms: 10, feed_latency_ms: 0, decision_interval_ms: 100, sample_interval_ms: 100, queue: 'risk-averse', risk: { max_order_qty: 10, price_band_fraction: 0.5 } });
  const backtest = runTickJob(cfg, [ev], { strategy: new Fixed(100.01, 100.5, 1) });
  const ledger = new Ledger(':memory:');
  try {
    ledger.startRun({ runId: 'paper_event_gap', mode: 'paper', exchange: 'binance', symbol: cfg.market.symbol, config: cfg, initialCash: cfg.capital }, new Date(0));
    const r = runEventReplay(cfg, ev, ledger, { strategy: new Fixed(100.01, 100.5, 1) });
    assert.deepEqual(r.metrics.book_gaps, backtest.metrics.book_gaps);
    assert.deepEqual(r.metrics.book_gaps, { count: 1, seconds: 0.35, open_at_end: false, fills_suppressed: 2, orders_rejected: 0, orders_requeued: 0 });
    assert.equal(r.replayFills.length, 1);
    const events = ledger.db.prepare<[], { ts: number; condition: string; from_state: string; to_state: string }>("SELECT ts, condition, from_state, to_state FROM risk_events WHERE condition = 'book-gap' ORDER BY id").all();
    assert.deepEqual(events, [
      { ts: 200 * MS, condition: 'book-gap', from_state: 'active', to_state: 'halted' },
      { ts: 500 * MS, condition: 'book-gap', from_state: 'halted', to_state: 'active' },
    ]);
  } finally {
    ledger.close();
  }
});

test('a jump in the trade ids: counted with the trades missed and our orders resting across it, in metrics.json and the summary line', () => {
  // The bid rests at 100.01 from 10 ms on; trade ids 3 to 7 were never captured between the trades at 300 and
  // 400 ms. A file without jumps says nothing (the same market, no skip).
  const run = (skip: number) =>
    runTickBacktest(
      market((b) =>
        b
          .trade(200 * MS, 1, 100.02, 0.1)
          .trade(300 * MS, 1, 100.02, 0.1)
          .skipTrades(skip)
          .trade(400 * MS, 1, 100.02, 0.1),
      ),
      new Fixed(100.01, 100.5, 1),
      options(),
    );
  const r = run(5);
  assert.deepEqual(r.metrics.trade_gaps, { count: 1, trades_missed: 5, orders_resting: 2 }, 'the bid and the ask rested across it');
  TickMetricsSchema.parse(r.metrics);
  assert.deepEqual(gapFields(r.metrics), { trade_gaps: 1, trades_missed: 5, orders_resting_in_trade_gaps: 2 });
  const clean = run(0);
  assert.deepEqual(clean.metrics.trade_gaps, { count: 0, trades_missed: 0, orders_resting: 0 });
  assert.deepEqual(gapFields(clean.metrics), {});
});
