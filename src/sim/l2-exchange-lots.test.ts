// The venue on generated markets, for every queue model and several lot sizes: fills are whole lots, never more than traded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../core/index.js';
import { decimalsOf, type EventColumns } from '../market/index.js';
import type { OrderEventHandler } from '../orders/index.js';
import { L2Exchange, BpsFees, constantLatency, riskAverseQueue, powerQueue, logQueue, type QueueModel } from './index.js';
import { EventBuilder } from '../../test/fixtures/tick-events.js';

const TICK = 0.01;
const MID = 10_000; // ticks: 100.00

interface Trade {
  t: number;
  aggressor: number;
  tick: number;
  size: number;
}

/**
 * A market of `steps` messages around 100.00: a snapshot of the 30 best levels a side, then depth diffs
 * (levels growing, shrinking without a trade: cancellations the queue models place), trades at or through
 * the touch and bookTickers, all sizes whole lots. Returns the events and the trades by id.
 */
function market(rng: Rng, lot: number, steps: number): { ev: EventColumns; trades: Map<number, Trade> } {
  const size = (max: number): number => Math.round((1 + rng.int(max)) * lot * 1e9) / 1e9;
  const price = (tick: number): number => Math.round(tick) / 100;
  const bids: [number, number][] = [];
  const asks: [number, number][] = [];
  for (let k = 0; k < 30; k++) {
    if (rng.next() < 0.8) bids.push([price(MID - k), size(20)]);
    if (rng.next() < 0.8) asks.push([price(MID + 1 + k), size(20)]);
  }
  const b = new EventBuilder().snapshot(0, bids, asks);
  const trades = new Map<number, Trade>();
  let t = 0;
  let tradeId = 0; // the builder numbers trades from 1, apart from the book's messages
  for (let s = 0; s < steps; s++) {
    t += 1 + rng.int(50);
    const r = rng.next();
    if (r < 0.45) {
      // A few levels near the touch change (some beyond the snapshot's 30: stated only from now on).
      const rows: [number, number, number][] = [];
      for (let k = 1 + rng.int(3); k > 0; k--) {
        const side = rng.next() < 0.5 ? 1 : -1;
        const tick = side > 0 ? MID - rng.int(40) : MID + 1 + rng.int(40);
        rows.push([side, price(tick), rng.next() < 0.25 ? 0 : size(25)]);
      }
      b.delta(t, rows);
    } else if (r < 0.9) {
      // A trade at the touch or a few ticks through it.
      const aggressor = rng.next() < 0.5 ? 1 : -1;
      const tick = aggressor < 0 ? MID - rng.int(6) : MID + 1 + rng.int(6);
      const q = size(rng.next() < 0.7 ? 4 : 30);
      b.trade(t, aggressor, price(tick), q);
      trades.set(++tradeId, { t, aggressor, tick, size: q });
    } else {
      b.bbo(t, [price(MID - rng.int(2)), size(10)], [price(MID + 1 + rng.int(2)), size(10)]);
    }
  }
  return { ev: b.build(), trades };
}

interface Fill {
  id: number;
  tick: number;
  side: number;
  qty: number;
  trade: number;
}

/** Run the venue over a generated market with orders placed and cancelled at random; its fills with their trades. */
function run(seed: number, queue: QueueModel, lot: number): { fills: Fill[]; trades: Map<number, Trade>; ex: L2Exchange; placed: Map<number, { side: number; tick: number; qty: number }> } {
  const rng = new Rng(seed);
  const { ev, trades } = market(rng, lot, 400);
  const ex = new L2Exchange({ tickSize: TICK, partialFills: true, ladderTicks: 256, lotSize: lot }, queue, constantLatency(3, 3), new BpsFees(0, 0));
  const fills: Fill[] = [];
  const placed = new Map<number, { side: number; tick: number; qty: number }>();
  const handler: OrderEventHandler = {
    onAccepted: () => {},
    onRejected: () => {},
    onDenied: () => {},
    onCanceled: () => {},
    onFill: (_ts, clientId, side, price, qty) => fills.push({ id: clientId, tick: Math.round(price / TICK), side, qty, trade: ex.last.tradeId }),
  };
  let i = 0;
  let next = 1;
  let clock = 0;
  const end = ev.tsExchange[ev.length - 1]! + 100;
  while (clock < end) {
    clock += 5 + rng.int(30);
    // Market rows, commands and answers up to the clock, in time order (market data first at ties).
    for (;;) {
      const tE = i < ev.length ? ev.tsExchange[i]! : Infinity;
      const tIn = ex.nextInboundTs();
      const tOut = ex.nextOutboundTs();
      const tm = Math.min(tE, tIn, tOut);
      if (tm > clock || tm === Infinity) break;
      if (tE === tm) ex.onMarket(ev, i++, tE);
      else if (tIn === tm) ex.processInbound();
      else ex.deliver(handler);
    }
    if (rng.next() < 0.3) {
      const side = rng.next() < 0.5 ? 1 : -1;
      const tick = side > 0 ? MID - rng.int(8) : MID + 1 + rng.int(8);
      const qty = Math.round((1 + rng.int(rng.next() < 0.5 ? 3 : 40)) * lot * 1e9) / 1e9;
      placed.set(next, { side, tick, qty });
      ex.place(clock, next++, side as 1 | -1, tick * TICK, qty);
    }
    if (rng.next() < 0.1 && next > 1) ex.cancel(clock, 1 + rng.int(next - 1));
  }
  return { fills, trades, ex, placed };
}

const models = [riskAverseQueue, powerQueue(1), powerQueue(2), powerQueue(3), logQueue];

test('generated markets, every queue model, lots of 1, 0.001 and 0.00001: every fill a whole number of lots, no trade and no level given more than traded there after our order arrived', () => {
  let checked = 0;
  let partial = 0;
  for (const lot of [1, 0.001, 0.00001]) {
    const dec = decimalsOf(lot);
    for (const queue of models) {
      for (let seed = 1; seed <= 25; seed++) {
        const { fills, trades, ex, placed } = run(seed * 7919 + dec, queue, lot);
        const a = ex.audit;
        const row = new Map<number, number>();
        for (let r = 0; r < a.length; r++) row.set(a.id[r]!, r);
        const where = `${queue.name}, lot ${lot}, seed ${seed}`;
        // Each fill: a whole number of lots, printed as the lot's exact decimal.
        for (const f of fills) {
          const n = Math.round(f.qty / lot);
          assert.ok(n >= 1 && f.qty === Number((n * lot).toFixed(dec)), `${where}: fill ${f.qty} of order ${f.id} is not a whole number of lots`);
          if (n !== Math.round(placed.get(f.id)!.qty / lot)) partial++;
        }
        // Each trade: our fills from it at most its size.
        const byTrade = new Map<number, number>();
        for (const f of fills) byTrade.set(f.trade, (byTrade.get(f.trade) ?? 0) + f.qty);
        for (const [id, q] of byTrade) assert.ok(q <= trades.get(id)!.size + 1e-9, `${where}: trade ${id} of ${trades.get(id)!.size} gave ${q}`);
        // Each order: filled at most its quantity, by trades at or through its price printed at or after it arrived.
        const reaching = (side: number, tick: number, from: number): number => {
          let v = 0;
          for (const tr of trades.values()) if (tr.t >= from && tr.aggressor === -side && (side > 0 ? tr.tick <= tick : tr.tick >= tick)) v += tr.size;
          return v;
        };
        const byOrder = new Map<number, number>();
        for (const f of fills) byOrder.set(f.id, (byOrder.get(f.id) ?? 0) + f.qty);
        for (const [id, q] of byOrder) {
          const o = placed.get(id)!;
          const arrived = a.arrived[row.get(id)!]!;
          assert.ok(q <= o.qty + 1e-9, `${where}: order ${id} of ${o.qty} filled ${q}`);
          assert.ok(q <= reaching(o.side, o.tick, arrived) + 1e-9, `${where}: order ${id} filled ${q}, more than traded at its price after it arrived`);
        }
        // Each price: all our fills there at most the volume traded at or through it after the first of our orders there arrived.
        const byLevel = new Map<string, { q: number; side: number; tick: number; from: number }>();
        for (const f of fills) {
          const key = `${f.side}:${f.tick}`;
          const arrived = a.arrived[row.get(f.id)!]!;
          const l = byLevel.get(key) ?? { q: 0, side: f.side, tick: f.tick, from: arrived };
          l.q += f.qty;
          if (arrived < l.from) l.from = arrived;
          byLevel.set(key, l);
        }
        for (const l of byLevel.values()) assert.ok(l.q <= reaching(l.side, l.tick, l.from) + 1e-9, `${where}: ${l.q} filled at tick ${l.tick}, more than traded there`);
        checked += fills.length;
      }
    }
  }
  assert.ok(checked > 5_000, `fills checked: ${checked}`);
  assert.ok(partial > 500, `partial fills among them: ${partial}`);
});
