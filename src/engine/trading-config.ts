// The one trading config: market, data, quoting, features, risk, sim, loop, metrics and live sections, one set of defaults.
import { z } from 'zod';
import { INSTRUMENT_KINDS } from '../market/index.js';
import { defaultBarFeatureParams } from '../features/index.js';
import { HISTORY_TIMEFRAMES, MAX_HISTORY_DAYS, defaultSimulateParams } from '../data/index.js';
import { riskSectionSchema } from '../risk/index.js';
import { HedgeSection, PortfolioSection, marketEntrySchema, marketsListSchema } from './markets-config.js';

/**
 * Every mode reads these sections: bar and tick backtests, the analysis (as the base of its sweep),
 * paper and live trading, and the runtime's agents. Fields left out take the defaults below, the same
 * in every mode; a few follow other fields and are resolved once the first price is known
 * (`resolveTrading`). Unknown keys are refused (`.strict()` on every section), with a suggestion.
 */

const positive = z.number().positive();
/** A positive number with a sane ceiling (a typo of a few orders of magnitude is refused, not run). */
const upTo = (max: number) => positive.max(max);
const ms = (max: number) => z.number().nonnegative().max(max);
const int = z.number().int();

/** Funding of a perpetual: a series of (ts, rate) from a file, or one rate every `interval_hours`. */
export const FundingSection = z
  .object({
    path: z.string().min(1).optional().describe('funding series: CSV with a header ts,rate (ts in epoch ms or ISO-8601 UTC) or Arrow IPC with ts (epoch ms) and rate columns'),
    rate: z.number().min(-0.05).max(0.05).optional().describe('a constant rate per interval (0.0001 = 0.01 %), paid at every multiple of interval_hours since the epoch (00:00, 08:00, 16:00 UTC by default)'),
    interval_hours: z.number().positive().max(24).default(8).describe('with rate: hours between payments'),
  })
  .strict()
  .superRefine((f, ctx) => {
    if ((f.path === undefined) === (f.rate === undefined)) ctx.addIssue({ code: 'custom', path: [], message: 'give exactly one of path (a funding series) or rate (a constant rate per interval)' });
  });

export const MarketSection = z
  .object({
    exchange: z.string().min(1).default('binance').describe('ccxt exchange id of the live feed and of live trading'),
    symbol: z.string().min(1).default('BTC/USDT'),
    tick_size: upTo(1e6).default(0.01).describe('price step'),
    lot_size: upTo(1e6).default(0.00001).describe('quantity step (contracts for perpetuals)'),
    instrument: z
      .enum(INSTRUMENT_KINDS, { error: `expected one of ${INSTRUMENT_KINDS.join(', ')}` })
      .default('spot')
      .describe('spot (quantity in the base coin), linear_perp (contracts of contract_size base coin, settled in quote) or inverse_perp (contracts worth contract_size quote, settled in the base coin)'),
    contract_size: upTo(1e9).default(1).describe('perpetuals: base coin per contract (linear) or quote currency per contract (inverse); spot: 1'),
    funding: FundingSection.optional().describe('perpetuals: funding payments, from a series or a constant rate (longs pay shorts when the rate is positive)'),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.instrument === 'spot' && m.contract_size !== 1) ctx.addIssue({ code: 'custom', path: ['contract_size'], message: 'spot has no contracts: leave contract_size at 1 or set instrument to linear_perp or inverse_perp' });
    if (m.instrument === 'spot' && m.funding !== undefined) ctx.addIssue({ code: 'custom', path: ['funding'], message: 'spot pays no funding: set instrument to linear_perp or inverse_perp' });
  });

const daysRange = { error: (iss: { input: unknown }) => `expected a number of days in (0, ${MAX_HISTORY_DAYS}], got ${JSON.stringify(iss.input)}` };

export const DataSection = z
  .object({
    path: z.string().min(1).optional().describe('kline CSV of the bar backtest and the bar analysis'),
    events: z.string().min(1).optional().describe('event file (Arrow IPC from convert or record) of the tick backtest, the tick analysis and the paper replay'),
    exchange: z.string().min(1).optional().describe('ccxt exchange id: klines from the history cache (fetching what it lacks); excludes path'),
    symbol: z.string().min(1).optional().describe('with exchange: the market, e.g. BTC/USDT'),
    timeframe: z.enum(HISTORY_TIMEFRAMES, { error: `expected one of ${HISTORY_TIMEFRAMES.join(', ')}` }).optional().describe('with exchange: bar interval; default 1m'),
    days: z.number(daysRange).positive(daysRange).max(MAX_HISTORY_DAYS, daysRange).optional().describe('with exchange: the last N days before end; default 30'),
    end: z
      .string()
      .refine((s) => Number.isFinite(Date.parse(s)), { error: (iss) => `expected an ISO-8601 time such as 2024-12-29T00:00:00Z, got '${String(iss.input)}'` })
      .optional()
      .describe('with exchange: end of the span (exclusive); default now'),
    cache_dir: z.string().min(1).optional().describe('with exchange: history cache folder; default data/history'),
    bars: int.min(50).max(50_000_000).default(10_000).describe('simulated bars (no path, no exchange)'),
    bar_seconds: upTo(86_400 * 7).default(60).describe('simulated bar length, seconds'),
    s0: upTo(1e9).default(100).describe('first simulated price'),
    vol_per_bar: upTo(1).default(defaultSimulateParams.volPerBar).describe('simulated volatility per bar, fraction of price'),
    mean_reversion: z.number().nonnegative().max(1).default(0),
    regime_switch_prob: z.number().min(0).max(1).default(defaultSimulateParams.regimeSwitchProb),
  })
  .strict()
  .superRefine((d, ctx) => {
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
  });

export const QuotingSection = z
  .object({
    model: z.enum(['as', 'glft', 'rl']).default('as').describe('built-in model (ignored when strategy names a module)'),
    strategy: z.string().min(1).optional().describe('a strategy module of your own (.ts or .js exporting defineStrategy(...)), relative to the working folder; replaces model'),
    params: z.record(z.string(), z.number()).optional().describe("values of the strategy module's declared parameters"),
    policy_path: z.string().min(1).optional().describe('policy.json of a trained RL policy (model rl)'),
    gamma: upTo(1e6).default(0.1).describe('risk aversion per (price unit × order size)'),
    k: upTo(1e9).default(1.5).describe('order-arrival decay per price unit (fallback when not calibrated)'),
    A: upTo(1e9).default(1).describe('order-arrival intensity per second (fallback)'),
    calibrate: z.boolean().default(true).describe('estimate k and A from the data as it comes'),
    horizon: z.enum(['finite', 'rolling', 'infinite']).default('rolling'),
    horizon_seconds: upTo(86_400 * 366).default(600),
    order_qty: upTo(1e9).optional().describe('base units; default: 1% of capital at the first price'),
    max_inventory_qty: upTo(1e12).optional().describe('base units; default: 10 × order_qty'),
    min_spread_ticks: int.nonnegative().max(1_000_000).default(1),
    requote_ticks: int.nonnegative().max(1_000_000).default(0).describe('keep a resting quote within this many ticks of its target'),
    levels: int.min(1).max(16).default(1).describe('as / glft: orders per side (a ladder), order_qty each; 1 = one quote per side'),
    level_spacing_bps: upTo(10_000).default(1).describe('as / glft ladder: distance between two levels, bps of the mid (at least one tick)'),
  })
  .strict();

export const FeaturesSection = z
  .object({
    vol_window: int.min(2).max(1_000_000).default(defaultBarFeatureParams.volWindow).describe('bars'),
    ewma_half_life: upTo(1_000_000).default(defaultBarFeatureParams.ewmaHalfLife).describe('bars'),
    vol_estimator: z.enum(['rolling', 'ewma']).default(defaultBarFeatureParams.volEstimator),
    signal_window: int.min(3).max(1_000_000).default(defaultBarFeatureParams.signalWindow).describe('bars'),
    intensity_window: int.min(8).max(1_000_000).default(defaultBarFeatureParams.intensityWindow).describe('bars'),
    sigma_sample_ms: upTo(3_600_000).default(1_000).describe('tick σ grid, ms'),
    sigma_window: int.min(2).max(1_000_000).default(300).describe('tick σ window, grid intervals'),
    intensity_window_s: upTo(86_400).default(300).describe('tick intensity fit window, seconds'),
    intensity_recalibrate_s: upTo(86_400).default(10),
    intensity_min_trades: int.min(1).max(1_000_000).default(50),
    book_levels: int.min(1).max(1_000).default(5).describe('order-flow features: price levels per side of the book imbalance'),
    flow_window_ms: upTo(86_400_000).default(5_000).describe('order-flow features: window of the trade-flow imbalance, ms'),
    sweep_hold_ms: upTo(3_600_000).default(1_000).describe('order-flow features: the sweep flag stays up this long after a sweep, ms'),
    burst_window_ms: upTo(3_600_000).default(1_000).describe('order-flow features: window of the volatility burst flag, ms'),
    burst_sigmas: upTo(1_000).default(3).describe('order-flow features: the burst flag rises past this many σ over its window'),
  })
  .strict();

export const SimSection = z
  .object({
    maker_fee_bps: z.number().min(-100).max(100).default(10).describe("maker fee, bps of notional (Binance spot's regular 10; negative = rebate)"),
    taker_fee_bps: z.number().min(-100).max(100).default(10),
    queue: z.string().default('risk-averse').describe('queue position model: risk-averse | power:N | log'),
    partial_fills: z.boolean().default(true).describe('fill only the traded quantity beyond the queue ahead'),
    post_only: z.boolean().default(true).describe('false: a crossing order takes the book as taker instead of being rejected'),
    entry_latency_ms: ms(60_000).default(20).describe('order entry latency'),
    response_latency_ms: ms(60_000).default(20).describe('venue answer latency'),
    latency_file: z.string().min(1).optional().describe('CSV ts_ms,entry_ms,response_ms (replaces the two latencies)'),
    feed_latency_ms: ms(60_000).optional().describe("local time = publication time (exchange time + the row's publishDelay) + this; default: the file's local times when causal, else 5 ms"),
    touch_fill_prob: z.number().min(0).max(1).default(0).describe('bar backtest: probability that a touch fills'),
  })
  .strict();

export const LoopSection = z
  .object({
    decision_interval_ms: ms(3_600_000).default(100).describe('decide every this many ms of local time (0: at every feed step, paper and live on a feed only; a replay or a backtest refuses it)'),
    sample_interval_ms: upTo(3_600_000).default(1_000).describe('tick trace rows every this many ms'),
    idle_decision_ms: upTo(60_000).default(100).describe('paper and live: decide at least this often without market data'),
    quote_sample_ms: upTo(3_600_000).default(250).describe('paper and live: quote rows to the ledger at most this often'),
    depth_levels: int.positive().max(5_000).default(100).describe('book levels per side a live feed keeps'),
    market_data: z.enum(['auto', 'ws', 'rest']).default('auto').describe("paper and live on the exchange's feed: websockets where ccxt has them (auto), websockets only, or REST polling"),
    poll_ms: int.positive().max(3_600_000).default(1_000).describe('paper and live: REST polling interval of the feed, ms'),
  })
  .strict();

export const MetricsSection = z
  .object({
    markout_bars: z.array(int.positive().max(100_000)).max(20).default([1, 5, 20]).describe('bar backtest markout horizons, bars'),
    markout_seconds: z.array(upTo(86_400)).max(20).default([1, 10, 60]).describe('tick markout horizons, seconds'),
  })
  .strict();

export const LiveSection = z
  .object({
    unknown_orders: z.enum(['cancel', 'adopt', 'refuse']).default('cancel').describe('open orders at the exchange that this ledger did not place'),
    position_tolerance: z.number().nonnegative().max(1e6).default(1e-8).describe('exchange holding vs ledger position, base units'),
    halt_on_mismatch: z.boolean().default(true),
    reconcile_every_s: upTo(86_400).default(30),
    request_timeout_ms: int.positive().max(600_000).default(10_000),
    order_updates: z.enum(['auto', 'poll']).default('auto').describe('private websocket where ccxt has it (auto), or REST polling'),
    order_poll_ms: int.positive().max(600_000).default(1_000),
    // A lookup that does not find an order means "it does not exist" only this long after its create was
    // sent: the exchange's recvWindow (5 s: a later request is refused) plus how far its lookups may lag.
    lookup_settle_ms: int.min(5_000).max(120_000).default(8_000).describe('a create unseen by lookups this long after it was sent does not exist, ms'),
    stream_retry_budget_s: upTo(3_600).default(60).describe('the private stream may stay down this long (halted, retrying) before the run stops'),
    ledger_retry_budget_s: upTo(3_600).default(30).describe('the ledger may stay unwritable this long (halted, fills held) before the run stops'),
    forget_after_s: upTo(86_400).default(3_600).describe('settled orders leave the in-memory tracker this long after they ended'),
    margin_mode: z.enum(['cross', 'isolated']).default('cross').describe("perpetuals: the margin mode the account must have on each traded symbol (the preflight refuses another, and hedge position mode)"),
  })
  .strict();

/** The trading sections of a config file (the file may hold more: analysis, runtime; see runtime/config.ts). */
export const tradingFields = {
  seed: int.nonnegative().max(Number.MAX_SAFE_INTEGER).default(7),
  capital: upTo(1e12).default(100_000).describe('initial capital, quote currency'),
  market: MarketSection.prefault({}),
  data: DataSection.prefault({}),
  quoting: QuotingSection.prefault({}),
  features: FeaturesSection.prefault({}),
  risk: riskSectionSchema.prefault({}),
  sim: SimSection.prefault({}),
  loop: LoopSection.prefault({}),
  metrics: MetricsSection.prefault({}),
  live: LiveSection.prefault({}),
  markets: marketsListSchema(marketEntrySchema(MarketSection, QuotingSection, SimSection))
    .optional()
    .describe('several markets traded at once, each with its exchange, symbol, instrument and its own quoting / sim / risk fields over the top-level ones (instead of market:)'),
  portfolio: PortfolioSection.optional().describe('with markets: limits over the whole book'),
  hedge: HedgeSection.optional().describe("with markets: hedge one market's inventory on another (hedged market making)"),
};

export const TradingConfigSchema = z.object(tradingFields).strict();
export type TradingConfigInput = z.input<typeof TradingConfigSchema>;
export type TradingConfig = z.output<typeof TradingConfigSchema>;
export type LiveConfig = TradingConfig['live'];

/** Every default, as a parsed empty config. */
export const defaultTradingConfig: TradingConfig = TradingConfigSchema.parse({});
