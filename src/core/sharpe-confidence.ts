// How sure a finite sample of returns lets us be that the true Sharpe ratio is above zero.

/**
 * Standard normal CDF Φ(x), through the Chebyshev-fitted complementary error function of Press et al.,
 * Numerical Recipes (2nd ed., section 6.2); relative error below 1.2e-7 everywhere.
 */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const erfc = t * Math.exp(-z * z + poly);
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/**
 * Inverse of the standard normal CDF, Φ⁻¹(p) for p in (0, 1), by P. J. Acklam's rational approximation
 * (relative error below 1.2e-9), with one Newton step on `normalCdf`.
 */
export function inverseNormalCdf(p: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? Number.NEGATIVE_INFINITY : p === 1 ? Number.POSITIVE_INFINITY : Number.NaN;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  let x: number;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p > 1 - lo) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  }
  // One Newton step against normalCdf keeps the pair consistent.
  const e = normalCdf(x) - p;
  return x - e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
}

const EULER_GAMMA = 0.5772156649015329;

/**
 * The Sharpe ratio the best of `trials` strategies would show by luck alone, when their Sharpe estimates
 * vary across trials with `variance` and none has an edge: E[max] ≈ √V·((1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e))),
 * γ the Euler–Mascheroni constant (Bailey & López de Prado, 2014, "The deflated Sharpe ratio", Journal of
 * Portfolio Management 40(5)). Used as the benchmark of `sharpeStats`: the deflated Sharpe ratio.
 */
export function expectedMaxSharpe(trials: number, variance: number): number {
  if (!(trials > 1) || !(variance > 0)) return 0;
  return Math.sqrt(variance) * ((1 - EULER_GAMMA) * inverseNormalCdf(1 - 1 / trials) + EULER_GAMMA * inverseNormalCdf(1 - 1 / (trials * Math.E)));
}

/**
 * Raw power sums of a sample of per-period returns, kept so that samples can be pooled by adding them
 * (the walk-forward pools the test windows' returns this way). `lagSum` and `lagPairs` cover consecutive
 * returns inside one run only: pooling never pairs the last return of one window with the first of the next.
 */
export interface ReturnSums {
  n: number;
  sum: number;
  sum2: number;
  sum3: number;
  sum4: number;
  lagSum: number;
  lagPairs: number;
}

export function emptyReturnSums(): ReturnSums {
  return { n: 0, sum: 0, sum2: 0, sum3: 0, sum4: 0, lagSum: 0, lagPairs: 0 };
}

/** Add `b` into `a`. */
export function addReturnSums(a: ReturnSums, b: Readonly<ReturnSums>): void {
  a.n += b.n;
  a.sum += b.sum;
  a.sum2 += b.sum2;
  a.sum3 += b.sum3;
  a.sum4 += b.sum4;
  a.lagSum += b.lagSum;
  a.lagPairs += b.lagPairs;
}

/** Per-sample returns of an equity path on its capital: r[i] = (equity[i] − equity[i − 1]) / capital, equity[−1] = capital. */
export function returnsOnCapital(equity: ArrayLike<number>, capital: number, n = equity.length): Float64Array {
  const r = new Float64Array(n);
  let prev = capital;
  for (let i = 0; i < n; i++) {
    r[i] = (equity[i]! - prev) / capital;
    prev = equity[i]!;
  }
  return r;
}

/** x − y sample by sample (a paired comparison: what both share cancels), its sums and their statistics. */
export function pairedDifference(x: ArrayLike<number>, y: ArrayLike<number>): { sums: ReturnSums; stats: SharpeStats } {
  const d = new Float64Array(x.length);
  for (let i = 0; i < d.length; i++) d[i] = x[i]! - y[i]!;
  const sums = returnSumsOf(d);
  return { sums, stats: sharpeStats(sums) };
}

/** The sums of one run's returns r[0..n) (consecutive in time). */
export function returnSumsOf(r: ArrayLike<number>, n = r.length): ReturnSums {
  const s = emptyReturnSums();
  let prev = Number.NaN;
  for (let i = 0; i < n; i++) {
    const x = r[i]!;
    const x2 = x * x;
    s.sum += x;
    s.sum2 += x2;
    s.sum3 += x2 * x;
    s.sum4 += x2 * x2;
    if (i > 0) s.lagSum += x * prev;
    prev = x;
  }
  s.n = n;
  s.lagPairs = Math.max(0, n - 1);
  return s;
}

export interface SharpeStats {
  /** Mean over standard deviation (n − 1 denominator) per period, not annualised; null when undefined. */
  perPeriod: number | null;
  skewness: number | null;
  /** Not in excess: 3 for normal returns. */
  kurtosis: number | null;
  /** Lag-1 autocorrelation of the returns (pairs inside one run only). */
  autocorrelation: number | null;
  /** Independent observations the sample is worth: n, shrunk when returns are positively autocorrelated. */
  effectiveSamples: number;
  /** Probabilistic Sharpe ratio: the probability that the true per-period Sharpe is above the benchmark (0 by default). */
  confidence: number | null;
}

/**
 * The probabilistic Sharpe ratio of Bailey & López de Prado (2012), "The Sharpe ratio efficient frontier",
 * Journal of Risk 15(2): with SR the per-period Sharpe ratio of n returns, γ₃ their skewness and γ₄ their
 * kurtosis, PSR = Φ( SR·√(n − 1) / √(1 − γ₃·SR + (γ₄ − 1)/4·SR²) ), the probability that the true
 * Sharpe ratio exceeds 0 (or `benchmark`, a per-period Sharpe ratio: see `expectedMaxSharpe`). It answers what an annualised Sharpe cannot: a figure of 50 from ten minutes of
 * one-second returns and one of 2 from a year of daily returns are not equally convincing.
 *
 * The formula assumes independent returns. A market maker's returns are not: inventory carries price
 * moves from one sample to the next. With lag-1 autocorrelation ρ > 0 the sample counts as
 * n·(1 − ρ)/(1 + ρ) independent observations (the AR(1) effective sample size), used in place of n;
 * ρ ≤ 0 leaves n as it is.
 *
 * Positive skewness is given no credit either: the formula's −γ₃·SR term lowers the estimate's variance
 * when skewness and Sharpe have the same sign, and a run whose whole profit is two lucky fills among
 * thousands of flat samples has a huge skewness. The term is kept only when it widens the variance.
 */
export function sharpeStats(s: Readonly<ReturnSums>, benchmark = 0): SharpeStats {
  const none: SharpeStats = { perPeriod: null, skewness: null, kurtosis: null, autocorrelation: null, effectiveSamples: s.n, confidence: null };
  const n = s.n;
  if (n < 3) return none;
  const mu = s.sum / n;
  // Central moments from the raw sums (population form for skewness and kurtosis).
  const m2 = s.sum2 / n - mu * mu;
  if (!(m2 > 1e-30)) return none;
  const m3 = s.sum3 / n - 3 * mu * (s.sum2 / n) + 2 * mu * mu * mu;
  const m4 = s.sum4 / n - 4 * mu * (s.sum3 / n) + 6 * mu * mu * (s.sum2 / n) - 3 * mu * mu * mu * mu;
  const sd = Math.sqrt((m2 * n) / (n - 1));
  const sr = mu / sd;
  const skew = m3 / Math.pow(m2, 1.5);
  const kurt = m4 / (m2 * m2);
  const rho = s.lagPairs > 1 ? Math.max(-1, Math.min(1, (s.lagSum / s.lagPairs - mu * mu) / m2)) : 0;
  const nEff = rho > 0 ? (n * (1 - rho)) / (1 + rho) : n;
  const denom = 1 + Math.max(0, -skew * sr) + ((kurt - 1) / 4) * sr * sr;
  const confidence = nEff > 1 && denom > 0 ? normalCdf(((sr - benchmark) * Math.sqrt(nEff - 1)) / Math.sqrt(denom)) : null;
  return { perPeriod: sr, skewness: skew, kurtosis: kurt, autocorrelation: rho, effectiveSamples: nEff, confidence };
}
