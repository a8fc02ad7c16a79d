// The risk agent: checks an execution agent's results (its metrics and what its risk engine did) against limits and writes a report with every check's verdict.
import type { RiskParams } from '../config.js';
import type { AgentResult, AgentTask, ExecutionValue } from '../agent-task.js';
import { writeArtifact, jsonText } from '../artifacts.js';

export type Verdict = 'pass' | 'breach' | 'n/a';

export interface RiskCheck {
  check: string;
  value: number | null;
  limit: number;
  verdict: Verdict;
  /** How the value is measured and compared. */
  rule: string;
  /** What the value stands for, when a number alone does not say it (the halt's condition, time and reason). */
  reason?: string;
}

export interface RiskReport {
  run_id: string;
  agent: string;
  source: string;
  mode: string;
  status: 'ok' | 'breach';
  window: ExecutionValue['window'];
  /** PnL of the run checked, quote currency, and what the risk engine did during it. */
  total_pnl: number;
  return_pct: number;
  trading_state: string;
  checks: RiskCheck[];
}

const atMost = (value: number | null, limit: number): Verdict => (value === null ? 'n/a' : value <= limit ? 'pass' : 'breach');

/** The agent's drawdown limit when neither max_drawdown_pct nor max_drawdown is set (nor the file's risk.max_drawdown). */
export const DEFAULT_MAX_DRAWDOWN_PCT = 2;

function drawdownChecks(m: ExecutionValue['metrics'], p: RiskParams): RiskCheck[] {
  const out: RiskCheck[] = [];
  if (p.max_drawdown !== undefined) {
    out.push({
      check: 'max_drawdown',
      value: m.max_drawdown,
      limit: p.max_drawdown,
      verdict: atMost(m.max_drawdown, p.max_drawdown),
      rule: 'largest fall of equity from a peak, quote currency, <= limit (default: the risk.max_drawdown the run traded under)',
    });
  }
  const pct = p.max_drawdown_pct ?? (p.max_drawdown === undefined ? DEFAULT_MAX_DRAWDOWN_PCT : undefined);
  if (pct !== undefined) {
    out.push({ check: 'max_drawdown_pct', value: m.max_drawdown_pct, limit: pct, verdict: atMost(m.max_drawdown_pct, pct), rule: 'largest fall of equity from a peak, % of capital, <= limit' });
  }
  return out;
}

/** The halts of a run that last until a restart, as one line each: condition, time and the engine's reason. */
function haltLines(m: ExecutionValue['metrics']): string[] {
  return m.risk.halts.map((h) => `${h.condition} at ${h.ts}: ${h.reason}`);
}

/** Every check of a report. Pure: same results and limits give the same checks. */
export function riskChecks(ex: ExecutionValue, p: RiskParams): RiskCheck[] {
  const m = ex.metrics;
  const days = (m.samples * m.sample_seconds) / 86_400;
  // Pro rata from a day up; a shorter run is held to the daily limit with its own return (never projected to a day).
  const dailyReturn = days > 0 ? Math.abs(m.return_pct) / Math.max(days, 1) : null;
  const gross = m.realized_pnl + m.inventory_pnl; // before fees
  const feeShare = gross > 0 ? m.fees / gross : null;
  const invLimit = p.max_abs_inventory ?? ex.maxInventoryQty;
  const st = m.risk.seconds_in_state;
  const total = st.active + st.reducing + st.halted;
  const haltedShare = total > 0 ? st.halted / total : null;
  const halts = haltLines(m);
  return [
    {
      check: 'risk_halt',
      value: halts.length,
      limit: 0,
      verdict: halts.length === 0 || p.allow_halt ? 'pass' : 'breach',
      rule: 'halts of the trading session that last until a restart (a loss or drawdown limit of risk:, a kill switch, a strategy error) <= limit; allow_halt: true lets them pass',
      ...(halts.length > 0 ? { reason: halts.join('; ') } : {}),
    },
    ...drawdownChecks(m, p),
    {
      check: 'max_abs_inventory',
      value: m.max_abs_inventory,
      limit: invLimit,
      verdict: atMost(m.max_abs_inventory, invLimit * (1 + 1e-9)),
      rule: 'largest |position| at a bar close, base units, <= limit',
    },
    { check: 'min_fills', value: m.fills, limit: p.min_fills, verdict: m.fills >= p.min_fills ? 'pass' : 'breach', rule: 'number of fills >= limit' },
    {
      check: 'max_daily_return_pct',
      value: dailyReturn,
      limit: p.max_daily_return_pct,
      verdict: atMost(dailyReturn, p.max_daily_return_pct),
      rule: "|return| % per day of the run's time <= limit (above it the result is implausible); a run shorter than a day: its own |return| %, not projected to a day",
    },
    {
      check: 'max_fee_share',
      value: feeShare,
      limit: p.max_fee_share,
      verdict: atMost(feeShare, p.max_fee_share),
      rule: 'fees / gross PnL (realized + inventory, before fees) <= limit; n/a when gross PnL <= 0',
    },
    {
      check: 'min_total_pnl',
      value: m.total_pnl,
      limit: p.min_total_pnl,
      verdict: m.total_pnl >= p.min_total_pnl ? 'pass' : 'breach',
      rule: 'PnL of the run, quote currency, after fees and marked at the last mid, >= limit (a losing run is a breach unless the limit allows it)',
    },
    {
      check: 'max_halted_share',
      value: haltedShare,
      limit: p.max_halted_share,
      verdict: atMost(haltedShare, p.max_halted_share),
      rule: "share of the run's time the risk engine held trading halted (loss limits, stale data, kill switch) <= limit",
    },
  ];
}

export function runRiskAgent(task: AgentTask, params: RiskParams): AgentResult {
  const input = task.inputs[0];
  if (input?.role !== 'execution') return { ok: false, error: 'expected the value of an execution agent as input' };
  const checks = riskChecks(input, params);
  const breaches = checks.filter((c) => c.verdict === 'breach').map((c) => (c.reason !== undefined ? `${c.check} (${c.reason})` : c.check));
  const report: RiskReport = {
    run_id: task.runId,
    agent: task.agent.name,
    source: input.agent,
    mode: task.mode,
    status: breaches.length > 0 ? 'breach' : 'ok',
    window: input.window,
    total_pnl: input.metrics.total_pnl,
    return_pct: input.metrics.return_pct,
    trading_state: input.metrics.risk.final_state,
    checks,
  };
  const path = writeArtifact(task.artifactsDir, task.runId, task.agent.name, 'risk_report.json', jsonText(report));
  return { ok: true, outputs: [path], value: { role: 'risk', agent: task.agent.name, status: report.status, breaches, totalPnl: input.metrics.total_pnl } };
}
