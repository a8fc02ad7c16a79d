// analysis.json: meta (data, space, plan, the run's own facts), the best strategy, the selection, top 10, walk-forward, readiness.
import { utcStamp } from '../core/index.js';
import type { Deflation, Pooled } from './walk-forward.js';
import { score } from './walk-forward.js';
import type { AnalysisJson, BudgetOutcome, RunFacts } from './analysis.js';
import type { Sweep } from './sweep.js';
import type { TrialTally } from './trial-ledger.js';

export const r8 = (x: number): number => Math.round(x * 1e8) / 1e8;
export const rn = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : r8(x));

/** The ledger's count of trials on this data at a budget: what the deflated Sharpe and the PBO are judged against. */
function trialsJson(t: TrialTally, inPbo: number | null): Record<string, unknown> {
  return {
    counted: t.counted,
    this_run: t.thisRun,
    earlier: t.counted - t.thisRun,
    in_pbo: inPbo,
    ledger: t.ledger
      ? "every distinct strategy configuration tried on this data (this digest) in this output folder's results store (results.sqlite) since the count started; trials run into another --out are not counted"
      : 'this run only (no results store)',
    fresh_trials_reason: t.freshReason,
  };
}

/** A candidate's deflated Sharpe confidence, with the selection it was one of. */
function deflatedJson(d: Deflation, i: number): Record<string, unknown> {
  return { deflated_sharpe_confidence: rn(d.confidence[i] ?? null), selection_trials: d.trials, deflation_benchmark_sharpe_per_sample: rn(d.benchmark) };
}

function pooledJson(p: Pooled, budget: number): Record<string, unknown> {
  return {
    pnl: r8(p.pnl),
    return_pct: r8((p.pnl / budget) * 100),
    realized_pnl: r8(p.realized_pnl),
    inventory_pnl: r8(p.inventory_pnl),
    fees: r8(p.fees),
    fills: p.fills,
    buy_fills: p.buy_fills,
    sell_fills: p.sell_fills,
    turnover: r8(p.turnover),
    sharpe: rn(p.sharpe),
    sharpe_confidence: rn(p.sharpe_confidence),
    return_samples: p.returns.n,
    max_block_drawdown: r8(p.max_block_drawdown),
    max_abs_inventory: r8(p.max_abs_inventory),
    profitable_blocks: p.profitable_blocks,
    blocks: p.blocks,
    markouts: p.markouts.map((m) => ({ horizon: m.horizon, fills: m.fills, mean_bps: rn(m.mean_bps) })),
  };
}

interface JsonInput {
  sweep: Sweep;
  source: Record<string, unknown>;
  budgets: BudgetOutcome[];
  now: Date;
  elapsed: number;
  facts: RunFacts;
}

export function buildJson(j: JsonInput): AnalysisJson {
  const { cfg, engine, combos } = j.sweep;
  const primary = j.budgets[0]!;
  const f = j.facts;
  const order = primary.inSample.map((p, i) => i).sort((a, b) => {
    const d = score(primary.inSample[b]!, cfg.objective) - score(primary.inSample[a]!, cfg.objective);
    if (d !== 0 && !Number.isNaN(d)) return d;
    return a - b;
  });
  return {
    meta: {
      run: {
        created_at: j.now.toISOString(),
        stamp: utcStamp(j.now),
        elapsed_seconds: Math.round(j.elapsed * 1000) / 1000,
        evaluate_seconds: Math.round(f.evaluateSeconds * 1000) / 1000,
        evaluator: f.evaluator,
        workers: f.workers,
        cases_evaluated: f.evaluated,
        cases_reused: f.reused,
        ...(f.store !== undefined ? { results_store: f.store } : {}),
        ...(f.shards !== undefined ? { shards: f.shards } : {}),
        trials_since: f.trialsSince,
      },
      data: engine.metaData(j.source),
      seed: cfg.seed,
      engine: cfg.engine,
      objective: cfg.objective,
      max_combinations: cfg.max_combinations,
      sampling: { requested: cfg.sampling, method: j.sweep.sample.method, grid_size: j.sweep.sample.gridSize, evaluated: combos.length },
      param_space: j.sweep.space,
      budgets: cfg.budgets,
      cases: j.sweep.cases.length,
      walk_forward: engine.metaWalkForward(),
      backtest_base: engine.base,
    },
    best_strategy: {
      budget: primary.budget,
      combo_index: primary.best.combo_index,
      params: primary.best.params,
      chosen_on: primary.best.chosen_on,
      train: { ...pooledJson(primary.best.train, primary.budget), ...deflatedJson(primary.best.deflation, primary.best.combo_index) },
      note: 'the parameters the selection rule picks on the latest train span: what would trade next; its figures are in sample, and deflated_sharpe_confidence discounts them for the number of combos tried',
    },
    selection: {
      budget: primary.budget,
      combos: combos.length,
      trials: trialsJson(primary.trials, primary.overfitting?.trials ?? null),
      deflation_benchmark_sharpe_per_sample: rn(primary.inSampleDeflation.benchmark),
      overfitting: primary.overfitting
        ? {
            ...primary.overfitting,
            pbo: rn(primary.overfitting.pbo),
            median_logit: rn(primary.overfitting.median_logit),
            mean_oos_rank: rn(primary.overfitting.mean_oos_rank),
          }
        : null,
      note: 'how much choosing the best combo in sample is worth: pbo is the probability of backtest overfitting by combinatorially symmetric cross-validation over groups of blocks (Bailey et al., 2017) — near 0 the in-sample ranking persists, near 0.5 it is noise',
    },
    top_10: order.slice(0, 10).map((i, rank) => ({
      rank: rank + 1,
      combo_index: i,
      params: combos[i],
      in_sample: { ...pooledJson(primary.inSample[i]!, primary.budget), ...deflatedJson(primary.inSampleDeflation, i) },
    })),
    walk_forward: {
      budget: primary.budget,
      windows: primary.windows,
      aggregate: { ...pooledJson(primary.oos, primary.budget), max_drawdown: r8(primary.oos.max_drawdown), max_drawdown_pct: r8((primary.oos.max_drawdown / primary.budget) * 100), windows: primary.oos.windows },
      by_budget: j.budgets.map((b) => ({ budget: b.budget, ...pooledJson(b.oos, b.budget), max_drawdown: r8(b.oos.max_drawdown), ready_for_live_keys: b.readiness.ready_for_live_keys })),
    },
    readiness: {
      ...primary.readiness,
      budget: primary.budget,
      trials: primary.trials.counted,
      by_budget: j.budgets.map((b) => ({ budget: b.budget, ready_for_live_keys: b.readiness.ready_for_live_keys, failed: Object.entries(b.readiness.checks).filter(([, c]) => !c.pass).map(([k]) => k) })),
    },
  };
}
