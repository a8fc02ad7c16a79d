// Analysis presets: `analyze` over variants (walk-forward windows, budgets, seeds) and a robustness table across them.

/** One variant: its name and the analyze flags that make it. */
export interface Variant {
  name: string;
  args: string[];
}

export const PRESETS: Readonly<Record<string, { what: string; variants: Variant[] }>> = {
  'walk-forward': {
    what: 'the same sweep under three walk-forward schemes (train / test days)',
    variants: [
      { name: 'train2-test1', args: ['--train-days', '2', '--test-days', '1'] },
      { name: 'train3-test1', args: ['--train-days', '3', '--test-days', '1'] },
      { name: 'train4-test2', args: ['--train-days', '4', '--test-days', '2'] },
    ],
  },
  'research-budgets': {
    what: 'the same sweep at three capital budgets',
    variants: [
      { name: 'budget-1000', args: ['--budgets', '1000'] },
      { name: 'budget-10000', args: ['--budgets', '10000'] },
      { name: 'budget-100000', args: ['--budgets', '100000'] },
    ],
  },
  'quant-experiments': {
    what: 'three random samples of the parameter space (seeds 7, 8, 9), each with the AS and GLFT models in the space',
    variants: [
      { name: 'seed-7', args: ['--sampling', 'random', '--seed', '7'] },
      { name: 'seed-8', args: ['--sampling', 'random', '--seed', '8'] },
      { name: 'seed-9', args: ['--sampling', 'random', '--seed', '9'] },
    ],
  },
};

/** What one analyze run reported (its JSON line), or why it failed. */
export interface VariantResult {
  variant: string;
  ok: boolean;
  exit_code: number | null;
  error?: string;
  ready_for_live_keys?: boolean;
  failed_checks?: string[];
  oos_pnl?: number;
  oos_sharpe?: number;
  windows?: number;
  best_strategy?: Record<string, unknown> | null;
  analysis_json?: string;
}

export interface Robustness {
  variants: number;
  completed: number;
  positive_oos_share: number;
  ready_share: number;
  oos_pnl_min: number | null;
  oos_pnl_max: number | null;
  /** Every variant completed, and they agree on the verdict (ready or not) and on the sign of the out-of-sample PnL. */
  robust: boolean;
  why: string;
}

/** The table's verdict: a conclusion that changes with the variant is not one. */
export function robustness(rows: readonly VariantResult[]): Robustness {
  const done = rows.filter((r) => r.ok);
  const pnl = done.map((r) => r.oos_pnl ?? Number.NaN);
  const pos = pnl.filter((x) => x > 0).length;
  const ready = done.filter((r) => r.ready_for_live_keys === true).length;
  const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;
  let why = '';
  if (done.length < rows.length) why = `${rows.length - done.length} variant(s) failed: ${rows.filter((r) => !r.ok).map((r) => `${r.variant} (${r.error ?? 'exit ' + r.exit_code})`).join(', ')}`;
  else if (done.length === 0) why = 'no variant';
  else if (ready !== 0 && ready !== done.length) why = `the readiness verdict changes with the variant (${ready} of ${done.length} ready)`;
  else if (pos !== 0 && pos !== done.length) why = `the sign of the out-of-sample PnL changes with the variant (${pos} of ${done.length} positive)`;
  return {
    variants: rows.length,
    completed: done.length,
    positive_oos_share: done.length ? r6(pos / done.length) : 0,
    ready_share: done.length ? r6(ready / done.length) : 0,
    oos_pnl_min: pnl.length ? r6(Math.min(...pnl)) : null,
    oos_pnl_max: pnl.length ? r6(Math.max(...pnl)) : null,
    robust: why === '',
    why: why || `every variant agrees: ${ready === done.length ? 'ready' : 'not ready'}, out-of-sample PnL ${pos === done.length ? 'positive' : 'not positive'}`,
  };
}
