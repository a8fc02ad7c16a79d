// Trade-flow imbalance: exponentially weighted buy vs sell aggressor volume, in [−1, 1].
import type { Micros } from '../core/index.js';

/**
 * Imbalance = (B − S) / (B + S), where B and S are the buy- and sell-aggressor volumes with weights
 * 2^(−age / half-life) — the signed-volume form of order-flow imbalance (cf. Cont, Kukanov & Stoikov,
 * 2014, "The price impact of order book events", who use book events; trades alone are what every
 * venue publishes reliably). 0 with no trades. Causal: `value(t)` uses trades at or before t only.
 */
export class TradeFlowImbalance {
  private buy = 0;
  private sell = 0;
  private last = Number.NaN;
  private readonly rate: number;

  constructor(readonly halfLifeMicros: Micros) {
    this.rate = Math.LN2 / halfLifeMicros;
  }

  private decay(t: Micros): void {
    if (this.last === this.last && t > this.last) {
      const w = Math.exp(-this.rate * (t - this.last));
      this.buy *= w;
      this.sell *= w;
    }
    if (!(t <= this.last)) this.last = t;
  }

  /** A trade of `size` whose aggressor is `side` (+1 buy, −1 sell) at time t. */
  onTrade(t: Micros, side: number, size: number): void {
    this.decay(t);
    if (side > 0) this.buy += size;
    else this.sell += size;
  }

  value(t: Micros): number {
    this.decay(t);
    const s = this.buy + this.sell;
    return s > 0 ? (this.buy - this.sell) / s : 0;
  }
}
