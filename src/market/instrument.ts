// Instruments: spot, linear and inverse perpetuals; tick, lot, contract size and notional rules, exact rounding.

/**
 * What one unit of quantity is and which currency settles it:
 * - `spot`: quantity in the base coin, cash in the quote currency (BTC/USDT: BTC and USDT).
 * - `linear_perp`: quantity in contracts of `contractSize` base coin, margin, PnL and fees in the quote
 *   currency (Binance USD-M BTCUSDT: 1 contract = 1 BTC, settled in USDT).
 * - `inverse_perp`: quantity in contracts worth `contractSize` units of the quote currency, margin, PnL and
 *   fees in the base coin (Binance COIN-M BTCUSD_PERP: 1 contract = 100 USD, settled in BTC).
 */
export type InstrumentKind = 'spot' | 'linear_perp' | 'inverse_perp';
export const INSTRUMENT_KINDS = ['spot', 'linear_perp', 'inverse_perp'] as const;

/** The part of an instrument the accounting needs: its kind and contract size. */
export interface ContractSpec {
  readonly kind: InstrumentKind;
  /** linear: base coin per contract; inverse: quote currency per contract; spot: 1. */
  readonly contractSize: number;
}

export const SPOT: ContractSpec = { kind: 'spot', contractSize: 1 };

export interface Instrument extends ContractSpec {
  readonly symbol: string; // unified form, e.g. BTC/USDT
  readonly base: string;
  readonly quote: string;
  readonly tickSize: number; // price increment
  readonly lotSize: number; // quantity increment (contracts for perpetuals)
  readonly minQty: number;
  readonly minNotional: number; // quote currency
}

export function makeInstrument(symbol: string, tickSize = 0.01, lotSize = 0.00001, minNotional = 0, spec: ContractSpec = SPOT): Instrument {
  const [base = symbol, quoteAndSettle = ''] = symbol.split('/');
  const quote = quoteAndSettle.split(':')[0]!; // ccxt's BTC/USDT:USDT names the settle currency after ':'
  return { symbol, base, quote, tickSize, lotSize, minQty: lotSize, minNotional, kind: spec.kind, contractSize: spec.contractSize };
}

/** The currency PnL, fees and funding of an instrument are paid in. */
export function settlesInBase(spec: ContractSpec): boolean {
  return spec.kind === 'inverse_perp';
}

/** Quote-currency notional of `qty` at `price`: price × qty × size (spot, linear), qty × size (inverse). */
export function notionalQuote(spec: ContractSpec, price: number, qty: number): number {
  return spec.kind === 'inverse_perp' ? qty * spec.contractSize : price * qty * spec.contractSize;
}

/**
 * Notional in the settlement currency: what fee rates and funding rates multiply. Quote for spot and
 * linear (price × qty × size), base coin for inverse (qty × size / price).
 */
export function notionalSettle(spec: ContractSpec, price: number, qty: number): number {
  return spec.kind === 'inverse_perp' ? (qty * spec.contractSize) / price : price * qty * spec.contractSize;
}

/** Base-coin exposure of a signed position of `qty` at `price` (inverse: qty × size / price). */
export function baseExposure(spec: ContractSpec, price: number, qty: number): number {
  return spec.kind === 'inverse_perp' ? (qty * spec.contractSize) / price : qty * spec.contractSize;
}

/**
 * PnL in the settlement currency of a signed position `qty` (contracts; > 0 long) entered at `entry` and
 * marked or closed at `exit`: linear and spot qty × size × (exit − entry) in quote; inverse
 * qty × size × (1/entry − 1/exit) in the base coin.
 */
export function contractPnl(spec: ContractSpec, qty: number, entry: number, exit: number): number {
  return spec.kind === 'inverse_perp' ? qty * spec.contractSize * (1 / entry - 1 / exit) : qty * spec.contractSize * (exit - entry);
}

/** An amount in the settlement currency, in quote currency at `mark` (inverse: × mark). */
export function settleToQuote(spec: ContractSpec, amount: number, mark: number): number {
  return spec.kind === 'inverse_perp' ? amount * mark : amount;
}

/** Binance spot BTC/USDT rules (tick 0.01, lot 0.00001 BTC, min notional 5 USDT). */
export const BTCUSDT = makeInstrument('BTC/USDT', 0.01, 0.00001, 5);

// A relative epsilon so that 100.03 / 0.01 = 10002.999999 still counts as on the tick.
const EPS = 1e-9;

/** Number of decimals needed to print multiples of `step` exactly (0.01 → 2). */
export function decimalsOf(step: number): number {
  if (step >= 1) return 0;
  return Math.min(12, Math.max(0, Math.ceil(-Math.log10(step) - EPS)));
}

// The last step seen and its scale 10^decimals: rounding is called per decision with the same tick.
let cachedStep = Number.NaN;
let cachedScale = 1;

function snap(units: number, step: number): number {
  if (step !== cachedStep) {
    cachedStep = step;
    cachedScale = 10 ** decimalsOf(step);
  }
  return cachedScale === 1 ? units * step : Math.round(units * step * cachedScale) / cachedScale;
}

/** Largest multiple of `tick` not above `price` (bids round down: never more aggressive than asked). */
export function roundDown(price: number, tick: number): number {
  return snap(Math.floor(price / tick + EPS), tick);
}

/** Smallest multiple of `tick` not below `price` (asks round up). */
export function roundUp(price: number, tick: number): number {
  return snap(Math.ceil(price / tick - EPS), tick);
}

/** Nearest multiple of `step`. */
export function roundNearest(value: number, step: number): number {
  return snap(Math.round(value / step), step);
}
