// The ml agent: fits the quoting model's intensity (k, A) and σ on the leading bars, reads the signals, snapshots a quote.
import { BarIntensity, RollingVolatility, perSecond } from '../../features/index.js';
import { makeInstrument } from '../../market/index.js';
import { QuotingStrategy, RlStrategy, emptyView, emptyTarget, type QuotingParams, type Strategy } from '../../strategy/index.js';
import { loadPolicyFile, type RlPolicy } from '../../models/index.js';
import type { MlParams } from '../agents.js';
import type { AgentResult, AgentTask } from '../agent-task.js';
import type { MarketFrame } from '../frame.js';
import { writeArtifact, jsonText } from '../artifacts.js';

/** model.json: what the execution agent runs and what a reader needs to judge it. */
export interface FittedModel {
  agent: string;
  symbol: string;
  model: 'as' | 'glft' | 'rl';
  /** Model rl: the policy file and the base model it retunes (its γ and horizon are the ones above). */
  policy?: { path: string; base_model: 'as' | 'glft' };
  gamma: number;
  /** The k and A the execution agent uses (fitted, or the configured fallback when the fit is undefined). */
  k: number;
  A: number;
  horizon: 'finite' | 'rolling' | 'infinite';
  horizon_seconds: number;
  min_spread_ticks: number;
  /** fitted: k and A stay at the values above; online: execution re-estimates them causally as it goes. */
  calibration: 'fitted' | 'online';
  fit: {
    from: number;
    to: number;
    start: string;
    end: string;
    k: number | null;
    A: number | null;
    sigma_per_bar: number | null;
    sigma_per_second: number | null;
    mean_spread: number | null;
  };
  /** Bars after the fit: where an out-of-sample test runs. */
  test: { from: number; to: number };
  /** Signals at the close of the last bar of the frame. */
  signals: {
    at: string;
    close: number;
    volatility_per_bar: number | null;
    sigma_per_second: number | null;
    trend_strength: number | null;
    momentum: number | null;
    mean_reversion: number | null;
    spread: number | null;
  };
  /** The quote that would rest during the bar after the last one, at zero inventory. */
  snapshot: { at: string; mid: number; bid: number | null; ask: number | null; reservation: number | null; inventory: number };
}

const orNull = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);
const iso = (us: number): string => new Date(us / 1000).toISOString();

export function runMlAgent(task: AgentTask, params: MlParams): AgentResult {
  const input = task.inputs[0];
  if (input?.role !== 'data') return { ok: false, error: 'expected the value of a data agent as input' };
  let policy: RlPolicy | undefined;
  if (params.model === 'rl') {
    if (task.policyFile === undefined) return { ok: false, error: 'model rl: no policy file was resolved for this agent' };
    policy = loadPolicyFile(task.policyFile, `agents.${task.agent.name}.params.policy`);
  }
  const model = fitModel(task.agent.name, input.frame, params, policy && task.policyFile !== undefined ? { policy, path: task.policyFile } : undefined);
  const path = writeArtifact(task.artifactsDir, task.runId, task.agent.name, 'model.json', jsonText(model));
  return { ok: true, outputs: [path], value: { role: 'ml', agent: task.agent.name, model, frame: input.frame } };
}

/** Fit on rows [0, ⌊n·train_fraction⌋) and snapshot at the last row. Pure: same frame and params, same model. */
export function fitModel(agent: string, f: MarketFrame, params: MlParams, rl?: { policy: RlPolicy; path: string }): FittedModel {
  const n = f.ts.length;
  const trainEnd = Math.max(2, Math.min(n - 1, Math.floor(n * params.train_fraction)));
  const intensity = new BarIntensity(trainEnd, f.barSeconds);
  const vol = new RollingVolatility(trainEnd);
  let spreadSum = 0;
  let spreadCount = 0;
  for (let i = 0; i < trainEnd; i++) {
    intensity.update(f.high[i]!, f.low[i]!, f.close[i]!);
    vol.update(f.close[i]!);
    const s = f.spread[i]!;
    if (Number.isFinite(s)) {
      spreadSum += s;
      spreadCount++;
    }
  }
  const kFit = intensity.k();
  const aFit = intensity.A();
  const k = Number.isFinite(kFit) && kFit > 0 ? kFit : params.k;
  const A = Number.isFinite(aFit) && aFit > 0 ? aFit : params.A;
  const sigmaBar = vol.perBar();

  const last = n - 1;
  const volLast = f.volatility[last]!;
  const sigmaLast = perSecond(volLast, f.barSeconds);
  const fitted: FittedModel = {
    agent,
    symbol: f.symbol,
    model: params.model,
    ...(rl ? { policy: { path: rl.path, base_model: rl.policy.base.model } } : {}),
    gamma: rl ? rl.policy.base.gamma : params.gamma,
    k,
    A,
    horizon: rl ? rl.policy.base.horizon : params.horizon,
    horizon_seconds: rl ? rl.policy.base.horizon_seconds : params.horizon_seconds,
    min_spread_ticks: params.min_spread_ticks,
    calibration: params.online_calibration ? 'online' : 'fitted',
    fit: {
      from: 0,
      to: trainEnd,
      start: iso(f.ts[0]!),
      end: iso(f.ts[trainEnd - 1]!),
      k: orNull(kFit),
      A: orNull(aFit),
      sigma_per_bar: orNull(sigmaBar),
      sigma_per_second: orNull(perSecond(sigmaBar, f.barSeconds)),
      mean_spread: spreadCount > 0 ? spreadSum / spreadCount : null,
    },
    test: { from: trainEnd, to: n },
    signals: {
      at: iso(f.ts[last]! + f.barSeconds * 1e6),
      close: f.close[last]!,
      volatility_per_bar: orNull(volLast),
      sigma_per_second: orNull(sigmaLast),
      trend_strength: orNull(f.trendStrength[last]),
      momentum: orNull(f.momentum[last]),
      mean_reversion: orNull(f.meanReversion[last]),
      spread: orNull(f.spread[last]),
    },
    snapshot: { at: '', mid: f.close[last]!, bid: null, ask: null, reservation: null, inventory: 0 },
  };
  fitted.snapshot = snapshotQuote(f, fitted, rl?.policy);
  return fitted;
}

/** The quoting strategy's answer for the bar after the last one, with the fitted k, A and the last σ and signals. */
function snapshotQuote(f: MarketFrame, m: FittedModel, policy?: RlPolicy): FittedModel['snapshot'] {
  const last = f.ts.length - 1;
  const instrument = makeInstrument(f.symbol, f.tickSize, f.lotSize);
  // Prices do not depend on size at zero inventory: one unit, generous limits.
  const quoting: QuotingParams = {
    model: m.model === 'glft' ? 'glft' : 'as',
    gamma: m.gamma,
    k: m.k,
    A: m.A,
    calibrate: false,
    horizon: m.horizon,
    horizonSeconds: m.horizon_seconds,
    orderQty: 1,
    maxInventoryQty: 10,
    minSpreadTicks: m.min_spread_ticks,
  };
  const strategy: Strategy = policy ? RlStrategy.fromPolicy(policy, quoting, instrument) : new QuotingStrategy(quoting, instrument);
  const view = emptyView();
  const now = f.ts[last]! + f.barSeconds * 1e6;
  view.now = now;
  view.start = f.ts[0]!;
  view.mid = f.close[last]!;
  view.sigma = perSecond(f.volatility[last]!, f.barSeconds);
  view.intensityK = m.k;
  view.intensityA = m.A;
  view.trendStrength = f.trendStrength[last]!;
  view.momentum = f.momentum[last]!;
  view.meanReversion = f.meanReversion[last]!;
  view.warm = Number.isFinite(view.sigma);
  const target = emptyTarget();
  strategy.decide(view, target);
  return {
    at: iso(now),
    mid: view.mid,
    bid: orNull(target.bidPrice),
    ask: orNull(target.askPrice),
    reservation: orNull(target.reservation),
    inventory: 0,
  };
}
