// Each market of a config as the single-market config it trades (what every driver of one market runs).
import { UserError } from '../core/index.js';
import { MarketSection, TradingConfigSchema, defaultTradingConfig, type TradingConfig } from './trading-config.js';
import { marketName, type HedgeConfig, type MarketEntry } from './markets-config.js';
import { HedgeStrategy, type HedgeLeg } from '../strategy/index.js';

/** One market of a config as a single-market config of its own. */
export interface MarketConfig {
  name: string;
  instrument: string;
  config: TradingConfig;
}

/**
 * The markets of a config, each as the single-market config it trades: its market fields, the
 * top-level quoting / sim / risk with its own fields over them, its share of the capital, its event
 * file (`files[i]` when given: the command line's, else its own `events`, else `data.events`). Each is
 * parsed again, so it is exactly what the same file written as one market would give: a config without
 * `markets:` is its own one market, unchanged, and a one-element `markets:` with the same fields is the
 * same run, byte for byte.
 */
export function marketConfigs(cfg: TradingConfig, files?: readonly string[], source = 'config'): MarketConfig[] {
  const { markets, portfolio: _p, hedge, ...base } = cfg;
  if (markets === undefined) {
    if (hedge !== undefined) throw new UserError(`${source}: hedge: hedges one market of markets: on another; this config trades one market`);
    if (files !== undefined && files.length > 1) throw new UserError(`--events: ${files.length} event files for one market; several markets are named in markets: of --config`);
    const one = files?.length === 1 ? { ...base, data: { ...base.data, events: files[0]! } } : base;
    return [{ name: marketName(cfg.market), instrument: 'spot', config: one }];
  }
  if (JSON.stringify(cfg.market) !== JSON.stringify(defaultTradingConfig.market)) throw new UserError(`${source}: market: give either market: (one market) or markets:, not both`);
  if (files !== undefined && files.length !== markets.length) throw new UserError(`--events: ${files.length} event file${files.length === 1 ? '' : 's'} for ${markets.length} markets; give one per market, in the order of markets:`);
  return markets.map((raw, i) => {
    const m = raw as unknown as MarketEntry;
    const entry: Record<string, unknown> = m;
    const market = Object.fromEntries(Object.keys(MarketSection.shape).flatMap((k) => (entry[k] === undefined ? [] : [[k, entry[k]]])));
    const events = files?.[i] ?? m.events ?? cfg.data.events;
    const input = {
      ...base,
      capital: m.capital ?? cfg.capital / markets.length,
      market,
      data: { ...cfg.data, ...(events !== undefined ? { events } : {}) },
      quoting: { ...cfg.quoting, ...m.quoting },
      sim: { ...cfg.sim, ...m.sim },
      risk: { ...cfg.risk, ...m.risk },
    };
    const r = TradingConfigSchema.safeParse(input);
    if (!r.success) {
      const iss = r.error.issues[0]!;
      throw new UserError(`${source}: markets[${i}].${iss.path.join('.')}: ${iss.message}`);
    }
    return { name: marketName(m), instrument: String(entry['instrument'] ?? 'spot'), config: r.data };
  });
}

/** The hedge of a config of several markets: which market is quoted, which hedges it, and how. */
export interface HedgePlan extends HedgeConfig {
  /** Index of the quoted market in `markets:`. */
  quotedIndex: number;
  /** Index of the hedge market. */
  hedgeIndex: number;
}

/** `hedge:` checked against the markets (names, instruments); undefined without one. */
export function hedgePlan(cfg: TradingConfig, markets: readonly MarketConfig[], source = 'config'): HedgePlan | undefined {
  const h = cfg.hedge;
  if (h === undefined) return undefined;
  const names = markets.map((m) => m.name);
  const hedgeIndex = names.indexOf(h.market);
  if (hedgeIndex < 0) throw new UserError(`${source}: hedge.market: no market named '${h.market}' in markets: (${names.join(', ')})`);
  const quotedIndex = h.quoted === undefined ? names.findIndex((_, i) => i !== hedgeIndex) : names.indexOf(h.quoted);
  if (quotedIndex < 0) throw new UserError(h.quoted === undefined ? `${source}: hedge: markets: needs a second market to quote besides the hedge market '${h.market}'` : `${source}: hedge.quoted: no market named '${h.quoted}' in markets: (${names.join(', ')})`);
  if (quotedIndex === hedgeIndex) throw new UserError(`${source}: hedge.quoted: '${h.quoted}' is the hedge market itself; name the market whose inventory is hedged`);
  return { ...h, quotedIndex, hedgeIndex };
}

/** A market's terms as a hedge leg. */
function legOf(m: MarketConfig): HedgeLeg {
  const mk = m.config.market;
  return { spec: { kind: mk.instrument, contractSize: mk.contract_size }, tickSize: mk.tick_size, lotSize: mk.lot_size };
}

/**
 * The hedge market's strategy for a plan (every mode: tick backtest, event-clock and wall-clock paper);
 * its `source` (the quoted market's core) is set once the quoted market's session exists.
 */
export function hedgeStrategyOf(plan: HedgePlan, markets: readonly MarketConfig[]): HedgeStrategy {
  return new HedgeStrategy({ mode: plan.mode, band: plan.band, ratio: plan.ratio, slippageTicks: plan.slippage_ticks, quoted: legOf(markets[plan.quotedIndex]!), hedge: legOf(markets[plan.hedgeIndex]!) });
}
