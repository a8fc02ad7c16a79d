// `marketmakerl backtest --events A.arrow B.arrow --config multi.yaml`: several markets in one tick replay, one run folder.
import { roundTo } from '../../core/index.js';
import { runTickMarketsJob, writeMarketsRunFolder, bookTotals, type MarketConfig } from '../../engine/index.js';
import type { ConfigWithFlags } from '../config-flags.js';
import { printRunResult, runFolderOf, type BacktestFlags } from './backtest.js';

export async function marketsBacktestCommand(flags: BacktestFlags, c: ConfigWithFlags, markets: readonly MarketConfig[]): Promise<void> {
  const portfolio = c.trading.portfolio ?? {};
  const job = runTickMarketsJob(markets, portfolio, { flagOf: c.flagOf, source: c.source, checkGate: true });
  const { runId, dir } = runFolderOf(flags, { portfolio, markets: job.markets.map((m) => m.resolved) });
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
    })),
    total_pnl: roundTo(job.book.total_pnl, 6),
    fills: book['fills'],
    max_drawdown: roundTo(job.book.max_drawdown, 6),
    max_notional: roundTo(job.book.max_notional, 6),
    engine_seconds: roundTo(job.engineSeconds, 3),
  };
  await printRunResult(line, dir, `backtest ${runId} (${markets.length} markets on their order books)`, flags);
}
