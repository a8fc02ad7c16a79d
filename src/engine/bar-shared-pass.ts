// K bar backtests over one pass of the same bars: each run keeps its own core, venue, trace and fills; features are built once per parameter set.
import { MICROS_PER_SECOND } from '../core/index.js';
import { BarFeatureFrame, type BarFeatureParams } from '../features/index.js';
import type { RlPolicy } from '../models/index.js';
import { BarSession } from './bar-backtest.js';
import { prepareBarJob, type BarJobResult, type LoadedBars } from './backtest-job.js';
import type { TradingConfig } from './trading-config.js';

export interface SharedPassJob {
  cfg: TradingConfig;
  /** The trained policy of a `rl` config (else read from its `policy_path`). */
  policy?: RlPolicy;
}

/** Bars each run plays before the next run takes the same stretch: small enough to stay in cache, large enough to amortise the switch. */
const CHUNK_BARS = 512;

const featureKey = (p: Readonly<BarFeatureParams>): string => `${p.volEstimator}|${p.volWindow}|${p.ewmaHalfLife}|${p.signalWindow}|${p.intensityWindow}`;

/**
 * Run every job on the same bars in one pass: the bars are walked once, chunk by chunk, and each run
 * plays the chunk in turn. Our orders never change the bars, so the runs cannot interact; the feature
 * frame depends on the bars and the feature parameters only, so runs with equal parameters share one
 * (it is read-only once built). Each result is identical, byte for byte, to `runBarJob` of its config on
 * these bars (tested), and comes back in job order. `engineSeconds` is the pass's time split evenly.
 */
export function runBarSharedPass(loaded: LoadedBars, jobs: readonly SharedPassJob[]): BarJobResult[] {
  const t0 = performance.now();
  const { bars } = loaded;
  const barSeconds = bars.intervalMicros / MICROS_PER_SECOND;
  const frames = new Map<string, BarFeatureFrame>();
  const prepared = jobs.map((j) => prepareBarJob(j.cfg, loaded, j.policy));
  const sessions = prepared.map((p) => {
    const key = featureKey(p.options.features);
    let frame = frames.get(key);
    if (frame === undefined) {
      frame = new BarFeatureFrame(bars, p.options.features, barSeconds);
      frames.set(key, frame);
    }
    return new BarSession(bars, p.strategy, p.options, frame);
  });
  for (let start = 0; start < bars.length; start += CHUNK_BARS) {
    const end = start + CHUNK_BARS;
    for (const s of sessions) s.runUntil(end);
  }
  const engineSeconds = (performance.now() - t0) / 1000 / Math.max(1, jobs.length);
  return sessions.map((s, i) => ({ trace: s.trace, core: s.core, metrics: s.metrics(), engineSeconds, resolved: prepared[i]!.resolved }));
}
