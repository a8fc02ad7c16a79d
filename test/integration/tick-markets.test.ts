// Several markets in one tick replay (the shared spot and USD-M captures): each market its own single run, one market's gap halts it alone, the book's limits halt all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readEvents } from '../../src/data/index.js';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TradingConfigSchema, fundingPaymentsCsv, marketConfigs, runTickJob, runTickMarketsJob, writeMarketsRunFolder, type TickJobResult } from '../../src/engine/index.js';
import { ordersCsv } from '../../src/sim/index.js';
import { allocEvents, type EventColumns } from '../../src/market/index.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { ensureSharedUsdmArrow } from '../fixtures/usdm-capture.js';

const spot = ensureSharedCaptureArrow();
const usdm = ensureSharedUsdmArrow();

function twoMarkets(extra: Record<string, unknown> = {}) {
  return TradingConfigSchema.parse({
    capital: 20_000,
    quoting: { gamma: 0.0001, horizon_seconds: 60, order_qty: 0.001, max_inventory_qty: 0.01 },
    sim: { queue: 'power:2', maker_fee_bps: -0.5, feed_latency_ms: 5 },
    risk: { warn_fraction: 1 },
    markets: [
      { name: 'spot', symbol: 'BTC/USDT', events: spot },
      { name: 'usdm', symbol: 'BTC/USDT:USDT', tick_size: 0.1, lot_size: 0.001, events: usdm, sim: { maker_fee_bps: 2, entry_latency_ms: 8 } },
    ],
    ...extra,
  });
}

/** Everything a run produces that a user reads: fills, orders, trace, metrics (without the engine's timing). */
function digest(r: TickJobResult, tick: number): string {
  const f = r.core.fills;
  const fills = Array.from({ length: f.length }, (_, i) => [f.ts[i], f.clientId[i], f.side[i], f.price[i], f.qty[i], r.stats.tradeId[i]].join(',')).join('\n');
  const t = r.trace;
  const trace = Array.from({ length: t.length }, (_, i) => [t.ts[i], t.mid[i], t.inventory[i], t.cash[i], t.equity[i], t.state[i]].join(',')).join('\n');
  return [fills, ordersCsv(r.exchange.audit, 2), trace, JSON.stringify(r.metrics), tick].join('\n--\n');
}

/** `ev` without the rows whose local time falls in [from, to): the feed silent for that span. */
function withGap(ev: EventColumns, from: number, to: number): EventColumns {
  const out = allocEvents(ev.length);
  let n = 0;
  for (let i = 0; i < ev.length; i++) {
    const t = ev.tsLocal[i]!;
    if (t >= from && t < to) continue;
    for (const k of ['type', 'side', 'flags', 'tsExchange', 'tsLocal', 'price', 'size', 'id'] as const) out[k][n] = ev[k][i]!;
    n++;
  }
  out.length = n;
  return out;
}

test('two markets on one clock: each is its own single run byte for byte; the book sums them', () => {
  const ms = marketConfigs(twoMarkets());
  const both = runTickMarketsJob(ms);
  assert.equal(both.markets.length, 2);
  for (let k = 0; k < 2; k++) {
    const alone = runTickJob(ms[k]!.config);
    const m = both.markets[k]!;
    assert.ok(alone.metrics.fills > 20, `${m.name} fills (${alone.metrics.fills})`);
    assert.equal(digest({ ...m, metrics: { ...m.metrics } }, ms[k]!.config.market.tick_size), digest(alone, ms[k]!.config.market.tick_size), `${m.name}: the same run as alone`);
  }
  // Each market its own capital share, own order ids and own venue; the book is their sum.
  assert.deepEqual(both.markets.map((m) => m.core.portfolio.initialCash ?? m.resolved['capital']), [10_000, 10_000]);
  const pnl = both.markets.reduce((a, m) => a + m.core.view.equity - 10_000, 0);
  assert.ok(Math.abs(both.book.total_pnl - pnl) < 1e-9);
  assert.equal(both.book.capital, 20_000);
  assert.ok(both.book.max_notional > 0 && both.book.max_drawdown >= 0);
  assert.equal(both.book.loss_halt_ts, null);
});

test("a gap in one market's feed halts that market only (stale data), and the other trades on as alone", () => {
  const ms = marketConfigs(twoMarkets());
  const ev = readEvents(usdm);
  const t0 = ev.tsLocal[0]!;
  const gapped = withGap(ev, t0 + 60e6, t0 + 75e6);
  const both = runTickMarketsJob(ms, {}, {}, [undefined, [gapped]]);
  const [a, b] = both.markets;
  const stale = (m: TickJobResult) => m.metrics.risk.transitions.filter((t: { condition: string }) => t.condition === 'stale-data');
  assert.ok(stale(b!).length >= 2, 'usdm: halted on stale data, then back');
  assert.ok(b!.metrics.risk.seconds_in_state.halted >= 9 && b!.metrics.risk.seconds_in_state.halted <= 11, `usdm halted ${b!.metrics.risk.seconds_in_state.halted} s (15 s gap, 5 s staleness limit)`);
  assert.deepEqual(stale(a!), [], 'spot never halted');
  assert.equal(a!.metrics.risk.seconds_in_state.halted, 0);
  const alone = runTickJob(ms[0]!.config);
  assert.equal(digest(a!, 0.01), digest(alone, 0.01), 'spot: its single run, byte for byte');
  // The halted market sent nothing while halted.
  const [halt, back] = stale(b!).map((t) => Date.parse((t as unknown as { ts: string }).ts) * 1000) as [number, number];
  assert.ok(halt > t0 + 60e6 && back >= t0 + 75e6, 'halted inside the gap, back after it');
  const audit = b!.exchange.audit;
  let during = 0;
  for (let i = 0; i < audit.length; i++) if (audit.sent[i]! > halt && audit.sent[i]! < back) during++;
  assert.equal(during, 0, 'no order sent while halted');
  assert.ok(audit.length > 0 && audit.sent[audit.length - 1]! > back, 'usdm trades again after the gap');
});

test("the book's loss limit halts every market at the same decision; its notional limit makes every market reduce", () => {
  const free = runTickMarketsJob(marketConfigs(twoMarkets()));
  assert.ok(free.book.total_pnl < 0 && free.book.max_notional > 0);
  const limit = Math.min(2, -free.book.total_pnl / 2);
  const capped = runTickMarketsJob(marketConfigs(twoMarkets({ portfolio: { max_loss: limit } })), { max_loss: limit });
  const T = capped.book.loss_halt_ts;
  assert.ok(T !== null, 'the book hit its loss limit');
  for (const m of capped.markets) {
    const t = m.metrics.risk.transitions.find((x: { condition: string }) => x.condition === 'portfolio-loss') as { ts: string; to: string } | undefined;
    assert.ok(t !== undefined, `${m.name}: halted by the book`);
    assert.equal(Date.parse(t.ts) * 1000, T, `${m.name}: at the book's decision`);
    assert.equal(t.to, 'halted');
    assert.equal(m.metrics.risk.final_state, 'halted', `${m.name}: latched`);
    const audit = m.exchange.audit;
    for (let i = 0; i < audit.length; i++) assert.ok(audit.sent[i]! <= T, `${m.name}: order ${i} sent after the halt`);
  }
  const reduce = runTickMarketsJob(marketConfigs(twoMarkets()), { max_notional: free.book.max_notional / 3 });
  assert.ok(reduce.book.notional_reducing_decisions > 0);
  for (const m of reduce.markets) assert.ok(m.metrics.risk.transitions.some((x: { condition: string; to: string }) => x.condition === 'portfolio-notional' && x.to === 'reducing'), `${m.name}: reducing under the book's notional`);
  assert.ok(reduce.book.max_notional <= free.book.max_notional + 1e-9);
});

test('a perpetual among the markets (linear, with funding) is its own single run too; the book counts its notional by its contract terms', () => {
  const cfg = twoMarkets();
  const perp = TradingConfigSchema.parse({
    ...cfg,
    markets: [cfg.markets![0], { ...cfg.markets![1], instrument: 'linear_perp', contract_size: 1, funding: { rate: 0.0001 } }],
  });
  const ms = marketConfigs(perp);
  assert.equal(ms[1]!.config.market.instrument, 'linear_perp');
  const both = runTickMarketsJob(ms);
  const alone = runTickJob(ms[1]!.config);
  const m = both.markets[1]!;
  assert.equal(m.instrument, 'linear_perp');
  assert.equal(digest(m, 0.1), digest(alone, 0.1));
  assert.deepEqual(m.funding ?? [], alone.funding ?? []);
  assert.ok(both.book.max_notional > 0);
  // The perpetual's folder in the run folder holds its funding.csv, as its single run's folder does.
  assert.equal(m.funding?.length, 1, 'the capture crosses 00:00 UTC, a funding time');
  const dir = join(mkdtempSync(join(tmpdir(), 'mm-markets-')), 'run');
  try {
    writeMarketsRunFolder(dir, 'r', both, {});
    assert.ok(readdirSync(join(dir, 'usdm')).includes('funding.csv'), 'usdm/funding.csv');
    assert.equal(readFileSync(join(dir, 'usdm', 'funding.csv'), 'utf8'), fundingPaymentsCsv(alone.funding!, 0.1));
    assert.ok(!readdirSync(join(dir, 'spot')).includes('funding.csv'), 'spot pays no funding');
  } finally {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }
});
