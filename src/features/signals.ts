// Trend strength, momentum and mean reversion of closes over a rolling window, updated one bar at a time.

/**
 * Rolling signals over the last `window` price changes dᵢ = cᵢ − cᵢ₋₁. After `update(cₜ)` every value
 * uses closes up to cₜ only.
 *
 * - trendStrength ∈ [0, 1]: Kaufman's efficiency ratio |Σdᵢ| / Σ|dᵢ|, 1 for a straight line, ≈ 0 for noise.
 * - momentum: the window's net change in units of its own volatility, Σdᵢ / (σ_d·√n) with σ_d = √(Σdᵢ²/n);
 *   a z-score, scale-free, positive in up-moves.
 * - meanReversion: −ρ₁, minus the lag-1 autocorrelation of the window's changes (Σdᵢdᵢ₋₁ / Σdᵢ², pairs
 *   inside the window); > 0 when moves tend to reverse (bid-ask bounce, range markets), < 0 when they persist.
 *
 * O(1) per update: running sums over a ring of the last n changes, re-added exactly every 65,536 updates
 * so that floating-point drift cannot accumulate.
 */
export class RollingSignals {
  private readonly d: Float64Array; // ring of the last n changes
  private head = 0;
  private count = 0;
  private last = Number.NaN;
  private sum = 0;
  private abs = 0;
  private sq = 0;
  private cross = 0; // Σ dᵢ·dᵢ₋₁ over consecutive pairs inside the window
  private sinceExact = 0;

  trendStrength = Number.NaN;
  momentum = Number.NaN;
  meanReversion = Number.NaN;

  constructor(readonly window: number) {
    if (window < 3) throw new RangeError('signal window must be at least 3 bars');
    this.d = new Float64Array(window);
  }

  update(close: number): void {
    const prev = this.last;
    this.last = close;
    if (prev !== prev) return;
    const x = close - prev;
    const n = this.d.length;
    const newestIdx = this.head === 0 ? n - 1 : this.head - 1;
    if (this.count === n) {
      // Drop the oldest change and its pair with the next one.
      const old = this.d[this.head]!;
      const nextIdx = this.head + 1 === n ? 0 : this.head + 1;
      this.sum -= old;
      this.abs -= Math.abs(old);
      this.sq -= old * old;
      this.cross -= old * this.d[nextIdx]!;
    }
    if (this.count > 0) this.cross += this.d[newestIdx]! * x;
    this.d[this.head] = x;
    this.head = this.head + 1 === n ? 0 : this.head + 1;
    if (this.count < n) this.count++;
    this.sum += x;
    this.abs += Math.abs(x);
    this.sq += x * x;
    if (++this.sinceExact >= 65_536) this.resum();
    if (this.count < n) return;
    this.trendStrength = this.abs > 1e-300 ? Math.abs(this.sum) / this.abs : 0;
    const sigma = Math.sqrt(Math.max(0, this.sq) / n);
    this.momentum = sigma > 1e-300 ? this.sum / (sigma * Math.sqrt(n)) : 0;
    this.meanReversion = this.sq > 1e-300 ? -this.cross / this.sq : 0;
  }

  private resum(): void {
    const n = this.d.length;
    let sum = 0;
    let abs = 0;
    let sq = 0;
    let cross = 0;
    // Oldest to newest.
    const start = this.count === n ? this.head : 0;
    let prev = Number.NaN;
    for (let j = 0; j < this.count; j++) {
      let i = start + j;
      if (i >= n) i -= n;
      const x = this.d[i]!;
      sum += x;
      abs += Math.abs(x);
      sq += x * x;
      if (j > 0) cross += prev * x;
      prev = x;
    }
    this.sum = sum;
    this.abs = abs;
    this.sq = sq;
    this.cross = cross;
    this.sinceExact = 0;
  }

  get ready(): boolean {
    return this.count === this.d.length;
  }
}
