// The last-month analysis: sample the space, evaluate every combo on every block, walk forward, judge out of sample.
import { InvariantError, isoOf } from '../core/index.js';
import type { Bars } from '../market/index.js';
import type { TradingConfig, Trace, FillLog } from '../engine/index.js';
import { gridSize, type Combo, type ParamSpace } from './param-space.js';
import type { BlockResult } from './cases.js';
import { probabilityOfBacktestOverfitting, type OverfittingEstimate } from './overfitting.js';
import { chooseBest, deflate, pool, score, type Deflation, type Plan, type Pooled } from './walk-forward.js';
import { assessReadiness, type Readiness } from './readiness.js';
import type { AnalysisConfig } from './analysis-config.js';
import type { Evaluator } from './evaluator.js';
import type { Progress } from './progress.js';
import type { TickData } from './tick-blocks.js';
import type { CaseEngine } from './case-engine.js';
import { collectResults, prepareSweep, type Sweep, type SweepInput } from './sweep.js';
import { ResultsStore } from './results-store.js';
import { tallyTrials, type TrialTally } from './trial-ledger.js';
import { readShards } from './sweep-shard.js';
import { buildJson, r8, rn } from './analysis-json.js';

export interface AnalysisInput extends SweepInput {
  source: Record<string, unknown>;
  /** Runs the cases the store lacks (absent with `mergeFrom`: every case comes from the shards). */
  evaluator?: Evaluator;
  progress: Progress;
  now?: Date;
  /**
   * Opens the results store: stored cases are taken from it instead of being run again, evaluated
   * ones are stored as they finish. Called once the sweep is known to be valid (bad input writes
   * nothing); the store is closed at the end.
   */
  openStore?: () => ResultsStore;
  /** `--fresh-trials REASON`: the ledger starts a new trial count on this data, and the reason is reported. */
  freshTrials?: string;
  /** `--merge DIR...`: the folders of `--shard` runs; their cases are taken into the store and none is run here. */
  mergeFrom?: readonly string[];
}

/** One test window, traded out of sample with the parameters chosen on its train window. */
export interface WindowOutcome {
  index: number;
  train_from: string;
  train_to: string;
  test_from: string;
  test_to: string;
  combo_index: number;
  params: Combo;
  train_score: number | null;
  train_pnl: number;
  test: { pnl: number; return_pct: number; realized_pnl: number; inventory_pnl: number; fees: number; fills: number; max_drawdown: number; sharpe: number | null; markout_bps: number | null };
}

/** The out-of-sample path of one budget: test windows back to back (run folder trace form plus window index). */
export interface OosPath {
  ts: number[];
  mid: number[];
  bid: number[];
  ask: number[];
  inventory: number[];
  equity: number[];
  window: number[];
  fills: Array<{ ts: number; side: 1 | -1; price: number; qty: number; window: number }>;
}

export interface BudgetOutcome {
  budget: number;
  /** Per combo, pooled over every block (in sample: the whole span). */
  inSample: Pooled[];
  /** The in-sample selection deflated for the number of combos tried. */
  inSampleDeflation: Deflation;
  /** How much choosing by in-sample performance is worth on these blocks (CSCV over this run's combos and earlier trials on the same blocks); null with < 2 of them. */
  overfitting: OverfittingEstimate | null;
  /** The trials counted on this data at this budget (the ledger). */
  trials: TrialTally;
  windows: WindowOutcome[];
  oos: Pooled & { max_drawdown: number; windows: number };
  readiness: Readiness;
  best: { combo_index: number; params: Combo; train: Pooled; chosen_on: { from: string; to: string }; deflation: Deflation };
  path: OosPath;
}

export interface AnalysisResult {
  cfg: AnalysisConfig;
  engine: 'bar' | 'tick';
  /** The bars analysed (bar engine). */
  bars?: Bars;
  /** The event file cut into blocks (tick engine). */
  tick?: TickData;
  /** One line on the data and windows, for reports. */
  dataLine: string;
  combos: Combo[];
  space: ParamSpace;
  plan: Plan;
  base: TradingConfig;
  refPrice: number;
  samplingMethod: string;
  gridSize: number;
  budgets: BudgetOutcome[];
  json: AnalysisJson;
}

export type AnalysisJson = Record<string, unknown> & { readiness: Readiness & Record<string, unknown> };

const DAY_SECONDS = 86_400;

/** What the run itself did (meta.run of analysis.json): the only part that differs between equal analyses. */
export interface RunFacts {
  evaluator: string;
  workers: number;
  evaluated: number;
  reused: number;
  evaluateSeconds: number;
  store?: string;
  /** The shard files a merge read. */
  shards?: string[];
  /** When the ledger's trial count on this data started (a time, so it is a fact of the run). */
  trialsSince: string | null;
}

export async function runAnalysis(input: AnalysisInput): Promise<AnalysisResult> {
  const t0 = performance.now();
  const sweep = prepareSweep(input);
  // Shards are checked before anything is written.
  const shards = input.mergeFrom ? readShards(sweep, input.mergeFrom) : undefined;
  const store = input.openStore?.() ?? (shards ? ResultsStore.open(':memory:') : undefined);
  try {
    if (shards) store!.putMany(shards.rows);
    const evaluator = shards ? undefined : input.evaluator;
    const got = await collectResults(sweep, { progress: input.progress, ...(evaluator ? { evaluator } : {}), ...(store ? { store } : {}) });
    const now = input.now ?? new Date();
    const tally = tallyTrials(sweep, store, input.freshTrials, now);
    const facts: RunFacts = {
      evaluator: shards ? 'merge' : (evaluator?.kind ?? 'none'),
      workers: evaluator?.workers ?? 0,
      evaluated: got.evaluated,
      reused: got.reused,
      evaluateSeconds: got.evaluateSeconds,
      ...(store && store.path !== ':memory:' ? { store: store.path } : {}),
      ...(shards ? { shards: shards.files } : {}),
      trialsSince: tally[0]!.since,
    };
    return judgeSweep(sweep, got.results as BlockResult[][], tally, input.source, now, t0, facts);
  } finally {
    store?.close();
  }
}

/** The walk-forward, the selection statistics, the gate and analysis.json from every case's result (`results[trial][block]`). */
export function judgeSweep(sweep: Sweep, results: BlockResult[][], tally: readonly TrialTally[], source: Record<string, unknown>, now: Date, t0: number, facts: RunFacts): AnalysisResult {
  const { cfg, engine, combos } = sweep;
  const budgets = cfg.budgets.map((budget, bi) => judgeBudget(budget, results.slice(bi * combos.length, (bi + 1) * combos.length), tally[bi]!, combos, engine, cfg));
  const json = buildJson({ sweep, source, budgets, now, elapsed: (performance.now() - t0) / 1000, facts });
  return {
    cfg,
    engine: cfg.engine,
    ...(engine.bars ? { bars: engine.bars } : {}),
    ...(engine.tickData ? { tick: engine.tickData } : {}),
    dataLine: engine.describe(),
    combos,
    space: sweep.space,
    plan: engine.plan,
    base: engine.base,
    refPrice: engine.refPrice,
    samplingMethod: sweep.sample.method,
    gridSize: gridSize(sweep.space),
    budgets,
    json,
  };
}

function judgeBudget(budget: number, res: BlockResult[][], trials: TrialTally, combos: Combo[], engine: CaseEngine, cfg: AnalysisConfig): BudgetOutcome {
  const { periodsPerYear, plan } = engine;
  // Configurations tried on this data in earlier runs: the selection is one among all of them.
  const earlierTrials = trials.counted - trials.thisRun;
  // What would trade next: the choice on the latest train-length span (ends at the last bar).
  const lastTrain = Array.from({ length: plan.trainBlocks }, (_, j) => plan.blocks.length - plan.trainBlocks + j);
  const latest = res.map((r) => pool(lastTrain.map((b) => r[b]!), periodsPerYear));
  const bc = chooseBest(latest, cfg.objective);
  const bestDeflation = deflate(latest, earlierTrials);
  const overfitting = probabilityOfBacktestOverfitting([...res, ...trials.earlier].map((r) => r.map((b) => b.returns)));
  const inSample = res.map((r) => pool(r, periodsPerYear));
  const iso = (block: number, end: boolean): string => isoOf(engine.span(block)[end ? 1 : 0]);
  const path: OosPath = { ts: [], mid: [], bid: [], ask: [], inventory: [], equity: [], window: [], fills: [] };
  let carried = 0;
  const horizon = engine.markoutHorizon;
  const windows: WindowOutcome[] = plan.windows.map((w) => {
    // The choice sees the train blocks' results only.
    const train = res.map((r) => pool(w.train.map((b) => r[b]!), periodsPerYear));
    const c = chooseBest(train, cfg.objective);
    const tb = res[c]![w.test]!;
    // Re-run the chosen test case here for its path; it must match the evaluator's figures exactly.
    const job = engine.rerun(combos[c]!, budget, w.test);
    if (job.pnl !== tb.pnl || job.fillCount !== tb.fills) throw new InvariantError(`window ${w.index}: re-run differs from the evaluator (${job.pnl} vs ${tb.pnl})`);
    appendPath(path, job.trace, job.fills, budget, carried, w.index);
    carried += tb.pnl;
    const one = pool([tb], periodsPerYear);
    const mk = one.markouts.find((m) => m.horizon === horizon);
    const ts = train[c]!;
    return {
      index: w.index,
      train_from: iso(w.train[0]!, false),
      train_to: iso(w.train[w.train.length - 1]!, true),
      test_from: iso(w.test, false),
      test_to: iso(w.test, true),
      combo_index: c,
      params: combos[c]!,
      train_score: rn(score(ts, cfg.objective)),
      train_pnl: r8(ts.pnl),
      test: {
        pnl: r8(tb.pnl),
        return_pct: r8((tb.pnl / budget) * 100),
        realized_pnl: r8(tb.realized_pnl),
        inventory_pnl: r8(tb.inventory_pnl),
        fees: r8(tb.fees),
        fills: tb.fills,
        max_drawdown: r8(tb.max_drawdown),
        sharpe: rn(one.sharpe),
        markout_bps: mk ? rn(mk.mean_bps) : null,
      },
    };
  });
  const testBlocks = plan.windows.map((w, i) => res[windows[i]!.combo_index]![w.test]!);
  const oosPooled = pool(testBlocks, periodsPerYear);
  let peak = budget;
  let maxDd = 0;
  for (const e of path.equity) {
    if (e > peak) peak = e;
    if (peak - e > maxDd) maxDd = peak - e;
  }
  const oos = { ...oosPooled, max_drawdown: maxDd, windows: windows.length };
  const readiness = assessReadiness(
    {
      budget,
      windows: windows.length,
      pnl: oos.pnl,
      sharpe: oos.sharpe,
      sharpe_confidence: oos.sharpe_confidence,
      oos_days: plan.windows.reduce((d, w) => {
        const [from, to] = engine.span(w.test);
        return d + (to - from) / (DAY_SECONDS * 1e6);
      }, 0),
      max_drawdown: maxDd,
      fills: oos.fills,
      profitable_windows: oos.profitable_blocks,
      window_markout_bps: windows.map((w) => w.test.markout_bps),
      window_return_pct: windows.map((w) => w.test.return_pct),
      selection: { deflated_sharpe_confidence: bestDeflation.confidence[bc] ?? null, pbo: overfitting?.pbo ?? null, trials: trials.counted },
    },
    cfg.readiness,
  );
  const best = { combo_index: bc, params: combos[bc]!, train: latest[bc]!, chosen_on: { from: iso(lastTrain[0]!, false), to: iso(lastTrain[lastTrain.length - 1]!, true) }, deflation: bestDeflation };
  return { budget, inSample, inSampleDeflation: deflate(inSample, earlierTrials), overfitting, trials, windows, oos, readiness, best, path };
}

function appendPath(p: OosPath, trace: Trace, fills: FillLog, budget: number, carried: number, window: number): void {
  for (let i = 0; i < trace.length; i++) {
    p.ts.push(trace.ts[i]!);
    p.mid.push(trace.mid[i]!);
    p.bid.push(trace.bid[i]!);
    p.ask.push(trace.ask[i]!);
    p.inventory.push(trace.inventory[i]!);
    p.equity.push(budget + carried + (trace.equity[i]! - budget));
    p.window.push(window);
  }
  for (let i = 0; i < fills.length; i++) {
    p.fills.push({ ts: fills.ts[i]!, side: fills.side[i]! > 0 ? 1 : -1, price: fills.price[i]!, qty: fills.qty[i]!, window });
  }
}

