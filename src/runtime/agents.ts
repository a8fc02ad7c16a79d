// The runtime's agents with their params resolved against the file's sections (one set of defaults), or the default pipeline.
import { parseTradingConfig, type TradingConfig } from '../engine/index.js';
import type { AgentInput, ConfigFile, Role } from './config.js';
import { tradingOf } from './config.js';

export interface DataParams {
  source: 'simulated' | 'file';
  /** As written in the config (relative to paths.data_dir), or data.path (relative to the working directory). */
  file?: string;
  /** True when `file` came from data.path. */
  fileFromData: boolean;
  max_bars?: number;
  symbol: string;
  tick_size: number;
  lot_size: number;
  seed?: number;
  bars: number;
  bar_seconds: number;
  s0: number;
  vol_per_bar: number;
  mean_reversion: number;
  regime_switch_prob: number;
  vol_window: number;
  ewma_half_life: number;
  vol_estimator: 'rolling' | 'ewma';
  signal_window: number;
  intensity_window: number;
}

export interface MlParams {
  model: 'as' | 'glft' | 'rl';
  policy?: string;
  gamma: number;
  k: number;
  A: number;
  horizon: 'finite' | 'rolling' | 'infinite';
  horizon_seconds: number;
  min_spread_ticks: number;
  train_fraction: number;
  online_calibration: boolean;
}

export interface ExecutionParams {
  window: 'test' | 'all';
  feed: 'replay' | 'exchange';
  duration: string;
  ledger?: string;
  /** The file's trading sections with this agent's overrides: what its session runs. */
  trading: TradingConfig;
}

export type { RiskParams } from './config.js';
import type { RiskParams } from './config.js';

interface AgentBase<R extends Role, P> {
  name: string;
  role: R;
  inputs: string[];
  params: P;
}
export type AgentConfig = AgentBase<'data', DataParams> | AgentBase<'ml', MlParams> | AgentBase<'execution', ExecutionParams> | AgentBase<'risk', RiskParams>;

/** The pipeline of a file without `agents`: data → ml → execution → risk, every param from the sections. */
export const DEFAULT_PIPELINE: readonly AgentInput[] = [
  { name: 'data', role: 'data', inputs: [], params: {} },
  { name: 'model', role: 'ml', inputs: ['data'], params: { train_fraction: 0.5, online_calibration: false } },
  { name: 'exec', role: 'execution', inputs: ['model'], params: { window: 'test', duration: '5m' } },
  { name: 'risk', role: 'risk', inputs: ['exec'], params: { min_fills: 10, max_daily_return_pct: 5, max_fee_share: 0.5, min_total_pnl: 0, max_halted_share: 1, allow_halt: false } },
];

/** Every agent with complete params: its own fields first, the file's sections for the rest. */
export function resolveAgents(file: ConfigFile): AgentConfig[] {
  const t = tradingOf(file);
  const agents = file.agents ?? DEFAULT_PIPELINE;
  const resolved = agents.map((a, i): AgentConfig => {
    const base = { name: a.name, inputs: a.inputs };
    switch (a.role) {
      case 'data': {
        const p = a.params;
        const file = p.file ?? (p.source !== 'simulated' ? t.data.path : undefined);
        const source = p.source ?? (file !== undefined ? 'file' : 'simulated');
        return {
          ...base,
          role: 'data',
          params: {
            source,
            ...(file !== undefined ? { file } : {}),
            fileFromData: p.file === undefined && file !== undefined,
            ...(p.max_bars !== undefined ? { max_bars: p.max_bars } : {}),
            symbol: p.symbol ?? t.market.symbol,
            tick_size: p.tick_size ?? t.market.tick_size,
            lot_size: p.lot_size ?? t.market.lot_size,
            ...(p.seed !== undefined ? { seed: p.seed } : {}),
            bars: p.bars ?? t.data.bars,
            bar_seconds: p.bar_seconds ?? t.data.bar_seconds,
            s0: p.s0 ?? t.data.s0,
            vol_per_bar: p.vol_per_bar ?? t.data.vol_per_bar,
            mean_reversion: p.mean_reversion ?? t.data.mean_reversion,
            regime_switch_prob: p.regime_switch_prob ?? t.data.regime_switch_prob,
            vol_window: p.vol_window ?? t.features.vol_window,
            ewma_half_life: p.ewma_half_life ?? t.features.ewma_half_life,
            vol_estimator: p.vol_estimator ?? t.features.vol_estimator,
            signal_window: p.signal_window ?? t.features.signal_window,
            intensity_window: p.intensity_window ?? t.features.intensity_window,
          },
        };
      }
      case 'ml': {
        const p = a.params;
        const q = t.quoting;
        const policy = p.policy ?? q.policy_path;
        return {
          ...base,
          role: 'ml',
          params: {
            model: p.model ?? q.model,
            ...(policy !== undefined ? { policy } : {}),
            gamma: p.gamma ?? q.gamma,
            k: p.k ?? q.k,
            A: p.A ?? q.A,
            horizon: p.horizon ?? q.horizon,
            horizon_seconds: p.horizon_seconds ?? q.horizon_seconds,
            min_spread_ticks: p.min_spread_ticks ?? q.min_spread_ticks,
            train_fraction: p.train_fraction,
            online_calibration: p.online_calibration,
          },
        };
      }
      case 'execution': {
        const p = a.params;
        const over = (v: unknown, k: string): Record<string, unknown> => (v === undefined ? {} : { [k]: v });
        // The agent's overrides, checked as the sections are (a bad value names the agent's field).
        const trading = parseTradingConfig(
          {
            ...t,
            capital: p.capital ?? t.capital,
            quoting: { ...t.quoting, ...over(p.order_qty, 'order_qty'), ...over(p.max_inventory_qty, 'max_inventory_qty'), ...over(p.requote_ticks, 'requote_ticks') },
            sim: { ...t.sim, ...over(p.maker_fee_bps, 'maker_fee_bps'), ...over(p.touch_fill_prob, 'touch_fill_prob') },
            metrics: { ...t.metrics, ...over(p.markout_horizons, 'markout_bars') },
          },
          { source: `agents[${i}].params` },
        );
        return {
          ...base,
          role: 'execution',
          params: { window: p.window, feed: p.feed ?? (t.data.events !== undefined ? 'replay' : 'exchange'), duration: p.duration, ...(p.ledger !== undefined ? { ledger: p.ledger } : {}), trading },
        };
      }
      case 'risk':
        return { ...base, role: 'risk', params: a.params };
    }
  });
  // A risk agent without its own drawdown limit checks the one its execution traded under (risk.max_drawdown), when the file sets it.
  return resolved.map((a) => {
    if (a.role !== 'risk' || a.params.max_drawdown_pct !== undefined || a.params.max_drawdown !== undefined) return a;
    const ex = resolved.find((x) => x.name === a.inputs[0]);
    const limit = ex?.role === 'execution' ? ex.params.trading.risk.max_drawdown : undefined;
    return limit === undefined ? a : { ...a, params: { ...a.params, max_drawdown: limit } };
  });
}
