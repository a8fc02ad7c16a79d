// The last-month analysis: sample the space, evaluate every combo on every block, walk forward, judge out of sample.
import { InvariantError, SECONDS_PER_YEAR, UserError, isoOf, utcStamp } from '../core/index.js';
import { sliceBars, type Bars } from '../market/index.js';
import { parseBarConfig, runBarJob, type BarBacktestConfig, type TickBacktestConfig, type Trace, type FillLog } from '../engine/index.js';
import { loadPolicyFile } from '../models/index.js';
import { defaultParamSpace, gridSize, type Combo, type ParamSpace } from './param-space.js';
import { sampleSpace } from './sampling.js';
import { blockConfig, type EvalTask, type TaskResult } from './cases.js';
import { probabilityOfBacktestOverfitting, type OverfittingEstimate } from './overfitting.js';
import { chooseBest, deflate, planWalkForward, pool, score, type Deflation, type Plan, type Pooled } from './walk-forward.js';
import { assessReadiness, type Readiness } from './readiness.js';
import { analysisBacktestDefaults, type AnalysisConfig } from './analysis-config.js';
import type { Evaluator } from './evaluator.js';
import type { Progress } from './progress.js';
import type { TickData } from './tick-blocks.js';
import { tickEngine, type TickEventsInput } from './tick-analysis.js';

export interface AnalysisInput {
  /** Klines of the bar engine. */
  bars?: Bars;
  /** The event file of the tick engine, read whole. */
  events?: TickEventsInput;
  source: Record<string, unknown>;
  cfg: AnalysisConfig;
  evaluator: Evaluator;
  progress: Progress;
  now?: Date;
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
  /** How much choosing by in-sample performance is worth on these blocks (CSCV); null with < 2 combos or blocks. */
  overfitting: OverfittingEstimate | null;
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
  base: BarBacktestConfig | TickBacktestConfig;
  refPrice: number;
  samplingMethod: string;
  gridSize: number;
  budgets: BudgetOutcome[];
  json: AnalysisJson;
}

export type AnalysisJson = Record<string, unknown> & { readiness: Readiness & Record<string, unknown> };

function mergeSpace(base: ParamSpace, over: AnalysisConfig['space']): ParamSpace {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) if (v !== undefined) out[k] = v;
  return out as unknown as ParamSpace;
}

const DAY_SECONDS = 86_400;
const r8 = (x: number): number => Math.round(x * 1e8) / 1e8;
const rn = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : r8(x));

/** The bars of the last `days` days (by time, so gaps do not shift the span); a UserError when the data spans fewer. */
export function lastDays(bars: Bars, days: number): Bars {
  const barSeconds = bars.intervalMicros / 1e6;
  if (!(barSeconds > 0)) throw new UserError('data: cannot tell the bar interval (fewer than 2 distinct times)');
  const end = bars.ts[bars.length - 1]! + bars.intervalMicros;
  const start = end - days * DAY_SECONDS * 1e6;
  const haveDays = (end - bars.ts[0]!) / (DAY_SECONDS * 1e6);
  if (bars.ts[0]! > start) throw new UserError(`--days: ${days} days requested, the data spans ${haveDays.toFixed(2)} days (${bars.length} bars of ${barSeconds} s)`);
  let from = 0;
  while (bars.ts[from]! < start) from++;
  return sliceBars(bars, from, bars.length);
}

/**
 * What an engine gives the analysis: the blocks and their spans, the shared base config, how to run
 * every case (through an evaluator) and to re-run one for its path, and its part of analysis.json.
 */
export interface CaseEngine {
  plan: Plan;
  base: BarBacktestConfig | TickBacktestConfig;
  /** Scales γ and the bps levels: a price from before the first block (never in a test window). */
  refPrice: number;
  /** Per-sample returns annualised by √ of this (bars or trace samples per 365-day year). */
  periodsPerYear: number;
  /** Markout horizon of the adverse-selection check, in the engine's markout unit (bars; seconds for tick). */
  markoutHorizon: number;
  defaultSpace: ParamSpace;
  /** Time span of a block, µs (half-open). */
  span(block: number): [number, number];
  evaluate(combos: Combo[], budgets: readonly number[], evaluator: Evaluator, onBlocksDone: (blocks: number) => void): Promise<TaskResult[]>;
  rerun(combo: Combo, budget: number, block: number): { trace: Trace; fills: FillLog; pnl: number; fillCount: number };
  metaData(source: Record<string, unknown>): Record<string, unknown>;
  metaWalkForward(): Record<string, unknown>;
  describe(): string;
  bars?: Bars;
  tickData?: TickData;
}

function barEngine(cfg: AnalysisConfig, all: Bars): CaseEngine {
  const bars = lastDays(all, cfg.days);
  const barSeconds = bars.intervalMicros / 1e6;
  const blockBars = Math.round((cfg.walk_forward.test_days * DAY_SECONDS) / barSeconds);
  const ratio = cfg.walk_forward.train_days / cfg.walk_forward.test_days;
  if (Math.abs(ratio - Math.round(ratio)) > 1e-9) throw new UserError(`--train-days: expected a whole multiple of --test-days (${cfg.walk_forward.test_days}), got ${cfg.walk_forward.train_days}`);
  const plan = planWalkForward(bars.length, blockBars, Math.round(ratio));
  const base = parseBarConfig({ ...analysisBacktestDefaults, ...cfg.backtest, seed: cfg.seed }, (p) => (p === 'maker_fee_bps' ? '--maker-fee-bps' : `backtest.${p}`));
  const policy = cfg.policy_path === undefined ? undefined : loadPolicyFile(cfg.policy_path);
  const refPrice = bars.open[0]!;
  return {
    plan,
    base,
    refPrice,
    periodsPerYear: SECONDS_PER_YEAR / barSeconds,
    markoutHorizon: cfg.readiness.markout_horizon_bars,
    defaultSpace: policy ? { ...defaultParamSpace, model: ['as', 'glft', 'rl'] } : defaultParamSpace,
    span: (b) => {
      const [from, to] = plan.blocks[b]!;
      return [bars.ts[from]!, bars.ts[to - 1]! + bars.intervalMicros];
    },
    async evaluate(combos, budgets, evaluator, onBlocksDone) {
      if (combos.some((c) => c.model === 'rl') && !policy) throw new UserError('--policy: model rl in the parameter space needs a trained policy file');
      const tasks: EvalTask[] = [];
      for (const budget of budgets) for (const combo of combos) tasks.push({ index: tasks.length, combo, budget, base, refPrice, blocks: plan.blocks, ...(policy ? { policy } : {}) });
      return evaluator.run(tasks, bars, (t) => onBlocksDone(t.blocks.length));
    },
    rerun(combo, budget, b) {
      const [from, to] = plan.blocks[b]!;
      const job = runBarJob(blockConfig({ base, combo, budget, refPrice }, bars, from), { bars: sliceBars(bars, from, to), source: {} }, policy);
      return { trace: job.trace, fills: job.core.fills, pnl: job.metrics.total_pnl, fillCount: job.metrics.fills };
    },
    metaData: (source) => ({
      ...source,
      bars: bars.length,
      bar_seconds: barSeconds,
      days: cfg.days,
      first_bar: isoOf(bars.ts[0]!),
      last_bar: isoOf(bars.ts[bars.length - 1]!),
      reference_price: refPrice,
    }),
    metaWalkForward: () => ({
      train_days: cfg.walk_forward.train_days,
      test_days: cfg.walk_forward.test_days,
      block_bars: plan.blockBars,
      train_blocks: plan.trainBlocks,
      windows: plan.windows.length,
      unused_leading_bars: plan.unusedBars,
      note: 'every block is run on its own from flat with fresh estimators; a test window is traded with the parameters that ranked best on the train blocks just before it',
    }),
    describe: () => `${bars.length} bars from ${new Date(bars.ts[0]! / 1000).toISOString()}; train ${cfg.walk_forward.train_days} d, test ${cfg.walk_forward.test_days} d`,
    bars,
  };
}

export async function runAnalysis(input: AnalysisInput): Promise<AnalysisResult> {
  const { cfg, evaluator, progress } = input;
  const t0 = performance.now();
  let engine: CaseEngine;
  if (cfg.engine === 'tick') {
    if (!input.events) throw new UserError('--events: --engine tick needs an event file (marketmakerl convert writes one from a capture)');
    engine = tickEngine(cfg, input.events);
  } else {
    if (!input.bars) throw new UserError('--data: --engine bar needs klines');
    engine = barEngine(cfg, input.bars);
  }
  const { plan, base, refPrice, periodsPerYear } = engine;
  const space = mergeSpace(engine.defaultSpace, cfg.space);
  if (space.model.includes('rl') && cfg.policy_path === undefined) throw new UserError('--policy: model rl in the parameter space needs a trained policy file');
  const sample = sampleSpace(space, cfg.max_combinations, cfg.sampling, cfg.seed);
  const combos = sample.combos;

  const totalCases = cfg.budgets.length * combos.length * plan.blocks.length;
  progress.start(totalCases, 'analyze', 'cases');
  const tEval = performance.now();
  let done = 0;
  const results: TaskResult[] = await engine.evaluate(combos, cfg.budgets, evaluator, (blocks) => {
    done += blocks;
    progress.tick(done);
  });
  progress.finish();
  const evaluateSeconds = (performance.now() - tEval) / 1000;
  results.forEach((r, i) => {
    if (r.index !== i) throw new InvariantError(`evaluator returned task ${r.index} at position ${i}`);
  });

  const budgets = cfg.budgets.map((budget, bi) => {
    const res = results.slice(bi * combos.length, (bi + 1) * combos.length);
    return judgeBudget(budget, res, combos, engine, cfg);
  });

  const now = input.now ?? new Date();
  const primary = budgets[0]!;
  const json = buildJson({ cfg, engine, source: input.source, plan, combos, space, base, sample, budgets, primary, now, elapsed: (performance.now() - t0) / 1000, evaluateSeconds, evaluator, cases: totalCases });
  return {
    cfg,
    engine: cfg.engine,
    ...(engine.bars ? { bars: engine.bars } : {}),
    ...(engine.tickData ? { tick: engine.tickData } : {}),
    dataLine: engine.describe(),
    combos,
    space,
    plan,
    base,
    refPrice,
    samplingMethod: sample.method,
    gridSize: gridSize(space),
    budgets,
    json,
  };
}

function judgeBudget(budget: number, res: TaskResult[], combos: Combo[], engine: CaseEngine, cfg: AnalysisConfig): BudgetOutcome {
  const { periodsPerYear, plan } = engine;
  const inSample = res.map((r) => pool(r.blocks, periodsPerYear));
  const iso = (block: number, end: boolean): string => isoOf(engine.span(block)[end ? 1 : 0]);
  const path: OosPath = { ts: [], mid: [], bid: [], ask: [], inventory: [], equity: [], window: [], fills: [] };
  let carried = 0;
  const horizon = engine.markoutHorizon;
  const windows: WindowOutcome[] = plan.windows.map((w) => {
    // The choice sees the train blocks' results only.
    const train = res.map((r) => pool(w.train.map((b) => r.blocks[b]!), periodsPerYear));
    const c = chooseBest(train, cfg.objective);
    const tb = res[c]!.blocks[w.test]!;
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
  const testBlocks = plan.windows.map((w, i) => res[windows[i]!.combo_index]!.blocks[w.test]!);
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
    },
    cfg.readiness,
  );
  // What would trade next: the choice on the latest train-length span (ends at the last bar).
  const lastTrain = Array.from({ length: plan.trainBlocks }, (_, j) => plan.blocks.length - plan.trainBlocks + j);
  const latest = res.map((r) => pool(lastTrain.map((b) => r.blocks[b]!), periodsPerYear));
  const bc = chooseBest(latest, cfg.objective);
  const best = { combo_index: bc, params: combos[bc]!, train: latest[bc]!, chosen_on: { from: iso(lastTrain[0]!, false), to: iso(lastTrain[lastTrain.length - 1]!, true) }, deflation: deflate(latest) };
  const overfitting = probabilityOfBacktestOverfitting(res.map((r) => r.blocks.map((b) => b.returns)));
  return { budget, inSample, inSampleDeflation: deflate(inSample), overfitting, windows, oos, readiness, best, path };
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
  cfg: AnalysisConfig;
  engine: CaseEngine;
  source: Record<string, unknown>;
  plan: Plan;
  combos: Combo[];
  space: ParamSpace;
  base: BarBacktestConfig | TickBacktestConfig;
  sample: { method: string; gridSize: number };
  budgets: BudgetOutcome[];
  primary: BudgetOutcome;
  now: Date;
  elapsed: number;
  evaluateSeconds: number;
  evaluator: Evaluator;
  cases: number;
}

function buildJson(j: JsonInput): AnalysisJson {
  const { cfg, primary } = j;
  const order = primary.inSample.map((p, i) => i).sort((a, b) => {
    const d = score(primary.inSample[b]!, cfg.objective) - score(primary.inSample[a]!, cfg.objective);
    if (d !== 0 && !Number.isNaN(d)) return d;
    return a - b;
  });
  return {
    meta: {
      run: { created_at: j.now.toISOString(), stamp: utcStamp(j.now), elapsed_seconds: Math.round(j.elapsed * 1000) / 1000, evaluate_seconds: Math.round(j.evaluateSeconds * 1000) / 1000, evaluator: j.evaluator.kind, workers: j.evaluator.workers },
      data: j.engine.metaData(j.source),
      seed: cfg.seed,
      engine: cfg.engine,
      objective: cfg.objective,
      max_combinations: cfg.max_combinations,
      sampling: { requested: cfg.sampling, method: j.sample.method, grid_size: j.sample.gridSize, evaluated: j.combos.length },
      param_space: j.space,
      budgets: cfg.budgets,
      cases: j.cases,
      walk_forward: j.engine.metaWalkForward(),
      backtest_base: j.base,
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
      combos: j.combos.length,
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
      params: j.combos[i],
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
      by_budget: j.budgets.map((b) => ({ budget: b.budget, ready_for_live_keys: b.readiness.ready_for_live_keys, failed: Object.entries(b.readiness.checks).filter(([, c]) => !c.pass).map(([k]) => k) })),
    },
  };
}
