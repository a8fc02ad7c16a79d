// The ledger of trials: how many strategy configurations were ever tried on the same data, and their results on this sweep's blocks.
import type { BlockResult } from './cases.js';
import type { ResultsStore, TrialRecord } from './results-store.js';
import { caseKeyOf, type Sweep } from './sweep.js';

/** What the selection of one budget is deflated by: every trial counted on this data at this budget. */
export interface TrialTally {
  budget: number;
  /** Distinct trials counted on this data at this budget, this run's included. */
  counted: number;
  /** This run's trials at this budget (its combos). */
  thisRun: number;
  /** Counted trials of earlier runs with a stored result on every block of this sweep, in digest order: they join the PBO. */
  earlier: BlockResult[][];
  /** When the count started (first trial recorded, or the --fresh-trials reset); null without a store. */
  since: string | null;
  /** Why the count was last started afresh (`--fresh-trials`); null if it never was. */
  freshReason: string | null;
  /** False without a results store: the count is this run's alone. */
  ledger: boolean;
}

/**
 * Record this sweep's trials in the store's ledger (after `--fresh-trials REASON`, in a new count) and
 * tally, per budget, every trial of the current count on the same data: a user who runs the analysis
 * twenty times with different spaces on the same data has tried all of them, and the deflated Sharpe
 * and the PBO must know it (Bailey & López de Prado). A trial is a distinct strategy configuration
 * (combo, budget, every shared backtest field, reference price, policy); re-running one does not count
 * it twice. Without a store the tally is this run's trials.
 */
export function tallyTrials(sweep: Sweep, store: ResultsStore | undefined, freshReason: string | undefined, now: Date): TrialTally[] {
  const { cfg, combos, trials, trialKeys, dataDigest } = sweep;
  if (!store) return cfg.budgets.map((budget) => ({ budget, counted: combos.length, thisRun: combos.length, earlier: [], since: null, freshReason: null, ledger: false }));
  if (freshReason !== undefined) store.startFreshCount(dataDigest, freshReason, now);
  const records: TrialRecord[] = trials.map((t, i) => ({ trial: trialKeys[i]!, budget: t.budget, config: sweep.engine.trialConfig(t) }));
  store.recordTrials(dataDigest, records, now);
  const count = store.trialCount(dataDigest);
  const blocks = sweep.engine.plan.blocks.length;
  return cfg.budgets.map((budget, bi) => {
    const mine = new Set(trialKeys.slice(bi * combos.length, (bi + 1) * combos.length));
    const all = store.trialsAt(dataDigest, budget);
    const others = all.filter((t) => !mine.has(t));
    const keys = others.flatMap((t) => Array.from({ length: blocks }, (_, b) => caseKeyOf(sweep, t, b)));
    const got = store.getMany(keys, dataDigest);
    const earlier: BlockResult[][] = [];
    for (let i = 0; i < others.length; i++) {
      const row = keys.slice(i * blocks, (i + 1) * blocks).map((k) => got.get(k));
      if (row.every((r) => r !== undefined)) earlier.push(row as BlockResult[]);
    }
    return { budget, counted: all.length, thisRun: mine.size, earlier, since: count.since, freshReason: count.freshReason, ledger: true };
  });
}
