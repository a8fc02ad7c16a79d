// Scored bar runs of any strategy, and the AS / GLFT baselines with γ chosen on training data by the RL reward.
import { type Bars, makeInstrument, sliceBars } from '../../market/index.js';
import { QuotingStrategy, type QuotingParams, type Strategy } from '../../strategy/index.js';
import { BarSession, type TradingConfig, type Metrics, barOptionsFor, resolveTrading } from '../../engine/index.js';
import { RewardMeter } from './env.js';

export interface ScoredRun {
  /** Total RL reward over the run (bps of one order's notional, inventory penalty included). */
  reward: number;
  /** The reward of each bar of the run (the paired comparisons of evaluate-rl read them). */
  rewards: Float64Array;
  metrics: Metrics;
}

/**
 * Play bars [from, to) as one backtest with the strategy `make` builds, scoring each bar with the RL
 * reward. Every strategy starts flat with cold estimators at `from`, under the same fill model and fees.
 */
export function scoredRun(
  bars: Bars,
  from: number,
  to: number,
  cfg: TradingConfig,
  inventoryPenalty: number,
  make: (quoting: QuotingParams) => Strategy,
): ScoredRun {
  const window = sliceBars(bars, from, to);
  const resolved = resolveTrading(cfg, window.open[0]!);
  const quoting = resolved.quoting;
  const session = new BarSession(window, make(quoting), barOptionsFor(resolved));
  const meter = new RewardMeter(inventoryPenalty, bars.intervalMicros / 1e6);
  meter.start(session.core.view.equity, quoting.orderQty, window.open[0]!);
  let reward = 0;
  const rewards = new Float64Array(window.length);
  for (let t = 0; t < window.length; t++) {
    session.runUntil(t + 1);
    const r = meter.add(session.core.view);
    rewards[t] = r;
    reward += r;
  }
  return { reward, rewards, metrics: session.metrics() };
}

/** The γ grid of the baselines: 10^−6 … 10^1 in half decades (γ is per price unit × order size, so its scale follows the price). */
export const GAMMA_GRID: readonly number[] = Array.from({ length: 15 }, (_, i) => Number((10 ** (-6 + i / 2)).toPrecision(6)));

export interface TunedBaseline {
  model: 'as' | 'glft';
  gamma: number;
  /** Reward of each γ of the grid on the tuning period. */
  grid: { gamma: number; reward: number; pnl: number; fills: number }[];
}

/**
 * The γ of `model` with the highest RL reward on bars [from, to) (ties: the smaller γ). With `minFills`, only
 * among the γ whose run filled at least that often (an RL base must trade to be tuned), when any did; the
 * best of the whole grid otherwise.
 */
export function tuneGamma(
  bars: Bars,
  from: number,
  to: number,
  cfg: TradingConfig,
  model: 'as' | 'glft',
  inventoryPenalty: number,
  grid: readonly number[] = GAMMA_GRID,
  minFills = 0,
): TunedBaseline {
  const instrument = makeInstrument(cfg.market.symbol, cfg.market.tick_size, cfg.market.lot_size);
  const rows = grid.map((gamma) => {
    const r = scoredRun(bars, from, to, cfg, inventoryPenalty, (q) => new QuotingStrategy({ ...q, model, gamma }, instrument));
    return { gamma, reward: r.reward, pnl: r.metrics.total_pnl, fills: r.metrics.fills };
  });
  const active = rows.filter((r) => r.fills >= minFills);
  const pool = active.length > 0 ? active : rows;
  let best = pool[0]!;
  for (const r of pool) if (r.reward > best.reward) best = r;
  return { model, gamma: best.gamma, grid: rows };
}
