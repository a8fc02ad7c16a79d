// The simulated venue and local-side settings of a trading config, shared by the tick backtest and paper trading.
import { MICROS_PER_MS, type StrictParseOptions } from '../core/index.js';
import { feesFor, constantLatency, loadLatencySeries, parseQueueModel, type FeeModel, type L2ExchangeParams, type LatencyModel, type QueueModel } from '../sim/index.js';
import { defaultTickLocalParams, type TickLocalParams } from './tick-local.js';
import { parseTradingConfig, resolveTrading, strategyFor, type ResolvedTrading } from './trading-resolve.js';
import type { Strategy } from '../strategy/index.js';
import { ConstantFunding, type FundingSchedule } from '../market/index.js';
import { loadFundingSeries } from '../data/index.js';
import type { PaperSessionOptions } from './paper-session.js';
import type { TradingConfig } from './trading-config.js';

export interface VenueOptions {
  local: TickLocalParams;
  exchange: L2ExchangeParams;
  queue: QueueModel;
  /** Order entry and response latency. */
  latency: LatencyModel;
  fees: FeeModel;
}

/** Queue, latency, fees, partial fills and post-only of the `sim` section; the local estimators of `features`. */
export function venueOptionsFor(r: ResolvedTrading, opts: StrictParseOptions = {}): VenueOptions {
  const cfg = r.config;
  const name = (p: string): string => opts.flagOf?.(p) ?? (opts.source ? `${opts.source}: ${p}` : p);
  const s = cfg.sim;
  const f = cfg.features;
  return {
    local: {
      ...defaultTickLocalParams,
      tickSize: cfg.market.tick_size,
      sigmaSampleMicros: f.sigma_sample_ms * MICROS_PER_MS,
      sigmaWindow: f.sigma_window,
      intensityWindowMicros: f.intensity_window_s * 1e6,
      intensityRecalibrateMicros: f.intensity_recalibrate_s * 1e6,
      intensityMinTrades: f.intensity_min_trades,
      bookLevels: f.book_levels,
      flowWindowMicros: f.flow_window_ms * MICROS_PER_MS,
      sweepHoldMicros: f.sweep_hold_ms * MICROS_PER_MS,
      burstWindowMicros: f.burst_window_ms * MICROS_PER_MS,
      burstSigmas: f.burst_sigmas,
    },
    exchange: { tickSize: cfg.market.tick_size, lotSize: cfg.market.lot_size, partialFills: s.partial_fills, postOnly: s.post_only },
    queue: parseQueueModel(s.queue, name('sim.queue')),
    latency: s.latency_file
      ? loadLatencySeries(s.latency_file, name('sim.latency_file'))
      : constantLatency(s.entry_latency_ms * MICROS_PER_MS, s.response_latency_ms * MICROS_PER_MS),
    fees: feesFor(r.instrument, s.maker_fee_bps, s.taker_fee_bps),
  };
}

/** The funding schedule of a `market.funding` section: a series file or a constant rate per interval. */
export function fundingOf(f: NonNullable<TradingConfig['market']['funding']>, flag = 'market.funding.path'): FundingSchedule {
  return f.path !== undefined ? loadFundingSeries(f.path, flag) : new ConstantFunding(f.rate!, f.interval_hours * 3.6e9);
}

/** A paper session's options: the resolved session, the simulated venue (it learns of the market when we do) and a perpetual's funding. */
export function paperOptionsFor(r: ResolvedTrading, opts: StrictParseOptions = {}): PaperSessionOptions {
  const name = (p: string): string => opts.flagOf?.(p) ?? (opts.source ? `${opts.source}: ${p}` : p);
  const f = r.config.market.funding;
  return { session: r.session, ...venueOptionsFor(r, opts), ...(f !== undefined ? { funding: fundingOf(f, name('market.funding.path')) } : {}) };
}

/** A paper session's strategy and options from a config's fields, parsed strictly and resolved at `refPrice` (tests and tools). */
export function paperSetup(input: unknown, refPrice: number, opts: StrictParseOptions = {}): { strategy: Strategy; options: PaperSessionOptions; resolved: ResolvedTrading } {
  const resolved = resolveTrading(parseTradingConfig(input, opts), refPrice, opts);
  return { strategy: strategyFor(resolved, opts), options: paperOptionsFor(resolved, opts), resolved };
}
