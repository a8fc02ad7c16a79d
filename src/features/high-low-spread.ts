// The Corwin–Schultz bid–ask spread estimate from two consecutive bars' highs and lows (causal form).

const K = 3 - 2 * Math.SQRT2;

/**
 * Corwin & Schultz (2012), "A Simple Way to Estimate Bid-Ask Spreads from Daily High and Low Prices",
 * J. Finance 67(2), eq. (14)–(18), applied to bars t−1 and t (so the value is known at the close of t):
 *   β = ln(Hₜ₋₁/Lₜ₋₁)² + ln(Hₜ/Lₜ)²,  γ = ln(max(Hₜ₋₁,Hₜ) / min(Lₜ₋₁,Lₜ))²,
 *   α = (√(2β) − √β)/(3 − 2√2) − √(γ/(3 − 2√2)),  S = 2(e^α − 1)/(1 + e^α).
 * S is a fraction of price; negative estimates (noise dominates) are set to 0, as in the paper.
 */
export function corwinSchultzSpread(hPrev: number, lPrev: number, h: number, l: number): number {
  if (!(hPrev > 0 && lPrev > 0 && h > 0 && l > 0)) return Number.NaN;
  const a = Math.log(hPrev / lPrev);
  const b = Math.log(h / l);
  const beta = a * a + b * b;
  const g = Math.log(Math.max(hPrev, h) / Math.min(lPrev, l));
  const gamma = g * g;
  const alpha = (Math.sqrt(2 * beta) - Math.sqrt(beta)) / K - Math.sqrt(gamma / K);
  const e = Math.exp(alpha);
  const s = (2 * (e - 1)) / (1 + e);
  return s > 0 ? s : 0;
}
