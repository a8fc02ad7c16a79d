// The gate with ladders: limits count every live order on a side (the worst case: all of them fill).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TradingCore } from '../engine/trading-core.js';
import { emptyView, type MarketView, type QuoteTarget, type Strategy } from '../strategy/index.js';
import { CommandLog, OrderState } from '../orders/index.js';
import { parseRiskConfig } from './risk-config.js';
import { riskRules } from './risk-engine.js';
import { gateLimitsOf } from './risk-config.js';

/** Quotes `n` bids and `n` asks one unit apart around 100, qty `q` each. */
function ladderStrategy(n: number, q: number): Strategy {
  const bids = Array.from({ length: n - 1 }, (_, i) => ({ price: 99 - (i + 1), qty: q }));
  const asks = Array.from({ length: n - 1 }, (_, i) => ({ price: 101 + (i + 1), qty: q }));
  return {
    name: 'ladder',
    decide(_v: Readonly<MarketView>, out: QuoteTarget) {
      out.bidPrice = 99;
      out.bidQty = q;
      out.askPrice = 101;
      out.askQty = q;
      out.reservation = 100;
      out.bids = bids;
      out.asks = asks;
    },
  };
}

function core(n: number, q: number, risk: Record<string, unknown>, position = 0): { c: TradingCore; log: CommandLog } {
  const cfg = parseRiskConfig(risk, { orderQty: q, maxInventoryQty: 10, capital: 1_000_000 });
  const c: TradingCore = new TradingCore(ladderStrategy(n, q), {
    initialCash: 1_000_000,
    reconcile: { priceTolerance: 0, qtyTolerance: 0 },
    limits: gateLimitsOf(cfg),
    rules: riskRules(cfg, () => c.open.count),
  });
  const log = new CommandLog();
  c.connect(log);
  Object.assign(c.view, emptyView(), { mid: 100, equity: 1_000_000, cash: 1_000_000, warm: true });
  c.portfolio.position = position;
  c.view.position = position;
  return { c, log };
}

function liveOn(c: TradingCore, side: number): number {
  let n = 0;
  for (let i = 0; i < c.open.count; i++) if (c.open.side[i] === side && c.open.state[i] !== OrderState.PendingCancel) n++;
  return n;
}

test('max_inventory_qty: the bids that would take the position past it if every one filled are denied', () => {
  // 4 levels of 1 per side, max inventory 2.5, flat: two bids (position 2 if both fill) pass, the third would reach 3.
  const { c, log } = core(4, 1, { max_inventory_qty: 2.5 });
  c.decide(1);
  assert.equal(liveOn(c, 1), 2);
  assert.equal(liveOn(c, -1), 2);
  assert.equal(c.counters.denied, 4);
  assert.match([...c.gate.denialsByRule.keys()].join(), /max_inventory_qty/);
  assert.equal(log.commands.filter((x) => x.type === 'place').length, 4);
  // Long 2: no bid may rest (one fill would reach 3), asks reduce the position: all four go out.
  const long = core(4, 1, { max_inventory_qty: 2.5 }, 2);
  long.c.decide(1);
  assert.equal(liveOn(long.c, 1), 0);
  assert.equal(liveOn(long.c, -1), 4);
});

test('max_order_notional: the orders of one side together stay within it', () => {
  // 3 bids of 1 at 99, 98, 97: 99 + 98 = 197 fits under 200, adding 97 does not. Asks 101 + 102 = 203: only one.
  const { c } = core(3, 1, { max_order_notional: 200 });
  c.decide(1);
  assert.equal(liveOn(c, 1), 2);
  assert.equal(liveOn(c, -1), 1);
  assert.equal(c.gate.denialsByRule.get('max_order_notional'), 3);
});

test('max_open_orders counts every resting order of a ladder', () => {
  const { c } = core(5, 1, { max_open_orders: 6 });
  c.decide(1);
  assert.equal(c.open.count, 6);
  assert.equal(c.gate.denialsByRule.get('max_open_orders'), 4);
});

test('one level per side: an order whose cancel is in flight still counts (it can fill until the venue confirms)', () => {
  // A one-level replace: the old quotes are pending cancel while the new ones are checked. Both could fill, so at
  // max_inventory_qty 2 a new quote of 2 waits for its cancel; at 4 both fit.
  const moveBid = (c: TradingCore): void => {
    (c.strategy as { decide: Strategy['decide'] }).decide = (_v, out) => Object.assign(out, { bidPrice: 98, bidQty: 2, askPrice: 102, askQty: 2, bids: undefined, asks: undefined });
  };
  const { c } = core(1, 2, { max_inventory_qty: 2 });
  c.decide(1);
  assert.equal(liveOn(c, 1), 1);
  const before = [c.open.clientId[0]!, c.open.clientId[1]!];
  moveBid(c);
  c.decide(2);
  assert.equal(liveOn(c, 1), 0, 'the new bid is denied while the old one may still fill');
  assert.equal(liveOn(c, -1), 0, 'the ask moved too: the same');
  assert.equal(c.gate.denialsByRule.get('max_inventory_qty'), 2);
  for (const id of before) c.onCanceled(3, id);
  c.decide(4);
  assert.equal(liveOn(c, 1), 1, 'placed once the cancel is confirmed');
  assert.equal(liveOn(c, -1), 1);
  const wide = core(1, 2, { max_inventory_qty: 4 }).c;
  wide.decide(1);
  moveBid(wide);
  wide.decide(2);
  assert.equal(liveOn(wide, 1), 1);
  assert.equal(wide.counters.denied, 0);
});
