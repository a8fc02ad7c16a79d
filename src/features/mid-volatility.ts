// σ of the mid price from its changes on a fixed time grid (tick mode), price units per √second, on a rolling window.
import type { Micros } from '../core/index.js';

/**
 * Realized variance of mid changes (e.g. Andersen, Bollerslev, Diebold & Labys, 2003; Aït-Sahalia,
 * Mykland & Zhang, 2005 on the sampling interval under microstructure noise): the mid is sampled every
 * `sampleMicros` of market time; over the last `window` intervals, σ² per second = Σ dᵢ² / Σ Δtᵢ
 * (zero-mean convention). A gap of several grid steps counts as one change over its whole duration,
 * so quiet periods neither inflate nor deflate σ. Sampling at ~1 s keeps bid-ask bounce small against
 * the diffusion for liquid crypto books. Causal: `observe(t, mid)` uses mids known at t only.
 */
export class MidVolatility {
  private readonly d2: Float64Array;
  private readonly dt: Float64Array;
  private head = 0;
  private count = 0;
  private lastMid = Number.NaN;
  private lastTs = Number.NaN;
  private nextTs = Number.NaN;
  private sumD2 = 0;
  private sumDt = 0;
  private updates = 0;

  constructor(
    readonly sampleMicros: Micros,
    readonly window: number,
    /** Intervals needed before σ is reported. */
    readonly minSamples = 10,
  ) {
    this.d2 = new Float64Array(window);
    this.dt = new Float64Array(window);
  }

  /** Offer the current mid at time t; it is recorded when t reaches the next grid point. */
  observe(t: Micros, mid: number): void {
    if (!(t >= this.nextTs)) {
      if (this.nextTs === this.nextTs || !(mid > 0)) return;
    }
    if (!(mid > 0)) return;
    if (this.lastMid === this.lastMid) {
      const d = mid - this.lastMid;
      this.push(d * d, (t - this.lastTs) / 1e6);
    }
    this.lastMid = mid;
    this.lastTs = t;
    this.nextTs = (Math.floor(t / this.sampleMicros) + 1) * this.sampleMicros;
  }

  private push(d2: number, dt: number): void {
    const h = this.head;
    if (this.count === this.window) {
      this.sumD2 -= this.d2[h]!;
      this.sumDt -= this.dt[h]!;
    } else this.count++;
    this.d2[h] = d2;
    this.dt[h] = dt;
    this.sumD2 += d2;
    this.sumDt += dt;
    this.head = h + 1 === this.window ? 0 : h + 1;
    if (++this.updates >= 65_536) {
      this.updates = 0;
      let a = 0;
      let b = 0;
      for (let i = 0; i < this.count; i++) {
        a += this.d2[i]!;
        b += this.dt[i]!;
      }
      this.sumD2 = a;
      this.sumDt = b;
    }
  }

  get samples(): number {
    return this.count;
  }

  /** σ in price units per √second; NaN until `minSamples` intervals. */
  sigmaPerSecond(): number {
    return this.count < this.minSamples || !(this.sumDt > 0) ? Number.NaN : Math.sqrt(Math.max(0, this.sumD2) / this.sumDt);
  }
}
