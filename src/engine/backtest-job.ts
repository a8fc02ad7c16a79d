// A bar backtest as one job: the one trading config in, a run folder and metrics out. Used by the CLI, runtime and research.
import { UserError, type StrictParseOptions } from '../core/index.js';
import type { Bars } from '../market/index.js';
import { historyBars, loadKlines, simulateBars, defaultSimulateParams } from '../data/index.js';
import type { RlPolicy } from '../models/index.js';
import type { Strategy } from '../strategy/index.js';
import { runBarBacktest, type BarBacktestOptions, type BarBacktestResult } from './bar-backtest.js';
import type { TradingConfig } from './trading-config.js';
import { checkGateAdmitsQuotes, resolveTrading, resolvedRecord, strategyFor, type ResolvedTrading } from './trading-resolve.js';

/** What an exchange source reads when timeframe or days are not given. */
export const HISTORY_DEFAULTS = { timeframe: '1m', days: 30 } as const;

export interface LoadedBars {
  bars: Bars;
  source: Record<string, unknown>;
}

/** Bars of a file or simulated source (synchronous); an exchange source goes through `fetchBarsFor`. */
export function loadBarsFor(cfg: TradingConfig): LoadedBars {
  const d = cfg.data;
  if (d.exchange !== undefined) throw new UserError('data.exchange: klines from an exchange are read by the backtest command only');
  if (d.path) {
    const k = loadKlines(d.path);
    return {
      bars: k.bars,
      source: { kind: 'file', path: d.path, format: k.format, rows: k.bars.length, bar_seconds: k.bars.intervalMicros / 1e6, gaps: k.gaps },
    };
  }
  const sim = simulateBars({
    ...defaultSimulateParams,
    seed: cfg.seed,
    bars: d.bars,
    barSeconds: d.bar_seconds,
    s0: d.s0,
    volPerBar: d.vol_per_bar,
    meanReversion: d.mean_reversion,
    regimeSwitchProb: d.regime_switch_prob,
    tickSize: cfg.market.tick_size,
  });
  return { bars: sim.bars, source: { kind: 'simulated', rows: sim.bars.length, bar_seconds: d.bar_seconds, seed: cfg.seed } };
}

/**
 * Bars of any source: an exchange source reads the history cache, fetching what it lacks through
 * ccxt (network faults after retries: NetworkFault); file and simulated sources as `loadBarsFor`.
 */
export async function fetchBarsFor(cfg: TradingConfig, options: { exchangeUrl?: string } = {}): Promise<LoadedBars> {
  const d = cfg.data;
  if (d.exchange === undefined) return loadBarsFor(cfg);
  return historyBars({
    exchange: d.exchange,
    symbol: d.symbol!,
    timeframe: d.timeframe ?? HISTORY_DEFAULTS.timeframe,
    days: d.days ?? HISTORY_DEFAULTS.days,
    ...(d.end !== undefined ? { endMs: Date.parse(d.end) } : {}),
    ...(d.cache_dir !== undefined ? { cacheDir: d.cache_dir } : {}),
    ...(options.exchangeUrl !== undefined ? { exchangeUrl: options.exchangeUrl } : {}),
  });
}

export interface JobOptions extends StrictParseOptions {
  /** A single run: refuse explicit risk limits that would deny every order (a sweep lets such combos not trade). */
  checkGate?: boolean;
}

export interface BarJobResult extends BarBacktestResult {
  resolved: Record<string, unknown>;
}

/** The bar engine's options of a resolved config (session, fill model, fees, features). */
export function barOptionsFor(r: ResolvedTrading): BarBacktestOptions {
  const cfg = r.config;
  const f = cfg.features;
  return {
    session: r.session,
    features: {
      volWindow: f.vol_window,
      ewmaHalfLife: f.ewma_half_life,
      volEstimator: f.vol_estimator,
      signalWindow: f.signal_window,
      intensityWindow: f.intensity_window,
    },
    makerFeeBps: cfg.sim.maker_fee_bps,
    touchFillProbability: cfg.sim.touch_fill_prob,
    seed: cfg.seed,
    markoutHorizons: cfg.metrics.markout_bars,
  };
}

/** What a bar job runs: its strategy and engine options, and the resolved config it reports. */
export interface PreparedBarJob {
  strategy: Strategy;
  options: BarBacktestOptions;
  resolved: Record<string, unknown>;
}

/** A config on given bars, resolved to a strategy and engine options (model rl: the policy is read from `quoting.policy_path` unless given). Order sizes follow the first bar's open. */
export function prepareBarJob(cfg: TradingConfig, loaded: LoadedBars, policy?: RlPolicy, opts: JobOptions = {}): PreparedBarJob {
  const { bars } = loaded;
  if (bars.length === 0) throw new UserError(`${opts.flagOf?.('data.path') ?? 'data.path'}: no bars to backtest`);
  const r = resolveTrading(cfg, bars.open[0]!, opts);
  if (opts.checkGate === true) checkGateAdmitsQuotes(r, bars.open[0]!, opts);
  return { strategy: strategyFor(r, opts, policy), options: barOptionsFor(r), resolved: { ...resolvedRecord(r), data_source: loaded.source, engine: 'bar' } };
}

/**
 * Run a config on given bars. Pure of I/O: same config and bars give the same result (model rl: the
 * policy is read from `quoting.policy_path` unless given).
 */
export function runBarJob(cfg: TradingConfig, loaded: LoadedBars, policy?: RlPolicy, opts: JobOptions = {}): BarJobResult {
  const job = prepareBarJob(cfg, loaded, policy, opts);
  const result = runBarBacktest(loaded.bars, job.strategy, job.options);
  return { ...result, resolved: job.resolved };
}
