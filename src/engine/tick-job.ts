// A tick backtest as one job: a validated config and an event file in, results out. Used by the CLI, tests and bench.
import { z } from 'zod';
import { UserError } from '../core/index.js';
import { type EventColumns, type Instrument, makeInstrument } from '../market/index.js';
import { iterateEventBatches } from '../data/index.js';
import { BpsFees, constantLatency, loadLatencySeries, parseQueueModel, type LatencyModel } from '../sim/index.js';
import { QuotingStrategy, RlStrategy, type QuotingParams, type Strategy } from '../strategy/index.js';
import { loadPolicyFile, type RlPolicy } from '../models/index.js';
import { quotingConfigFields, resolveQuoting, type BarBacktestConfig } from './backtest-job.js';
import { TickBacktest, type TickBacktestOptions, type TickBacktestResult } from './tick-backtest.js';
import { defaultTickLocalParams } from './tick-local.js';

const positive = z.number().positive();
const ms = z.number().nonnegative();

export const TickBacktestConfigSchema = z.object({
  seed: z.number().int().nonnegative().default(7),
  events: z.string().describe('normalized event file (Arrow IPC)'),
  market: z
    .object({ symbol: z.string().default('BTC/USDT'), tick_size: positive.default(0.01), lot_size: positive.default(0.00001) })
    .default({ symbol: 'BTC/USDT', tick_size: 0.01, lot_size: 0.00001 }),
  model: z.enum(['as', 'glft', 'rl']).default('as'),
  policy_path: z.string().optional().describe('policy.json of a trained RL policy (model rl)'),
  ...quotingConfigFields,
  taker_fee_bps: z.number().min(-100).max(100).default(0),
  price_band_pct: positive.default(5),
  queue: z.string().default('risk-averse').describe('risk-averse | power:N | log'),
  feed_latency_ms: ms.optional().describe('local time = exchange time + this; default: the file\'s local times when causal, else 5 ms'),
  order_latency_ms: ms.default(5).describe('entry and response latency of orders'),
  order_latency_file: z.string().optional().describe('CSV ts_ms,entry_ms,response_ms (overrides order_latency_ms)'),
  partial_fills: z.boolean().default(true).describe('true: fill only traded volume that reaches the order; false: the opt-in whole-order-on-touch rule (creates volume)'),
  post_only: z.boolean().default(true).describe('false: a crossing order takes the book as taker instead of being rejected'),
  decision_interval_ms: positive.default(100),
  sample_interval_ms: positive.default(1000),
  sigma_sample_ms: positive.default(1000),
  sigma_window: z.number().int().min(2).default(300),
  intensity_window_s: positive.default(300),
  intensity_recalibrate_s: positive.default(10),
  intensity_min_trades: z.number().int().min(1).default(50),
  markout_seconds: z.array(positive).default([1, 10, 60]),
});
export type TickBacktestConfig = z.output<typeof TickBacktestConfigSchema>;

/** Validate a config; a bad field becomes one UserError line naming it (`flagOf` maps a path to a CLI flag). */
export function parseTickConfig(input: unknown, flagOf: (path: string) => string = (p) => p): TickBacktestConfig {
  const r = TickBacktestConfigSchema.safeParse(input);
  if (r.success) {
    parseQueueModel(r.data.queue, flagOf('queue'));
    return r.data;
  }
  const issue = r.error.issues[0]!;
  const path = issue.path.join('.');
  throw new UserError(`${flagOf(path)}: ${issue.message.replace(/^Invalid input: /, '')}`);
}

/**
 * The strategy of a tick config: AS / GLFT quoting, or an RL policy retuning its own base model (the
 * policy's trend / momentum / mean-reversion features are rebuilt from the local mid on the bars it was
 * trained on; see `GridSignals`).
 */
export function tickStrategy(cfg: TickBacktestConfig, quoting: Readonly<QuotingParams>, instrument: Instrument, flagOf: (path: string) => string = (p) => p, policy?: RlPolicy): Strategy {
  if (cfg.model !== 'rl') return new QuotingStrategy(quoting, instrument);
  if (policy) return RlStrategy.fromPolicy(policy, quoting, instrument);
  if (cfg.policy_path === undefined) throw new UserError(`${flagOf('policy_path')}: model rl needs a policy file (policy_path)`);
  return RlStrategy.fromPolicy(loadPolicyFile(cfg.policy_path, flagOf('policy_path')), quoting, instrument);
}

export interface TickJobResult extends TickBacktestResult {
  resolved: Record<string, unknown>;
}

/** First traded or quoted price of a batch (sets the default order size), and whether its local clock is causal. */
function peek(b: EventColumns | undefined): { price: number; causal: boolean } {
  let price = Number.NaN;
  let behind = 0;
  const n = b ? Math.min(b.length, 10_000) : 0;
  for (let i = 0; i < n; i++) {
    if (price !== price && b!.price[i]! > 0) price = b!.price[i]!;
    if (b!.tsLocal[i]! < b!.tsExchange[i]!) behind++;
  }
  return { price, causal: behind === 0 };
}

/**
 * Run a validated config over a stream of batches (default: the config's event file, streamed).
 * Pure of I/O beyond reading the file: the same config and file give the same result. Tests may pass
 * their own strategy; the config still sets order size limits, latencies and the venue.
 */
export function runTickJob(
  cfg: TickBacktestConfig,
  batches?: Iterable<EventColumns>,
  flagOf: (path: string) => string = (p) => p,
  strategyOverride?: Strategy,
  /** Model rl: the policy itself (a worker's task carries it), instead of reading `policy_path`. */
  policy?: RlPolicy,
): TickJobResult {
  const source = batches ?? iterateEventBatches(cfg.events);
  const it = source[Symbol.iterator]();
  const first = it.next();
  const head = first.done ? undefined : first.value;
  if (!head || head.length === 0) throw new UserError(`${flagOf('events')}: ${cfg.events} holds no events`);
  const { price, causal } = peek(head);
  if (!(price > 0)) throw new UserError(`${flagOf('events')}: ${cfg.events} has no prices in its first rows`);
  let feedMs = cfg.feed_latency_ms;
  let feedSource = 'flag';
  if (feedMs === undefined) {
    if (causal) feedSource = 'file';
    else {
      feedMs = 5;
      feedSource = 'default (the file\'s local clock runs behind exchange time)';
    }
  }
  const instrument = makeInstrument(cfg.market.symbol, cfg.market.tick_size, cfg.market.lot_size);
  const quoting = resolveQuoting(cfg as unknown as BarBacktestConfig, price);
  const latency: LatencyModel = cfg.order_latency_file
    ? loadLatencySeries(cfg.order_latency_file, flagOf('order_latency_file'))
    : constantLatency(cfg.order_latency_ms * 1000, cfg.order_latency_ms * 1000);
  const opts: TickBacktestOptions = {
    core: {
      initialCash: cfg.capital,
      reconcile: { priceTolerance: cfg.requote_ticks * cfg.market.tick_size, qtyTolerance: 0 },
      limits: { maxOrderQty: quoting.orderQty, maxInventoryQty: quoting.maxInventoryQty, priceBandFraction: cfg.price_band_pct / 100 },
    },
    local: {
      ...defaultTickLocalParams,
      tickSize: cfg.market.tick_size,
      sigmaSampleMicros: cfg.sigma_sample_ms * 1000,
      sigmaWindow: cfg.sigma_window,
      intensityWindowMicros: cfg.intensity_window_s * 1e6,
      intensityRecalibrateMicros: cfg.intensity_recalibrate_s * 1e6,
      intensityMinTrades: cfg.intensity_min_trades,
    },
    exchange: { tickSize: cfg.market.tick_size, partialFills: cfg.partial_fills, postOnly: cfg.post_only },
    queue: parseQueueModel(cfg.queue, flagOf('queue')),
    latency,
    fees: new BpsFees(cfg.maker_fee_bps, cfg.taker_fee_bps),
    feedLatencyMicros: feedMs === undefined ? undefined : feedMs * 1000,
    decisionIntervalMicros: cfg.decision_interval_ms * 1000,
    sampleIntervalMicros: cfg.sample_interval_ms * 1000,
    markoutSeconds: cfg.markout_seconds,
  };
  const strategy = strategyOverride ?? tickStrategy(cfg, quoting, instrument, flagOf, policy);
  const rest: Iterable<EventColumns> = {
    *[Symbol.iterator]() {
      yield head;
      for (let r = it.next(); !r.done; r = it.next()) yield r.value;
    },
  };
  const result = new TickBacktest(strategy, opts).run(rest);
  const resolved = {
    ...cfg,
    order_qty: quoting.orderQty,
    max_inventory_qty: quoting.maxInventoryQty,
    feed_latency_ms: feedMs ?? null,
    feed_latency_source: feedSource,
    order_latency: latency.name,
    engine: 'tick',
  };
  return { ...result, resolved };
}
