// A trading config at a first price: the strategy's parameters, the session's settings and the range checks that need a price.
import { UserError, MICROS_PER_MS, parseStrict, type Micros, type StrictParseOptions } from '../core/index.js';
import { makeInstrument, notionalQuote, roundDown, type ContractSpec, type Instrument } from '../market/index.js';
import { parseQueueModel } from '../sim/index.js';
import { resolveRiskConfig, type RiskConfig } from '../risk/index.js';
import {
  PluginStrategy,
  QuotingStrategy,
  RlStrategy,
  loadStrategyModule,
  loadedStrategy,
  resolveParams,
  type LoadedStrategy,
  type QuotingParams,
  type ReconcileOptions,
  type Strategy,
} from '../strategy/index.js';
import { loadPolicyFile, type RlPolicy } from '../models/index.js';
import { TradingConfigSchema, type TradingConfig } from './trading-config.js';

/** What the trading session is built from (every mode): capital, reconcile tolerances, the resolved risk limits, the decision timer. */
export interface SessionSettings {
  initialCash: number;
  reconcile: ReconcileOptions;
  risk: RiskConfig;
  /** Decide every this many µs of local time (aligned to multiples of it); 0: whenever the driver steps (each bar, each feed step). */
  decisionIntervalMicros: Micros;
  /** What a unit of quantity is and which currency settles it (default spot). */
  contract?: ContractSpec;
  /** The market's quantity increment: a reducing quote is cut to whole lots of the position. */
  lotSize?: number;
  /** The venue's smallest order, quote currency (live: the exchange's; 0 or absent: none). */
  minNotional?: number;
}

export interface ResolvedTrading {
  config: TradingConfig;
  instrument: Instrument;
  quoting: QuotingParams;
  session: SessionSettings;
  /** The first price the run knows (sizes and a strategy module's load-time check follow it). */
  refPrice: number;
}

/** Parse the trading sections strictly (unknown key = exit 2 with a suggestion) and check the queue model. */
export function parseTradingConfig(input: unknown, opts: StrictParseOptions = {}): TradingConfig {
  const cfg = parseStrict(TradingConfigSchema, input ?? {}, opts);
  parseQueueModel(cfg.sim.queue, opts.flagOf?.('sim.queue') ?? fieldName('sim.queue', opts));
  return cfg;
}

function fieldName(path: string, opts: StrictParseOptions): string {
  return opts.flagOf?.(path) ?? (opts.source ? `${opts.source}: ${path}` : path);
}

/**
 * The config at `refPrice` (the first price the run knows): order size (default 1% of capital, whole
 * lots), inventory limit (default 10 orders), the risk limits that follow them, and the check that
 * needs a price: an order must fit the capital.
 */
export function resolveTrading(cfg: TradingConfig, refPrice: number, opts: StrictParseOptions = {}): ResolvedTrading {
  const name = (p: string): string => fieldName(p, opts);
  // Drivers of several markets resolve each market's own config (`marketConfigs`); a command that reads
  // one market must not quietly trade the default market: instead of the ones listed.
  if (cfg.markets !== undefined) throw new UserError(`${name('markets')}: this command trades one market (market:); several markets run in backtest --events and realtime --clock event`);
  const q = cfg.quoting;
  const lot = cfg.market.lot_size;
  if (!(refPrice > 0)) throw new UserError(`${name('market')}: no price to size orders from`);
  const contract: ContractSpec = { kind: cfg.market.instrument, contractSize: cfg.market.contract_size };
  // Sizes are in the market's quantity unit: base coin (spot) or contracts (perpetuals).
  const orderQty = q.order_qty ?? Math.max(lot, roundDown((cfg.capital * 0.01) / notionalQuote(contract, refPrice, 1), lot));
  const maxInventoryQty = q.max_inventory_qty ?? orderQty * 10;
  const orderNotional = notionalQuote(contract, refPrice, orderQty);
  if (orderNotional > cfg.capital * (1 + 1e-9))
    throw new UserError(`${name('quoting.order_qty')}: ${orderQty} at ${refPrice} is ${round(orderNotional)}, more than the capital ${cfg.capital}`);
  if (maxInventoryQty < orderQty * (1 - 1e-9)) throw new UserError(`${name('quoting.max_inventory_qty')}: ${maxInventoryQty} is below quoting.order_qty ${orderQty}: no order could be placed`);
  const risk = resolveRiskConfig(cfg.risk, { orderQty, maxInventoryQty, capital: cfg.capital });
  const quoting: QuotingParams = {
    model: q.model === 'glft' ? 'glft' : 'as', // rl: the policy sets its base model
    gamma: q.gamma,
    k: q.k,
    A: q.A,
    calibrate: q.calibrate,
    horizon: q.horizon,
    horizonSeconds: q.horizon_seconds,
    orderQty,
    maxInventoryQty,
    minSpreadTicks: q.min_spread_ticks,
    levels: q.levels,
    levelSpacingBps: q.level_spacing_bps,
  };
  return {
    config: cfg,
    instrument: makeInstrument(cfg.market.symbol, cfg.market.tick_size, lot, 0, contract),
    quoting,
    refPrice,
    session: {
      initialCash: cfg.capital,
      reconcile: { priceTolerance: q.requote_ticks * cfg.market.tick_size, qtyTolerance: 0 },
      risk,
      decisionIntervalMicros: cfg.loop.decision_interval_ms * MICROS_PER_MS,
      lotSize: lot,
      ...(contract.kind === 'spot' ? {} : { contract }),
    },
  };
}

/**
 * A single run's check that the gate lets the strategy's orders through at all (explicit risk limits
 * below the quote size would deny every order), and that the quote size is whole lots of the market (the
 * simulated venue, as the exchange, rejects any other). A sweep does not call it: there a combo whose
 * orders the limits refuse simply does not trade, as it would not live.
 */
export function checkGateAdmitsQuotes(r: ResolvedTrading, refPrice: number, opts: StrictParseOptions = {}): void {
  const name = (p: string): string => fieldName(p, opts);
  const risk = r.session.risk;
  const q = r.quoting.orderQty;
  const lot = r.instrument.lotSize;
  if (lot > 0 && Math.abs(q / lot - Math.round(q / lot)) > 1e-6)
    throw new UserError(`${name('quoting.order_qty')}: ${q} is not a whole number of lots of market.lot_size ${lot}: the venue would reject every order`);
  if (risk.max_order_qty < q * (1 - 1e-9)) throw new UserError(`${name('risk.max_order_qty')}: ${risk.max_order_qty} is below quoting.order_qty ${q}: every order would be denied`);
  const notional = r.session.contract ? notionalQuote(r.session.contract, refPrice, q) : q * refPrice;
  if (risk.max_order_notional < notional * (1 - 1e-9))
    throw new UserError(`${name('risk.max_order_notional')}: ${risk.max_order_notional} is below one order's notional ${round(notional)} at ${refPrice}: every order would be denied`);
  if (risk.max_inventory_qty < q * (1 - 1e-9)) throw new UserError(`${name('risk.max_inventory_qty')}: ${risk.max_inventory_qty} is below quoting.order_qty ${q}: every order would be denied`);
}

/**
 * Load the strategy module a config names (`quoting.strategy`), if any, and check its `quoting.params`
 * against what it declares; every mode calls this before it builds a session (worker threads too). A
 * fault is one line naming the field and the file, exit 2.
 */
export async function loadStrategyOf(cfg: TradingConfig, opts: StrictParseOptions = {}): Promise<LoadedStrategy | undefined> {
  const q = cfg.quoting;
  if (q.strategy === undefined) {
    if (q.params !== undefined) throw new UserError(`${fieldName('quoting.params', opts)}: only with quoting.strategy (a strategy module)`);
    return undefined;
  }
  const l = await loadStrategyModule(q.strategy, fieldName('quoting.strategy', opts));
  resolveParams(l.definition, q.params, paramField(opts));
  return l;
}

/** The strategy of a resolved config: a loaded strategy module, AS / GLFT quoting, or an RL policy retuning its own base model. */
export function strategyFor(r: ResolvedTrading, opts: StrictParseOptions = {}, policy?: RlPolicy): Strategy {
  const q = r.config.quoting;
  if (q.strategy !== undefined) return pluginStrategyOf(r, opts);
  if (q.model !== 'rl') return new QuotingStrategy(r.quoting, r.instrument);
  if (policy) return RlStrategy.fromPolicy(policy, r.quoting, r.instrument);
  const field = fieldName('quoting.policy_path', opts);
  if (q.policy_path === undefined) throw new UserError(`${field}: model rl needs a policy file (policy.json from train-rl)`);
  return RlStrategy.fromPolicy(loadPolicyFile(q.policy_path, field), r.quoting, r.instrument);
}

/** The field (or flag) that set a strategy parameter, for messages. */
function paramField(opts: StrictParseOptions): (k: string) => string {
  return (k) => opts.flagOf?.(`quoting.params.${k}`) ?? `${fieldName('quoting.params', opts)}.${k}`;
}

function pluginStrategyOf(r: ResolvedTrading, opts: StrictParseOptions): PluginStrategy {
  const q = r.config.quoting;
  const field = fieldName('quoting.strategy', opts);
  const l = loadedStrategy(q.strategy!);
  if (l === undefined) throw new Error(`${field}: strategy module ${q.strategy} used before loadStrategyOf loaded it`);
  const params = resolveParams(l.definition, q.params, paramField(opts));
  const p = r.quoting;
  const ctx = {
    params,
    symbol: r.instrument.symbol,
    tickSize: r.instrument.tickSize,
    lotSize: r.instrument.lotSize,
    orderQty: p.orderQty,
    maxInventoryQty: p.maxInventoryQty,
    minSpreadTicks: p.minSpreadTicks,
    quoting: { gamma: p.gamma, k: p.k, A: p.A, calibrate: p.calibrate, horizonSeconds: p.horizonSeconds },
  };
  return new PluginStrategy(l.definition, ctx, r.instrument, `${field} ${q.strategy}`, r.refPrice);
}

/** The resolved values a run folder records beside the config (what the defaults became). */
export function resolvedRecord(r: ResolvedTrading): Record<string, unknown> {
  const q = r.config.quoting;
  const mod = q.strategy === undefined ? undefined : loadedStrategy(q.strategy);
  return {
    ...r.config,
    ...(mod === undefined
      ? {}
      : { strategy_module: { path: mod.path, name: mod.definition.name, sha256: mod.digest, params: resolveParams(mod.definition, q.params, 'quoting.params') } }),
    quoting: { ...r.config.quoting, order_qty: r.quoting.orderQty, max_inventory_qty: r.quoting.maxInventoryQty },
    risk: r.session.risk,
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
