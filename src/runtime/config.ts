// The runtime's config.yaml as a zod schema: paths, logging, market and the agents of the pipeline graph.
import { z } from 'zod';
import { defaultBarFeatureParams } from '../features/index.js';
import { defaultSimulateParams } from '../data/index.js';

export const MODES = ['backtest', 'paper', 'live'] as const;
export type Mode = (typeof MODES)[number];
export const ROLES = ['data', 'ml', 'execution', 'risk'] as const;
export type Role = (typeof ROLES)[number];

const positive = z.number().positive();
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
export const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const agentName = z.string().regex(NAME, "expected letters, digits, '_' or '-' (it becomes part of file names)");
const inputs = z.array(agentName).default([]).describe('names of the agents whose outputs this agent consumes');

export const DataParamsSchema = z
  .object({
    source: z.enum(['simulated', 'file']).default('simulated').describe('simulated (seeded) bars or a klines file'),
    file: z.string().min(1).optional().describe('klines CSV, relative to paths.data_dir (source: file)'),
    max_bars: z.number().int().min(50).optional().describe('keep only the first N bars of the file'),
    symbol: z.string().min(1).optional().describe('default: market.symbol'),
    tick_size: positive.optional().describe('default: market.tick_size'),
    lot_size: positive.optional().describe('default: market.lot_size'),
    seed: z.number().int().nonnegative().optional().describe('simulation seed; default: derived from the run seed and the agent name'),
    bars: z.number().int().min(50).default(5000).describe('simulated bars'),
    bar_seconds: positive.default(defaultSimulateParams.barSeconds).describe('simulated bar length, seconds'),
    s0: positive.default(defaultSimulateParams.s0).describe('first simulated price'),
    vol_per_bar: positive.default(defaultSimulateParams.volPerBar).describe('simulated volatility per bar, fraction of price'),
    mean_reversion: z.number().nonnegative().default(0),
    regime_switch_prob: z.number().min(0).max(1).default(defaultSimulateParams.regimeSwitchProb),
    vol_window: z.number().int().min(2).default(defaultBarFeatureParams.volWindow).describe('rolling volatility window, bars'),
    ewma_half_life: positive.default(defaultBarFeatureParams.ewmaHalfLife).describe('EWMA volatility half-life, bars'),
    vol_estimator: z.enum(['rolling', 'ewma']).default(defaultBarFeatureParams.volEstimator).describe('which σ the volatility column holds'),
    signal_window: z.number().int().min(3).default(defaultBarFeatureParams.signalWindow).describe('trend / momentum / mean-reversion window, bars'),
    intensity_window: z.number().int().min(8).default(defaultBarFeatureParams.intensityWindow),
  })
  .strict();
export type DataParams = z.output<typeof DataParamsSchema>;

export const MlParamsSchema = z
  .object({
    model: z.enum(['as', 'glft', 'rl']).default('as').describe('Avellaneda–Stoikov, Guéant–Lehalle–Fernandez-Tapia, or a trained RL policy retuning its own base model'),
    policy: z.string().min(1).optional().describe('policy.json of a trained RL policy (model rl), relative to the working directory; its base model, γ and horizon replace the fields here'),
    gamma: positive.default(0.1).describe('risk aversion per (price unit × order size)'),
    k: positive.default(1.5).describe('fallback order-arrival decay, per price unit'),
    A: positive.default(1).describe('fallback order-arrival intensity, per second'),
    horizon: z.enum(['finite', 'rolling', 'infinite']).default('rolling'),
    horizon_seconds: positive.default(600),
    min_spread_ticks: z.number().int().nonnegative().default(1),
    train_fraction: z.number().gt(0).lt(1).default(0.5).describe('leading share of the bars the model is fitted on; execution tests on the rest'),
    online_calibration: z.boolean().default(false).describe('execution re-estimates k and A causally instead of using the fitted values'),
  })
  .strict();
export type MlParams = z.output<typeof MlParamsSchema>;

export const ExecutionParamsSchema = z
  .object({
    window: z.enum(['test', 'all']).default('test').describe('test: only the bars after the model fit (out of sample); all: every bar'),
    capital: positive.default(100_000),
    order_qty: positive.optional().describe('base units; default: 1% of capital at the first price'),
    max_inventory_qty: positive.optional().describe('base units; default: 10 × order_qty'),
    maker_fee_bps: z.number().min(-100).max(100).default(0),
    touch_fill_prob: z.number().min(0).max(1).default(0),
    requote_ticks: z.number().int().nonnegative().default(0),
    price_band_pct: positive.default(5),
    markout_horizons: z.array(z.number().int().positive()).default([1, 5, 20]),
  })
  .strict();
export type ExecutionParams = z.output<typeof ExecutionParamsSchema>;

export const RiskParamsSchema = z
  .object({
    max_drawdown_pct: positive.default(2).describe('largest allowed fall of equity from a peak, % of capital'),
    max_abs_inventory: positive.optional().describe("base units; default: the execution agent's max_inventory_qty"),
    min_fills: z.number().int().nonnegative().default(10).describe('fewer fills than this is too little evidence'),
    max_daily_return_pct: positive.default(5).describe('|return| per day above this is implausible for a market maker'),
    max_fee_share: z.number().min(0).default(0.5).describe('fees / gross PnL above this means fees eat the edge'),
  })
  .strict();
export type RiskParams = z.output<typeof RiskParamsSchema>;

const agent = <R extends Role, P extends z.ZodType>(role: R, params: P) =>
  z
    .object({
      name: agentName,
      role: z.literal(role),
      inputs,
      params: params.prefault({} as z.input<P>),
    })
    .strict();

export const DataAgentSchema = agent('data', DataParamsSchema);
export const MlAgentSchema = agent('ml', MlParamsSchema);
export const ExecutionAgentSchema = agent('execution', ExecutionParamsSchema);
export const RiskAgentSchema = agent('risk', RiskParamsSchema);
export const AgentSchema = z.discriminatedUnion('role', [DataAgentSchema, MlAgentSchema, ExecutionAgentSchema, RiskAgentSchema]);
export type AgentConfig = z.output<typeof AgentSchema>;

export const RuntimeConfigSchema = z
  .object({
    mode: z.enum(MODES).default('backtest').describe('backtest | paper | live (the --mode flag overrides it)'),
    run_id: z.string().regex(RUN_ID, "expected letters, digits, '.', '_' or '-'").optional().describe('default: run_<UTC YYYYMMDDTHHMMSSZ>'),
    seed: z.number().int().nonnegative().default(7).describe('run seed; each agent derives its own from it and its name'),
    paths: z
      .object({
        data_dir: z.string().min(1).default('data').describe('where data files are looked up (relative to the working directory)'),
        artifacts_dir: z.string().min(1).default('artifacts').describe('where every artifact of a run is written'),
      })
      .strict()
      .prefault({}),
    logging: z
      .object({
        level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
        format: z.enum(['jsonl', 'pretty']).default('jsonl').describe('format of the log on stderr; the log file is always JSON lines'),
      })
      .strict()
      .prefault({}),
    market: z
      .object({
        symbol: z.string().min(1).default('BTC/USDT'),
        tick_size: positive.default(0.01),
        lot_size: positive.default(0.00001),
      })
      .strict()
      .prefault({}),
    agents: z.array(AgentSchema).min(1),
  })
  .strict();
export type RuntimeConfigInput = z.input<typeof RuntimeConfigSchema>;
export type RuntimeConfig = z.output<typeof RuntimeConfigSchema>;

/** The JSON Schema of config.yaml (input side: fields with defaults are optional), for editors. */
export function runtimeConfigJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(RuntimeConfigSchema, { io: 'input' }) as Record<string, unknown>;
  return { ...schema, title: 'marketmakerl runtime config (config.yaml)' };
}

/** The text of schemas/config.schema.json (what `make config-schema` writes and a test compares). */
export function runtimeConfigJsonSchemaText(): string {
  return JSON.stringify(runtimeConfigJsonSchema(), null, 2) + '\n';
}
