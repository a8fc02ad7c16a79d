// The reducing state closes a leftover smaller than one order: the quote on the reducing side is cut to the position (whole lots), for any strategy, instead of being denied at every decision.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { MarketView, QuoteTarget, Strategy } from '../../src/strategy/index.js';
import { TickBacktest, TradingCore } from '../../src/engine/index.js';
import type { OrderSink } from '../../src/orders/index.js';
import { EventBuilder } from '../fixtures/tick-events.js';
import { looseSession, plainTickOptions } from '../fixtures/trading-config.js';
import { CAPTURE_DIR, KLINES_1M } from '../fixtures/shared-data.js';
import { REPO_ROOT, cli, tmp, writeConfig } from './runtime-helpers.js';

const S = 1_000_000;
const T0 = 1_723_161_300 * S;
const STEP = 100_000;
const SECONDS = 60;

/**
 * Bids one unit at 100.00 while active; while reducing, offers one full unit on the side that brings the
 * position back (as the quoting strategy does): never smaller than its order size.
 */
class FullSizeReducer implements Strategy {
  readonly name = 'full-size-reducer';
  decide(v: Readonly<MarketView>, out: QuoteTarget): void {
    const reducing = v.tradingState === 'reducing';
    const buy = !reducing || v.position < 0;
    const sell = reducing && v.position > 0;
    out.bidPrice = buy ? 100 : Number.NaN;
    out.bidQty = buy ? 1 : 0;
    out.askPrice = sell ? 100.01 : Number.NaN;
    out.askQty = sell ? 1 : 0;
    out.reservation = v.mid;
  }
}

/** Book 99.99 / 100.02 (our quotes rest alone inside it); a seller takes 0.35 at 100.00 at 1 s, buyers take 0.5 at 100.01 every second from 5 s. */
function events() {
  const b = new EventBuilder();
  for (let k = 0; k < SECONDS * 10; k++) {
    const t = T0 + k * STEP;
    b.snapshot(t, [[99.99, 1]], [[100.02, 1]]);
    if (k === 10) b.trade(t + 50_000, -1, 100, 0.35);
    if (k >= 50 && k % 10 === 0) b.trade(t + 50_000, 1, 100.01, 0.5);
  }
  return b.build();
}

function run(lotSize: number) {
  // Reducing from |position| 0.2 (0.1 of max_inventory_qty 2): 0.35 after the first fill.
  const session = {
    ...looseSession({ initialCash: 10_000, reconcile: { priceTolerance: 0, qtyTolerance: 0 }, limits: { maxOrderQty: 1, maxInventoryQty: 2, priceBandFraction: 0.5 } }, STEP, { reduce_at_inventory_fraction: 0.1 }),
    lotSize,
  };
  return new TickBacktest(new FullSizeReducer(), plainTickOptions(session, STEP)).run([events()]);
}

test('tick backtest: a leftover under one order is offered at its own size and closed; the gate does not refuse it at every decision', () => {
  const r = run(0.01);
  const m = r.metrics;
  const changes = m.risk.transitions.filter((t) => t.from !== t.to).map((t) => `${t.condition}:${t.from}->${t.to}`);
  assert.deepEqual(changes.slice(0, 2), ['inventory:active->reducing', 'inventory:reducing->active'], JSON.stringify(m.risk.transitions));
  assert.ok((m.risk.denials_by_rule['reducing'] ?? 0) <= 2, `denials ${JSON.stringify(m.risk.denials_by_rule)}`);
  const f = r.core.fills;
  const sells: number[] = [];
  for (let i = 0; i < f.length; i++) if (f.side[i] === -1) sells.push(Math.round(f.qty[i]! * 1e9) / 1e9);
  assert.deepEqual(sells.slice(0, 1), [0.35], 'the offer was the leftover, 0.35 (whole lots of 0.01), not the order size');
  assert.ok(m.risk.seconds_in_state.reducing < 10, `reducing ${m.risk.seconds_in_state.reducing}s`);
});

/** What the core sends (places), and what its gate refuses. */
function core(lotSize: number, minNotional = 0) {
  const places: [number, number, number][] = [];
  const sink: OrderSink = {
    place: (_ts, _id, side, price, qty) => places.push([side, price, qty]),
    cancel: () => {},
  };
  const c = new TradingCore(
    {
      name: 'ladder',
      decide: (_v, out) => {
        out.bidPrice = Number.NaN;
        out.bidQty = 0;
        out.askPrice = 100.01;
        out.askQty = 1;
        out.asks = [
          { price: 100.02, qty: 1 },
          { price: 100.03, qty: 1 },
        ];
        out.reservation = 100;
      },
    },
    { initialCash: 10_000, reconcile: { priceTolerance: 0, qtyTolerance: 0 }, limits: { maxOrderQty: 1, maxInventoryQty: 5, priceBandFraction: 0.5 }, lotSize, minNotional },
  );
  c.connect(sink);
  c.view.tradingState = 'reducing';
  c.view.mid = 100;
  return { c, places };
}

test('reducing: every level on the reducing side together at most |position| rounded down to the lot; under one lot or the minimum notional, nothing', () => {
  const a = core(0.1);
  a.c.view.position = 1.37;
  a.c.decide(T0);
  assert.deepEqual(a.places, [
    [-1, 100.01, 1],
    [-1, 100.02, 0.3],
  ]);
  assert.equal(a.c.counters.denied, 0);

  const dust = core(0.1);
  dust.c.view.position = 0.05;
  dust.c.decide(T0);
  assert.deepEqual(dust.places, [], 'below one lot: nothing quoted');
  assert.equal(dust.c.counters.denied, 0);

  const small = core(0.01, 5);
  small.c.view.position = 0.04; // 4 quote at 100.01, under the venue's 5
  small.c.decide(T0);
  assert.deepEqual(small.places, []);
  assert.equal(small.c.counters.denied, 0);
});

const CAPTURE = join(CAPTURE_DIR, 'btcusdt_20240808.gz');

test('the example config on the shared capture with tight loss limits: reducing closes the leftovers, the gate refuses next to nothing', { skip: !existsSync(CAPTURE) && 'no ../shared/data' }, () => {
  const dir = tmp('reducing');
  const doc = parseYaml(readFileSync(join(REPO_ROOT, 'config', 'examples', 'btcusdt.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
  const config = writeConfig(dir, {
    ...doc,
    data: { path: KLINES_1M, events: CAPTURE },
    risk: { ...doc['risk'], max_drawdown: 3, daily_loss_limit: 3.5, warn_fraction: 0.5 },
  });
  const r = cli(['backtest', '--config', config, '--engine', 'tick', '--out', join(dir, 'run')], dir);
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(readFileSync(join(dir, 'run', 'metrics.json'), 'utf8')) as { final_inventory: number; risk: { seconds_in_state: { reducing: number }; denials_by_rule: Record<string, number> } };
  assert.ok(m.risk.seconds_in_state.reducing > 60, `reducing ${m.risk.seconds_in_state.reducing}s`);
  // Before: about 2,700 refusals ("would increase |position|"), ten a second, and a leftover never closed.
  assert.ok((m.risk.denials_by_rule['reducing'] ?? 0) <= 5, JSON.stringify(m.risk.denials_by_rule));
  assert.ok(Math.abs(m.final_inventory) < 1e-9, `final inventory ${m.final_inventory}`);
});
