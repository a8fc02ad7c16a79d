// The analysis configuration: data span, sampling, budgets, walk-forward, backtest base and readiness rules.
import { z } from 'zod';
import { UserError } from '../core/index.js';
import { ReadinessRulesSchema } from './readiness.js';

const positive = z.number().positive();
const DAYS_RANGE = 'expected a whole number of days from 1 to 365';
const COMBOS_RANGE = 'expected a whole number from 1 to 100000';

export const AnalysisConfigSchema = z.object({
  seed: z.number().int().nonnegative().default(7),
  days: z.number().int(DAYS_RANGE).min(1, DAYS_RANGE).max(365, DAYS_RANGE).default(30).describe('analyse the last N days of the data'),
  max_combinations: z.number().int(COMBOS_RANGE).min(1, COMBOS_RANGE).max(100_000, COMBOS_RANGE).default(64),
  sampling: z.enum(['auto', 'grid', 'lhs', 'random']).default('auto'),
  budgets: z.array(positive).min(1).max(20).default([10_000]).describe('capital levels, quote currency; the first is the primary one'),
  objective: z.enum(['sharpe', 'pnl']).default('sharpe').describe('what the train window maximises'),
  engine: z.enum(['bar', 'tick']).default('bar').describe('bar: klines through the bar backtester; tick: an event file through the tick (L2) backtester'),
  events_path: z.string().optional().describe('normalized event file (Arrow IPC, from `convert`) of --engine tick'),
  policy_path: z.string().optional().describe('policy.json of a trained RL policy: adds model rl to the space'),
  walk_forward: z
    .object({
      train_days: positive.default(5),
      test_days: positive.default(1),
      /** Window lengths of --engine tick (an event file spans minutes or hours, not days). */
      train_minutes: positive.default(3),
      test_minutes: positive.default(1),
    })
    .default({ train_days: 5, test_days: 1, train_minutes: 3, test_minutes: 1 }),
  /** Fields of the backtest config (snake_case, as `backtest --config`) shared by every case. */
  backtest: z.record(z.string(), z.unknown()).default({}),
  readiness: ReadinessRulesSchema.default(ReadinessRulesSchema.parse({})),
  /** Levels per dimension replacing the defaults (see param-space.ts). */
  space: z
    .object({
      model: z.array(z.enum(['as', 'glft', 'rl'])).min(1),
      gamma_s: z.array(positive).min(1),
      k_mode: z.array(z.union([z.literal('calibrated'), positive])).min(1),
      spread_floor_bps: z.array(z.number().nonnegative()).min(1),
      order_pct: z.array(positive).min(1),
      inventory_lots: z.array(positive).min(1),
      requote_bps: z.array(z.number().nonnegative()).min(1),
    })
    .partial()
    .default({}),
});
export type AnalysisConfig = z.output<typeof AnalysisConfigSchema>;

/** Analysis defaults for the shared backtest fields: Binance's regular spot maker fee (0.1%). */
export const analysisBacktestDefaults = { maker_fee_bps: 10 } as const;

export function parseAnalysisConfig(input: unknown, flagOf: (path: string) => string = (p) => p): AnalysisConfig {
  const r = AnalysisConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.path.join('.');
  throw new UserError(`${flagOf(path)}: ${issue.message.replace(/^Invalid input: /, '')}`);
}
