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

  /**
   * `update` for bars [from, to) of the columns, writing `k()` after each bar into `kOut` (same indices):
   * the same arithmetic in the same order as calling `update` then `k` bar by bar (a test checks the
   * values are identical), with the ring's state in locals for the loop.
   */
  updateMany(high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>, from: number, to: number, kOut: Float64Array): void {
    const exc = this.exc;
    const cap = exc.length;
    let head = this.head;
    let count = this.count;
    let sum = this.sum;
    let prev = this.prevClose;
    for (let t = from; t < to; t++) {
      if (!Number.isNaN(prev)) {
        const down = Math.max(0, prev - low[t]!);
        if (count === cap) sum -= exc[head]!;
        else count++;
        exc[head] = down;
        sum += down;
        head = head + 1 === cap ? 0 : head + 1;
        const up = Math.max(0, high[t]! - prev);
        if (count === cap) sum -= exc[head]!;
        else count++;
        exc[head] = up;
        sum += up;
        head = head + 1 === cap ? 0 : head + 1;
      }
      prev = close[t]!;
      if (count < 8) kOut[t] = Number.NaN;
      else {
        const mean = sum / count;
        kOut[t] = mean > 0 ? 1 / mean : Number.NaN;
      }
    }
    this.head = head;
    this.count = count;
    this.sum = sum;
    this.prevClose = prev;
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
