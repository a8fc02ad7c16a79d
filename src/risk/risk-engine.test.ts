// Risk engine, trading states and place rules: every limit moves the state or denies, with its reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyView, type MarketView } from '../strategy/index.js';
import { OpenOrders, OrderState, type OrderEventHandler, type OrderSink } from '../orders/index.js';
import { RiskGate } from './gate.js';
import { TradingStateMachine } from './trading-state.js';
import { RiskEngine, riskRules } from './risk-engine.js';
import { parseRiskConfig } from './risk-config.js';
import { orderRateRule, maxOrderNotionalRule, reducingOnlyRule } from './place-rules.js';
import { NOTHING_RESTING } from './gate.js';
import { RateWindow } from './rate-window.js';
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

test('order rate window: takeBack takes the last admitted place out again, as if it had never been counted', () => {
  const w = new RateWindow(3, 1 * S);
  for (const t of [0, 100_000, 200_000]) assert.equal(w.admit(t), true);
  assert.equal(w.admit(1_000_000), true, 'the first left the window: this one takes its slot');
  w.takeBack();
  w.takeBack(); // only the last, once
  assert.equal(w.admit(900_000), false, 'the window holds 0, 0.1 and 0.2 s again');
  assert.equal(w.admit(1_000_000), true);
  assert.equal(w.admit(1_050_000), false, '0.1 s is still in the window');
  assert.equal(w.admit(1_100_000), true);
  const fresh = new RateWindow(2, 1 * S);
  assert.equal(fresh.admit(0), true);
  fresh.takeBack();
  assert.deepEqual([fresh.admit(10), fresh.admit(20), fresh.admit(30)], [true, true, false], 'a free slot is free again');
});

test('order rate window: admit and takeBack agree with a plain list of send times over random sequences', () => {
  // The model: every send time kept in a list; a place is admitted when fewer than max fall in the window.
  let seed = 7;
  const rand = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  for (let run = 0; run < 200; run++) {
    const max = 1 + Math.floor(rand() * 5);
    const window = 1 + Math.floor(rand() * 10);
    const w = new RateWindow(max, window);
    const sent: number[] = [];
    let lastAdmitted = false;
    let now = 0;
    for (let step = 0; step < 300; step++) {
      if (rand() < 0.15) {
        w.takeBack();
        if (lastAdmitted) sent.pop();
        lastAdmitted = false;
        continue;
      }
      now += Math.floor(rand() * 3);
      const inWindow = sent.filter((t) => now - t < window).length;
      const expected = inWindow < max;
      assert.equal(w.admit(now), expected, `run ${run} step ${step}: max ${max} per ${window}, ${inWindow} in the window at ${now}`);
      if (expected) sent.push(now);
      lastAdmitted = expected;
    }
  }
});

test('order rate: a place the next sink could not send (the ledger refused it) does not use up the rate', () => {
  const v = liveView(100);
  const rec = recorder();
  const rules = riskRules(parseRiskConfig({ max_orders_per_window: 2, order_rate_window_ms: 1_000, max_inventory_qty: 10, max_order_qty: 10, max_order_notional: 1e9 }, BASE));
  let refusals = 2;
  const sink: OrderSink = {
    place: (t, id) => {
      if (refusals-- > 0) gate.unsent(t, id, 'ledger', 'ledger unwritable: disk full');
      else rec.placed.push(id);
    },
    cancel: () => {},
  };
  const gate: RiskGate = new RiskGate(sink, rec.handler, v, { maxOrderQty: 10, maxInventoryQty: 10, priceBandFraction: 0.5 }, rules);
  for (let id = 1; id <= 5; id++) gate.place(v.now, id, 1, 99, 0.01);
  assert.deepEqual(rec.placed, [3, 4], 'the two places after the refused ones are sent');
  assert.deepEqual(rec.denied.map(([id]) => id), [1, 2, 5]);
  assert.deepEqual(Object.fromEntries(gate.denialsByRule), { ledger: 2, order_rate: 1 });
  assert.equal(gate.counters.placed, 2);
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
  const open = { count: 0 };
  const rules = riskRules(parseRiskConfig({ max_open_orders: 2, max_inventory_qty: 10, max_order_qty: 10, max_order_notional: 1e9 }, BASE), open);
  const rec = recorder();
  const gate = new RiskGate(rec.sink, rec.handler, v, { maxOrderQty: 10, maxInventoryQty: 10, priceBandFraction: 0.5 }, rules);
  open.count = 2; // the order being placed is already in the table, as reconcile records it first
  gate.place(v.now, 1, 1, 99, 1);
  open.count = 3;
  gate.place(v.now, 2, 1, 99, 1);
  assert.deepEqual(rec.placed, [1]);
  assert.match(rec.denied[0]![1], /max_open_orders 2/);
});

// Tight: every limit denies now and then; loose: a large notional cap and open-order count, so the
// inventory and price limits decide alone (a ladder's resting quantity is then the only cause of some denials).
for (const [label, contract, cap, maxOpen] of [
  ['spot, tight', undefined, 150, 4],
  ['spot, loose', undefined, 1e9, 50],
  ['linear perpetual, tight', { kind: 'linear_perp', contractSize: 0.5 }, 100, 4],
  ['linear perpetual, loose', { kind: 'linear_perp', contractSize: 0.5 }, 1e9, 50],
  ['inverse perpetual, tight', { kind: 'inverse_perp', contractSize: 50 }, 120, 4],
  ['inverse perpetual, loose', { kind: 'inverse_perp', contractSize: 50 }, 1e9, 50],
] as const) {
  test(`the gate's inline test changes nothing (${label}, ladders): random orders among random resting orders get exactly the decisions and reasons of every rule run in order, the order rate counting the same orders`, () => {
    const tight = cap < 1e9;
    const config = parseRiskConfig({ max_order_qty: 2, max_inventory_qty: 5, max_order_notional: cap, max_open_orders: maxOpen, max_orders_per_window: 4, order_rate_window_ms: 1_000, price_band_fraction: 0.02 }, BASE);
    const limits = { maxOrderQty: 2, maxInventoryQty: 5, priceBandFraction: 0.02 };
    let seed = 12345;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const table = new OpenOrders(16);
    const v = liveView(100);
    const rec = recorder();
    const gate = new RiskGate(rec.sink, rec.handler, v, limits, riskRules(config, table, contract), undefined, table);
    // The reference: the same rules, fresh (their own order-rate state), each run in order on every order,
    // with the side's other live orders summed here from the table.
    const reference = riskRules(config, table, contract);
    const expected: (string | undefined)[] = [];
    const N = 3_000;
    for (let i = 0; i < N; i++) {
      v.now += Math.floor(rnd() * 400_000);
      v.position = Math.round((rnd() * 12 - 6) * 10) / 10;
      const u = rnd();
      v.tradingState = u < 0.03 ? 'halted' : u < 0.1 ? 'reducing' : 'active';
      const side = rnd() < 0.5 ? 1 : -1;
      const price = Math.round((100 + (rnd() - 0.5) * 6) * 100) / 100;
      const qty = Math.round(rnd() * 30) / 10 + 0.1;
      // A ladder's other levels on both sides, some with their cancel in flight (they count: they can still fill); the order itself is in the
      // table (a place: reconcile records it first) or an order already there (an amend).
      table.clear();
      const levels = Math.floor(rnd() * 5);
      for (let j = 0; j < levels; j++) {
        const id = 100_000 + i * 10 + j;
        table.add(id, rnd() < 0.6 ? side : (-side as 1 | -1), Math.round((100 + (rnd() - 0.5) * 4) * 100) / 100, Math.round(rnd() * 15) / 10 + 0.1);
        const w = rnd();
        table.setState(id, w < 0.2 ? OrderState.PendingCancel : w < 0.5 ? OrderState.PendingNew : OrderState.Open);
      }
      const amend = levels > 0 && rnd() < 0.2;
      const id = amend ? 100_000 + i * 10 : i;
      if (!amend) table.add(id, side, price, qty);
      let restingQty = 0;
      let restingNotional = 0;
      for (let k = 0; k < table.count; k++) {
        if (table.side[k] !== side || table.clientId[k] === id) continue; // a cancel in flight can still fill: counted
        restingQty += table.remaining[k]!;
        restingNotional += table.remaining[k]! * table.price[k]!;
      }
      const resting = { qty: restingQty, notional: restingNotional };
      let reason: string | undefined;
      if (v.tradingState === 'halted') reason = 'trading state is halted';
      else if (v.tradingState === 'reducing') reason = reducingOnlyRule(side, price, qty, v, limits, resting);
      if (reason === undefined) for (const rule of reference) if ((reason = rule(side, price, qty, v, limits, resting)) !== undefined) break;
      expected.push(reason);
      gate.place(v.now, id, side, price, qty);
      if (reason !== undefined) assert.equal(rec.denied.at(-1)?.[0], id, `order ${i} denied`);
    }
    const got: (string | undefined)[] = [];
    for (let i = 0, d = 0; i < N; i++) got.push(expected[i] === undefined ? undefined : rec.denied[d++]?.[1]);
    assert.equal(rec.denied.length, expected.filter((r) => r !== undefined).length, 'as many denials as the rules make');
    assert.equal(rec.placed.length, expected.filter((r) => r === undefined).length, 'as many orders out as the rules approve');
    assert.deepEqual(got, expected);
    const kinds = new Set(expected.map((r) => (r === undefined ? 'ok' : r.split(' ').slice(0, 2).join(' '))));
    assert.ok(kinds.size >= (tight ? 7 : 5), `every kind of decision occurs: ${[...kinds].join(', ')}`);
    if (tight) assert.ok(expected.some((r) => r?.includes('with the orders resting there')), 'the side notional of a ladder denies');
    assert.ok(expected.some((r) => r?.includes('on its side (resting, or with a cancel in flight) filled')), 'the side inventory of a ladder denies');
  });
}

test('the band: a decision that skips evaluate inside it sees the same transitions, marks and states as one that always evaluates', () => {
  const config = parseRiskConfig({}, BASE); // daily loss 500 (warning 400), drawdown 1000 (800), inventory 0.05, stale 5 s
  const va = liveView();
  const vb = liveView();
  const a = new RiskEngine(config, va);
  const b = new RiskEngine(config, vb);
  const seen: { a: unknown[]; b: unknown[] } = { a: [], b: [] };
  let seed = 7;
  const rnd = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  let now = 1_700_000_000 * S;
  let walk = 10_000;
  const DAILY_STEPS = [400, 400 - 1e-6, 400, 400 * (1 - 1e-16), 400 - 1e-4, 399, 500 - 1e-6, 500 * (1 - 1e-16), 500];
  const PEAK_STEPS = [800, 800 - 1e-6, 800 * (1 - 1e-16), 800, 800 - 1e-4, 799, 1000 - 1e-6, 1000 * (1 - 1e-16), 1000];
  let dailyAt = -1;
  let peakAt = -1;
  let position = 0;
  let skipped = 0;
  let peaks = 0;
  for (let i = 0; i < 20_000; i++) {
    const r = rnd();
    now += r < 0.002 ? 20 * 3_600 * S : 60 * S; // now and then a jump into the next UTC day
    const lag = rnd() < 0.01 ? 6 * S : 0; // now and then stale data
    walk += (rnd() - 0.45) * 60; // drifting up: new peaks
    let equity = walk;
    // Now and then a few decisions on and around the thresholds (a rounding or a micro-unit either side).
    if (dailyAt < 0 && peakAt < 0 && rnd() < 0.01) (i % 2 === 0 ? (dailyAt = 0) : (peakAt = 0));
    if (dailyAt >= 0) {
      if (a.marks.dayStartEquity === a.marks.dayStartEquity) equity = a.marks.dayStartEquity - DAILY_STEPS[dailyAt]!;
      if (++dailyAt === DAILY_STEPS.length) dailyAt = -1;
    } else if (peakAt >= 0) {
      if (a.marks.peakEquity === a.marks.peakEquity) equity = a.marks.peakEquity - PEAK_STEPS[peakAt]!;
      if (++peakAt === PEAK_STEPS.length) peakAt = -1;
    }
    if (rnd() < 0.005) walk -= 300; // and falls
    position = Math.round((position + (rnd() - 0.5) * 0.02) * 1e4) / 1e4;
    if (rnd() < 0.01) position = 0.05 * (i % 2 === 0 ? 1 : -1);
    const mid = rnd() < 0.005 ? Number.NaN : 100;
    for (const v of [va, vb]) (v.now = now), (v.equity = equity), (v.position = position), (v.mid = mid);
    const health = { lastDataLocal: now - lag, connected: rnd() > 0.003 };
    seen.a.push(...a.evaluate(now, health));
    if (health.connected && b.inBand(now, health.lastDataLocal)) skipped++;
    else seen.b.push(...b.evaluate(now, health));
    if (a.machine.isRaised('daily-loss') && rnd() < 0.05) (seen.a.push(...a.resume(now, 'daily-loss', 'operator')), seen.b.push(...b.resume(now, 'daily-loss', 'operator')));
    if (a.machine.isRaised('drawdown') && rnd() < 0.05) (seen.a.push(...a.resume(now, 'drawdown', 'operator')), seen.b.push(...b.resume(now, 'drawdown', 'operator')));
    if (a.marks.peakEquity === equity) peaks++;
    assert.deepEqual(b.marks, a.marks, `marks at step ${i}`);
    assert.equal(b.machine.mask, a.machine.mask, `conditions at step ${i}`);
    assert.equal(vb.tradingState, va.tradingState, `state at step ${i}`);
  }
  assert.deepEqual(seen.b, seen.a);
  const conditions = new Set(seen.a.map((t) => (t as { condition: string }).condition));
  for (const c of ['daily-loss', 'drawdown', 'daily-loss-warning', 'drawdown-warning', 'inventory', 'stale-data', 'disconnected']) assert.ok(conditions.has(c), `the walk raises ${c}`);
  assert.ok(skipped > 5_000, `most decisions fall inside the band (${skipped} of 20000)`);
  assert.ok(peaks > 100, `the walk makes new peaks (${peaks})`);
});
