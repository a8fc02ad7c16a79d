// The RL training configuration: data and split, environment, reward, policy shape and the learning algorithm's knobs.
import { z } from 'zod';
import { UserError, parseStrict } from '../../core/index.js';
import { ACTION_NAMES, STATE_FEATURES, defaultActionDims } from '../../models/index.js';

const positive = z.number().positive();
const fraction = z.number().gt(0).lt(1);

export const RlTrainConfigSchema = z.object({
  seed: z.number().int().nonnegative().default(7),
  /** Training budget: episodes rolled out in total (population × windows per generation × generations). */
  episodes: z.number().int().positive().max(10_000_000).default(6144),
  workers: z.number().int().min(1).max(64).default(1),
  data: z
    .object({
      path: z.string().optional().describe('kline CSV; omitted = simulated market'),
      /** Share of the series, at its end, held out from training (evaluate-rl uses it). */
      holdout_fraction: fraction.default(0.3),
      /** Share of the training part, at its end, used to evaluate the policy after each generation. */
      validation_fraction: fraction.default(0.2),
      simulate: z
        .object({
          bars: z.number().int().min(1000).default(60_000),
          bar_seconds: positive.default(60),
          vol_per_bar: positive.default(0.001),
          regime_switch_prob: z.number().min(0).max(1).default(0.01),
          /** Drift of the trending regimes, in vols per bar (±). */
          trend_drift_in_vols: z.number().nonnegative().default(0.3),
          /** Vol multiplier of the calm and the volatile regime. */
          calm_vol_mult: positive.default(1),
          volatile_vol_mult: positive.default(2),
        })
        .strict()
        .default({ bars: 60_000, bar_seconds: 60, vol_per_bar: 0.001, regime_switch_prob: 0.01, trend_drift_in_vols: 0.3, calm_vol_mult: 1, volatile_vol_mult: 2 }),
    })
    .strict()
    .default({
      holdout_fraction: 0.3,
      validation_fraction: 0.2,
      simulate: { bars: 60_000, bar_seconds: 60, vol_per_bar: 0.001, regime_switch_prob: 0.01, trend_drift_in_vols: 0.3, calm_vol_mult: 1, volatile_vol_mult: 2 },
    }),
  /** Bar backtest parameters of the environment (fill model, fees, sizes, model, γ): the backtest config's fields. */
  backtest: z.record(z.string(), z.unknown()).default({}),
  /** γ of the wrapped model: a number, or 'tune' = the best of a grid on the training part among the γ that fill on at least 1% of its bars (a base that never trades leaves a policy nothing to learn; evaluate-rl's baselines tune over the whole grid). */
  base_gamma: z.union([positive, z.literal('tune')]).default('tune'),
  episode_bars: z.number().int().min(10).default(1440),
  warmup_bars: z.number().int().min(40).default(300),
  decision_bars: z.number().int().min(1).default(1),
  /** η of the running inventory penalty: reward per bar = ΔPnL − η·|q|·σ_bar (see reward.ts). */
  inventory_penalty: z.number().nonnegative().default(0.05),
  policy: z
    .object({
      kind: z.enum(['linear', 'mlp']).default('linear'),
      hidden: z.number().int().min(1).max(64).default(8),
      features: z.array(z.enum(STATE_FEATURES)).min(1).default([...STATE_FEATURES]),
      actions: z
        .array(z.object({ name: z.enum(ACTION_NAMES), min: z.number(), max: z.number(), scale: z.enum(['linear', 'log']) }).strict())
        .min(1)
        .default(defaultActionDims.map((d) => ({ ...d }))),
    })
    .strict()
    .default({ kind: 'linear', hidden: 8, features: [...STATE_FEATURES], actions: defaultActionDims.map((d) => ({ ...d })) }),
  cem: z
    .object({
      population: z.number().int().min(4).default(32),
      elite_fraction: fraction.default(0.25),
      /** Episodes (training windows) each candidate is scored on per generation, shared by all candidates. */
      windows: z.number().int().min(1).default(8),
      init_std: positive.default(0.5),
      /** Weight of the elite statistics in the update of mean and std (1 = plain CEM). */
      smoothing: z.number().gt(0).max(1).default(0.7),
      /** Extra std added at the first generation, decreasing linearly to 0 at the last. */
      extra_noise: z.number().nonnegative().default(0.1),
    })
    .strict()
    .default({ population: 32, elite_fraction: 0.25, windows: 8, init_std: 0.5, smoothing: 0.7, extra_noise: 0.1 }),
}).strict();
export type RlTrainConfigInput = z.input<typeof RlTrainConfigSchema>;
export type RlTrainConfig = z.output<typeof RlTrainConfigSchema>;

/** Validate; a bad field becomes one UserError line naming it (`flagOf` maps a path to a CLI flag). */
export function parseRlTrainConfig(input: unknown, flagOf: (path: string) => string = (p) => p): RlTrainConfig {
  const c = parseStrict(RlTrainConfigSchema, input, { flagOf: (p) => (flagOf(p) !== p ? flagOf(p) : undefined) });
  const perGen = c.cem.population * c.cem.windows;
  if (c.episodes < perGen) throw new UserError(`${flagOf('episodes')}: at least one generation needs ${perGen} episodes (population × windows), got ${c.episodes}`);
  for (const a of c.policy.actions) {
    if (!(a.max > a.min) || (a.scale === 'log' && !(a.min > 0))) throw new UserError(`policy.actions: bad range for ${a.name}`);
  }
  return c;
}

/** Generations the episode budget pays for. */
export function generationsOf(c: Readonly<RlTrainConfig>): number {
  return Math.floor(c.episodes / (c.cem.population * c.cem.windows));
}
