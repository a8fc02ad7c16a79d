// Risk calibration: the configured limits replayed against stress scenarios; which limit triggers when, and whether a loss got beyond them.
import { isoOf } from '../core/index.js';
import { runBarJob, type TradingConfig } from '../engine/index.js';
import type { Scenario } from './risk-scenarios.js';

export interface Trigger {
  condition: string;
  /** Minutes after the scenario's event began (negative: before it). */
  minutes_after_event: number;
  ts: string;
  to: string;
  reason: string;
}

export interface ScenarioResult {
  scenario: string;
  what: string;
  bars: number;
  event_start: string;
  /** Largest peak-to-trough fall of equity, quote currency. */
  max_drawdown: number;
  /** Largest fall from a UTC day's first equity, quote currency. */
  worst_daily_loss: number;
  final_pnl: number;
  /** Largest |position| held, base units. */
  max_inventory: number;
  halted_seconds: number;
  final_state: string;
  /** Each condition the risk engine raised, the first time it did. */
  triggers: Trigger[];
  /** Limits the scenario's losses went beyond, with by how much. */
  breaches: { limit: string; limit_value: number; loss: number; beyond: number }[];
}

export interface CalibrationLimits {
  daily_loss_limit: number;
  max_drawdown: number;
  warn_fraction: number;
  max_inventory_qty: number;
}

const r2 = (x: number): number => Math.round(x * 100) / 100;

/** One scenario through the bar engine under the config's sections (its risk section included). */
export function runScenario(cfg: TradingConfig, s: Scenario): { result: ScenarioResult; limits: CalibrationLimits } {
  const job = runBarJob(cfg, { bars: s.bars, source: { kind: 'scenario', name: s.name, rows: s.bars.length } });
  const risk = (job.resolved as { risk: CalibrationLimits }).risk;
  const eq = job.trace.equity;
  const inv = job.trace.inventory;
  const ts = job.trace.ts;
  const n = job.trace.length;
  const capital = cfg.capital;
  let peak = capital;
  let dd = 0;
  let worstDay = 0;
  let day = Number.NaN;
  let dayStart = capital;
  let maxInv = 0;
  for (let i = 0; i < n; i++) {
    const e = eq[i]!;
    const d = Math.floor(ts[i]! / 86_400e6);
    if (d !== day) {
      day = d;
      dayStart = i === 0 ? capital : eq[i - 1]!;
    }
    if (e > peak) peak = e;
    if (peak - e > dd) dd = peak - e;
    if (dayStart - e > worstDay) worstDay = dayStart - e;
    if (Math.abs(inv[i]!) > maxInv) maxInv = Math.abs(inv[i]!);
  }
  const eventUs = s.bars.ts[s.eventBar]!;
  const seen = new Set<string>();
  const triggers: Trigger[] = [];
  for (const t of job.metrics.risk.transitions) {
    if (!t.raised || seen.has(t.condition)) continue;
    seen.add(t.condition);
    triggers.push({ condition: t.condition, minutes_after_event: r2((Date.parse(t.ts) * 1000 - eventUs) / 60e6), ts: t.ts, to: t.to, reason: t.reason });
  }
  const breaches: ScenarioResult['breaches'] = [];
  if (dd > risk.max_drawdown) breaches.push({ limit: 'max_drawdown', limit_value: r2(risk.max_drawdown), loss: r2(dd), beyond: r2(dd - risk.max_drawdown) });
  if (worstDay > risk.daily_loss_limit) breaches.push({ limit: 'daily_loss_limit', limit_value: r2(risk.daily_loss_limit), loss: r2(worstDay), beyond: r2(worstDay - risk.daily_loss_limit) });
  return {
    limits: { daily_loss_limit: risk.daily_loss_limit, max_drawdown: risk.max_drawdown, warn_fraction: risk.warn_fraction, max_inventory_qty: risk.max_inventory_qty },
    result: {
      scenario: s.name,
      what: s.what,
      bars: s.bars.length,
      event_start: isoOf(eventUs),
      max_drawdown: r2(dd),
      worst_daily_loss: r2(worstDay),
      final_pnl: r2(job.metrics.total_pnl),
      max_inventory: Math.round(maxInv * 1e8) / 1e8,
      halted_seconds: r2(job.metrics.risk.seconds_in_state.halted),
      final_state: job.metrics.risk.final_state,
      triggers,
      breaches,
    },
  };
}
