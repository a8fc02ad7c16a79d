// The bar and the tick backtest apply the same risk: on one falling market, both reach the inventory threshold (reducing), then halt at the drawdown limit, and trade nothing after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocBars, EventType, type Bars } from '../../src/market/index.js';
import type { MarketView, QuoteTarget, Strategy } from '../../src/strategy/index.js';
import { defaultBarFeatureParams } from '../../src/features/index.js';
import { TickBacktest, runBarBacktest, type BarBacktestResult, type TickBacktestResult } from '../../src/engine/index.js';
import { EventBuilder } from '../fixtures/tick-events.js';
import { looseSession, plainTickOptions } from '../fixtures/trading-config.js';

const S = 1_000_000;
const T0 = 1_723_161_300 * S;
const STEP = 100_000; // the market moves one tick down every 100 ms
const SECONDS = 240;
const price = (k: number): number => Math.round((100 - 0.01 * k) * 100) / 100;

/** The book: bid at `price(k)`, ask a tick above, one unit each; a seller hits the bid every 200 ms. */
function events() {
  const b = new EventBuilder();
  for (let k = 0; k < SECONDS * 10; k++) {
    const t = T0 + k * STEP;
    b.snapshot(t, [[price(k), 1]], [[price(k) + 0.01, 1]]);
    if (k % 2 === 1) b.trade(t + 50_000, -1, price(k), 10);
  }
  return b.build();
}

/** One-second bars of the same mid path: each opens where the last closed and falls ten ticks. */
function bars(): Bars {
  const out = allocBars(SECONDS, S);
  for (let i = 0; i < SECONDS; i++) {
    const open = price(i * 10) + 0.005;
    const close = price(i * 10 + 9) + 0.005;
    out.ts[i] = T0 + i * S;
    out.open[i] = open;
    out.high[i] = open;
    out.low[i] = close - 0.005;
    out.close[i] = close;
    out.volume[i] = 10;
  }
  return out;
}

/** Always bids one unit just under the market (the best bid with a book, a tick under the mid without), never asks. */
class BidOnly implements Strategy {
  readonly name = 'bid-only';
  decide(v: Readonly<MarketView>, out: QuoteTarget): void {
    const bid = v.bestBid === v.bestBid ? v.bestBid : Math.floor((v.mid - 0.01) * 100) / 100;
    out.bidPrice = v.mid > 0 ? bid : Number.NaN;
    out.bidQty = 1;
    out.askPrice = Number.NaN;
    out.askQty = 0;
    out.reservation = v.mid;
  }
}

/**
 * Inventory limit 5 units, reducing from 4 (0.8 of it), drawdown limit 50 (halted, latched); nothing else acts.
 * Reducing starts below the gate's limit because the tick backtest replaces its bid by cancel + place: from
 * 4 on, the old bid (its cancel in flight: it still counts) and the new one together would pass 5, so the
 * gate holds every other new bid back, while the bar backtest moves its bid in one amend.
 */
const session = (decisionMicros: number) =>
  looseSession({ initialCash: 10_000, reconcile: { priceTolerance: 0, qtyTolerance: 0 }, limits: { maxOrderQty: 1, maxInventoryQty: 5, priceBandFraction: 0.5 } }, decisionMicros, { max_drawdown: 50, warn_fraction: 1, reduce_at_inventory_fraction: 0.8 });

function stateChanges(r: BarBacktestResult | TickBacktestResult): string[] {
  return r.metrics.risk.transitions.filter((t) => t.from !== t.to).map((t) => `${t.condition}:${t.from}->${t.to}`);
}

test('bar and tick backtests on one falling market: the same risk transitions, denials by the same rule, a halt at about the same time, nothing traded after', () => {
  const bar = runBarBacktest(bars(), new BidOnly(), { session: session(0), features: defaultBarFeatureParams, makerFeeBps: 0, touchFillProbability: 0, seed: 1, markoutHorizons: [1] });
  const tick = new TickBacktest(new BidOnly(), plainTickOptions(session(STEP), STEP)).run([events()]);

  const expected = ['inventory:active->reducing', 'drawdown:reducing->halted'];
  assert.deepEqual(stateChanges(bar), expected, 'bar');
  assert.deepEqual(stateChanges(tick), expected, 'tick');
  for (const [name, r] of [
    ['bar', bar],
    ['tick', tick],
  ] as const) {
    const m = r.metrics;
    assert.equal(m.risk.final_state, 'halted', name);
    assert.equal(m.risk.state_changes_total, expected.length, `${name}: two moves of the state, whatever the conditions did (${m.risk.transitions_total} changes)`);
    assert.ok((m.risk.denials_by_rule['reducing'] ?? 0) > 0, `${name}: bids refused while reducing ${JSON.stringify(m.risk.denials_by_rule)}`);
    assert.equal(m.final_inventory, 4, `${name}: the position stopped at the reducing threshold`);
    assert.ok(m.max_drawdown >= 50, `${name}: the drawdown reached the limit`);
    const halt = Date.parse(m.risk.transitions.find((t) => t.to === 'halted')!.ts) * 1000;
    const f = r.core.fills;
    for (let i = 0; i < f.length; i++) assert.ok(f.ts[i]! < halt, `${name}: no fill after the halt`);
    assert.equal(r.core.open.count, 0, `${name}: halted, nothing rests`);
    assert.ok(m.risk.seconds_in_state.halted > 60, `${name}: halted for the rest of the run`);
  }
  // The bar engine halts at the open of the first bar after the close where the drawdown reached the limit.
  const at = (r: BarBacktestResult | TickBacktestResult): number => Date.parse(r.metrics.risk.transitions.find((t) => t.to === 'halted')!.ts);
  const h = (at(bar) * 1000 - T0) / S;
  let peak = 10_000;
  const dd = (i: number): number => {
    peak = Math.max(peak, bar.trace.equity[i]!);
    return peak - bar.trace.equity[i]!;
  };
  for (let i = 0; i < h - 1; i++) assert.ok(dd(i) < 50, `bar ${i}: drawdown ${dd(i)} before the halt`);
  assert.ok(dd(h - 1) >= 50, 'the bar before the halt closed at the limit');
  // The same limit on the same prices: fills enter at different prices in the two fill models (a bar's
  // low against a trade through a resting bid), so the halts are seconds apart, not minutes.
  assert.ok(Math.abs(at(bar) - at(tick)) <= 5_000, `halts at ${new Date(at(bar)).toISOString()} (bar) and ${new Date(at(tick)).toISOString()} (tick)`);
});
