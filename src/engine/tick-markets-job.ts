// Several markets as one tick job: each market's config and stream, one clock (`TickMarkets`), per-market results and the book's.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDirAtomic, type DirWriteOptions } from '../core/index.js';
import { baseExposure, type EventColumns } from '../market/index.js';
import { TickMetricsSchema, fillTickRunFolder } from './tick-metrics.js';
import { TickBacktest } from './tick-backtest.js';
import { TickMarkets, type BookRecord } from './tick-markets.js';
import { openEvents, prepareTickJob, type TickJobOptions, type TickJobResult } from './tick-job.js';
import { hedgeStrategyOf, type HedgePlan, type MarketConfig } from './market-configs.js';
import type { PortfolioLimits } from './markets-config.js';
import type { FillLog } from './fill-log.js';
import type { HedgeStrategy } from '../strategy/index.js';
import { inventoriesOverlap, inventoryRisk, pnlSplit, type SplitMarket } from './hedge-metrics.js';

export interface MarketJobResult extends TickJobResult {
  name: string;
  instrument: string;
  driver: TickBacktest;
}

export interface TickMarketsJobResult {
  markets: MarketJobResult[];
  book: BookRecord;
  engineSeconds: number;
  /** The hedge (`hedge:`) and its strategy, when the config has one. */
  hedge?: { plan: HedgePlan; strategy: HedgeStrategy };
}

/**
 * Run every market of a config on one clock. `batches[k]`: market k's stream (default: its event
 * file, streamed); `each[k]`: its options (a journal for the paper replay, a strategy of a test's).
 * Without book limits each market's result equals its own `runTickJob`, byte for byte.
 */
export function runTickMarketsJob(markets: readonly MarketConfig[], portfolio: Readonly<PortfolioLimits> = {}, o: Omit<TickJobOptions, 'ports' | 'onDriver' | 'strategy'> = {}, batches?: readonly (Iterable<EventColumns> | undefined)[], each: readonly TickJobOptions[] = [], hedge?: HedgePlan): TickMarketsJobResult {
  // The hedge market trades by the hedge's strategy, in its own session (its risk, gate, venue and fees).
  const hs =
    hedge === undefined
      ? undefined
      : hedgeStrategyOf(hedge, markets);
  const runs = markets.map((m, k) => {
    const ok: TickJobOptions = { ...o, ...each[k], ...(hs !== undefined && k === hedge!.hedgeIndex ? { strategy: hs } : {}), source: `${o.source ?? 'config'}: markets[${k}] (${m.name})` };
    const { head, rest } = openEvents(m.config, batches?.[k], ok);
    const job = prepareTickJob(m.config, head, ok);
    const driver = new TickBacktest(job.strategy, job.opts, ok.ports);
    ok.onDriver?.(driver);
    return { m, job, driver, rest };
  });
  if (hs !== undefined) hs.source = runs[hedge!.quotedIndex]!.driver.core;
  const tm = new TickMarkets(runs.map((r) => ({ name: r.m.name, driver: r.driver, source: r.rest })), portfolio, hedge === undefined ? undefined : { quoted: hedge.quotedIndex, hedge: hedge.hedgeIndex });
  const out = tm.run();
  return {
    markets: runs.map((r, k) => ({ ...out.results[k]!, resolved: r.job.resolved, name: r.m.name, instrument: r.m.instrument, driver: r.driver })),
    book: out.book,
    engineSeconds: out.engineSeconds,
    ...(hs !== undefined ? { hedge: { plan: hedge!, strategy: hs } } : {}),
  };
}

function splitMarket(m: MarketJobResult): SplitMarket {
  return { total_pnl: m.metrics.total_pnl, fees: m.metrics.fees, pnl_funding: m.metrics.pnl_funding, spec: m.core.portfolio.spec, trace: m.trace, fills: m.core.fills };
}

/**
 * The PnL split of a run of several markets (see `PnlSplitSchema`), and with a hedge its record: the
 * quoted market's inventory risk alone and net of the hedge, the hedge's orders and fills, and the quoted
 * market's own split (what quoting it alone gives: it trades the same, the hedge never moves its quotes).
 */
export function hedgeRecord(r: TickMarketsJobResult): { pnl_split: ReturnType<typeof pnlSplit>; hedge?: Record<string, unknown> } {
  const sm = r.markets.map(splitMarket);
  const h = r.hedge;
  if (h === undefined) return { pnl_split: pnlSplit(sm) };
  const { plan, strategy } = h;
  const q = sm[plan.quotedIndex]!;
  const b = sm[plan.hedgeIndex]!;
  const bm = r.markets[plan.hedgeIndex]!;
  const inv = inventoriesOverlap(q, b);
  let qty = 0;
  for (let i = 0; i < b.fills.length; i++) qty += baseExposure(b.spec, b.fills.price[i]!, b.fills.qty[i]!);
  return {
    pnl_split: pnlSplit(sm, { quoted: plan.quotedIndex, hedge: plan.hedgeIndex }),
    hedge: {
      quoted: r.markets[plan.quotedIndex]!.name,
      market: bm.name,
      mode: plan.mode,
      band: plan.band,
      ratio: plan.ratio,
      slippage_ticks: plan.slippage_ticks,
      triggers: strategy.triggers,
      orders: bm.metrics.orders_placed,
      denied: bm.metrics.orders_denied,
      fills: bm.metrics.fills,
      taker_fills: bm.metrics.taker_fills,
      filled_base_qty: qty,
      // Inventory risk over the span both markets have data (the hedge cannot trade outside it).
      inventory_span: { from_us: inv.from, to_us: inv.to, samples: inv.net.length },
      net_inventory: inventoryRisk(inv.net, inv.net.length),
      quoted_alone: {
        inventory: inventoryRisk(inv.quoted, inv.quoted.length),
        total_pnl: q.total_pnl,
        pnl_split: pnlSplit([q]),
      },
    },
  };
}

/** The book's figures with the markets' sums: what metrics.json of a run of several markets holds beside each market's own. */
export function bookTotals(r: TickMarketsJobResult): Record<string, unknown> {
  const sum = (f: (m: MarketJobResult) => number): number => r.markets.reduce((a, m) => a + f(m), 0);
  return {
    ...r.book,
    fills: sum((m) => m.metrics.fills),
    fees: sum((m) => m.metrics.fees),
    events: sum((m) => m.metrics.events),
    halted_markets: r.markets.filter((m) => m.metrics.risk.final_state === 'halted').map((m) => m.name),
    ...hedgeRecord(r),
  };
}

/**
 * The run folder of several markets: `metrics.json` (`book`: the whole book; `markets`: each market's
 * metrics), `config.json` (the book's limits, each market's resolved config), and one folder per market
 * with the files of a single-market tick run (trace, fills, orders, a perpetual's funding, its metrics and config), which
 * `report`, `verify-fills` and `compare` read as any run folder.
 */
export function writeMarketsRunFolder(dir: string, runId: string, r: TickMarketsJobResult, portfolio: Readonly<PortfolioLimits>, o: DirWriteOptions & { fills?: readonly FillLog[]; extra?: Record<string, unknown> } = {}): void {
  const metrics = { book: bookTotals(r), markets: Object.fromEntries(r.markets.map((m) => [m.name, TickMetricsSchema.parse(m.metrics)])) };
  const config = { run_id: runId, ...o.extra, engine: 'tick', portfolio, ...(r.hedge ? { hedge: hedgeConfigOf(r.hedge.plan) } : {}), markets: r.markets.map((m) => ({ name: m.name, instrument: m.instrument, ...m.resolved })) };
  writeDirAtomic(dir, (tmp) => {
    writeFileSync(join(tmp, 'config.json'), JSON.stringify(config, null, 2) + '\n');
    writeFileSync(join(tmp, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
    for (const [k, m] of r.markets.entries()) {
      const sub = join(tmp, m.name);
      mkdirSync(sub);
      const tickSize = (m.resolved['market'] as { tick_size: number }).tick_size;
      fillTickRunFolder(sub, { config: { run_id: `${runId}_${m.name}`, ...o.extra, ...m.resolved }, metrics: m.metrics, trace: m.trace, fills: o.fills?.[k] ?? m.core.fills, stats: m.stats, audit: m.exchange.audit, tickSize, ...(m.funding ? { funding: m.funding } : {}) });
    }
  }, o);
}

/** The `hedge:` section as given (without the resolved indices). */
function hedgeConfigOf(p: HedgePlan): Record<string, unknown> {
  const { quotedIndex: _q, hedgeIndex: _h, ...rest } = p;
  return rest;
}
