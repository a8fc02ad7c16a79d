// Guéant–Lehalle–Fernandez-Tapia quoting: closed-form approximations of the optimal bid and ask distances.
import { type ModelState, type Quote, type QuotingModel, emptyQuote } from './quoting-model.js';

export interface GlftParams {
  /** Risk aversion γ, per (price unit × inventory unit). Must be > 0. */
  gamma: number;
  /** Intensity decay k per price unit, used when the state carries none. */
  k: number;
  /** Intensity at zero distance A, per second, used when the state carries none. */
  A: number;
}

/**
 * Guéant, Lehalle & Fernandez-Tapia (2013), "Dealing with the inventory risk: a solution to the
 * market making problem", Math. Financ. Econ. 7(4), asymptotic approximations (eqs. for δ^b_∞, δ^a_∞):
 *
 *   δᵇ ≈ (1/γ)·ln(1+γ/k) + ((2q+1)/2)·√( σ²γ/(2kA) · (1+γ/k)^(1+k/γ) )
 *   δᵃ ≈ (1/γ)·ln(1+γ/k) − ((2q−1)/2)·√( σ²γ/(2kA) · (1+γ/k)^(1+k/γ) )
 *
 * bid = s − δᵇ, ask = s + δᵃ. The horizon does not appear: these are the stationary (T → ∞) quotes.
 * q is in order-size units (the paper's Δ = 1).
 */
export const glft: QuotingModel<GlftParams> = {
  name: 'glft',
  quote(state: Readonly<ModelState>, p: Readonly<GlftParams>, out: Quote = emptyQuote()): Quote {
    const s = state.mid;
    const q = state.inventory;
    const g = p.gamma;
    const kState = state.intensityK;
    const aState = state.intensityA;
    const k = kState > 0 && kState < Number.POSITIVE_INFINITY ? kState : p.k;
    const A = aState > 0 && aState < Number.POSITIVE_INFINITY ? aState : p.A;
    const x = g / k;
    // ln(1+x), shared by both terms: c1 is baseHalfSpread(γ, k); (1+x)^(1+1/x) → e as x → 0, in logs for stability.
    const l = x < 1e-12 ? 0 : Math.log1p(x);
    const c1 = x < 1e-12 ? 1 / k : l / g;
    const growth = x < 1e-12 ? Math.E : Math.exp((1 + 1 / x) * l);
    const c2 = Math.sqrt(((state.sigma * state.sigma * g) / (2 * k * A)) * growth);
    const deltaBid = c1 + ((2 * q + 1) / 2) * c2;
    const deltaAsk = c1 - ((2 * q - 1) / 2) * c2;
    out.bid = s - deltaBid;
    out.ask = s + deltaAsk;
    out.reservation = s - q * c2;
    return out;
  },
};
