// `marketmakerl backtest --events FILE.arrow`: a tick (L2) backtest from flags to the same run folder as the bar backtest.
import { UserError } from '../../core/index.js';
import { parseTickConfig, runTickJob, writeTickRunFolder } from '../../engine/index.js';
import { QUOTING_FLAG_OF, configFromFlags, runFolderOf, type BacktestFlags } from './backtest.js';

export interface TickBacktestFlags extends BacktestFlags {
  events?: string;
  queue?: string;
  feedLatencyMs?: number;
  orderLatencyMs?: number;
  orderLatencyFile?: string;
  takerFeeBps?: number;
  partialFills?: boolean;
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
  partial_fills: '--partial-fills',
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
  if (f.partialFills) cfg['partial_fills'] = true;
  if (f.postOnly === false) cfg['post_only'] = false;
  set('decision_interval_ms', f.decisionIntervalMs);
  set('sample_interval_ms', f.sampleIntervalMs);
  return cfg;
}

export async function tickBacktestCommand(flags: TickBacktestFlags): Promise<void> {
  if (flags.data !== undefined) throw new UserError('--events: give either --data (bars) or --events (tick), not both');
  const cfg = parseTickConfig(tickConfigFromFlags(flags), flagOf);
  const job = runTickJob(cfg, undefined, flagOf);
  const { runId, dir } = runFolderOf(flags, job.resolved);
  writeTickRunFolder(dir, {
    config: { run_id: runId, ...job.resolved },
    metrics: job.metrics,
    trace: job.trace,
    fills: job.core.fills,
    tickSize: cfg.market.tick_size,
  });
  const m = job.metrics;
  const r = (x: number | null | undefined, d: number): number | null => (x === null || x === undefined ? null : Math.round(x * 10 ** d) / 10 ** d);
  const line = {
    run_dir: dir,
    run_id: runId,
    model: cfg.model,
    events: m.events,
    total_pnl: r(m.total_pnl, 6),
    spread_capture: r(m.pnl_spread_capture, 6),
    inventory_pnl: r(m.pnl_inventory, 6),
    fees: r(m.fees, 6),
    fills: m.fills,
    fill_ratio: r(m.fill_ratio, 4),
    sharpe: r(m.sharpe, 4),
    sharpe_confidence: r(m.sharpe_confidence, 4),
    markout_1s_bps: r(m.markouts_seconds[0]?.mean_bps, 3),
    final_inventory: m.final_inventory,
    engine_seconds: r(job.engineSeconds, 3),
  };
  process.stdout.write(JSON.stringify(line) + '\n');
}
