// orders_placed counts the orders that reached the venue; a place the risk gate refused is an order denied, never one placed (bar and tick backtests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocBars, type Bars } from '../../src/market/index.js';
import type { MarketView, QuoteTarget, Strategy } from '../../src/strategy/index.js';
import { defaultBarFeatureParams } from '../../src/features/index.js';
import { TickBacktest, runBarBacktest, type Metrics, type TradingCore } from '../../src/engine/index.js';
import { EventBuilder } from '../fixtures/tick-events.js';
import { looseSession, plainTickOptions } from '../fixtures/trading-config.js';

const S = 1_000_000;
const T0 = 1_723_161_300 * S;
const SECONDS = 120;

/** Bids one unit a tick under the mid at every other decision and nothing at the others: a place, then a cancel, never an amend. */
class Blinker implements Strategy {
  readonly name = 'blinker';
  private n = 0;
  decide(v: Readonly<MarketView>, out: QuoteTarget): void {
    const on = v.mid > 0 && this.n++ % 2 === 0;
    out.bidPrice = on ? Math.round((v.mid - 0.01) * 100) / 100 : Number.NaN;
    out.bidQty = on ? 1 : 0;
    out.askPrice = Number.NaN;
    out.askQty = 0;
    out.reservation = v.mid;
  }
}

/** At most one new order per 5 s: a place every 2 s, so most are denied by the order rate. */
const session = (decisionMicros: number) =>
  looseSession({ initialCash: 10_000, reconcile: { priceTolerance: 0, qtyTolerance: 0 }, limits: { maxOrderQty: 1, maxInventoryQty: 100, priceBandFraction: 0.5 } }, decisionMicros, {
    max_orders_per_window: 1,
    order_rate_window_ms: 5_000,
  });

/** Flat one-second bars around 100: nothing fills, nothing moves the risk state. */
function bars(): Bars {
  const out = allocBars(SECONDS, S);
  for (let i = 0; i < SECONDS; i++) {
    out.ts[i] = T0 + i * S;
    out.open[i] = 100;
    out.high[i] = 100.005;
    out.low[i] = 99.995;
    out.close[i] = 100;
    out.volume[i] = 1;
  }
  return out;
}

/** The same flat book as events: a snapshot every second, no trades. */
function events() {
  const b = new EventBuilder();
  for (let i = 0; i < SECONDS; i++) b.snapshot(T0 + i * S, [[99.99, 1]], [[100.01, 1]]);
  return b.build();
}

/** Every place command takes a client id, denied or not: the ids handed out are the places the strategy sent. */
const placeCommands = (core: TradingCore): number => core.nextId() - 1;

function checkCounts(name: string, m: Metrics, commands: number, venueSaw: number): void {
  const deniedByRule = Object.values(m.risk.denials_by_rule).reduce((a, b) => a + b, 0);
  assert.ok(m.orders_denied > 0, `${name}: the order rate denied some places`);
  assert.ok(m.orders_placed > 0, `${name}: some places went out`);
  assert.equal(m.orders_placed + m.orders_denied, commands, `${name}: placed + denied = the place commands sent (${JSON.stringify(m.risk.denials_by_rule)})`);
  assert.equal(m.orders_placed, venueSaw, `${name}: orders_placed = the orders the venue saw`);
  assert.equal(m.orders_denied, deniedByRule, `${name}: every denial is counted by its rule`);
  assert.equal(m.orders_amended, 0, `${name}: no amends here`);
}

test('bar backtest: a place the gate denies is counted in orders_denied only; orders_placed = the orders the bar venue accepted', () => {
  const r = runBarBacktest(bars(), new Blinker(), { session: session(0), features: defaultBarFeatureParams, makerFeeBps: 0, touchFillProbability: 0, seed: 1, markoutHorizons: [1] });
  // The bar venue accepts every place it is sent, at once.
  checkCounts('bar', r.metrics, placeCommands(r.core), r.core.counters.accepted);
});

test('tick backtest: a place the gate denies is counted in orders_denied only; orders_placed = the orders in the venue audit (orders.csv)', () => {
  const r = new TickBacktest(new Blinker(), plainTickOptions(session(S), S)).run([events()]);
  checkCounts('tick', r.metrics, placeCommands(r.core), r.exchange.audit.length);
});
