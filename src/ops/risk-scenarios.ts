// Stress scenarios for risk calibration: a crash, a gap, a volatility burst and a frozen feed laid over simulated bars, and the worst stretches of the shared data.
import { allocBars, sliceBars, type Bars } from '../market/index.js';
import { simulateBars, defaultSimulateParams } from '../data/index.js';

export interface Scenario {
  name: string;
  /** What happens, in one line. */
  what: string;
  bars: Bars;
  /** Index of the first bar of the event (the stretch before it warms the estimators). */
  eventBar: number;
}

/** Bars of the base path: 16 hours of 1m bars, the event at hour 8. */
const BASE_BARS = 960;
const EVENT_BAR = 480;

function copyBars(b: Bars): Bars {
  const c = allocBars(b.length, b.intervalMicros);
  for (const k of ['ts', 'open', 'high', 'low', 'close', 'volume'] as const) c[k].set(b[k]);
  return c;
}

/** Multiply bar t's prices by a path multiplier `m(t, 0)` at its open and `m(t, 1)` at its close. */
function reshape(base: Bars, m: (t: number, at: 0 | 1) => number): Bars {
  const b = copyBars(base);
  for (let t = 0; t < b.length; t++) {
    const mo = m(t, 0);
    const mc = m(t, 1);
    const o = base.open[t]! * mo;
    const c = base.close[t]! * mc;
    b.open[t] = o;
    b.close[t] = c;
    b.high[t] = Math.max(base.high[t]! * Math.max(mo, mc), o, c);
    b.low[t] = Math.min(base.low[t]! * Math.min(mo, mc), o, c);
  }
  return b;
}

/** The simulated scenarios over one seeded base path starting at `s0` (1m bars, quiet regime). */
export function simulatedScenarios(seed: number, s0: number, tickSize: number): Scenario[] {
  const { bars: base } = simulateBars({ ...defaultSimulateParams, seed, s0, tickSize, bars: BASE_BARS, barSeconds: 60, regimeSwitchProb: 0 });
  const a = EVENT_BAR;
  const crashDepth = 0.2;
  const crashBars = 30;
  const crash = reshape(base, (t, at) => {
    const x = Math.min(Math.max(t + at - a, 0), crashBars) / crashBars;
    return 1 - crashDepth * x;
  });
  const gap = 0.08;
  const gapped = reshape(base, (t) => (t >= a ? 1 - gap : 1));
  // Volatility ×8 for two hours: log-price moves from the event's open amplified, the path continuous after.
  const k = 8;
  const burstEnd = a + 120;
  const pa = base.open[a]!;
  const pe = base.open[burstEnd]!;
  const burst = copyBars(base);
  for (let t = a; t < base.length; t++) {
    const f = (p: number): number => (t < burstEnd ? pa * (p / pa) ** k : p * (pe / pa) ** (k - 1));
    burst.open[t] = f(base.open[t]!);
    burst.high[t] = f(base.high[t]!);
    burst.low[t] = f(base.low[t]!);
    burst.close[t] = f(base.close[t]!);
  }
  // A frozen feed: an hour of bars stuck at the last price with no volume, then the market as it moved meanwhile, 5% lower.
  const frozenBars = 60;
  const frozen = reshape(base, (t) => (t >= a + frozenBars ? 0.95 : 1));
  const stuck = frozen.close[a - 1]!;
  for (let t = a; t < a + frozenBars; t++) {
    frozen.open[t] = frozen.high[t] = frozen.low[t] = frozen.close[t] = stuck;
    frozen.volume[t] = 0;
  }
  return [
    { name: 'sim-crash', what: `a ${crashDepth * 100}% fall over ${crashBars} minutes (seed ${seed})`, bars: crash, eventBar: a },
    { name: 'sim-gap', what: `the price opens ${gap * 100}% lower than the last close (seed ${seed})`, bars: gapped, eventBar: a },
    { name: 'sim-vol-burst', what: `volatility ×${k} for two hours (seed ${seed})`, bars: burst, eventBar: a },
    { name: 'sim-frozen-feed', what: `the feed stuck at the last price for an hour, then 5% lower (seed ${seed})`, bars: frozen, eventBar: a },
  ];
}

/** Bars of [fromMs, toMs) of a series. */
export function barsBetween(b: Bars, fromMs: number, toMs: number): Bars {
  let i = 0;
  while (i < b.length && b.ts[i]! < fromMs * 1000) i++;
  let j = i;
  while (j < b.length && b.ts[j]! < toMs * 1000) j++;
  return sliceBars(b, i, j);
}

/**
 * The window of `windowBars` bars (starting on a `stepBars` grid) with the largest peak-to-trough fall of
 * the close, with `warmBars` before it; the event bar is where the window starts.
 */
export function worstWindow(b: Bars, windowBars: number, stepBars: number, warmBars: number): { from: number; to: number; fall: number } {
  let best = { from: 0, to: Math.min(b.length, windowBars), fall: 0 };
  for (let s = warmBars; s + windowBars <= b.length; s += stepBars) {
    let peak = b.close[s]!;
    let fall = 0;
    for (let t = s; t < s + windowBars; t++) {
      const c = b.close[t]!;
      if (c > peak) peak = c;
      else if ((peak - c) / peak > fall) fall = (peak - c) / peak;
    }
    if (fall > best.fall) best = { from: s, to: s + windowBars, fall };
  }
  return best;
}
