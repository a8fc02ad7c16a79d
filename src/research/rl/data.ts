// Bars for RL training and evaluation: file or simulated market, split into training, validation and held-out periods.
import { UserError } from '../../core/index.js';
import type { Bars } from '../../market/index.js';
import { loadKlines, simulateBars, defaultSimulateParams, type SimulateParams } from '../../data/index.js';
import type { RlTrainConfig } from './config.js';

/** A serialisable description of the bars (workers rebuild the same bars from it). */
export type DataSpec = { kind: 'file'; path: string } | { kind: 'simulated'; params: SimulateParams };

export function dataSpecOf(c: Readonly<RlTrainConfig>): DataSpec {
  if (c.data.path) return { kind: 'file', path: c.data.path };
  const s = c.data.simulate;
  const d = s.trend_drift_in_vols;
  return {
    kind: 'simulated',
    params: {
      ...defaultSimulateParams,
      seed: c.seed,
      bars: s.bars,
      barSeconds: s.bar_seconds,
      volPerBar: s.vol_per_bar,
      regimeSwitchProb: s.regime_switch_prob,
      regimes: [
        { volMult: s.calm_vol_mult, driftInVols: 0 },
        { volMult: s.volatile_vol_mult, driftInVols: 0 },
        { volMult: s.calm_vol_mult, driftInVols: d },
        { volMult: s.calm_vol_mult, driftInVols: -d },
      ],
    },
  };
}

const cache = new Map<string, Bars>();

/** Load (or simulate) the bars of a spec; cached per process, so a worker loads a file once. */
export function loadSpec(spec: Readonly<DataSpec>): Bars {
  const key = JSON.stringify(spec);
  let bars = cache.get(key);
  if (!bars) {
    bars = spec.kind === 'file' ? loadKlines(spec.path).bars : simulateBars(spec.params).bars;
    if (cache.size > 8) cache.clear();
    cache.set(key, bars);
  }
  return bars;
}

/**
 * Index ranges of the split, in time order and without overlap:
 * training episodes start in [warmup, validationStart − episodeBars]; validation episodes tile
 * [validationStart, holdoutStart); [holdoutStart, n) is never seen in training.
 */
export interface RlSplit {
  n: number;
  validationStart: number;
  holdoutStart: number;
  /** First bars of the validation episodes. */
  validationStarts: number[];
  /** Range of training episode starts, inclusive. */
  trainStartMin: number;
  trainStartMax: number;
}

export function splitBars(n: number, c: Readonly<RlTrainConfig>): RlSplit {
  const holdoutStart = Math.floor(n * (1 - c.data.holdout_fraction));
  const validationStart = Math.floor(holdoutStart * (1 - c.data.validation_fraction));
  const validationStarts: number[] = [];
  for (let s = validationStart; s + c.episode_bars <= holdoutStart; s += c.episode_bars) validationStarts.push(s);
  const trainStartMin = c.warmup_bars;
  const trainStartMax = validationStart - c.episode_bars;
  if (validationStarts.length === 0 || trainStartMax < trainStartMin || validationStart < c.warmup_bars) {
    throw new UserError(
      `--episode-bars: ${n} bars are too few for training and validation episodes of ${c.episode_bars} bars (+${c.warmup_bars} warm-up); use more data or shorter episodes`,
    );
  }
  return { n, validationStart, holdoutStart, validationStarts, trainStartMin, trainStartMax };
}

/** Relative σ per √second of closes in [from, to): the zero of the policy's volatility feature. */
export function relativeSigma(bars: Bars, from: number, to: number): number {
  let s = 0;
  let m = 0;
  for (let i = Math.max(from + 1, 1); i < to; i++) {
    const r = Math.log(bars.close[i]! / bars.close[i - 1]!);
    if (Number.isFinite(r)) {
      s += r * r;
      m++;
    }
  }
  const perBar = m > 0 ? Math.sqrt(s / m) : 0;
  const v = perBar / Math.sqrt(bars.intervalMicros / 1e6);
  return v > 0 ? v : 1e-6;
}
