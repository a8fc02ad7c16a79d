// Avellaneda–Stoikov quoting: reservation price and optimal spread, finite, rolling and infinite horizon.
import { type ModelState, type Quote, type QuotingModel, baseHalfSpread, emptyQuote } from './quoting-model.js';

export type HorizonMode = 'finite' | 'rolling' | 'infinite';

export interface AsParams {
  /** Risk aversion γ, per (price unit × inventory unit). Must be > 0. */
  gamma: number;
  /** Order-arrival decay k, per price unit; used when the state carries none (NaN). */
  k: number;
  /**
   * finite: time remaining = T − t from the simulated clock (the paper's setting);
   * rolling: a constant look-ahead `ModelState.timeRemaining` at every decision (continuous markets);
   * infinite: the paper's discounted infinite-horizon form, with ω = ½γ²σ²(qMax+1)².
   */
  horizon: HorizonMode;
  /** Inventory bound used by the infinite-horizon ω (order-size units). */
  maxInventoryLots: number;
}

/**
 * Avellaneda & Stoikov (2008), "High-frequency trading in a limit order book", Quant. Finance 8(3).
 *
 * Finite horizon (eqs. 29–30): reservation price r = s − q·γ·σ²·(T−t), total spread
 * δᵃ + δᵇ = γ·σ²·(T−t) + (2/γ)·ln(1 + γ/k), quotes symmetric around r.
 *
 * Infinite horizon (section 2.4): reservation ask/bid
 * rᵃ = s + (1/γ)·ln(1 + (1−2q)·γ²σ² / (2ω − γ²q²σ²)),  rᵇ = s + (1/γ)·ln(1 + (−1−2q)·γ²σ² / (2ω − γ²q²σ²)),
 * with ω = ½γ²σ²(q_max+1)²; quotes pᵃ = rᵃ + (1/γ)ln(1+γ/k), pᵇ = rᵇ − (1/γ)ln(1+γ/k). At q = q_max the
 * bid's logarithm reaches ln 0 and the bid disappears, so inventory stays within bounds by itself.
 */
export const avellanedaStoikov: QuotingModel<AsParams> = {
  name: 'as',
  quote(state: Readonly<ModelState>, p: Readonly<AsParams>, out: Quote = emptyQuote()): Quote {
    const g = p.gamma;
    const kState = state.intensityK;
    const k = kState > 0 && kState < Number.POSITIVE_INFINITY ? kState : p.k;
    const var1 = state.sigma * state.sigma;
    const h = baseHalfSpread(g, k);
    if (p.horizon === 'infinite') return infiniteHorizon(state, p, var1, h, out);
    const s = state.mid;
    const tau = state.timeRemaining > 0 ? state.timeRemaining : 0;
    const r = s - state.inventory * g * var1 * tau;
    const half = 0.5 * g * var1 * tau + h;
    out.reservation = r;
    out.bid = r - half;
    out.ask = r + half;
    return out;
  },
};

/** The infinite-horizon quote (kept apart so the finite / rolling path stays small enough to inline). */
function infiniteHorizon(state: Readonly<ModelState>, p: Readonly<AsParams>, var1: number, h: number, out: Quote): Quote {
  const s = state.mid;
  const q = state.inventory;
  const g = p.gamma;
  const qm = p.maxInventoryLots + 1;
  const g2s2 = g * g * var1;
  const denom = g2s2 * (qm * qm - q * q); // 2ω − γ²q²σ²
  if (!(denom > 0) || g2s2 === 0) {
    // No inventory risk priced (σ = 0): the symmetric quote around s.
    out.reservation = s;
    out.bid = s - h;
    out.ask = s + h;
    return out;
  }
  const argA = 1 + ((1 - 2 * q) * g2s2) / denom;
  const argB = 1 + ((-1 - 2 * q) * g2s2) / denom;
  const ra = argA > 0 ? s + Math.log(argA) / g : Number.NaN;
  const rb = argB > 0 ? s + Math.log(argB) / g : Number.NaN;
  out.ask = Number.isNaN(ra) ? Number.NaN : ra + h;
  out.bid = Number.isNaN(rb) ? Number.NaN : rb - h;
  out.reservation = Number.isNaN(ra) || Number.isNaN(rb) ? s - q * g * var1 : (ra + rb) / 2;
  return out;
}
