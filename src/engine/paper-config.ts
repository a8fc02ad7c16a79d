// The config of a paper run (YAML/JSON `--config` file, snake_case): quoting, risk, the simulated venue and the loop.
import { z } from 'zod';
import { UserError, MICROS_PER_MS, MICROS_PER_SECOND } from '../core/index.js';
import { riskConfigSchema, type RiskConfig } from '../risk/index.js';
import { BpsFees, constantLatency, parseQueueModel } from '../sim/index.js';
import { QuotingStrategy, RlStrategy, defaultQuotingParams, type QuotingParams, type Strategy } from '../strategy/index.js';
import { loadPolicyFile } from '../models/index.js';
import type { Instrument } from '../market/index.js';
import { defaultTickLocalParams } from './tick-local.js';
import type { PaperSessionOptions } from './paper-session.js';

const positive = z.number().positive();

export const paperConfigSchema = z.object({
  capital: positive.default(10_000),
  quoting: z
    .object({
      model: z.enum(['as', 'glft', 'rl']).default('as'),
      /** policy.json of a trained RL policy (model rl): it retunes its own base model and γ. */
      policy_path: z.string().optional(),
      gamma: positive.default(0.01),
      k: positive.default(1.5),
      A: positive.default(1),
      calibrate: z.boolean().default(false),
      horizon: z.enum(['finite', 'rolling', 'infinite']).default('rolling'),
      horizon_seconds: positive.default(10),
      order_qty: positive.default(0.001),
      max_inventory_qty: positive.default(0.01),
      min_spread_ticks: z.number().int().nonnegative().default(1),
      requote_ticks: z.number().nonnegative().default(50),
    })
    .prefault({}),
  risk: riskConfigSchema.prefault({}),
  sim: z
    .object({
      entry_latency_ms: z.number().nonnegative().default(20),
      response_latency_ms: z.number().nonnegative().default(20),
      maker_fee_bps: z.number().default(1),
      queue: z.string().default('risk-averse'),
      partial_fills: z.boolean().default(true),
    })
    .prefault({}),
  loop: z
    .object({
      /** Decide at least this often without market data (stale detection), ms. */
      idle_decision_ms: positive.default(100),
      /**
       * Decide on a timer every this many ms of local time, like the tick backtest's decision_interval_ms (same
       * default), so a paper run makes the decisions the backtest predicted; 0: at every feed step instead.
       */
      decision_interval_ms: z.number().nonnegative().default(100),
      /** Quote rows to the ledger at most this often, ms. */
      quote_sample_ms: positive.default(250),
      /** σ estimator grid, ms. */
      sigma_sample_ms: positive.default(1_000),
      /** Book levels per side the live feed keeps. */
      depth_levels: z.number().int().positive().default(100),
    })
    .prefault({}),
});

export type PaperConfig = z.infer<typeof paperConfigSchema>;

/** Parse a config object; a bad field is a UserError naming it. */
export function parsePaperConfig(input: unknown, source = '--config'): PaperConfig {
  const r = paperConfigSchema.safeParse(input ?? {});
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new UserError(`${source}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}

/** The strategy and session options of a config; `timeframeSeconds` sets the σ window. */
export function paperSessionSetup(cfg: PaperConfig, instrument: Instrument, timeframeSeconds: number): { strategy: Strategy; options: PaperSessionOptions; risk: RiskConfig } {
  const q = cfg.quoting;
  const params: QuotingParams = {
    ...defaultQuotingParams,
    model: q.model === 'glft' ? 'glft' : 'as', // rl: the policy sets its base model
    gamma: q.gamma,
    k: q.k,
    A: q.A,
    calibrate: q.calibrate,
    horizon: q.horizon,
    horizonSeconds: q.horizon_seconds,
    orderQty: q.order_qty,
    maxInventoryQty: q.max_inventory_qty,
    minSpreadTicks: q.min_spread_ticks,
  };
  let strategy: Strategy;
  if (q.model === 'rl') {
    if (q.policy_path === undefined) throw new UserError('--config: quoting.policy_path: model rl needs a policy file');
    strategy = RlStrategy.fromPolicy(loadPolicyFile(q.policy_path, '--config: quoting.policy_path'), params, instrument);
  } else strategy = new QuotingStrategy(params, instrument);
  const sigmaSampleMicros = cfg.loop.sigma_sample_ms * MICROS_PER_MS;
  const windowMicros = Math.max(timeframeSeconds * MICROS_PER_SECOND, 10 * sigmaSampleMicros);
  const options: PaperSessionOptions = {
    core: { initialCash: cfg.capital, reconcile: { priceTolerance: q.requote_ticks * instrument.tickSize, qtyTolerance: 0.1 } },
    risk: cfg.risk,
    local: {
      ...defaultTickLocalParams,
      tickSize: instrument.tickSize,
      sigmaSampleMicros,
      sigmaWindow: Math.max(2, Math.round(windowMicros / sigmaSampleMicros)),
      intensityWindowMicros: Math.max(windowMicros, 60 * MICROS_PER_SECOND),
    },
    exchange: { tickSize: instrument.tickSize, partialFills: cfg.sim.partial_fills },
    queue: parseQueueModel(cfg.sim.queue, 'sim.queue'),
    latency: constantLatency(cfg.sim.entry_latency_ms * MICROS_PER_MS, cfg.sim.response_latency_ms * MICROS_PER_MS),
    fees: new BpsFees(cfg.sim.maker_fee_bps, 0),
    ...(cfg.loop.decision_interval_ms > 0 ? { decisionIntervalMicros: cfg.loop.decision_interval_ms * MICROS_PER_MS } : {}),
  };
  return { strategy, options, risk: cfg.risk };
}
