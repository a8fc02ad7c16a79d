// Simulated bars with known properties: seeded random walk / GBM, optional regimes and mean reversion.
import { Rng, secondsToMicros } from '../core/index.js';
import { type Bars, allocBars, roundNearest } from '../market/index.js';

export interface SimulateParams {
  seed: number;
  bars: number;
  barSeconds: number;
  /** First price. */
  s0: number;
  /** Volatility per bar as a fraction of price (GBM) or in price units (arithmetic walk). */
  volPerBar: number;
  /** Drift per bar, same units as volPerBar. */
  driftPerBar: number;
  /** 'gbm' multiplies, 'arithmetic' adds (the AS 2008 setting). */
  process: 'gbm' | 'arithmetic';
  /** Steps simulated inside each bar; high and low are the extremes of this path. */
  stepsPerBar: number;
  /** Mean reversion strength per bar toward `anchor` (0 = none): x += κ·(anchor − x)·dt. */
  meanReversion: number;
  /** Price the mean reversion pulls toward (default s0). */
  anchor?: number;
  /** Regimes: at each bar switch with this probability to another regime (0 = one regime). */
  regimeSwitchProb: number;
  /** Regime vol multipliers and drifts (per bar, in units of volPerBar). */
  regimes: readonly { volMult: number; driftInVols: number }[];
  /** Prices are rounded to this tick. */
  tickSize: number;
  /** Start time, epoch ms. */
  startMs: number;
}

export const defaultSimulateParams: SimulateParams = {
  seed: 7,
  bars: 10_000,
  barSeconds: 60,
  s0: 100,
  volPerBar: 0.001,
  driftPerBar: 0,
  process: 'gbm',
  stepsPerBar: 16,
  meanReversion: 0,
  regimeSwitchProb: 0.002,
  regimes: [
    { volMult: 1, driftInVols: 0 },
    { volMult: 2, driftInVols: 0 },
    { volMult: 1, driftInVols: 0.15 },
    { volMult: 1, driftInVols: -0.15 },
  ],
  tickSize: 0.01,
  startMs: Date.UTC(2024, 0, 1),
};

export interface SimulatedBars {
  bars: Bars;
  /** Regime index of each bar. */
  regime: Uint8Array;
}

/**
 * Bars from a path simulated `stepsPerBar` times per bar: open = first point, close = last, high/low =
 * extremes of the path, each rounded to tick, so low ≤ open, close ≤ high always holds. Volume is a
 * seeded positive number proportional to the bar's range. Same params and seed give the same bars.
 */
export function simulateBars(p: Readonly<SimulateParams>): SimulatedBars {
  const rng = new Rng(p.seed);
  const bars = allocBars(p.bars, secondsToMicros(p.barSeconds));
  const regime = new Uint8Array(p.bars);
  const regimes = p.regimes.length > 0 ? p.regimes : [{ volMult: 1, driftInVols: 0 }];
  const dt = 1 / p.stepsPerBar;
  const sqdt = Math.sqrt(dt);
  const anchor = p.anchor ?? p.s0;
  let x = p.s0;
  let r = 0;
  const floor = p.tickSize;
  for (let i = 0; i < p.bars; i++) {
    if (p.regimeSwitchProb > 0 && regimes.length > 1 && rng.next() < p.regimeSwitchProb) {
      r = (r + 1 + rng.int(regimes.length - 1)) % regimes.length;
    }
    regime[i] = r;
    const g = regimes[r]!;
    const vol = p.volPerBar * g.volMult;
    const drift = p.driftPerBar + g.driftInVols * p.volPerBar;
    const open = x;
    let hi = x;
    let lo = x;
    for (let s = 0; s < p.stepsPerBar; s++) {
      const z = rng.normal();
      const mr = p.meanReversion * (anchor - x) * dt;
      if (p.process === 'gbm') x = x * Math.exp((drift - 0.5 * vol * vol) * dt + vol * sqdt * z) + mr;
      else x = x + drift * dt + vol * sqdt * z + mr;
      if (x < floor) x = floor;
      if (x > hi) hi = x;
      if (x < lo) lo = x;
    }
    bars.ts[i] = secondsToMicros(p.startMs / 1000 + i * p.barSeconds);
    bars.open[i] = roundNearest(open, p.tickSize);
    bars.close[i] = roundNearest(x, p.tickSize);
    bars.high[i] = Math.max(roundNearest(hi, p.tickSize), bars.open[i]!, bars.close[i]!);
    bars.low[i] = Math.max(floor, Math.min(roundNearest(lo, p.tickSize), bars.open[i]!, bars.close[i]!));
    bars.volume[i] = roundNearest((1 + rng.next()) * (1 + (hi - lo) / (vol * open + 1e-12)), 0.001);
    x = bars.close[i]!; // the next bar opens where this one closed
  }
  return { bars, regime };
}
