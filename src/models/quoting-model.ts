// The QuotingModel port: a pure function from market state and parameters to a two-sided quote.

/**
 * What a model sees. Units are fixed across the code base:
 * prices in quote currency, time in seconds, `sigma` in price units per √second,
 * `inventory` in order-size units (lots of `orderQty`), as in the papers where each fill is one unit.
 */
export interface ModelState {
  /** Reference price the quote is built around (mid, or last close in bar mode). */
  mid: number;
  /** Signed inventory in order-size units. */
  inventory: number;
  /** Volatility of the mid, price units per √second. */
  sigma: number;
  /** Seconds left to the horizon (finite mode) or the rolling horizon length; ignored in infinite mode. */
  timeRemaining: number;
  /** Order-arrival intensity at zero distance, per second (λ(δ) = A·e^{−kδ}). */
  intensityA: number;
  /** Intensity decay, per price unit. */
  intensityK: number;
}

/** A model's answer, before rounding to tick and lot. NaN on a side means "do not quote it". */
export interface Quote {
  bid: number;
  ask: number;
  /** The price around which the quote is centred (reservation / indifference price). */
  reservation: number;
}

export interface QuotingModel<P> {
  readonly name: string;
  /** Pure: same state and params give the same quote. Writes into and returns `out` when given. */
  quote(state: Readonly<ModelState>, params: Readonly<P>, out?: Quote): Quote;
}

export function emptyQuote(): Quote {
  return { bid: Number.NaN, ask: Number.NaN, reservation: Number.NaN };
}

/** (1/γ)·ln(1 + γ/k), the risk-adjusted half-spread of both papers, with its γ → 0 limit 1/k. */
export function baseHalfSpread(gamma: number, k: number): number {
  const x = gamma / k;
  return x < 1e-12 ? 1 / k : Math.log1p(x) / gamma;
}
