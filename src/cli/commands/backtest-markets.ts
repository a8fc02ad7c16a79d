// `marketmakerl backtest --events A.arrow B.arrow --config multi.yaml`: several markets in one tick replay, one run folder.
import { roundTo } from '../../core/index.js';
import { runTickMarketsJob, writeMarketsRunFolder, bookTotals, gapFields, hedgePlan, type MarketConfig, type PnlSplit } from '../../engine/index.js';
import type { ConfigWithFlags } from '../config-flags.js';
import { printRunResult, runFolderOf, type BacktestFlags } from './backtest.js';

export async function marketsBacktestCommand(flags: BacktestFlags, c: ConfigWithFlags, markets: readonly MarketConfig[]): Promise<void> {
  const portfolio = c.trading.portfolio ?? {};
  const hedge = hedgePlan(c.trading, markets, c.source);
  const job = runTickMarketsJob(markets, portfolio, { flagOf: c.flagOf, source: c.source, checkGate: true }, undefined, [], hedge);
  const { runId, dir } = runFolderOf(flags, { portfolio, ...(c.trading.hedge !== undefined ? { hedge: c.trading.hedge } : {}), markets: job.markets.map((m) => m.resolved) });
  writeMarketsRunFolder(dir, runId, job, portfolio, { force: flags.force === true });
  const book = bookTotals(job);
  const line = {
    run_dir: dir,
    run_id: runId,
    markets: job.markets.map((m) => ({
      name: m.name,
      events: m.metrics.events,
      fills: m.metrics.fills,
      total_pnl: roundTo(m.metrics.total_pnl, 6),
      fees: roundTo(m.metrics.fees, 6),
      trading_state: m.metrics.risk.final_state,
      halted_seconds: roundTo(m.metrics.risk.seconds_in_state.halted, 3),
      ...gapFields(m.metrics),
    })),
    total_pnl: roundTo(job.book.total_pnl, 6),
    pnl_split: Object.fromEntries(Object.entries(book['pnl_split'] as PnlSplit).map(([k, v]) => [k, roundTo(v, 6)])),
    ...(book['hedge'] !== undefined ? { hedge: hedgeLine(book['hedge'] as HedgeLine) } : {}),
    fills: book['fills'],
    max_drawdown: roundTo(job.book.max_drawdown, 6),
    max_notional: roundTo(job.book.max_notional, 6),
    engine_seconds: roundTo(job.engineSeconds, 3),
  };
  await printRunResult(line, dir, `backtest ${runId} (${markets.length} markets on their order books)`, flags);
}

interface HedgeLine {
  market: string;
  mode: string;
  orders: number;
  fills: number;
  filled_base_qty: number;
  net_inventory: { max_abs: number; std: number };
  quoted_alone: { inventory: { max_abs: number; std: number } };
}

/** The hedge's figures on the summary line: its orders and fills, the inventory risk hedged and alone. */
function hedgeLine(h: HedgeLine): Record<string, unknown> {
  return {
    market: h.market,
    mode: h.mode,
    orders: h.orders,
    fills: h.fills,
    filled_base_qty: roundTo(h.filled_base_qty, 8),
    net_max_abs_inventory: roundTo(h.net_inventory.max_abs, 8),
    net_inventory_std: roundTo(h.net_inventory.std, 8),
    quoted_max_abs_inventory: roundTo(h.quoted_alone.inventory.max_abs, 8),
    quoted_inventory_std: roundTo(h.quoted_alone.inventory.std, 8),
  };
}
