// The one config file as a zod schema: the trading sections every mode reads, `analysis:`, and the runtime's fields and agents.
import { z } from 'zod';
import { tradingFields, type TradingConfig } from '../engine/index.js';
import { AnalysisSection } from '../research/analysis-config.js';

export const MODES = ['backtest', 'paper', 'live'] as const;
export type Mode = (typeof MODES)[number];
export const ROLES = ['data', 'ml', 'execution', 'risk'] as const;
export type Role = (typeof ROLES)[number];

const positive = z.number().positive();
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
/** The runtime's own artifacts folder: ours even without the marker (earlier versions wrote none). */
export const DEFAULT_ARTIFACTS_DIR = 'artifacts';

export const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const agentName = z.string().regex(NAME, "expected letters, digits, '_' or '-' (it becomes part of file names)");
const inputs = z.array(agentName).default([]).describe('names of the agents whose outputs this agent consumes');

/*
 * Agent params override the file's sections for that agent only; a field left out takes the section's
 * value (`data`, `features`, `quoting`, `capital`, `sim`, `risk`, `metrics`), so one set of defaults
 * holds for the runtime as for every command.
 */

export const DataParamsSchema = z
  .object({
    source: z.enum(['simulated', 'file']).optional().describe('simulated (seeded) bars or a klines file; default: file when data.path is set'),
    file: z.string().min(1).optional().describe('klines CSV, relative to paths.data_dir (source: file); default: data.path'),
    max_bars: z.number().int().min(50).max(50_000_000).optional().describe('keep only the first N bars of the file'),
    symbol: z.string().min(1).optional().describe('default: market.symbol'),
    tick_size: positive.optional().describe('default: market.tick_size'),
    lot_size: positive.optional().describe('default: market.lot_size'),
    seed: z.number().int().nonnegative().optional().describe('simulation seed; default: derived from the run seed and the agent name'),
    bars: z.number().int().min(50).max(50_000_000).optional().describe('simulated bars; default: data.bars'),
    bar_seconds: positive.max(604_800).optional().describe('default: data.bar_seconds'),
    s0: positive.optional().describe('default: data.s0'),
    vol_per_bar: positive.max(1).optional().describe('default: data.vol_per_bar'),
    mean_reversion: z.number().nonnegative().max(1).optional(),
    regime_switch_prob: z.number().min(0).max(1).optional(),
    vol_window: z.number().int().min(2).optional().describe('default: features.vol_window'),
    ewma_half_life: positive.optional(),
    vol_estimator: z.enum(['rolling', 'ewma']).optional(),
    signal_window: z.number().int().min(3).optional(),
    intensity_window: z.number().int().min(8).optional(),
  })
  .strict();

export const MlParamsSchema = z
  .object({
    model: z.enum(['as', 'glft', 'rl']).optional().describe('default: quoting.model'),
    policy: z.string().min(1).optional().describe('policy.json of a trained RL policy (model rl); default: quoting.policy_path'),
    gamma: positive.optional().describe('default: quoting.gamma'),
    k: positive.optional().describe('fallback order-arrival decay; default: quoting.k'),
    A: positive.optional().describe('fallback order-arrival intensity; default: quoting.A'),
    horizon: z.enum(['finite', 'rolling', 'infinite']).optional(),
    horizon_seconds: positive.optional(),
    min_spread_ticks: z.number().int().nonnegative().optional(),
    train_fraction: z.number().gt(0).lt(1).default(0.5).describe('leading share of the bars the model is fitted on; execution tests on the rest'),
    online_calibration: z.boolean().default(false).describe('execution re-estimates k and A causally instead of using the fitted values'),
  })
  .strict();

export const ExecutionParamsSchema = z
  .object({
    window: z.enum(['test', 'all']).default('test').describe('backtest: only the bars after the model fit (out of sample), or every bar'),
    capital: positive.max(1e12).optional().describe('default: capital'),
    order_qty: positive.optional().describe('default: quoting.order_qty'),
    max_inventory_qty: positive.optional().describe('default: quoting.max_inventory_qty'),
    maker_fee_bps: z.number().min(-100).max(100).optional().describe('default: sim.maker_fee_bps'),
    touch_fill_prob: z.number().min(0).max(1).optional(),
    requote_ticks: z.number().int().nonnegative().optional(),
    markout_horizons: z.array(z.number().int().positive()).optional().describe('bars; default: metrics.markout_bars'),
    feed: z.enum(['replay', 'exchange']).optional().describe('paper: replay data.events on its own clock (offline), or the exchange feed of market.exchange; default: replay when data.events is set'),
    duration: z
      .string()
      .regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'expected a duration such as 90s, 15m, 1h')
      .default('5m')
      .describe('paper and live: how long to trade (market time of a replay, wall time of a live feed)'),
    ledger: z.string().min(1).optional().describe('paper and live: SQLite ledger, relative to paths.artifacts_dir; default <run_id>_<agent>_ledger.sqlite'),
  })
  .strict();

export const RiskParamsSchema = z
  .object({
    max_drawdown_pct: positive
      .optional()
      .describe("largest allowed fall of equity from a peak, % of capital; default: the execution's risk.max_drawdown when the file sets it (checked as max_drawdown), else 2"),
    max_drawdown: positive.optional().describe("largest allowed fall of equity from a peak, quote currency; default: the execution's risk.max_drawdown when the file sets it"),
    max_abs_inventory: positive.optional().describe("base units; default: the execution agent's max_inventory_qty"),
    min_fills: z.number().int().nonnegative().default(10).describe('fewer fills than this is too little evidence'),
    max_daily_return_pct: positive.default(5).describe('|return| per day above this is implausible for a market maker'),
    max_fee_share: z.number().min(0).default(0.5).describe('fees / gross PnL above this means fees eat the edge'),
    min_total_pnl: z.number().default(0).describe('PnL of the run below this is a breach (a losing run is not ok unless this allows it)'),
    max_halted_share: z.number().min(0).max(1).default(1).describe('share of the run the risk engine held trading halted, at most this'),
    allow_halt: z
      .boolean()
      .default(false)
      .describe('true: a run the risk engine halted until a restart (a loss or drawdown limit, a kill switch, a strategy error) may pass; default: such a run is a breach'),
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
export type AgentInput = z.output<typeof AgentSchema>;

/**
 * One file for every mode. `backtest`, `analyze`, `realtime` and `run` read the same file (each the
 * sections it needs; flags override them); a file without `agents` runs the default pipeline
 * data → ml → execution → risk under `run`.
 */
export const ConfigFileSchema = z
  .object({
    ...tradingFields,
    analysis: AnalysisSection.prefault({}),
    mode: z.enum(MODES).default('backtest').describe('backtest | paper | live (the --mode flag overrides it)'),
    run_id: z.string().regex(RUN_ID, "expected letters, digits, '.', '_' or '-'").optional().describe('default: run_<UTC YYYYMMDDTHHMMSSZ>'),
    paths: z
      .object({
        data_dir: z.string().min(1).default('data').describe('where agent data files are looked up (relative to the working directory)'),
        artifacts_dir: z.string().min(1).default(DEFAULT_ARTIFACTS_DIR).describe('where every artifact of a run is written'),
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
    agents: z.array(AgentSchema).min(1).optional().describe('the pipeline of `run`; default data → ml → execution → risk'),
  })
  .strict();
export type ConfigFileInput = z.input<typeof ConfigFileSchema>;
export type ConfigFile = z.output<typeof ConfigFileSchema>;

/** The trading sections of a parsed file (what backtests, paper and live run). */
export function tradingOf(f: ConfigFile): TradingConfig {
  const { analysis: _a, mode: _m, run_id: _r, paths: _p, logging: _l, agents: _g, ...trading } = f;
  return trading;
}

/** The JSON Schema of the config file (input side: fields with defaults are optional), for editors. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ConfigFileSchema, { io: 'input' }) as Record<string, unknown>;
  return { ...schema, title: 'marketmakerl config (backtest, analyze, realtime, run)' };
}

/** The text of schemas/config.schema.json (what `make config-schema` writes and a test compares). */
export function configJsonSchemaText(): string {
  return JSON.stringify(configJsonSchema(), null, 2) + '\n';
}
