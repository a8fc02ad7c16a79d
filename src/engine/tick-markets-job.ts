// Several markets as one tick job: each market's config and stream, one clock (`TickMarkets`), per-market results and the book's.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDirAtomic, type DirWriteOptions } from '../core/index.js';
import type { EventColumns } from '../market/index.js';
import { TickMetricsSchema, fillTickRunFolder } from './tick-metrics.js';
import { TickBacktest } from './tick-backtest.js';
import { TickMarkets, type BookRecord } from './tick-markets.js';
import { openEvents, prepareTickJob, type TickJobOptions, type TickJobResult } from './tick-job.js';
import type { MarketConfig } from './market-configs.js';
import type { PortfolioLimits } from './markets-config.js';
import type { FillLog } from './fill-log.js';

export interface MarketJobResult extends TickJobResult {
  name: string;
  instrument: string;
  driver: TickBacktest;
}

export interface TickMarketsJobResult {
  markets: MarketJobResult[];
  book: BookRecord;
  engineSeconds: number;
}

/**
 * Run every market of a config on one clock. `batches[k]`: market k's stream (default: its event
 * file, streamed); `each[k]`: its options (a journal for the paper replay, a strategy of a test's).
 * Without book limits each market's result equals its own `runTickJob`, byte for byte.
 */
export function runTickMarketsJob(markets: readonly MarketConfig[], portfolio: Readonly<PortfolioLimits> = {}, o: Omit<TickJobOptions, 'ports' | 'onDriver' | 'strategy'> = {}, batches?: readonly (Iterable<EventColumns> | undefined)[], each: readonly TickJobOptions[] = []): TickMarketsJobResult {
  const runs = markets.map((m, k) => {
    const ok: TickJobOptions = { ...o, ...each[k], source: `${o.source ?? 'config'}: markets[${k}] (${m.name})` };
    const { head, rest } = openEvents(m.config, batches?.[k], ok);
    const job = prepareTickJob(m.config, head, ok);
    const driver = new TickBacktest(job.strategy, job.opts, ok.ports);
    ok.onDriver?.(driver);
    return { m, job, driver, rest };
  });
  const tm = new TickMarkets(runs.map((r) => ({ name: r.m.name, driver: r.driver, source: r.rest })), portfolio);
  const out = tm.run();
  return {
    markets: runs.map((r, k) => ({ ...out.results[k]!, resolved: r.job.resolved, name: r.m.name, instrument: r.m.instrument, driver: r.driver })),
    book: out.book,
    engineSeconds: out.engineSeconds,
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
  };
}

/**
 * The run folder of several markets: `metrics.json` (`book`: the whole book; `markets`: each market's
 * metrics), `config.json` (the book's limits, each market's resolved config), and one folder per market
 * with the files of a single-market tick run (trace, fills, orders, its metrics and config), which
 * `report`, `verify-fills` and `compare` read as any run folder.
 */
export function writeMarketsRunFolder(dir: string, runId: string, r: TickMarketsJobResult, portfolio: Readonly<PortfolioLimits>, o: DirWriteOptions & { fills?: readonly FillLog[]; extra?: Record<string, unknown> } = {}): void {
  const metrics = { book: bookTotals(r), markets: Object.fromEntries(r.markets.map((m) => [m.name, TickMetricsSchema.parse(m.metrics)])) };
  const config = { run_id: runId, ...o.extra, engine: 'tick', portfolio, markets: r.markets.map((m) => ({ name: m.name, instrument: m.instrument, ...m.resolved })) };
  writeDirAtomic(dir, (tmp) => {
    writeFileSync(join(tmp, 'config.json'), JSON.stringify(config, null, 2) + '\n');
    writeFileSync(join(tmp, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
    for (const [k, m] of r.markets.entries()) {
      const sub = join(tmp, m.name);
      mkdirSync(sub);
      const tickSize = (m.resolved['market'] as { tick_size: number }).tick_size;
      fillTickRunFolder(sub, { config: { run_id: `${runId}_${m.name}`, ...o.extra, ...m.resolved }, metrics: m.metrics, trace: m.trace, fills: o.fills?.[k] ?? m.core.fills, stats: m.stats, audit: m.exchange.audit, tickSize });
    }
  }, o);
}
