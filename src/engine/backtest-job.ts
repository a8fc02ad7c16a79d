// A bar backtest as one job: a validated config in, a run folder and metrics out. Used by the CLI, runtime and research.
import { z } from 'zod';
import { UserError } from '../core/index.js';
import { type Bars, makeInstrument, roundDown } from '../market/index.js';
import { defaultBarFeatureParams } from '../features/index.js';
import { historyBars, loadKlines, simulateBars, defaultSimulateParams, HISTORY_TIMEFRAMES, MAX_HISTORY_DAYS } from '../data/index.js';
import { QuotingStrategy, RlStrategy, type QuotingParams, type Strategy } from '../strategy/index.js';
import { loadPolicyFile, type RlPolicy } from '../models/index.js';
import { runBarBacktest, type BarBacktestOptions, type BarBacktestResult } from './bar-backtest.js';

const positive = z.number().positive();

/** What an exchange source reads when timeframe or days are not given. */
export const HISTORY_DEFAULTS = { timeframe: '1m', days: 30 } as const;

/** Quoting, sizing and fee fields shared by the bar and tick backtest configs. */
export const quotingConfigFields = {
  gamma: positive.default(0.1),
  k: positive.default(1.5),
  A: positive.default(1),
  calibrate: z.boolean().default(true),
  horizon: z.enum(['finite', 'rolling', 'infinite']).default('rolling'),
  horizon_seconds: positive.default(600),
  capital: positive.default(100_000),
  order_qty: positive.optional().describe('base units; default: 1% of capital at the first price'),
  max_inventory_qty: positive.optional().describe('base units; default: 10 × order_qty'),
  min_spread_ticks: z.number().int().nonnegative().default(1),
  requote_ticks: z.number().int().nonnegative().default(0),
  maker_fee_bps: z.number().min(-100).max(100).default(0),
};

const daysRange = { error: (iss: { input: unknown }) => `expected a number of days in (0, ${MAX_HISTORY_DAYS}], got ${JSON.stringify(iss.input)}` };

/** The history-cache source of `data`: klines of `exchange` (a ccxt id), read from the cache, fetched where it lacks them. */
const historySourceFields = {
  exchange: z.string().min(1).optional().describe('ccxt exchange id: klines from the history cache (fetching what it lacks); excludes path'),
  symbol: z.string().min(1).optional().describe('with exchange: the market, e.g. BTC/USDT'),
  timeframe: z.enum(HISTORY_TIMEFRAMES, { error: `expected one of ${HISTORY_TIMEFRAMES.join(', ')}` }).optional().describe(`with exchange: bar interval; default ${HISTORY_DEFAULTS.timeframe}`),
  days: z.number(daysRange).positive(daysRange).max(MAX_HISTORY_DAYS, daysRange).optional().describe(`with exchange: the last N days before end; default ${HISTORY_DEFAULTS.days}`),
  end: z
    .string()
    .refine((s) => Number.isFinite(Date.parse(s)), { error: (iss) => `expected an ISO-8601 time such as 2024-12-29T00:00:00Z, got '${String(iss.input)}'` })
    .optional()
    .describe('with exchange: end of the span (exclusive); default now'),
  cache_dir: z.string().min(1).optional().describe('with exchange: history cache folder; default data/history'),
};

type SourceFields = Partial<Record<'path' | keyof typeof historySourceFields, unknown>>;

/** One source only: a file, an exchange (with its market), or neither (simulated); the history fields need an exchange. */
function checkHistorySource(d: SourceFields, ctx: z.RefinementCtx): void {
  if (d.exchange !== undefined) {
    if (d.path !== undefined) ctx.addIssue({ code: 'custom', path: ['path'], message: 'give either --data FILE or --exchange/--symbol, not both' });
    else if (d.symbol === undefined) ctx.addIssue({ code: 'custom', path: ['symbol'], message: 'klines from an exchange need a market, e.g. --symbol BTC/USDT' });
    return;
  }
  for (const k of ['symbol', 'timeframe', 'days', 'end', 'cache_dir'] as const) {
    if (d[k] !== undefined) {
      ctx.addIssue({ code: 'custom', path: [k], message: 'only with --exchange (klines from the history cache)' });
      return;
    }
  }
}

export const BarBacktestConfigSchema = z.object({
  seed: z.number().int().nonnegative().default(7),
  data: z
    .object({
      path: z.string().optional().describe('kline CSV; omitted (and no exchange) = simulated bars'),
      ...historySourceFields,
      bars: z.number().int().min(50).default(10_000).describe('simulated bars'),
      bar_seconds: positive.default(60),
      s0: positive.default(100),
      vol_per_bar: positive.default(0.001),
      mean_reversion: z.number().nonnegative().default(0),
      regime_switch_prob: z.number().min(0).max(1).default(0.002),
    })
    .superRefine(checkHistorySource)
    .default({ bars: 10_000, bar_seconds: 60, s0: 100, vol_per_bar: 0.001, mean_reversion: 0, regime_switch_prob: 0.002 }),
  market: z.object({ symbol: z.string().default('BTC/USDT'), tick_size: positive.default(0.01), lot_size: positive.default(0.00001) }).default({ symbol: 'BTC/USDT', tick_size: 0.01, lot_size: 0.00001 }),
  model: z.enum(['as', 'glft', 'rl']).default('as'),
  policy_path: z.string().optional().describe('policy.json of a trained RL policy (model rl)'),
  ...quotingConfigFields,
  touch_fill_prob: z.number().min(0).max(1).default(0),
  price_band_pct: positive.default(5),
  vol_window: z.number().int().min(2).default(defaultBarFeatureParams.volWindow),
  ewma_half_life: positive.default(defaultBarFeatureParams.ewmaHalfLife),
  vol_estimator: z.enum(['rolling', 'ewma']).default(defaultBarFeatureParams.volEstimator),
  signal_window: z.number().int().min(3).default(defaultBarFeatureParams.signalWindow),
  intensity_window: z.number().int().min(8).default(defaultBarFeatureParams.intensityWindow),
  markout_horizons: z.array(z.number().int().positive()).default([1, 5, 20]),
});
export type BarBacktestConfigInput = z.input<typeof BarBacktestConfigSchema>;
export type BarBacktestConfig = z.output<typeof BarBacktestConfigSchema>;

/** Validate a config; a bad field becomes one UserError line naming it (`flagOf` maps a path to a CLI flag). */
export function parseBarConfig(input: unknown, flagOf: (path: string) => string = (p) => p): BarBacktestConfig {
  const r = BarBacktestConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.path.join('.');
  throw new UserError(`${flagOf(path)}: ${issue.message.replace(/^Invalid input: /, '')}`);
}

export interface LoadedBars {
  bars: Bars;
  source: Record<string, unknown>;
}

/** Bars of a file or simulated source (synchronous); an exchange source goes through `fetchBarsFor`. */
export function loadBarsFor(cfg: BarBacktestConfig): LoadedBars {
  if (cfg.data.exchange !== undefined) throw new UserError('data.exchange: klines from an exchange are read by the backtest command only');
  if (cfg.data.path) {
    const k = loadKlines(cfg.data.path);
    return {
      bars: k.bars,
      source: { kind: 'file', path: cfg.data.path, format: k.format, rows: k.bars.length, bar_seconds: k.bars.intervalMicros / 1e6, gaps: k.gaps },
    };
  }
  const sim = simulateBars({
    ...defaultSimulateParams,
    seed: cfg.seed,
    bars: cfg.data.bars,
    barSeconds: cfg.data.bar_seconds,
    s0: cfg.data.s0,
    volPerBar: cfg.data.vol_per_bar,
    meanReversion: cfg.data.mean_reversion,
    regimeSwitchProb: cfg.data.regime_switch_prob,
    tickSize: cfg.market.tick_size,
  });
  return { bars: sim.bars, source: { kind: 'simulated', rows: sim.bars.length, bar_seconds: cfg.data.bar_seconds, seed: cfg.seed } };
}

/**
 * Bars of any source: an exchange source reads the history cache, fetching what it lacks through
 * ccxt (network faults after retries: NetworkFault); file and simulated sources as `loadBarsFor`.
 */
export async function fetchBarsFor(cfg: BarBacktestConfig, options: { exchangeUrl?: string } = {}): Promise<LoadedBars> {
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

/** The strategy parameters a config resolves to (order size and inventory limit follow the first price). */
export function resolveQuoting(cfg: BarBacktestConfig, firstPrice: number): QuotingParams {
  const lot = cfg.market.lot_size;
  const orderQty = cfg.order_qty ?? Math.max(lot, roundDown((cfg.capital * 0.01) / firstPrice, lot));
  return {
    model: cfg.model === 'glft' ? 'glft' : 'as',
    gamma: cfg.gamma,
    k: cfg.k,
    A: cfg.A,
    calibrate: cfg.calibrate,
    horizon: cfg.horizon,
    horizonSeconds: cfg.horizon_seconds,
    orderQty,
    maxInventoryQty: cfg.max_inventory_qty ?? orderQty * 10,
    minSpreadTicks: cfg.min_spread_ticks,
  };
}

export interface BarJobResult extends BarBacktestResult {
  resolved: Record<string, unknown>;
}

/** The bar engine's options a config resolves to (fill model, fees, limits, features). */
export function barOptionsFor(cfg: BarBacktestConfig, quoting: Readonly<QuotingParams>): BarBacktestOptions {
  return {
    core: {
      initialCash: cfg.capital,
      reconcile: { priceTolerance: cfg.requote_ticks * cfg.market.tick_size, qtyTolerance: 0 },
      limits: { maxOrderQty: quoting.orderQty, maxInventoryQty: quoting.maxInventoryQty, priceBandFraction: cfg.price_band_pct / 100 },
    },
    features: {
      volWindow: cfg.vol_window,
      ewmaHalfLife: cfg.ewma_half_life,
      volEstimator: cfg.vol_estimator,
      signalWindow: cfg.signal_window,
      intensityWindow: cfg.intensity_window,
    },
    makerFeeBps: cfg.maker_fee_bps,
    touchFillProbability: cfg.touch_fill_prob,
    seed: cfg.seed,
    markoutHorizons: cfg.markout_horizons,
  };
}

/** What a bar job runs: its strategy and engine options, and the resolved config it reports. */
export interface PreparedBarJob {
  strategy: Strategy;
  options: BarBacktestOptions;
  resolved: Record<string, unknown>;
}

/** A validated config on given bars, resolved to a strategy and engine options (model rl: the policy is read from `policy_path` unless given). */
export function prepareBarJob(cfg: BarBacktestConfig, loaded: LoadedBars, policy?: RlPolicy): PreparedBarJob {
  const { bars } = loaded;
  const instrument = makeInstrument(cfg.market.symbol, cfg.market.tick_size, cfg.market.lot_size);
  const quoting = resolveQuoting(cfg, bars.open[0]!);
  let strategy: Strategy;
  if (cfg.model === 'rl') {
    if (!policy && !cfg.policy_path) throw new UserError('--policy: model rl needs a policy file (policy_path)');
    strategy = RlStrategy.fromPolicy(policy ?? loadPolicyFile(cfg.policy_path!), quoting, instrument);
  } else {
    strategy = new QuotingStrategy(quoting, instrument);
  }
  const resolved = {
    ...cfg,
    order_qty: quoting.orderQty,
    max_inventory_qty: quoting.maxInventoryQty,
    data_source: loaded.source,
    engine: 'bar',
  };
  return { strategy, options: barOptionsFor(cfg, quoting), resolved };
}

/**
 * Run a validated config on given bars. Pure of I/O: same config and bars give the same result
 * (model rl: the policy is read from `policy_path` unless given).
 */
export function runBarJob(cfg: BarBacktestConfig, loaded: LoadedBars, policy?: RlPolicy): BarJobResult {
  const job = prepareBarJob(cfg, loaded, policy);
  const result = runBarBacktest(loaded.bars, job.strategy, job.options);
  return { ...result, resolved: job.resolved };
}
