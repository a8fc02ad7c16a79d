// A market's profile as a market maker reads it, from bars or from an L2 event file: volatility, tails, short-horizon memory, spread, depth, flow, fill intensity.
import { isoOf, quantileOfSorted } from '../core/index.js';
import { EventFlag, EventType, L2Book, type Bars, type EventColumns } from '../market/index.js';
import { BarIntensity, corwinSchultzSpread, defaultBarFeatureParams } from '../features/index.js';
import { orderFlowPower, type FeaturePower } from './order-flow-study.js';

export interface AutocorrelationAt {
  lag: number;
  value: number;
}

/** One point of the intensity fit: distance δ from the reference price, measured and fitted rate λ(δ) per second (per side). */
export interface IntensityPoint {
  delta: number;
  measured_per_second: number;
  fitted_per_second: number;
}

/** 1.96 / √n: autocorrelations of n independent returns stay inside ± this 95% of the time (Bartlett). */
const band95 = (n: number): number => (n > 0 ? 1.96 / Math.sqrt(n) : Number.NaN);

/** `points` distances from 0 to the p99 of `distances`, evenly spaced. */
function deltaGrid(distances: ArrayLike<number>, points = 24): number[] {
  const s = Float64Array.from(distances).sort();
  const top = s.length > 0 ? quantileOfSorted(s, 0.99) : 0;
  return top > 0 ? Array.from({ length: points }, (_, i) => (top * i) / (points - 1)) : [];
}

/** Share of `distances` at or beyond each δ of `grid` (the empirical survival function), times `scale`. */
function survival(distances: ArrayLike<number>, grid: number[], scale: number): number[] {
  const s = Float64Array.from(distances).sort();
  const n = s.length;
  return grid.map((d) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid]! < d) lo = mid + 1;
      else hi = mid;
    }
    return n > 0 ? ((n - lo) / n) * scale : Number.NaN;
  });
}

/**
 * Lo & MacKinlay (1988), "Stock market prices do not follow random walks", Review of Financial Studies 1(1):
 * VR(q) = Var(q-bar log return) / (q · Var(1-bar log return)), from overlapping q-bar sums. 1 for a random
 * walk; below 1 the price mean-reverts over q bars (resting quotes are paid for the moves they absorb),
 * above 1 it trends (a filled quote tends to keep losing: adverse selection). `z` is the homoskedastic
 * test statistic (n returns): √n·(VR − 1) / √(2(2q − 1)(q − 1) / (3q)). `z_robust` is their
 * heteroskedasticity-consistent z*: √n·(VR − 1) / √θ, θ = Σⱼ₌₁^{q−1} (2(q − j)/q)² δⱼ,
 * δⱼ = n·Σₜ (rₜ − μ)²(rₜ₋ⱼ − μ)² / (Σₜ (rₜ − μ)²)². With fat-tailed, volatility-clustered returns (crypto)
 * the homoskedastic z overstates significance; read z_robust.
 */
export interface VarianceRatio {
  bars: number;
  value: number;
  z: number;
  z_robust: number;
}

export interface HourProfile {
  hour_utc: number;
  bars: number;
  mean_abs_return_bps: number;
  mean_volume: number;
}

export interface BarStudy {
  kind: 'bars';
  bars: number;
  bar_seconds: number;
  start: string;
  end: string;
  /** Bars missing from the regular grid between the first and the last. */
  missing_bars: number;
  price: { first: number; last: number; min: number; max: number };
  returns: {
    /** Log returns close to close, in bps. */
    mean_bps: number;
    sd_bps: number;
    /** sd × √(bars per 365-day year), in %. */
    annualised_vol_pct: number;
    /** Price units per √second at the last close (what the models take as σ). */
    sigma_per_sqrt_second: number;
    skewness: number;
    /** Not in excess: 3 for normal returns. */
    kurtosis: number;
    /** Share of bars whose |return| exceeds 4 sd (about 0.006% for normal returns). */
    beyond_4sd_share: number;
    autocorrelation: AutocorrelationAt[];
    /** 1.96/√n over the n returns: an autocorrelation inside ± this is not told apart from 0 at 95%. */
    autocorrelation_band_95: number;
    variance_ratio: VarianceRatio[];
  };
  range: {
    /** Mean of ln(high / low) per bar, bps. */
    mean_high_low_bps: number;
    /** Corwin–Schultz bid–ask spread estimate over consecutive bars, bps (negative estimates count as 0). */
    corwin_schultz_spread_bps: { mean: number; median: number };
  };
  /**
   * λ(δ) = A·e^{−kδ} from bar excursions beyond the previous close (the bar engine's estimator, over its
   * window of the last bars). `fit`: per δ, the measured rate (share of those excursions reaching δ, per
   * second of bar) against the fitted one.
   */
  intensity: { k_per_price_unit: number; mean_excursion_bps: number; A_per_second: number; window_bars: number; fit: IntensityPoint[] };
  hourly: HourProfile[];
}

const AUTOCORRELATION_LAGS = [1, 2, 3, 5, 10];
const VARIANCE_RATIO_BARS = [2, 5, 15, 60];

/** Autocorrelation of x at `lag` (sample mean removed, biased denominator as usual). */
function autocorrelation(x: Float64Array, lag: number): number {
  const n = x.length;
  if (n <= lag + 1) return Number.NaN;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i]!;
  mean /= n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - mean;
    den += d * d;
    if (i >= lag) num += d * (x[i - lag]! - mean);
  }
  return den > 0 ? num / den : Number.NaN;
}

/** VR(q) from overlapping q-sums of r (Lo & MacKinlay's estimator without the small-sample bias corrections). */
export function varianceRatio(r: Float64Array, q: number): VarianceRatio {
  const n = r.length;
  if (n < 2 * q + 2) return { bars: q, value: Number.NaN, z: Number.NaN, z_robust: Number.NaN };
  let mean = 0;
  for (let i = 0; i < n; i++) mean += r[i]!;
  mean /= n;
  let v1 = 0;
  for (let i = 0; i < n; i++) v1 += (r[i]! - mean) ** 2;
  v1 /= n - 1;
  let window = 0;
  for (let i = 0; i < q; i++) window += r[i]!;
  let vq = 0;
  let m = 0;
  for (let i = q; ; i++) {
    vq += (window - q * mean) ** 2;
    m++;
    if (i >= n) break;
    window += r[i]! - r[i - q]!;
  }
  vq /= m - 1;
  const value = v1 > 0 ? vq / (q * v1) : Number.NaN;
  const z = (value - 1) / Math.sqrt((2 * (2 * q - 1) * (q - 1)) / (3 * q * n));
  // Heteroskedasticity-consistent variance of VR(q) (Lo & MacKinlay, 1988, theorem 3).
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (r[i]! - mean) ** 2;
  let theta = 0;
  for (let j = 1; j < q; j++) {
    let acc = 0;
    for (let t = j; t < n; t++) acc += (r[t]! - mean) ** 2 * (r[t - j]! - mean) ** 2;
    const delta = (n * acc) / (ss * ss);
    const w = (2 * (q - j)) / q;
    theta += w * w * delta;
  }
  const zRobust = theta > 0 ? ((value - 1) * Math.sqrt(n)) / Math.sqrt(theta) : Number.NaN;
  return { bars: q, value, z, z_robust: zRobust };
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

export function studyBars(bars: Bars, intensityWindow = defaultBarFeatureParams.intensityWindow): BarStudy {
  const n = bars.length;
  const { ts, high, low, close, volume } = bars;
  const barSeconds = bars.intervalMicros / 1e6;
  const r = new Float64Array(Math.max(0, n - 1));
  for (let i = 1; i < n; i++) r[i - 1] = Math.log(close[i]! / close[i - 1]!);
  const m = r.length;
  let mean = 0;
  for (let i = 0; i < m; i++) mean += r[i]!;
  mean = m > 0 ? mean / m : Number.NaN;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < m; i++) {
    const d = r[i]! - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  m2 /= m;
  m3 /= m;
  m4 /= m;
  const sd = Math.sqrt((m2 * m) / Math.max(1, m - 1));
  let beyond = 0;
  for (let i = 0; i < m; i++) if (Math.abs(r[i]! - mean) > 4 * sd) beyond++;

  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let hl = 0;
  const cs: number[] = [];
  for (let i = 0; i < n; i++) {
    if (low[i]! < min) min = low[i]!;
    if (high[i]! > max) max = high[i]!;
    hl += Math.log(high[i]! / low[i]!);
    if (i > 0) {
      const s = corwinSchultzSpread(high[i - 1]!, low[i - 1]!, high[i]!, low[i]!);
      if (s === s) cs.push(s);
    }
  }
  const intensity = new BarIntensity(intensityWindow, barSeconds);
  const kOut = new Float64Array(n);
  intensity.updateMany(high, low, close, 0, n, kOut);
  const k = n > 0 ? kOut[n - 1]! : Number.NaN;
  const last = n > 0 ? close[n - 1]! : Number.NaN;
  // The excursions the fit saw: both sides of the last `intensityWindow` bars, beyond the close before each.
  const exc: number[] = [];
  for (let t = Math.max(1, n - intensityWindow); t < n; t++) exc.push(Math.max(0, close[t - 1]! - low[t]!), Math.max(0, high[t]! - close[t - 1]!));
  const grid = deltaGrid(exc);
  const measured = survival(exc, grid, 1 / barSeconds);
  const A = intensity.A();
  const fit = grid.map((d, i) => ({ delta: d, measured_per_second: measured[i]!, fitted_per_second: A * Math.exp(-k * d) }));

  const hours = Array.from({ length: 24 }, (_, h) => ({ hour_utc: h, bars: 0, abs: 0, vol: 0 }));
  for (let i = 1; i < n; i++) {
    const h = new Date(ts[i]! / 1000).getUTCHours();
    const cell = hours[h]!;
    cell.bars++;
    cell.abs += Math.abs(r[i - 1]!);
    cell.vol += volume[i]!;
  }
  const span = n > 1 ? ts[n - 1]! - ts[0]! : 0;
  const bps = 1e4;
  return {
    kind: 'bars',
    bars: n,
    bar_seconds: barSeconds,
    start: n > 0 ? isoOf(ts[0]!) : '',
    end: n > 0 ? isoOf(ts[n - 1]! + bars.intervalMicros) : '',
    missing_bars: n > 1 ? Math.round(span / bars.intervalMicros) + 1 - n : 0,
    price: { first: n > 0 ? bars.open[0]! : Number.NaN, last, min, max },
    returns: {
      mean_bps: mean * bps,
      sd_bps: sd * bps,
      annualised_vol_pct: sd * Math.sqrt((365 * 86_400) / barSeconds) * 100,
      sigma_per_sqrt_second: (sd * last) / Math.sqrt(barSeconds),
      skewness: m3 / Math.pow(m2, 1.5),
      kurtosis: m4 / (m2 * m2),
      beyond_4sd_share: m > 0 ? beyond / m : 0,
      autocorrelation: AUTOCORRELATION_LAGS.map((lag) => ({ lag, value: autocorrelation(r, lag) })),
      autocorrelation_band_95: band95(m),
      variance_ratio: VARIANCE_RATIO_BARS.map((q) => varianceRatio(r, q)),
    },
    range: {
      mean_high_low_bps: n > 0 ? (hl / n) * bps : Number.NaN,
      corwin_schultz_spread_bps: { mean: cs.length ? (cs.reduce((a, x) => a + x, 0) / cs.length) * bps : Number.NaN, median: median(cs) * bps },
    },
    intensity: { k_per_price_unit: k, mean_excursion_bps: (1 / k / last) * bps, A_per_second: A, window_bars: Math.min(intensityWindow, Math.max(0, n - 1)), fit },
    hourly: hours.filter((h) => h.bars > 0).map((h) => ({ hour_utc: h.hour_utc, bars: h.bars, mean_abs_return_bps: (h.abs / h.bars) * bps, mean_volume: h.vol / h.bars })),
  };
}

export interface Quantiles {
  p10: number;
  p50: number;
  p90: number;
  p99: number;
}

export interface EventStudy {
  kind: 'events';
  rows: number;
  start: string;
  end: string;
  span_seconds: number;
  /** Second boundaries of exchange time at which a consistent, uncrossed book stood (the samples below). */
  book_samples: number;
  /** Mid at the first and at the last sampled boundary. */
  mid: { first: number; last: number };
  /** Mid log returns over 1 s of exchange time. */
  returns_1s: {
    sd_bps: number;
    annualised_vol_pct: number;
    sigma_per_sqrt_second: number;
    autocorrelation: AutocorrelationAt[];
    /** 1.96/√n over the n one-second returns. */
    autocorrelation_band_95: number;
    /** q in seconds. */
    variance_ratio: VarianceRatio[];
  };
  /** Best ask − best bid, in ticks, sampled each second. */
  spread_ticks: { mean: number; max: number; at_one_tick_share: number; quantiles: Quantiles };
  /** Quantity at the best bid and at the best ask, base units, sampled each second. */
  touch_qty: { bid: Quantiles; ask: Quantiles };
  trades: {
    count: number;
    per_second: number;
    buy_share: number;
    size: Quantiles & { mean: number };
    /** Signed (buy − sell) traded quantity per second: its autocorrelation (persistent flow = informed flow). */
    flow_autocorrelation: AutocorrelationAt[];
    /** 1.96/√n over the n seconds of flow. */
    flow_autocorrelation_band_95: number;
  };
  /**
   * λ(δ) = A·e^{−kδ} from the distance of each trade's price to the mid just before it (maximum likelihood:
   * k = n / Σδ, A = n / (2T)). `shape_check` compares the share of trades beyond the mean distance with
   * e^{−1} ≈ 0.368, what the exponential shape implies: far from it, the shape does not describe the flow.
   */
  intensity: { k_per_price_unit: number; A_per_second: number; mean_distance: number; beyond_mean_share: number; exponential_beyond_mean: number; fit: IntensityPoint[] };
  /** Each order-flow feature at a second boundary against the next second's mid change (order-flow-study.ts). */
  order_flow: FeaturePower[];
}

function quantiles(values: ArrayLike<number>, n = values.length): Quantiles {
  if (n === 0) return { p10: Number.NaN, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN };
  const s = Float64Array.from({ length: n }, (_, i) => values[i]!).sort();
  return { p10: quantileOfSorted(s, 0.1), p50: quantileOfSorted(s, 0.5), p90: quantileOfSorted(s, 0.9), p99: quantileOfSorted(s, 0.99) };
}

/** The book at each 1-second boundary of an event file, and each trade's distance to the mid before it. */
export interface BookSeconds {
  /** Exchange time of boundary 0 (the first row), µs. */
  first: number;
  /** Boundaries 0..seconds. */
  seconds: number;
  /** Per boundary b (time first + b s): the last consistent book before it; NaN when there was none yet. */
  mid: Float64Array;
  spreadTicks: Float64Array;
  bidQty: Float64Array;
  askQty: Float64Array;
  /** Signed traded quantity (buy − sell) per second [b, b + 1). */
  flow: Float64Array;
  /** Per trade, in file order: |price − mid| of the last consistent book before it (trades before any book are skipped). */
  tradeDistance: number[];
  tradeSize: number[];
  buys: number;
}

/**
 * Replay `ev` in file order into an L2 book; boundary b takes the state of the last consistent book (after a
 * complete venue message, uncrossed) among the rows before the first row stamped at or after it. Nothing at
 * or after a boundary reaches its value (a test checks it against replays of prefixes).
 */
export function bookAtSeconds(ev: EventColumns, tickSize: number): BookSeconds {
  const book = new L2Book(tickSize);
  const n = ev.length;
  const first = n > 0 ? ev.tsExchange[0]! : 0;
  const last = n > 0 ? ev.tsExchange[n - 1]! : 0;
  const seconds = Math.max(1, Math.ceil((last - first) / 1e6));
  const col = (): Float64Array => new Float64Array(seconds + 1).fill(Number.NaN);
  const out: BookSeconds = { first, seconds, mid: col(), spreadTicks: col(), bidQty: col(), askQty: col(), flow: new Float64Array(seconds + 1), tradeDistance: [], tradeSize: [], buys: 0 };
  let nextSecond = 0;
  let mid = Number.NaN;
  let spreadNow = Number.NaN;
  let bidNow = Number.NaN;
  let askNow = Number.NaN;
  for (let i = 0; i < n; i++) {
    const sec = Math.floor((ev.tsExchange[i]! - first) / 1e6);
    // Crossing boundaries: each takes the book as it stood before this row.
    if (sec >= nextSecond) {
      for (let b = nextSecond; b <= Math.min(sec, seconds); b++) {
        out.mid[b] = mid;
        out.spreadTicks[b] = spreadNow;
        out.bidQty[b] = bidNow;
        out.askQty[b] = askNow;
      }
      nextSecond = sec + 1;
    }
    if (ev.type[i] === EventType.Trade) {
      out.tradeSize.push(ev.size[i]!);
      if (ev.side[i]! > 0) out.buys++;
      if (sec >= 0) out.flow[Math.min(sec, seconds)]! += ev.side[i]! * ev.size[i]!;
      if (mid === mid) out.tradeDistance.push(Math.abs(ev.price[i]! - mid));
      continue;
    }
    book.apply(ev, i);
    if ((ev.flags[i]! & EventFlag.EndOfMessage) === 0) continue;
    if (book.gapOpen) {
      // A gap of the depth stream: the book is unknown until the next snapshot, so no second is sampled in it.
      mid = spreadNow = bidNow = askNow = Number.NaN;
      continue;
    }
    const b = book.bestBid();
    const a = book.bestAsk();
    if (!(b > 0 && a > b)) continue;
    mid = (a + b) / 2;
    spreadNow = Math.round((a - b) / tickSize);
    bidNow = book.bestBidQty();
    askNow = book.bestAskQty();
  }
  return out;
}

export function studyEvents(ev: EventColumns, tickSize: number): EventStudy {
  const n = ev.length;
  const bs = bookAtSeconds(ev, tickSize);
  const { first, seconds, mid: mids, flow } = bs;
  const last = n > 0 ? ev.tsExchange[n - 1]! : 0;
  // The sampled boundaries (a consistent book stood there), compacted.
  const spread = new Float64Array(seconds + 1);
  const bidQty = new Float64Array(seconds + 1);
  const askQty = new Float64Array(seconds + 1);
  let samples = 0;
  let mid = Number.NaN;
  for (let b = 0; b <= seconds; b++) {
    if (!(mids[b]! === mids[b])) continue;
    spread[samples] = bs.spreadTicks[b]!;
    bidQty[samples] = bs.bidQty[b]!;
    askQty[samples] = bs.askQty[b]!;
    mid = mids[b]!;
    samples++;
  }
  const sizes = bs.tradeSize;
  const buys = bs.buys;
  const dists = bs.tradeDistance;
  let distSum = 0;
  for (const d of dists) distSum += d;
  // 1-second mid returns between consecutive sampled seconds only.
  const r: number[] = [];
  for (let s = 1; s <= seconds; s++) if (mids[s] === mids[s] && mids[s - 1] === mids[s - 1]) r.push(Math.log(mids[s]! / mids[s - 1]!));
  const rr = Float64Array.from(r);
  let mean = 0;
  for (const x of r) mean += x;
  mean = r.length ? mean / r.length : Number.NaN;
  let v = 0;
  for (const x of r) v += (x - mean) ** 2;
  const sd = Math.sqrt(v / Math.max(1, r.length - 1));
  const lastMid = mid;
  const firstMid = mids.find((x) => x === x) ?? Number.NaN;
  const kTrades = dists.length;
  const meanDist = kTrades ? distSum / kTrades : Number.NaN;
  let beyond = 0;
  for (const d of dists) if (d > meanDist) beyond++;
  const span = (last - first) / 1e6;
  const sizeQ = quantiles(sizes);
  let atOne = 0;
  let spreadSum = 0;
  let spreadMax = Number.NaN;
  for (let s = 0; s < samples; s++) {
    spreadSum += spread[s]!;
    if (spread[s] === 1) atOne++;
    if (!(spread[s]! <= spreadMax)) spreadMax = spread[s]!;
  }
  return {
    kind: 'events',
    rows: n,
    start: n > 0 ? isoOf(first) : '',
    end: n > 0 ? isoOf(last) : '',
    span_seconds: span,
    book_samples: samples,
    mid: { first: firstMid, last: lastMid },
    returns_1s: {
      sd_bps: sd * 1e4,
      annualised_vol_pct: sd * Math.sqrt(365 * 86_400) * 100,
      sigma_per_sqrt_second: sd * lastMid,
      autocorrelation: [1, 2, 5, 10].map((lag) => ({ lag, value: autocorrelation(rr, lag) })),
      autocorrelation_band_95: band95(rr.length),
      variance_ratio: [5, 30, 60].map((q) => varianceRatio(rr, q)),
    },
    spread_ticks: { mean: samples ? spreadSum / samples : Number.NaN, max: spreadMax, at_one_tick_share: samples ? atOne / samples : Number.NaN, quantiles: quantiles(spread, samples) },
    touch_qty: { bid: quantiles(bidQty, samples), ask: quantiles(askQty, samples) },
    trades: {
      count: sizes.length,
      per_second: span > 0 ? sizes.length / span : Number.NaN,
      buy_share: sizes.length ? buys / sizes.length : Number.NaN,
      size: { ...sizeQ, mean: sizes.length ? sizes.reduce((a, x) => a + x, 0) / sizes.length : Number.NaN },
      flow_autocorrelation: [1, 2, 5].map((lag) => ({ lag, value: autocorrelation(flow, lag) })),
      flow_autocorrelation_band_95: band95(flow.length),
    },
    intensity: {
      k_per_price_unit: meanDist > 0 ? 1 / meanDist : Number.NaN,
      A_per_second: span > 0 ? kTrades / (2 * span) : Number.NaN,
      mean_distance: meanDist,
      beyond_mean_share: kTrades ? beyond / kTrades : Number.NaN,
      exponential_beyond_mean: Math.exp(-1),
      fit: intensityFit(dists, span, meanDist),
    },
    order_flow: orderFlowPower(ev, tickSize),
  };
}

/** Measured λ(δ): trades reaching δ per second per side (n(≥ δ) / 2T), against A·e^{−kδ} with the MLE A = n/2T, k = 1/mean δ. */
function intensityFit(dists: number[], spanSeconds: number, meanDist: number): IntensityPoint[] {
  if (!(spanSeconds > 0) || dists.length === 0 || !(meanDist > 0)) return [];
  const grid = deltaGrid(dists);
  const A = dists.length / (2 * spanSeconds);
  const measured = survival(dists, grid, A);
  return grid.map((d, i) => ({ delta: d, measured_per_second: measured[i]!, fitted_per_second: A * Math.exp(-d / meanDist) }));
}
