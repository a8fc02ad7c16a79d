// Instruments: tick, lot and notional rules of a market, and exact rounding to them.

export interface Instrument {
  readonly symbol: string; // unified form, e.g. BTC/USDT
  readonly base: string;
  readonly quote: string;
  readonly tickSize: number; // price increment
  readonly lotSize: number; // quantity increment
  readonly minQty: number;
  readonly minNotional: number; // quote currency
}

export function makeInstrument(symbol: string, tickSize = 0.01, lotSize = 0.00001, minNotional = 0): Instrument {
  const [base = symbol, quote = ''] = symbol.split('/');
  return { symbol, base, quote, tickSize, lotSize, minQty: lotSize, minNotional };
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
