// Property test: on random order-book streams with trades logged late, every fill survives the independent checker and nothing is created.
import { test } from 'node:test';
import { looseSession } from '../fixtures/trading-config.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/index.js';
import { allocEvents, EventFlag, EventType, type EventColumns } from '../../src/market/index.js';
import { writeEvents } from '../../src/data/index.js';
import { BpsFees, constantLatency, riskAverseQueue, powerQueue, logQueue } from '../../src/sim/index.js';
import type { MarketView, QuoteTarget, Strategy } from '../../src/strategy/index.js';
import { runTickBacktest, writeTickRunFolder, defaultTickLocalParams, type TickBacktestOptions } from '../../src/engine/index.js';
import { verifyFills } from '../../src/verify/index.js';

const MS = 1000;
const TICK = 0.01;
const round = (p: number): number => Math.round(p / TICK) * TICK;

interface Msg {
  logAt: number;
  rows: { type: number; side: number; price: number; size: number; ts: number; id: number }[];
}

/**
 * A random market: a depth message every 100 ms restating the five levels each side of a random-walk mid,
 * trades at random times at or through the touch, each trade logged 0–250 ms after it printed (so many
 * are logged after depth messages stamped later, as on Binance), BBO rows now and then.
 */
function randomStream(rng: Rng, seconds: number): EventColumns {
  const msgs: Msg[] = [];
  let mid = 100 + rng.int(100) * TICK;
  let update = 1;
  let tradeId = 1000;
  const t0 = 1_700_000_000_000_000;
  const levels = (m: number) => {
    const bid = round(m - TICK * (1 + rng.int(2)));
    const ask = round(bid + TICK * (1 + rng.int(3)));
    return { bid, ask };
  };
  let touch = levels(mid);
  // The opening snapshot.
  const snap: Msg['rows'] = [];
  for (let k = 0; k < 5; k++) {
    snap.push({ type: EventType.Snapshot, side: 1, price: round(touch.bid - k * TICK), size: 0.05 + rng.next() * 2, ts: t0, id: update });
    snap.push({ type: EventType.Snapshot, side: -1, price: round(touch.ask + k * TICK), size: 0.05 + rng.next() * 2, ts: t0, id: update });
  }
  msgs.push({ logAt: t0, rows: snap });
  let tradeLog = 0;
  for (let e = t0 + 100 * MS; e < t0 + seconds * 1e6; e += 100 * MS) {
    // Trades printed during (e − 100 ms, e], in time order (one stream), each logged 0–250 ms late.
    const nTrades = rng.int(5);
    const times = Array.from({ length: nTrades }, () => e - 100 * MS + 1 + rng.int(100 * MS - 1)).sort((a, b) => a - b);
    for (let k = 0; k < nTrades; k++) {
      const ts = times[k]!;
      const aggressor = rng.next() < 0.5 ? 1 : -1;
      const through = rng.int(4) === 0 ? rng.int(3) : 0;
      const price = aggressor > 0 ? round(touch.ask + through * TICK) : round(touch.bid - through * TICK);
      const size = Math.round((0.001 + rng.next() * (rng.next() < 0.2 ? 3 : 0.3)) * 1e5) / 1e5;
      tradeLog = Math.max(tradeLog, ts + rng.int(250 * MS));
      msgs.push({ logAt: tradeLog, rows: [{ type: EventType.Trade, side: aggressor, price, size, ts, id: tradeId++ }] });
    }
    if (rng.next() < 0.3) {
      const bbo = { type: EventType.Bbo, ts: e - rng.int(50 * MS), id: update };
      msgs.push({ logAt: bbo.ts + 1, rows: [{ ...bbo, side: 1, price: touch.bid, size: 0.01 + rng.next() }, { ...bbo, side: -1, price: touch.ask, size: 0.01 + rng.next() }] });
    }
    // The depth message at e: the mid moves, the touch and five levels each side are restated, stale ones removed.
    mid += (rng.next() - 0.5) * 4 * TICK;
    const old = touch;
    touch = levels(mid);
    update++;
    const rows: Msg['rows'] = [];
    for (let k = 0; k < 8; k++) {
      const b = round(old.bid - k * TICK);
      const a = round(old.ask + k * TICK);
      if (b > touch.bid || b < touch.bid - 4 * TICK) rows.push({ type: EventType.Delta, side: 1, price: b, size: 0, ts: e, id: update });
      if (a < touch.ask || a > touch.ask + 4 * TICK) rows.push({ type: EventType.Delta, side: -1, price: a, size: 0, ts: e, id: update });
    }
    for (let k = 0; k < 5; k++) {
      rows.push({ type: EventType.Delta, side: 1, price: round(touch.bid - k * TICK), size: Math.round((0.01 + rng.next() * 2) * 1e5) / 1e5, ts: e, id: update });
      rows.push({ type: EventType.Delta, side: -1, price: round(touch.ask + k * TICK), size: Math.round((0.01 + rng.next() * 2) * 1e5) / 1e5, ts: e, id: update });
    }
    msgs.push({ logAt: e + rng.int(20 * MS), rows });
  }
  msgs.sort((a, b) => a.logAt - b.logAt); // stable: one stream's messages keep their order
  const n = msgs.reduce((s, m) => s + m.rows.length, 0);
  const ev = allocEvents(n);
  for (const m of msgs) {
    m.rows.forEach((r, k) => {
      const i = ev.length++;
      ev.type[i] = r.type;
      ev.side[i] = r.side;
      ev.flags[i] = (k === m.rows.length - 1 ? EventFlag.EndOfMessage : 0) | (r.type === EventType.Snapshot && k === 0 ? EventFlag.SnapshotStart : 0);
      ev.tsExchange[i] = r.ts;
      ev.tsLocal[i] = m.logAt;
      ev.price[i] = r.price;
      ev.size[i] = r.size;
      ev.id[i] = r.id;
    });
  }
  return ev;
}

/** Quotes at random distances from the local mid (sometimes crossing), random sizes, changing its mind often. */
class RandomQuotes implements Strategy {
  readonly name = 'random';
  private bidOff = 1;
  private askOff = 1;
  private qty = 0.01;
  constructor(private readonly rng: Rng) {}
  decide(v: Readonly<MarketView>, out: QuoteTarget): void {
    if (this.rng.next() < 0.4) {
      this.bidOff = this.rng.int(4);
      this.askOff = this.rng.int(4);
      this.qty = [0.001, 0.01, 0.05, 0.3][this.rng.int(4)]!;
    }
    const ok = v.bestBid === v.bestBid && v.bestAsk === v.bestAsk;
    out.bidPrice = ok ? round(v.bestBid - (this.bidOff - 1) * TICK) : Number.NaN;
    out.askPrice = ok ? round(v.bestAsk + (this.askOff - 1) * TICK) : Number.NaN;
    out.bidQty = ok ? this.qty : 0;
    out.askQty = ok ? this.qty : 0;
    out.reservation = Number.NaN;
  }
}

test('random streams with late trades: no fill before arrival, no volume created, cash and position conserved', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tick-prop-'));
  try {
    let fills = 0;
    let late = 0;
    let wholeViolations = 0;
    for (let seed = 1; seed <= 24; seed++) {
      const rng = new Rng(seed);
      const ev = randomStream(rng.fork('market'), 20);
      for (let i = 1; i < ev.length; i++) if (ev.type[i] === EventType.Trade && ev.tsExchange[i]! < ev.tsExchange[i - 1]!) late++;
      const r2 = rng.fork('setup');
      const latency = r2.int(40) * MS;
      const queue = [riskAverseQueue, powerQueue(2), logQueue][r2.int(3)]!;
      const opts: TickBacktestOptions = {
        session: looseSession({ initialCash: 100_000, reconcile: { priceTolerance: 0, qtyTolerance: 0 }, limits: { maxOrderQty: 1, maxInventoryQty: 100, priceBandFraction: 0.5 } }),
        local: { ...defaultTickLocalParams, ladderTicks: 4096 },
        exchange: { tickSize: TICK, partialFills: true, ladderTicks: 4096 },
        queue,
        latency: constantLatency(latency, latency + r2.int(10) * MS),
        fees: new BpsFees(-0.5, 2),
        feedLatencyMicros: r2.next() < 0.5 ? undefined : r2.int(20) * MS,
        decisionIntervalMicros: (50 + r2.int(100)) * MS,
        sampleIntervalMicros: 500 * MS,
        markoutSeconds: [1],
      };
      const r = runTickBacktest(ev, new RandomQuotes(rng.fork('strategy')), opts);
      const f = r.core.fills;
      fills += f.length;
      // Conservation: position and cash are the sums of the fills; every fill's quantity is in the audit.
      let pos = 0;
      let cash = 100_000;
      for (let i = 0; i < f.length; i++) {
        assert.ok(f.qty[i]! > 1e-9, `seed ${seed}: a fill of ${f.qty[i]} (a floating-point remainder, not a trade)`);
        pos += f.side[i]! * f.qty[i]!;
        cash -= f.side[i]! * f.qty[i]! * f.price[i]! + f.fee[i]!;
      }
      assert.ok(Math.abs(r.core.portfolio.position - pos) < 1e-9, `seed ${seed}: position`);
      assert.ok(Math.abs(r.core.portfolio.cash - cash) < 1e-6, `seed ${seed}: cash`);
      const audit = r.exchange.audit;
      let audited = 0;
      for (let k = 0; k < audit.length; k++) {
        audited += audit.filled[k]!;
        assert.ok(audit.filled[k]! <= audit.qty[k]! * (1 + 1e-9), `seed ${seed}: order ${audit.id[k]} overfilled`);
      }
      let logged = 0;
      for (let i = 0; i < f.length; i++) logged += f.qty[i]!;
      // Fills still in flight at the end are in the audit but not yet in the fill log.
      assert.ok(logged <= audited + 1e-9, `seed ${seed}: fill log ${logged} vs venue ${audited}`);
      // The independent checker, from the files alone.
      const events = join(dir, `s${seed}.arrow`);
      writeEvents(events, ev);
      const run = join(dir, `run${seed}`);
      writeTickRunFolder(run, { config: {}, metrics: r.metrics, trace: r.trace, fills: f, stats: r.stats, audit, tickSize: TICK });
      const v = verifyFills(run, [events]);
      assert.equal(v.violations_total, 0, `seed ${seed}: ${JSON.stringify(v.examples.slice(0, 3))}`);
      assert.equal(v.maker_fills_checked, f.length);
      // The opt-in whole-order rule on the same stream: the checker sees the volume it creates.
      if (seed <= 6) {
        const w = runTickBacktest(ev, new RandomQuotes(new Rng(seed).fork('strategy')), { ...opts, exchange: { ...opts.exchange, partialFills: false } });
        const wrun = join(dir, `whole${seed}`);
        writeTickRunFolder(wrun, { config: {}, metrics: w.metrics, trace: w.trace, fills: w.core.fills, stats: w.stats, audit: w.exchange.audit, tickSize: TICK });
        const wv = verifyFills(wrun, [events]);
        wholeViolations += wv.violations.trade_volume + wv.violations.order_volume;
      }
    }
    assert.ok(wholeViolations > 0, 'the whole-order rule creates volume and the checker says so');
    assert.ok(late > 100, `the streams have trades logged late: ${late}`);
    assert.ok(fills > 200, `enough fills to mean something: ${fills}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
