// `marketmakerl backtest --events FILE.arrow`: a tick (L2) backtest from flags to the same run folder as the bar backtest.
import { UserError, roundTo } from '../../core/index.js';
import { parseTickConfig, runTickJob, writeTickRunFolder } from '../../engine/index.js';
import { decimalsOf } from '../../market/index.js';
import { QUOTING_FLAG_OF, checkRunFolderEarly, configFromFlags, printRunResult, runFolderOf, type BacktestFlags } from './backtest.js';

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

const FLAG_OF: Record<string, string> = {
  ...QUOTING_FLAG_OF,
  events: '--events',
  taker_fee_bps: '--taker-fee-bps',
  queue: '--queue',
  feed_latency_ms: '--feed-latency-ms',
  order_latency_ms: '--order-latency-ms',
  order_latency_file: '--order-latency-file',
  partial_fills: '--whole-fills',
  post_only: '--no-post-only',
  decision_interval_ms: '--decision-interval-ms',
  sample_interval_ms: '--sample-interval-ms',
};

const flagOf = (p: string): string => FLAG_OF[p] ?? p;

export function tickConfigFromFlags(f: TickBacktestFlags): Record<string, unknown> {
  const cfg = configFromFlags(f);
  delete cfg['data'];
  const set = (key: string, v: unknown): void => {
    if (v !== undefined) cfg[key] = v;
  };
  set('events', f.events);
  set('queue', f.queue);
  set('feed_latency_ms', f.feedLatencyMs);
  set('order_latency_ms', f.orderLatencyMs);
  set('order_latency_file', f.orderLatencyFile);
  set('taker_fee_bps', f.takerFeeBps);
  if (f.partialFills && f.wholeFills) throw new UserError('--whole-fills: give either --partial-fills or --whole-fills, not both');
  if (f.partialFills) cfg['partial_fills'] = true;
  if (f.wholeFills) cfg['partial_fills'] = false;
  if (f.postOnly === false) cfg['post_only'] = false;
  set('decision_interval_ms', f.decisionIntervalMs);
  set('sample_interval_ms', f.sampleIntervalMs);
  return cfg;
}

export async function tickBacktestCommand(flags: TickBacktestFlags): Promise<void> {
  if (flags.data !== undefined) throw new UserError('--events: give either --data (bars) or --events (tick), not both');
  checkRunFolderEarly(flags);
  const cfg = parseTickConfig(tickConfigFromFlags(flags), flagOf);
  const job = runTickJob(cfg, undefined, flagOf);
  const { runId, dir } = runFolderOf(flags, job.resolved);
  writeTickRunFolder(dir, {
    config: { run_id: runId, ...job.resolved },
    metrics: job.metrics,
    trace: job.trace,
    fills: job.core.fills,
    stats: job.stats,
    audit: job.exchange.audit,
    tickSize: cfg.market.tick_size,
  }, { force: flags.force === true });
  const m = job.metrics;
  const line = {
    run_dir: dir,
    run_id: runId,
    model: cfg.model,
    events: m.events,
    total_pnl: roundTo(m.total_pnl, 6),
    spread_capture: roundTo(m.pnl_spread_capture, 6),
    inventory_pnl: roundTo(m.pnl_inventory, 6),
    fees: roundTo(m.fees, 6),
    fills: m.fills,
    fill_ratio: roundTo(m.fill_ratio, 4),
    sharpe: roundTo(m.sharpe, 4),
    sharpe_confidence: roundTo(m.sharpe_confidence, 4),
    markout_1s_bps: roundTo(m.markouts_seconds[0]?.mean_bps, 3),
    final_inventory: roundTo(m.final_inventory, decimalsOf(cfg.market.lot_size)),
    engine_seconds: roundTo(job.engineSeconds, 3),
  };
  await printRunResult(line, dir, `backtest ${runId} (${cfg.model.toUpperCase()} on the order book)`, flags);
}
