// Order-arrival intensity λ(δ) = A·e^{−kδ} fitted from trade arrivals at distance δ from the mid, rolling window, scheduled recalibration.
import { unwrapRing, type Micros } from '../core/index.js';

/**
 * Avellaneda & Stoikov (2008) model the rate at which market orders reach a quote δ away from the mid
 * as λ(δ) = A·e^{−kδ}; Guéant, Lehalle & Fernandez-Tapia (2013) use the same form. A trade printing at
 * distance d = |price − mid| reaches every quote with δ ≤ d, so the count of trades reaching δ in a
 * window T is N(δ) = #{dᵢ ≥ δ}, with E[N(δ)] = (2 sides)·A·e^{−kδ}·T. Then the distances beyond a
 * threshold δ₀ are exponential with rate k, and the maximum-likelihood estimates are
 *   k = n₀ / Σ(dᵢ − δ₀)  over the n₀ trades with dᵢ ≥ δ₀,   A = n₀·e^{kδ₀} / (2T)  (per side, per second).
 * δ₀ = 0 fits the whole curve; a positive δ₀ fits only the tail (for books where every trade prints at
 * least half a spread away). Trades in the last `windowMicros` are kept; the fit is recomputed every
 * `recalibrateMicros` of market time, so the values are step functions of time, known at t.
 */
export class TradeIntensity {
  // The window's trades, a ring grown by doubling (one per trading side; a follower in a shared pass reads its leader's).
  private ts = new Float64Array(1024);
  private dist = new Float64Array(1024);
  private head = 0;
  private count = 0;
  private firstTs = Number.NaN;
  private nextCalibration = Number.NaN;
  /** Current estimates (NaN until enough trades). */
  A = Number.NaN;
  k = Number.NaN;
  calibrations = 0;
  /** Trades in the ring at or beyond the threshold, and the sum of their distances beyond it. */
  private n = 0;
  private excess = 0;

  constructor(
    readonly windowMicros: Micros,
    readonly recalibrateMicros: Micros,
    readonly minTrades = 50,
    readonly thresholdDistance = 0,
  ) {}

  /** A trade at `price` when the mid was `mid`, at time t. */
  onTrade(t: Micros, price: number, mid: number): void {
    if (!(mid > 0)) return;
    if (this.firstTs !== this.firstTs) this.firstTs = t;
    if (this.count === this.ts.length) this.grow();
    const cap = this.ts.length;
    let j = this.head + this.count++;
    if (j >= cap) j -= cap;
    const d = price > mid ? price - mid : mid - price;
    this.ts[j] = t;
    this.dist[j] = d;
    if (d >= this.thresholdDistance) {
      this.n++;
      this.excess += d - this.thresholdDistance;
    }
  }

  /** Twice the room, the oldest trade at 0 (called when full). */
  private grow(): void {
    this.ts = unwrapRing(this.ts, this.head, this.count);
    this.dist = unwrapRing(this.dist, this.head, this.count);
    this.head = 0;
  }

  /** Recalibrate if the schedule says so. Returns true when the estimates were recomputed. */
  update(now: Micros): boolean {
    if (now < this.nextCalibration) return false;
    this.nextCalibration = (Math.floor(now / this.recalibrateMicros) + 1) * this.recalibrateMicros;
    this.recalibrate(now);
    return true;
  }

  /** Drop trades older than the window and refit. */
  recalibrate(now: Micros): void {
    const from = now - this.windowMicros;
    const cap = this.ts.length;
    const d0 = this.thresholdDistance;
    while (this.count > 0 && this.ts[this.head]! < from) {
      const d = this.dist[this.head]!;
      if (d >= d0) {
        this.n--;
        this.excess -= d - d0;
      }
      this.head = this.head + 1 === cap ? 0 : this.head + 1;
      this.count--;
    }
    this.calibrations++;
    // Running sums drift by rounding: recount them exactly now and then.
    if (this.calibrations % 64 === 0) this.resum();
    const span = Math.min(this.windowMicros, now - this.firstTs) / 1e6;
    const n = this.n;
    const excess = this.excess;
    if (n < this.minTrades || !(excess > 0) || !(span > 0)) return;
    this.k = n / excess;
    this.A = (n * Math.exp(this.k * d0)) / (2 * span);
  }

  private resum(): void {
    // Rare (once every 64 fits) but over the whole window, so mostly run unoptimised: the column in a local,
    // the ring's two runs as plain index ranges. The same order of additions as the running sums'.
    const dist = this.dist;
    const d0 = this.thresholdDistance;
    const cap = dist.length;
    const end = this.head + this.count;
    let n = 0;
    let excess = 0;
    for (let j = this.head; j < end; j++) {
      const d = dist[j < cap ? j : j - cap]!;
      if (d >= d0) {
        n++;
        excess += d - d0;
      }
    }
    this.n = n;
    this.excess = excess;
  }

  get trades(): number {
    return this.count;
  }
}
