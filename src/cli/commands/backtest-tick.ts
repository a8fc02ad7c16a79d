// `marketmakerl backtest --events FILE.arrow`: a tick (L2) backtest of the one config to the same run folder as the bar backtest.
import { roundTo } from '../../core/index.js';
import { gapFields, runTickJob, writeTickRunFolder } from '../../engine/index.js';
import { decimalsOf } from '../../market/index.js';
import type { ConfigWithFlags } from '../config-flags.js';
import { warnOlderConversions } from '../event-files.js';
import { printRunResult, runFolderOf, strategyFields, type BacktestFlags } from './backtest.js';

export interface TickBacktestFlags extends BacktestFlags {
  events?: string;
  queue?: string;
  feedLatencyMs?: number;
  orderLatencyMs?: number;
  orderLatencyFile?: string;
  takerFeeBps?: number;
  partialFills?: boolean;
  wholeFills?: boolean;
  postOnly?: boolean;
  decisionIntervalMs?: number;
  sampleIntervalMs?: number;
}

export async function tickBacktestCommand(flags: TickBacktestFlags, c: ConfigWithFlags): Promise<void> {
  const cfg = c.trading;
  if (cfg.data.events !== undefined) warnOlderConversions(cfg.data.events.split(','));
  const job = runTickJob(cfg, undefined, { flagOf: c.flagOf, source: c.source, checkGate: true });
  const { runId, dir } = runFolderOf(flags, job.resolved);
  writeTickRunFolder(dir, {
    config: { run_id: runId, ...job.resolved },
    metrics: job.metrics,
    trace: job.trace,
    fills: job.core.fills,
    stats: job.stats,
    audit: job.exchange.audit,
    tickSize: cfg.market.tick_size,
    ...(job.funding ? { funding: job.funding } : {}),
  }, { force: flags.force === true });
  const m = job.metrics;
  const line = {
    run_dir: dir,
    run_id: runId,
    model: cfg.quoting.strategy === undefined ? cfg.quoting.model : null,
    ...strategyFields(cfg.quoting.strategy, m.risk.transitions),
    events: m.events,
    total_pnl: roundTo(m.total_pnl, 6),
    pnl_spread_capture: roundTo(m.pnl_spread_capture, 6),
    pnl_inventory: roundTo(m.pnl_inventory, 6),
    fees: roundTo(m.fees, 6),
    ...(m.instrument !== 'spot' ? { instrument: m.instrument, funding: roundTo(m.pnl_funding, 6), funding_payments: m.funding_payments } : {}),
    fills: m.fills,
    fill_ratio: roundTo(m.fill_ratio, 4),
    sharpe: roundTo(m.sharpe, 4),
    sharpe_confidence: roundTo(m.sharpe_confidence, 4),
    markout_1s_bps: roundTo(m.markouts_seconds[0]?.mean_bps, 3),
    final_inventory: roundTo(m.final_inventory, decimalsOf(cfg.market.lot_size)),
    trading_state: m.risk.final_state,
    halted_seconds: roundTo(m.risk.seconds_in_state.halted, 3),
    ...gapFields(m),
    denials: m.orders_denied,
    engine_seconds: roundTo(job.engineSeconds, 3),
  };
  await printRunResult(line, dir, `backtest ${runId} (${cfg.quoting.strategy !== undefined ? `strategy ${cfg.quoting.strategy}` : cfg.quoting.model.toUpperCase()} on the order book)`, flags);
}
