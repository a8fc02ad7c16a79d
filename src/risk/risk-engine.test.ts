// Risk engine, trading states and place rules: every limit moves the state or denies, with its reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyView, type MarketView } from '../strategy/index.js';
import type { OrderEventHandler, OrderSink } from '../orders/index.js';
import { RiskGate } from './gate.js';
import { TradingStateMachine } from './trading-state.js';
import { RiskEngine, riskRules } from './risk-engine.js';
import { parseRiskConfig } from './risk-config.js';
import { orderRateRule, maxOrderNotionalRule } from './place-rules.js';
import { NOTHING_RESTING } from './gate.js';
import { HaltFile, clearHaltFile, writeHaltFile } from './kill-switch.js';

const S = 1_000_000;
/** What the derived limits follow when a test leaves them out. */
const BASE = { orderQty: 0.01, maxInventoryQty: 0.05, capital: 10_000 };

function liveView(mid = 100): MarketView {
  const v = emptyView();
  v.now = 1_700_000_000 * S;
  v.mid = mid;
  v.equity = 10_000;
  v.cash = 10_000;
  return v;
}

function recorder(): { sink: OrderSink; handler: OrderEventHandler; placed: number[]; denied: [number, string][] } {
  const placed: number[] = [];
  const denied: [number, string][] = [];
  return {
    placed,
    denied,
    sink: { place: (_t, id) => void placed.push(id), cancel: () => {} },
    handler: {
      onAccepted: () => {},
      onRejected: () => {},
      onDenied: (_t, id, reason) => void denied.push([id, reason]),
      onCanceled: () => {},
      onFill: () => {},
    },
  };
}

test('state is the worst raised condition; latched conditions survive clear, not reset', () => {
  const m = new TradingStateMachine();
  assert.equal(m.state, 'active');
  const t1 = m.raise(1, 'inventory', 'big');
  assert.deepEqual([t1?.from, t1?.to], ['active', 'reducing']);
  const t2 = m.raise(2, 'kill-switch', 'operator');
  assert.deepEqual([t2?.from, t2?.to], ['reducing', 'halted']);
  assert.equal(m.raise(3, 'kill-switch', 'again'), undefined, 'raising twice is not a transition');
  assert.equal(m.clear(4, 'kill-switch', 'try'), undefined, 'a latched condition does not clear itself');
  assert.equal(m.state, 'halted');
  const t3 = m.clear(5, 'inventory', 'small');
  assert.deepEqual([t3?.from, t3?.to], ['halted', 'halted']);
  const t4 = m.reset(6, 'kill-switch', 'operator resumed');
  assert.deepEqual([t4?.from, t4?.to], ['halted', 'active']);
  assert.equal(m.reasons().length, 0);
});

test('stale data halts until fresh data arrives; a disconnect halts until reconnected', () => {
  const v = liveView();
  const r = new RiskEngine(parseRiskConfig({ stale_after_ms: 2_000 }, BASE), v);
  assert.equal(r.evaluate(v.now, { lastDataLocal: v.now - 100_000, connected: true }).length, 0);
  assert.equal(v.tradingState, 'active');
  const ts = r.evaluate(v.now, { lastDataLocal: v.now - 3 * S, connected: true });
  assert.equal(ts.length, 1);
  assert.equal(ts[0]!.condition, 'stale-data');
  assert.match(ts[0]!.reason, /no market data for 3000 ms/);
  assert.equal(v.tradingState, 'halted');
  r.evaluate(v.now, { lastDataLocal: v.now, connected: true });
  assert.equal(v.tradingState, 'active');
  const d = r.evaluate(v.now, { lastDataLocal: v.now, connected: false });
  assert.deepEqual(d.map((t) => [t.condition, t.to]), [['disconnected', 'halted']]);
  r.evaluate(v.now, { lastDataLocal: v.now, connected: true });
  assert.equal(v.tradingState, 'active');
});

test('daily loss: warning → reducing, limit → halted and latched even when equity recovers', () => {
  const v = liveView();
  const r = new RiskEngine(parseRiskConfig({ daily_loss_limit: 100, warn_fraction: 0.5, max_drawdown: 1e9 }, BASE), v);
  const fresh = () => ({ lastDataLocal: v.now, connected: true });
  r.evaluate(v.now, fresh());
  v.equity = 9_940;
  r.evaluate(v.now, fresh());
  assert.equal(v.tradingState, 'reducing');
  v.equity = 9_899;
  const ts = r.evaluate(v.now, fresh());
  assert.ok(ts.some((t) => t.condition === 'daily-loss' && t.to === 'halted' && /daily loss 101/.test(t.reason)));
  v.equity = 10_050;
  r.evaluate(v.now, fresh());
  assert.equal(v.tradingState, 'halted', 'a breached loss limit stays halted');
});

test('a new UTC day resets the daily baseline but not the drawdown peak', () => {
  const v = liveView();
  const r = new RiskEngine(parseRiskConfig({ daily_loss_limit: 100, max_drawdown: 150, warn_fraction: 1 }, BASE), v);
  const fresh = () => ({ lastDataLocal: v.now, connected: true });
  r.evaluate(v.now, fresh());
  v.equity = 9_920;
  r.evaluate(v.now, fresh());
  assert.equal(v.tradingState, 'active');
  v.now += 86_400 * S;
  r.evaluate(v.now, fresh());
  assert.equal(r.marks.dayStartEquity, 9_920);
  v.equity = 9_840; // 80 today, 160 from the peak
  const ts = r.evaluate(v.now, fresh());
  assert.deepEqual(ts.map((t) => t.condition).filter((c) => !c.endsWith('-warning')), ['drawdown']);
  assert.equal(v.tradingState, 'halted');
});

test('inventory at the limit moves to reducing; the gate then refuses orders that grow |position|', () => {
  const v = liveView();
  const r = new RiskEngine(parseRiskConfig({ max_inventory_qty: 1, max_order_qty: 1, max_order_notional: 1e9 }, BASE), v);
  v.position = 1;
  r.evaluate(v.now, { lastDataLocal: v.now, connected: true });
  assert.equal(v.tradingState, 'reducing');
  const rec = recorder();
  const gate = new RiskGate(rec.sink, rec.handler, v, r.limits, riskRules(r.config));
  gate.place(v.now, 1, 1, 99.9, 0.1);
  gate.place(v.now, 2, -1, 100.1, 0.1);
  assert.deepEqual(rec.placed, [2]);
  assert.match(rec.denied[0]![1], /reducing/);
});

test('gate with engine rules: size, notional, band, halted, and every denial carries its reason', () => {
  const v = liveView(100);
  const r = new RiskEngine(parseRiskConfig({ max_order_qty: 2, max_order_notional: 150, price_band_fraction: 0.01, max_inventory_qty: 10 }, BASE), v);
  const rec = recorder();
  const gate = new RiskGate(rec.sink, rec.handler, v, r.limits, riskRules(r.config));
  gate.place(v.now, 1, 1, 99.5, 1); // ok
  gate.place(v.now, 2, 1, 99.5, 3); // size
  gate.place(v.now, 3, 1, 99.5, 1.6); // notional 159
  gate.place(v.now, 4, 1, 98, 1); // band
  r.halt(v.now, 'operator');
  gate.place(v.now, 5, -1, 100.5, 1);
  assert.deepEqual(rec.placed, [1]);
  assert.deepEqual(
    rec.denied.map(([id]) => id),
    [2, 3, 4, 5],
  );
  assert.match(rec.denied[0]![1], /max_order_qty/);
  assert.match(rec.denied[1]![1], /max_order_notional/);
  assert.match(rec.denied[2]![1], /band/);
  assert.match(rec.denied[3]![1], /halted/);
});

test('order rate rule: a sliding window of view time', () => {
  const rule = orderRateRule(3, 1 * S);
  const v = liveView();
  const at = (t: number): string | undefined => {
    v.now = t;
    return rule(1, 100, 1, v, { maxOrderQty: 1, maxInventoryQty: 1, priceBandFraction: 1 }, NOTHING_RESTING);
  };
  assert.equal(at(0), undefined);
  assert.equal(at(100_000), undefined);
  assert.equal(at(200_000), undefined);
  assert.match(at(300_000) ?? '', /order rate/);
  assert.equal(at(1_000_000), undefined, 'the first order left the window');
  assert.match(at(1_050_000) ?? '', /order rate/);
  assert.equal(maxOrderNotionalRule(10)(1, 5, 2, v, { maxOrderQty: 1, maxInventoryQty: 1, priceBandFraction: 1 }, NOTHING_RESTING), undefined);
});

test('halt file: absent → nothing; present → its reason; polled at most once per interval', () => {
  const dir = mkdtempSync(join(tmpdir(), 'halt-'));
  try {
    const path = join(dir, 'HALT');
    const h = new HaltFile(path, 100);
    assert.equal(h.poll(0), undefined);
    writeHaltFile(path, 'end of test');
    assert.equal(h.poll(50), undefined, 'not polled again within the interval');
    assert.equal(h.poll(100), `halt file ${path}: end of test`);
    assert.equal(clearHaltFile(path), true);
    assert.equal(h.poll(300), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('config: unknown values are refused with the field named', () => {
  assert.throws(() => parseRiskConfig({ max_order_qty: -1 }, BASE), /max_order_qty/);
  assert.equal(parseRiskConfig(undefined, BASE).stale_after_ms, 5_000);
});

test('max open orders: a new order is denied while too many are out', () => {
  const v = liveView(100);
  let open = 0;
  const rules = riskRules(parseRiskConfig({ max_open_orders: 2, max_inventory_qty: 10, max_order_qty: 10, max_order_notional: 1e9 }, BASE), () => open);
  const rec = recorder();
  const gate = new RiskGate(rec.sink, rec.handler, v, { maxOrderQty: 10, maxInventoryQty: 10, priceBandFraction: 0.5 }, rules);
  open = 2; // the order being placed is already in the table, as reconcile records it first
  gate.place(v.now, 1, 1, 99, 1);
  open = 3;
  gate.place(v.now, 2, 1, 99, 1);
  assert.deepEqual(rec.placed, [1]);
  assert.match(rec.denied[0]![1], /max_open_orders 2/);
});
