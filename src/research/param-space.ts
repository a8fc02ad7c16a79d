// The strategy parameter space of an analysis: dimensions with discrete levels, and a point → backtest config.
import type { TradingConfig } from '../engine/index.js';

/** One point of the space. Price-relative levels (bps, γ·S0) become absolute with the reference price. */
export interface Combo {
  /** rl: a trained policy (`--policy`) adjusting its own base model and γ; the other dimensions apply. */
  model: 'as' | 'glft' | 'rl';
  /** γ × reference price: dimensionless, so the same levels suit any price scale. */
  gamma_s: number;
  /** 'calibrated' = k (and A) estimated from trailing bars; a number = fixed mean excursion in bps (k = 1 / excursion). */
  k_mode: 'calibrated' | number;
  /** Minimum quoted spread, bps of the reference price. */
  spread_floor_bps: number;
  /** Quote size, % of the budget at the price when the run starts. */
  order_pct: number;
  /** Max |position| in order sizes. */
  inventory_lots: number;
  /** A resting quote within this many bps of its target is kept. */
  requote_bps: number;
  /**
   * A strategy module's parameter values, `name=value` separated by spaces (`paramsText`); '' without a
   * module. Its levels are the product of the module's declared `sweep` lists.
   */
  strategy_params: string;
  /** as / glft: orders per side (a ladder; 1 = one quote per side). */
  levels: number;
  /** as / glft ladder: distance between two levels, bps of the mid. */
  level_spacing_bps: number;
}

export type DimName = keyof Combo;

export type ParamSpace = { readonly [K in DimName]: readonly Combo[K][] };

export const DIM_NAMES: readonly DimName[] = ['model', 'gamma_s', 'k_mode', 'spread_floor_bps', 'order_pct', 'inventory_lots', 'requote_bps', 'strategy_params', 'levels', 'level_spacing_bps'];

/**
 * Dimensions added after the first eight: random sampling draws for them only when they are swept (more
 * than one level), so a space that leaves them at one level samples the same combos as before they existed.
 */
export const LATE_DIMS: ReadonlySet<DimName> = new Set<DimName>(['levels', 'level_spacing_bps']);

export const defaultParamSpace: ParamSpace = {
  model: ['as', 'glft'],
  gamma_s: [3, 10, 30, 100, 300],
  k_mode: ['calibrated', 5, 15, 40],
  spread_floor_bps: [0, 5, 10, 20],
  order_pct: [0.5, 1, 2],
  inventory_lots: [3, 10, 30],
  requote_bps: [0, 2, 5],
  strategy_params: [''],
  levels: [1],
  level_spacing_bps: [1],
};

/**
 * Defaults of `--engine tick`: the same dimensions, with price-relative levels suited to quoting at the
 * touch of a liquid book (BTC/USDT spot trades at a 0.01 spread, about 0.002 bps): fixed k as a mean
 * trade distance of 0.5 or 2 bps, spread floors and requote thresholds of a fraction of a bp.
 */
export const defaultTickParamSpace: ParamSpace = {
  model: ['as', 'glft'],
  gamma_s: [3, 10, 30, 100, 300],
  k_mode: ['calibrated', 0.5, 2],
  spread_floor_bps: [0, 0.2, 1],
  order_pct: [0.5, 1, 2],
  inventory_lots: [3, 10, 30],
  requote_bps: [0, 0.1, 0.5],
  strategy_params: [''],
  levels: [1],
  level_spacing_bps: [1],
};

export function gridSize(space: ParamSpace): number {
  return DIM_NAMES.reduce((n, d) => n * space[d].length, 1);
}

/** A stable text key of a combo (dedupe, tables). */
export function comboKey(c: Combo): string {
  return DIM_NAMES.map((d) => `${d}=${c[d]}`).join(';');
}

/** The combo at level indices `idx` (one per dimension, in DIM_NAMES order). */
export function comboAt(space: ParamSpace, idx: readonly number[]): Combo {
  const pick = <K extends DimName>(d: K, i: number): Combo[K] => space[d][idx[i]!]!;
  return {
    model: pick('model', 0),
    gamma_s: pick('gamma_s', 1),
    k_mode: pick('k_mode', 2),
    spread_floor_bps: pick('spread_floor_bps', 3),
    order_pct: pick('order_pct', 4),
    inventory_lots: pick('inventory_lots', 5),
    requote_bps: pick('requote_bps', 6),
    strategy_params: pick('strategy_params', 7),
    levels: pick('levels', 8),
    level_spacing_bps: pick('level_spacing_bps', 9),
  };
}

/** Quoting, sizing and fee fields a combo sets (the market and model come from the base config). */
export interface ComboFields {
  gamma: number;
  calibrate: boolean;
  k: number;
  capital: number;
  order_qty: number;
  max_inventory_qty: number;
  min_spread_ticks: number;
  requote_ticks: number;
}

/**
 * The fields a combo sets on a budget, for either engine. `refPrice` scales the price-relative levels;
 * it must be known before any window the config is judged on (the analysis uses the first price of the
 * data, which is never in a test window). `orderPrice` sizes the quote (the last price known when a run starts).
 */
export function comboFields(market: { tick_size: number; lot_size: number }, c: Combo, budget: number, refPrice: number, orderPrice: number): ComboFields {
  const tick = market.tick_size;
  const lot = market.lot_size;
  const orderQty = Math.max(lot, Math.floor((budget * c.order_pct) / 100 / orderPrice / lot) * lot);
  const calibrate = c.k_mode === 'calibrated';
  const excursion = calibrate ? 10 : (c.k_mode as number);
  return {
    gamma: c.gamma_s / refPrice,
    calibrate,
    k: 1 / ((excursion * refPrice) / 1e4),
    capital: budget,
    order_qty: orderQty,
    max_inventory_qty: orderQty * c.inventory_lots * (1 + 1e-9), // whole lots survive float rounding
    min_spread_ticks: Math.max(1, Math.round((c.spread_floor_bps * refPrice) / 1e4 / tick)),
    requote_ticks: Math.round((c.requote_bps * refPrice) / 1e4 / tick),
  };
}

/**
 * The trading config of a combo on a budget, for either engine (see `comboFields` for the prices): the
 * base's sections with the combo's quoting and sizing, and the budget as capital. The base's risk
 * section applies as written; limits it leaves to their defaults follow the combo's sizes and budget.
 */
export function comboConfig(base: TradingConfig, c: Combo, budget: number, refPrice: number, orderPrice: number): TradingConfig {
  const x = comboFields(base.market, c, budget, refPrice, orderPrice);
  return {
    ...base,
    capital: x.capital,
    quoting: {
      ...base.quoting,
      model: c.model,
      gamma: x.gamma,
      calibrate: x.calibrate,
      k: x.k,
      order_qty: x.order_qty,
      max_inventory_qty: x.max_inventory_qty,
      min_spread_ticks: x.min_spread_ticks,
      requote_ticks: x.requote_ticks,
      levels: c.levels,
      level_spacing_bps: c.level_spacing_bps,
      ...(c.strategy_params !== '' ? { params: { ...base.quoting.params, ...paramsOf(c.strategy_params) } } : {}),
    },
  };
}

/** `name=value name=value` of parameter values (a combo's `strategy_params`), names in the order given. */
export function paramsText(values: Readonly<Record<string, number>>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/** The values of a `paramsText`. */
export function paramsOf(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kv of text.split(' ')) {
    if (kv === '') continue;
    const i = kv.indexOf('=');
    out[kv.slice(0, i)] = Number(kv.slice(i + 1));
  }
  return out;
}

/**
 * The `strategy_params` levels of a strategy module: every combination of its declared `sweep` lists
 * (a parameter the config fixes in `quoting.params`, or one without a sweep list, keeps its one value).
 */
export function strategyParamLevels(specs: Readonly<Record<string, { default: number; sweep?: readonly number[] }>>, fixed: Readonly<Record<string, number>> = {}): string[] {
  let levels: Record<string, number>[] = [{}];
  for (const [k, s] of Object.entries(specs)) {
    const values = fixed[k] !== undefined ? [fixed[k]!] : s.sweep !== undefined && s.sweep.length > 0 ? [...new Set(s.sweep)] : [s.default];
    levels = levels.flatMap((l) => values.map((v) => ({ ...l, [k]: v })));
  }
  return levels.map(paramsText);
}
