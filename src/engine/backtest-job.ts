// A bar backtest as one job: a validated config in, a run folder and metrics out. Used by the CLI, runtime and research.
import { z } from 'zod';
import { UserError } from '../core/index.js';
import { type Bars, makeInstrument, roundDown } from '../market/index.js';
import { defaultBarFeatureParams } from '../features/index.js';
import { loadKlines, simulateBars, defaultSimulateParams } from '../data/index.js';
import { QuotingStrategy, RlStrategy, type QuotingParams, type Strategy } from '../strategy/index.js';
import { loadPolicyFile, type RlPolicy } from '../models/index.js';
import { runBarBacktest, type BarBacktestOptions, type BarBacktestResult } from './bar-backtest.js';

const positive = z.number().positive();

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

export const BarBacktestConfigSchema = z.object({
  seed: z.number().int().nonnegative().default(7),
  data: z
    .object({
      path: z.string().optional().describe('kline CSV; omitted = simulated bars'),
      bars: z.number().int().min(50).default(10_000).describe('simulated bars'),
      bar_seconds: positive.default(60),
      s0: positive.default(100),
      vol_per_bar: positive.default(0.001),
      mean_reversion: z.number().nonnegative().default(0),
      regime_switch_prob: z.number().min(0).max(1).default(0.002),
    })
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

export function loadBarsFor(cfg: BarBacktestConfig): LoadedBars {
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

/**
 * Run a validated config on given bars. Pure of I/O: same config and bars give the same result
 * (model rl: the policy is read from `policy_path` unless given).
 */
export function runBarJob(cfg: BarBacktestConfig, loaded: LoadedBars, policy?: RlPolicy): BarJobResult {
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
  const result = runBarBacktest(bars, strategy, barOptionsFor(cfg, quoting));
  const resolved = {
    ...cfg,
    order_qty: quoting.orderQty,
    max_inventory_qty: quoting.maxInventoryQty,
    data_source: loaded.source,
    engine: 'bar',
  };
  return { ...result, resolved };
}
