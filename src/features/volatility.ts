// Volatility estimators on price changes, in price units per bar and per √second; updated one bar at a time.

/**
 * Rolling realized volatility over the last `window` price changes dₜ = cₜ − cₜ₋₁:
 * σ_bar = √( Σ dᵢ² / n ) (zero-mean, the usual high-frequency convention), σ_sec = σ_bar / √(bar seconds).
 * Causal: after `update(cₜ)` the value uses closes up to and including cₜ only.
 */
export class RollingVolatility {
  private readonly sq: Float64Array;
  private head = 0;
  private count = 0;
  private sum = 0;
  private last = Number.NaN;
  private updatesSinceExact = 0;

  constructor(readonly window: number) {
    this.sq = new Float64Array(window);
  }

  update(close: number): void {
    if (!Number.isNaN(this.last)) {
      const d = close - this.last;
      const d2 = d * d;
      if (this.count === this.sq.length) this.sum -= this.sq[this.head]!;
      else this.count++;
      this.sq[this.head] = d2;
      this.sum += d2;
      this.head = this.head + 1 === this.sq.length ? 0 : this.head + 1;
      // Re-add from scratch now and then so floating-point drift of the running sum cannot grow.
      if (++this.updatesSinceExact >= 65_536) this.resum();
    }
    this.last = close;
  }

  private resum(): void {
    let s = 0;
    for (let i = 0; i < this.count; i++) s += this.sq[i]!;
    this.sum = s;
    this.updatesSinceExact = 0;
  }

  /** Changes seen so far (at most `window`). */
  get samples(): number {
    return this.count;
  }

  /** σ per bar in price units; NaN until at least two changes. */
  perBar(): number {
    return this.count < 2 ? Number.NaN : Math.sqrt(Math.max(0, this.sum) / this.count);
  }
}

/**
 * Exponentially weighted variance of price changes (RiskMetrics form): vₜ = λ·vₜ₋₁ + (1−λ)·dₜ²,
 * with λ = 2^(−1/halfLifeBars). σ_bar = √vₜ. Seeded by the mean of the first `halfLifeBars` changes.
 */
export class EwmaVolatility {
  private readonly lambda: number;
  private variance = Number.NaN;
  private last = Number.NaN;
  private n = 0;
  private warmSum = 0;

  constructor(readonly halfLifeBars: number) {
    this.lambda = Math.pow(2, -1 / halfLifeBars);
  }

  update(close: number): void {
    if (!Number.isNaN(this.last)) {
      const d = close - this.last;
      this.n++;
      if (this.n <= this.halfLifeBars) {
        this.warmSum += d * d;
        this.variance = this.warmSum / this.n;
      } else {
        this.variance = this.lambda * this.variance + (1 - this.lambda) * d * d;
      }
    }
    this.last = close;
  }

  get samples(): number {
    return this.n;
  }

  /** σ per bar in price units; NaN until at least two changes. */
  perBar(): number {
    return this.n < 2 ? Number.NaN : Math.sqrt(this.variance);
  }
}

/** Convert σ per bar to σ per √second. */
export function perSecond(sigmaPerBar: number, barSeconds: number): number {
  return sigmaPerBar / Math.sqrt(barSeconds);
}
