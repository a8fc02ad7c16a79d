// The data agent: a market data frame (simulated or a klines file) with spread and causal features, as CSV.
import { parseTradingConfig, loadBarsFor } from '../../engine/index.js';
import { BarFeatureFrame, corwinSchultzSpread, type BarFeatureParams } from '../../features/index.js';
import { type Bars, cloneBars, sliceBars } from '../../market/index.js';
import type { DataParams } from '../agents.js';
import type { AgentResult, AgentTask } from '../agent-task.js';
import { frameCsv, type MarketFrame } from '../frame.js';
import { writeArtifact } from '../artifacts.js';

export function runDataAgent(task: AgentTask, params: DataParams): AgentResult {
  const market = {
    symbol: params.symbol ?? task.market.symbol,
    tick_size: params.tick_size ?? task.market.tick_size,
    lot_size: params.lot_size ?? task.market.lot_size,
  };
  const seed = params.seed ?? task.seed;
  // The bar backtester's loader reads files and simulates bars; only its data section matters here.
  const cfg = parseTradingConfig(
    {
      seed,
      market,
      data: {
        ...(task.dataFile !== undefined ? { path: task.dataFile } : {}),
        bars: params.bars,
        bar_seconds: params.bar_seconds,
        s0: params.s0,
        vol_per_bar: params.vol_per_bar,
        mean_reversion: params.mean_reversion,
        regime_switch_prob: params.regime_switch_prob,
      },
    },
    { flagOf: (p) => `agents.${task.agent.name}.params.${p.replace(/^(data|market)\./, '')}` },
  );
  const loaded = loadBarsFor(cfg);
  let bars = loaded.bars;
  if (params.max_bars !== undefined && bars.length > params.max_bars) bars = sliceBars(bars, 0, params.max_bars);
  const source: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(loaded.source)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') source[k] = v;
  source['rows'] = bars.length;
  const features: BarFeatureParams = {
    volWindow: params.vol_window,
    ewmaHalfLife: params.ewma_half_life,
    volEstimator: params.vol_estimator,
    signalWindow: params.signal_window,
    intensityWindow: params.intensity_window,
  };
  const frame = buildFrame(bars, features, { symbol: market.symbol, tickSize: market.tick_size, lotSize: market.lot_size, source });
  const path = writeArtifact(task.artifactsDir, task.runId, task.agent.name, 'market_data.csv', frameCsv(frame));
  return { ok: true, outputs: [path], value: { role: 'data', agent: task.agent.name, frame } };
}

/** Copy bars into a frame and compute, bar by bar, the features known at each close. */
export function buildFrame(
  bars: Bars,
  features: BarFeatureParams,
  meta: { symbol: string; tickSize: number; lotSize: number; source: Record<string, string | number | boolean> },
): MarketFrame {
  const n = bars.length;
  const barSeconds = bars.intervalMicros / 1e6;
  const col = (): Float64Array => new Float64Array(n);
  const { ts, open, high, low, close, volume } = cloneBars(bars);
  const f: MarketFrame = {
    ...meta,
    barSeconds,
    features,
    ts,
    open,
    high,
    low,
    close,
    volume,
    spread: col(),
    volatility: col(),
    trendStrength: col(),
    momentum: col(),
    meanReversion: col(),
  };
  const fx = new BarFeatureFrame(bars, features, barSeconds);
  const sig = fx.signals();
  f.volatility.set(fx.volPerBar);
  f.trendStrength.set(sig.trendStrength);
  f.momentum.set(sig.momentum);
  f.meanReversion.set(sig.meanReversion);
  for (let i = 1; i < n; i++) f.spread[i] = corwinSchultzSpread(f.high[i - 1]!, f.low[i - 1]!, f.high[i]!, f.low[i]!) * f.close[i]!;
  f.spread[0] = Number.NaN;
  return f;
}
