// The readiness gate: go / no-go for live keys from out-of-sample walk-forward results and the selection's deflated figures.
import { z } from 'zod';

export const ReadinessRulesSchema = z.object({
  min_sharpe: z.number().default(1).describe('annualised out-of-sample Sharpe must be at least this'),
  min_sharpe_confidence: z
    .number()
    .min(0)
    .max(1)
    .default(0.95)
    .describe('probabilistic Sharpe ratio: the probability that the true out-of-sample Sharpe is above 0, given how many returns there are, their skewness, kurtosis and autocorrelation, at least this'),
  min_oos_days: z.number().nonnegative().default(7).describe('total length of the test windows, days, at least this'),
  max_drawdown_pct: z.number().positive().default(10).describe('out-of-sample max drawdown, % of budget, at most this'),
  min_fills: z.number().int().nonnegative().default(100).describe('out-of-sample fills at least this'),
  min_profitable_window_share: z.number().min(0).max(1).default(0.5).describe('share of test windows with PnL > 0, at least this'),
  markout_horizon_bars: z.number().int().positive().default(5).describe('markout horizon of the adverse-selection check (bar engine)'),
  markout_horizon_seconds: z.number().positive().default(10).describe('markout horizon of the adverse-selection check (tick engine)'),
  max_adverse_window_share: z.number().min(0).max(1).default(0.5).describe('share of test windows whose mean markout is negative, at most this'),
  max_window_return_pct: z.number().positive().default(5).describe('no test window may return more than this % of budget'),
  min_deflated_sharpe_confidence: z
    .number()
    .min(0)
    .max(1)
    .default(0.95)
    .describe('deflated Sharpe ratio of the strategy that would trade next: the probability that its true Sharpe beats what the best of every trial counted on this data would reach by luck, at least this'),
  max_pbo: z.number().min(0).max(1).default(0.25).describe('probability of backtest overfitting over every trial counted on this data (CSCV), at most this'),
}).strict();
export type ReadinessRules = z.output<typeof ReadinessRulesSchema>;
export const defaultReadinessRules: ReadinessRules = ReadinessRulesSchema.parse({});

/** What the gate reads: per test window and pooled over them, all out of sample. */
export interface OosEvidence {
  budget: number;
  windows: number;
  pnl: number;
  sharpe: number | null;
  /** Probabilistic Sharpe ratio of the pooled test-window returns (sharpe-confidence.ts). */
  sharpe_confidence: number | null;
  /** Total length of the test windows, days. */
  oos_days: number;
  max_drawdown: number;
  fills: number;
  profitable_windows: number;
  /** Per test window, the mean markout (bps) at the rule's horizon; null when the window had no fill with a mark. */
  window_markout_bps: Array<number | null>;
  /** Per test window, PnL as % of budget. */
  window_return_pct: number[];
  /**
   * The selection, deflated for every trial counted on this data (the ledger of trials): the deflated
   * Sharpe confidence of the strategy that would trade next, the PBO over every trial with results on
   * these blocks (null when fewer than two trials), and how many trials were counted.
   */
  selection: { deflated_sharpe_confidence: number | null; pbo: number | null; trials: number };
}

export interface Check {
  value: number | null;
  limit: number;
  pass: boolean;
}

export interface Readiness {
  ready_for_live_keys: boolean;
  checks: Record<string, Check>;
  rules: ReadinessRules & { basis: string };
}

const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;

export function assessReadiness(e: OosEvidence, rules: ReadinessRules): Readiness {
  const ddPct = (e.max_drawdown / e.budget) * 100;
  const withMark = e.window_markout_bps.filter((x): x is number => x !== null);
  const adverse = withMark.filter((x) => x < 0).length;
  const adverseShare = withMark.length > 0 ? adverse / withMark.length : null;
  const maxRet = e.window_return_pct.length > 0 ? Math.max(...e.window_return_pct) : 0;
  const profShare = e.windows > 0 ? e.profitable_windows / e.windows : 0;
  const sel = e.selection;
  const checks: Record<string, Check> = {
    pnl_after_fees: { value: r6(e.pnl), limit: 0, pass: e.pnl > 0 },
    sharpe: { value: e.sharpe === null ? null : r6(e.sharpe), limit: rules.min_sharpe, pass: e.sharpe !== null && e.sharpe >= rules.min_sharpe },
    sharpe_confidence: {
      value: e.sharpe_confidence === null ? null : r6(e.sharpe_confidence),
      limit: rules.min_sharpe_confidence,
      pass: e.sharpe_confidence !== null && e.sharpe_confidence >= rules.min_sharpe_confidence,
    },
    oos_days: { value: r6(e.oos_days), limit: rules.min_oos_days, pass: e.oos_days >= rules.min_oos_days },
    max_drawdown_pct: { value: r6(ddPct), limit: rules.max_drawdown_pct, pass: ddPct <= rules.max_drawdown_pct },
    fills: { value: e.fills, limit: rules.min_fills, pass: e.fills >= rules.min_fills },
    profitable_window_share: { value: r6(profShare), limit: rules.min_profitable_window_share, pass: profShare >= rules.min_profitable_window_share },
    adverse_markout_window_share: {
      value: adverseShare === null ? null : r6(adverseShare),
      limit: rules.max_adverse_window_share,
      pass: adverseShare !== null && adverseShare <= rules.max_adverse_window_share,
    },
    plausibility_max_window_return_pct: { value: r6(maxRet), limit: rules.max_window_return_pct, pass: maxRet <= rules.max_window_return_pct },
    // Selection checks: they read the in-sample selection, discounted for every trial counted on this data.
    deflated_sharpe_confidence: {
      value: sel.deflated_sharpe_confidence === null ? null : r6(sel.deflated_sharpe_confidence),
      limit: rules.min_deflated_sharpe_confidence,
      pass: sel.deflated_sharpe_confidence !== null && sel.deflated_sharpe_confidence >= rules.min_deflated_sharpe_confidence,
    },
    // One trial ever: nothing was selected, so nothing can be overfitted by selecting.
    pbo: { value: sel.pbo === null ? null : r6(sel.pbo), limit: rules.max_pbo, pass: sel.pbo === null ? sel.trials < 2 : sel.pbo <= rules.max_pbo },
  };
  return {
    ready_for_live_keys: Object.values(checks).every((c) => c.pass),
    checks,
    rules: {
      ...rules,
      basis: 'out of sample: walk-forward test windows, each traded with the parameters chosen on the train window before it; deflated_sharpe_confidence and pbo judge the selection itself, against every trial counted on this data',
    },
  };
}
