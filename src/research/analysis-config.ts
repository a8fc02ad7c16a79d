// The analysis configuration: the `analysis:` section (span, sampling, budgets, walk-forward, readiness, space) over the one trading config.
import { z } from 'zod';
import type { TradingConfig } from '../engine/index.js';
import { ReadinessRulesSchema } from './readiness.js';

const positive = z.number().positive();
const DAYS_RANGE = 'expected a whole number of days from 1 to 365';
const COMBOS_RANGE = 'expected a whole number from 1 to 100000';

/**
 * The `analysis:` section of a config file. The sweep's base is the file's trading sections (market,
 * quoting, risk, sim, features, ...): every case runs them with a combo's quoting and sizing on top.
 */
export const AnalysisSection = z
  .object({
    days: z.number().int(DAYS_RANGE).min(1, DAYS_RANGE).max(365, DAYS_RANGE).default(30).describe('analyse the last N days of the data'),
    max_combinations: z.number().int(COMBOS_RANGE).min(1, COMBOS_RANGE).max(100_000, COMBOS_RANGE).default(64),
    sampling: z.enum(['auto', 'grid', 'lhs', 'random']).default('auto'),
    budgets: z.array(positive.max(1e12)).min(1).max(20).default([10_000]).describe('capital levels, quote currency; the first is the primary one'),
    objective: z.enum(['sharpe', 'pnl']).default('sharpe').describe('what the train window maximises'),
    engine: z.enum(['bar', 'tick']).optional().describe('bar: klines (data.path or data.exchange); tick: an event file (data.events); default: whichever the data gives'),
    walk_forward: z
      .object({
        train_days: positive.max(365).default(5),
        test_days: positive.max(365).default(1),
        /** Window lengths of --engine tick (an event file spans minutes or hours, not days). */
        train_minutes: positive.max(525_600).default(3),
        test_minutes: positive.max(525_600).default(1),
      })
      .strict()
      .prefault({}),
    readiness: ReadinessRulesSchema.prefault({}),
    /** Levels per dimension replacing the defaults (see param-space.ts). */
    space: z
      .object({
        model: z.array(z.enum(['as', 'glft', 'rl'])).min(1),
        gamma_s: z.array(positive).min(1),
        k_mode: z.array(z.union([z.literal('calibrated'), positive])).min(1),
        spread_floor_bps: z.array(z.number().nonnegative()).min(1),
        order_pct: z.array(positive.max(100)).min(1),
        inventory_lots: z.array(positive).min(1),
        requote_bps: z.array(z.number().nonnegative()).min(1),
        levels: z.array(z.number().int().min(1).max(16)).min(1),
        level_spacing_bps: z.array(positive.max(10_000)).min(1),
      })
      .strict()
      .partial()
      .prefault({}),
  })
  .strict();
export type AnalysisSettings = z.output<typeof AnalysisSection>;

/** What the analysis runs on: its settings, the engine chosen, and the trading config every case starts from. */
export interface AnalysisConfig extends Omit<AnalysisSettings, 'engine'> {
  engine: 'bar' | 'tick';
  seed: number;
  /** The sweep's base: the file's trading sections (flags applied). */
  trading: TradingConfig;
  /** The event file of the tick engine (`data.events`). */
  events_path?: string;
  /** A trained RL policy (`quoting.policy_path`): adds model rl to the space. */
  policy_path?: string;
}

/** The analysis of a trading config and its `analysis:` section; the engine follows the data when not set. */
export function analysisConfigOf(trading: TradingConfig, settings: AnalysisSettings): AnalysisConfig {
  const engine = settings.engine ?? (trading.data.events !== undefined && trading.data.path === undefined && trading.data.exchange === undefined ? 'tick' : 'bar');
  return {
    ...settings,
    engine,
    seed: trading.seed,
    trading,
    ...(trading.data.events !== undefined ? { events_path: trading.data.events } : {}),
    ...(trading.quoting.policy_path !== undefined ? { policy_path: trading.quoting.policy_path } : {}),
  };
}
