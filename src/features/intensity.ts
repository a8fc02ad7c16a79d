// Order-arrival intensity λ(δ) = A·e^{−kδ}: estimated from bar excursions (bar mode).

/**
 * Bar-mode intensity from excursions. A bid resting δ below the previous close cₜ₋₁ is reached in bar t
 * when the excursion eᵗ = cₜ₋₁ − lowₜ exceeds δ (asks: highₜ − cₜ₋₁). If excursions are exponential with
 * rate k, P(reached) = e^{−kδ}, which is the AS/GLFT intensity shape with A·Δt absorbed in the bar.
 * The maximum-likelihood rate is k = 1 / mean(e) over the last `window` bars (both sides pooled);
 * A is reported per second as 1/Δt, since a bar's touch probability at δ = 0 is ≈ 1.
 * Causal: `update` for bar t uses cₜ₋₁ and bar t, so after it the estimate uses bars up to t only.
 */
export class BarIntensity {
  private readonly exc: Float64Array;
  private head = 0;
  private count = 0;
  private sum = 0;
  private prevClose = Number.NaN;

  constructor(
    readonly window: number,
    readonly barSeconds: number,
  ) {
    this.exc = new Float64Array(window * 2);
  }

  update(high: number, low: number, close: number): void {
    if (!Number.isNaN(this.prevClose)) {
      this.push(Math.max(0, this.prevClose - low));
      this.push(Math.max(0, high - this.prevClose));
    }
    this.prevClose = close;
  }

  private push(e: number): void {
    if (this.count === this.exc.length) this.sum -= this.exc[this.head]!;
    else this.count++;
    this.exc[this.head] = e;
    this.sum += e;
    this.head = this.head + 1 === this.exc.length ? 0 : this.head + 1;
  }

  get samples(): number {
    return this.count;
  }

  /** k per price unit; NaN until enough samples or when prices never moved. */
  k(): number {
    if (this.count < 8) return Number.NaN;
    const mean = this.sum / this.count;
    return mean > 0 ? 1 / mean : Number.NaN;
  }

  /** A per second. */
  A(): number {
    return 1 / this.barSeconds;
  }
}
