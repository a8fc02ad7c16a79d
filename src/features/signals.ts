// Trend strength, momentum and mean reversion of closes over a rolling window, updated one bar at a time.

/**
 * Rolling signals over the last `window` closes. After `update(cₜ)` every value uses closes up to cₜ only.
 *
 * - trendStrength ∈ [0, 1]: Kaufman's efficiency ratio |cₜ − cₜ₋ₙ| / Σ|dᵢ|, 1 for a straight line, ≈ 0 for noise.
 * - momentum: the window's net change in units of its own volatility, (cₜ − cₜ₋ₙ) / (σ_bar·√n); a z-score,
 *   scale-free, positive in up-moves.
 * - meanReversion: −ρ₁, minus the lag-1 autocorrelation of the window's changes; > 0 when moves tend to
 *   reverse (bid-ask bounce, range markets), < 0 when they persist.
 */
export class RollingSignals {
  private readonly closes: Float64Array; // ring of the last window+1 closes
  private head = 0;
  private count = 0;

  trendStrength = Number.NaN;
  momentum = Number.NaN;
  meanReversion = Number.NaN;

  constructor(readonly window: number) {
    if (window < 3) throw new RangeError('signal window must be at least 3 bars');
    this.closes = new Float64Array(window + 1);
  }

  update(close: number): void {
    const cap = this.closes.length;
    this.closes[this.head] = close;
    this.head = this.head + 1 === cap ? 0 : this.head + 1;
    if (this.count < cap) this.count++;
    if (this.count < cap) return;
    // head now points at the oldest close. One pass over the window (n is small: tens of bars).
    let prev = this.closes[this.head]!;
    const first = prev;
    let absSum = 0;
    let sq = 0;
    let cross = 0;
    let sum = 0;
    let prevD = Number.NaN;
    let sumPrev = 0;
    let sumNext = 0;
    let pairs = 0;
    for (let j = 1; j < cap; j++) {
      let idx = this.head + j;
      if (idx >= cap) idx -= cap;
      const c = this.closes[idx]!;
      const d = c - prev;
      absSum += Math.abs(d);
      sq += d * d;
      sum += d;
      if (!Number.isNaN(prevD)) {
        cross += prevD * d;
        sumPrev += prevD;
        sumNext += d;
        pairs++;
      }
      prevD = d;
      prev = c;
    }
    const n = cap - 1;
    const net = prev - first;
    this.trendStrength = absSum > 0 ? Math.abs(net) / absSum : 0;
    const sigma = Math.sqrt(sq / n);
    this.momentum = sigma > 0 ? net / (sigma * Math.sqrt(n)) : 0;
    const mean = sum / n;
    const varD = sq / n - mean * mean;
    const cov = pairs > 0 ? cross / pairs - (sumPrev / pairs) * (sumNext / pairs) : 0;
    this.meanReversion = varD > 0 ? -cov / varD : 0;
  }

  get ready(): boolean {
    return this.count === this.closes.length;
  }
}
