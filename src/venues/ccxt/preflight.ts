// Checks before the first live order: account, market limits and exchange capabilities against the config.
import { UserError } from '../../core/index.js';
import { ClientOrderIds } from './client-order-id.js';
import type { LiveBalance, LiveCapabilities, LiveExchange, LiveMarket, LiveOrder, LivePerpAccount } from './live-types.js';

export type UnknownOrderRule = 'cancel' | 'adopt' | 'refuse';

export interface PreflightConfig {
  symbol: string;
  /** Quote size, base units (a hedge market: its smallest hedge order, see `qtyName`). */
  orderQty: number;
  /** How `orderQty` is named in refusals (default `order qty`; a hedge market: `smallest hedge order`). */
  qtyName?: string;
  /** The session sends immediate-or-cancel orders (a taker hedge): the exchange must take them. */
  takes?: boolean;
  maxInventoryQty: number;
  /** The strategy's tick; must be a multiple of the market's. NaN: use the market's. */
  tickSize: number;
  /** What to do with open orders at the exchange that this ledger did not place. */
  unknownOrders: UnknownOrderRule;
  ids: ClientOrderIds;
  /** A perpetual: the margin mode the account must have on the symbol; the position mode must be one-way. */
  perp?: { marginMode: 'cross' | 'isolated' };
  /** Wraps each exchange call (retries of transient faults); default: call once. */
  retry?: <T>(what: string, fn: () => Promise<T>) => Promise<T>;
}

export interface PreflightReport {
  ok: boolean;
  /** Why it may not start (empty when ok). */
  refusals: string[];
  /** What it noticed but accepts. */
  notes: string[];
  market: LiveMarket | undefined;
  bid: number;
  ask: number;
  base: LiveBalance;
  quote: LiveBalance;
  openOrders: LiveOrder[];
  capabilities: LiveCapabilities;
  /** A perpetual: the account's modes, position and leverage on the symbol, as read. */
  perp?: LivePerpAccount;
}

const ZERO: LiveBalance = { free: 0, used: 0, total: 0 };

export async function preflight(ex: LiveExchange, cfg: Readonly<PreflightConfig>): Promise<PreflightReport> {
  const refusals: string[] = [];
  const notes: string[] = [];
  const call = cfg.retry ?? (<T>(_what: string, fn: () => Promise<T>): Promise<T> => fn());
  const caps = ex.capabilities;
  if (!caps.postOnly) refusals.push(`${ex.id} has no post-only orders: a quote could take liquidity`);
  if (!caps.cancelAll && !caps.fetchOpenOrders) refusals.push(`${ex.id} can neither cancel all orders nor list open orders: the kill switch could not be verified`);
  if (cfg.takes === true && caps.ioc !== true) refusals.push(`${ex.id} takes no immediate-or-cancel orders in ccxt: a taker hedge could not trade (hedge.mode: passive rests at the touch instead)`);
  if (!caps.fetchOrder) refusals.push(`${ex.id} cannot look an order up by client order id: a timed-out order could not be resolved safely`);

  let market: LiveMarket | undefined;
  try {
    market = await call('market', () => ex.market(cfg.symbol));
  } catch (e) {
    refusals.push(e instanceof Error ? e.message : String(e));
  }
  let bid = Number.NaN;
  let ask = Number.NaN;
  let base = ZERO;
  let quote = ZERO;
  let openOrders: LiveOrder[] = [];
  if (market !== undefined) {
    if (!market.active) refusals.push(`${cfg.symbol} is not trading on ${ex.id}`);
    const q = cfg.orderQty;
    const qn = cfg.qtyName ?? 'order qty';
    if (!(market.tickSize > 0) || !(market.lotSize > 0)) refusals.push(`${cfg.symbol}: the exchange publishes no tick or lot size`);
    if (q < market.minQty - 1e-12) refusals.push(`${qn} ${q} is below the market's minimum quantity ${market.minQty}`);
    if (market.lotSize > 0 && !isMultiple(q, market.lotSize)) refusals.push(`${qn} ${q} is not a multiple of the lot size ${market.lotSize}`);
    if (Number.isFinite(cfg.tickSize) && market.tickSize > 0 && !isMultiple(cfg.tickSize, market.tickSize))
      refusals.push(`tick size ${cfg.tickSize} is not a multiple of the market's tick ${market.tickSize}`);
    ({ bid, ask } = await call('best bid/ask', () => ex.bidAsk(cfg.symbol)));
    if (!(bid > 0) || !(ask > 0)) refusals.push(`${cfg.symbol}: no bid/ask in the order book`);
    else if (market.minNotional > 0 && q * bid < market.minNotional)
      refusals.push(`${qn === 'order qty' ? 'order' : qn} notional ${round(q * bid)} ${market.quote} (qty ${q} × bid ${bid}) is below the market's minimum notional ${market.minNotional}`);
    if (cfg.orderQty > cfg.maxInventoryQty) refusals.push(`${qn} ${q} is above max_inventory_qty ${cfg.maxInventoryQty}`);

    const balances = await call('balances', () => ex.balances());
    base = balances[market.base] ?? ZERO;
    quote = balances[market.quote] ?? ZERO;
    const canBuy = quote.free >= q * (ask > 0 ? ask : bid);
    const canSell = base.free >= q;
    if (cfg.perp !== undefined) {
      // A perpetual sells without holding the base: both sides draw on the margin asset.
      if (!(quote.free > 0)) refusals.push(`no free ${market.quote} margin to quote ${cfg.symbol}`);
      else notes.push(`${market.quote} margin free ${quote.free}`);
    } else if (!canBuy && !canSell)
      refusals.push(`balances too small to quote either side: ${market.quote} free ${quote.free}, ${market.base} free ${base.free}, order qty ${q}`);
    else if (!canBuy) notes.push(`${market.quote} free ${quote.free} cannot fund a bid of ${q}: asks only until it can`);
    else if (!canSell) notes.push(`${market.base} free ${base.free} cannot fund an ask of ${q}: bids only until it can`);
    if (cfg.perp === undefined) notes.push(`existing ${market.base} holding ${base.total} (free ${base.free}, in orders ${base.used})`);

    openOrders = await call('open orders', () => ex.openOrders(cfg.symbol));
    const foreign = openOrders.filter((o) => cfg.ids.parse(o.clientOrderId) === undefined);
    if (foreign.length > 0) {
      const text = `${foreign.length} open order(s) on ${cfg.symbol} not placed by this ledger`;
      if (cfg.unknownOrders === 'refuse') refusals.push(`${text} (unknown_orders: refuse)`);
      else notes.push(`${text}: they will be ${cfg.unknownOrders === 'adopt' ? 'adopted' : 'cancelled'}`);
    }
    const ours = openOrders.length - foreign.length;
    if (ours > 0) notes.push(`${ours} open order(s) of this ledger from an earlier run: reconciled on start`);
  }
  const perp = cfg.perp !== undefined ? await checkPerpAccount(ex, cfg.symbol, cfg.perp.marginMode, call, refusals, notes) : undefined;
  return { ok: refusals.length === 0, refusals, notes, market, bid, ask, base, quote, openOrders, capabilities: caps, ...(perp !== undefined ? { perp } : {}) };
}

/**
 * A perpetual's account settings: one-way position mode (our position is one net number: in hedge mode
 * a sell could open a short beside a long instead of reducing it) and the configured margin mode on the
 * symbol; the position the exchange holds is noted (reconciliation compares it with the ledger).
 */
async function checkPerpAccount(
  ex: LiveExchange,
  symbol: string,
  marginMode: 'cross' | 'isolated',
  call: <T>(what: string, fn: () => Promise<T>) => Promise<T>,
  refusals: string[],
  notes: string[],
): Promise<LivePerpAccount | undefined> {
  const perpAccount = ex.perpAccount?.bind(ex);
  if (perpAccount === undefined) {
    refusals.push(`${ex.id} reports no positions: the margin and position mode of ${symbol} cannot be checked`);
    return undefined;
  }
  let a: LivePerpAccount;
  try {
    a = await call('positions', () => perpAccount(symbol));
  } catch (e) {
    refusals.push(`${symbol}: positions could not be read: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  if (a.hedged === true) refusals.push(`${ex.id} is in hedge position mode (long and short apart): switch the account to one-way mode to quote ${symbol}`);
  else if (a.hedged === undefined) notes.push(`${ex.id} did not say its position mode: one-way assumed`);
  if (a.marginMode === undefined) notes.push(`${symbol}: the exchange did not say its margin mode; ${marginMode} expected (live.margin_mode)`);
  else if (a.marginMode !== marginMode) refusals.push(`${symbol} is in ${a.marginMode} margin mode, live.margin_mode is ${marginMode}: change one of them`);
  notes.push(`${symbol}: position ${a.position} contracts${a.leverage !== undefined ? `, leverage ${a.leverage}` : ''}, ${a.marginMode ?? 'unknown'} margin`);
  return a;
}

/** Throw a one-line UserError naming every reason when the preflight refused. */
export function assertPreflight(r: Readonly<PreflightReport>): void {
  if (!r.ok) throw new UserError(`live preflight refused: ${r.refusals.join('; ')}`);
}

function isMultiple(x: number, step: number): boolean {
  const k = x / step;
  return Math.abs(k - Math.round(k)) < 1e-6;
}

function round(x: number): number {
  return Math.round(x * 1e8) / 1e8;
}
