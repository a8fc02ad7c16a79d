// A sweep: the engine, the sampled combos, every case with its key; results from the store or an evaluator, as they finish.
import { createHash } from 'node:crypto';
import { InvariantError, UserError } from '../core/index.js';
import type { Bars } from '../market/index.js';
import { strategyParamLevels, type Combo, type ParamSpace } from './param-space.js';
import { loadedStrategy } from '../strategy/index.js';
import { sampleSpace, type Sample } from './sampling.js';
import type { BlockResult } from './cases.js';
import type { AnalysisConfig } from './analysis-config.js';
import type { Evaluator } from './evaluator.js';
import type { Progress } from './progress.js';
import type { CaseEngine, CaseRef, Trial } from './case-engine.js';
import { barEngine } from './bar-analysis.js';
import { tickEngine, type TickEventsInput } from './tick-analysis.js';
import { digestJson } from './digest.js';
import { engineVersion } from './engine-version.js';
import type { ResultsStore, StoredCase } from './results-store.js';

export interface SweepInput {
  /** Klines of the bar engine. */
  bars?: Bars;
  /** The event file of the tick engine, read whole. */
  events?: TickEventsInput;
  cfg: AnalysisConfig;
  /** Cases on one block in one pass of its data (bar engine; default true). Results do not depend on it. */
  sharedPass?: boolean;
}

export interface Sweep {
  cfg: AnalysisConfig;
  engine: CaseEngine;
  space: ParamSpace;
  sample: Sample;
  combos: Combo[];
  /** Budget-major: trial `b * combos.length + c` is combo c on budget b. */
  trials: Trial[];
  /** Digest of each trial's configuration (its identity in the ledger and in case keys). */
  trialKeys: string[];
  /** Every case, trial-major (trial 0 on every block, then trial 1, …). */
  cases: CaseRef[];
  /** Key of each case: sha256 of (engine version, data digest, trial digest, block). */
  keys: string[];
  /** What places each block in the data (`CaseEngine.blockKey`). */
  blockKeys: string[];
  dataDigest: string;
  engineVersion: string;
  /** sha256 of every case key in order: two sweeps with the same id evaluate the same cases. */
  sweepId: string;
}

function mergeSpace(base: ParamSpace, over: AnalysisConfig['space']): ParamSpace {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) if (v !== undefined) out[k] = v;
  return out as unknown as ParamSpace;
}

/** The engine, the combos and every case of the sweep with its key; nothing is run. */
export function prepareSweep(input: SweepInput): Sweep {
  const { cfg } = input;
  let engine: CaseEngine;
  if (cfg.engine === 'tick') {
    if (!input.events) throw new UserError('--events: --engine tick needs an event file (marketmakerl convert writes one from a capture)');
    engine = tickEngine(cfg, input.events, input.sharedPass ?? true);
  } else {
    if (!input.bars) throw new UserError('--data: --engine bar needs klines');
    engine = barEngine(cfg, input.bars, input.sharedPass ?? true);
  }
  let space = mergeSpace(engine.defaultSpace, cfg.space);
  // A strategy module replaces the model: its declared parameters' sweep levels become a dimension, the
  // model one level (ignored by the module); its compiled code joins every trial's digest.
  const file = cfg.trading.quoting.strategy;
  const module = file === undefined ? undefined : loadedStrategy(file);
  if (file !== undefined) {
    if (module === undefined) throw new Error(`strategy module ${file} used before it was loaded`);
    if (cfg.space.model !== undefined) throw new UserError('analysis.space.model: a strategy module (--strategy) replaces the model; leave the model out of the space');
    space = { ...space, model: ['as'], strategy_params: strategyParamLevels(module.definition.params ?? {}, cfg.trading.quoting.params) };
  }
  if (space.model.includes('rl') && cfg.policy_path === undefined) throw new UserError('--policy: model rl in the parameter space needs a trained policy file');
  const sample = sampleSpace(space, cfg.max_combinations, cfg.sampling, cfg.seed);
  const combos = sample.combos;
  const trials: Trial[] = cfg.budgets.flatMap((budget) => combos.map((combo) => ({ combo, budget })));
  const trialKeys = trials.map((t) => digestJson(module === undefined ? engine.trialConfig(t) : { ...engine.trialConfig(t), strategy_module: module.digest }));
  const blocks = engine.plan.blocks.length;
  const version = engineVersion();
  const dataDigest = engine.dataDigest();
  const blockKeys = Array.from({ length: blocks }, (_, b) => engine.blockKey(b));
  const cases: CaseRef[] = [];
  const keys: string[] = [];
  const all = createHash('sha256');
  trials.forEach((_, t) => {
    for (let b = 0; b < blocks; b++) {
      const key = caseKey(version, dataDigest, trialKeys[t]!, blockKeys[b]!);
      cases.push({ trial: t, block: b });
      keys.push(key);
      all.update(key);
    }
  });
  return { cfg, engine, space, sample, combos, trials, trialKeys, cases, keys, blockKeys, dataDigest, engineVersion: version, sweepId: all.digest('hex') };
}

function caseKey(version: string, data: string, trial: string, block: string): string {
  return createHash('sha256').update(`${version}\n${data}\n${trial}\n${block}`).digest('hex');
}

/** The key of any trial (by digest, this sweep's or an earlier one's) on block `block` of this sweep. */
export function caseKeyOf(sweep: Sweep, trialDigest: string, block: number): string {
  return caseKey(sweep.engineVersion, sweep.dataDigest, trialDigest, sweep.blockKeys[block]!);
}

/** Shard `index` of `count` (0-based): a contiguous run of the cases in block order, so a shard's cases share blocks. */
export function shardCases(sweep: Sweep, index: number, count: number): number[] {
  const order = sweep.cases.map((_, i) => i).sort((a, b) => sweep.cases[a]!.block - sweep.cases[b]!.block || a - b);
  return order.slice(Math.floor((index * order.length) / count), Math.floor(((index + 1) * order.length) / count)).sort((a, b) => a - b);
}

export interface CollectOptions {
  evaluator?: Evaluator;
  progress: Progress;
  store?: ResultsStore;
  /** Case indices to collect (a shard's share); default every case. */
  only?: readonly number[];
}

export interface Collected {
  /** `results[t][b]`: trial t on block b (undefined where a shard did not collect it). */
  results: Array<Array<BlockResult | undefined>>;
  /** Cases run now, cases found in the store. */
  evaluated: number;
  reused: number;
  evaluateSeconds: number;
}

/**
 * Results of the sweep's cases (or a share of them): stored ones from the store, the rest from the
 * evaluator, each finished group stored at once, so a sweep that stops resumes where it stopped.
 * Without an evaluator, a case missing from the store is a UserError.
 */
export async function collectResults(sweep: Sweep, opts: CollectOptions): Promise<Collected> {
  const wanted = opts.only ?? sweep.cases.map((_, i) => i);
  const blocks = sweep.engine.plan.blocks.length;
  const results: Array<Array<BlockResult | undefined>> = sweep.trials.map(() => new Array<BlockResult | undefined>(blocks));
  const stored = opts.store ? opts.store.getMany(wanted.map((i) => sweep.keys[i]!), sweep.dataDigest) : new Map<string, BlockResult>();
  const missing: CaseRef[] = [];
  for (const i of wanted) {
    const c = sweep.cases[i]!;
    const r = stored.get(sweep.keys[i]!);
    if (r) results[c.trial]![c.block] = r;
    else missing.push(c);
  }
  const reused = wanted.length - missing.length;
  const t0 = performance.now();
  opts.progress.start(wanted.length, 'analyze', 'cases');
  let done = reused;
  if (reused > 0) opts.progress.tick(done);
  if (missing.length > 0) {
    if (!opts.evaluator) throw new UserError(`--merge: ${missing.length} of ${wanted.length} cases are in no shard (first: trial ${missing[0]!.trial}, block ${missing[0]!.block}); run the missing shards first`);
    const keyOf = (c: CaseRef): string => sweep.keys[c.trial * blocks + c.block]!;
    await sweep.engine.evaluate(sweep.trials, missing, opts.evaluator, (refs, res) => {
      if (refs.length !== res.length) throw new InvariantError(`evaluator returned ${res.length} results for ${refs.length} cases`);
      const rows: StoredCase[] = [];
      refs.forEach((c, i) => {
        results[c.trial]![c.block] = res[i]!;
        rows.push({ key: keyOf(c), data: sweep.dataDigest, trial: sweep.trialKeys[c.trial]!, block: sweep.blockKeys[c.block]!, engineVersion: sweep.engineVersion, result: res[i]! });
      });
      opts.store?.putMany(rows);
      done += refs.length;
      opts.progress.tick(done);
    });
  }
  opts.progress.finish();
  for (const i of wanted) {
    const c = sweep.cases[i]!;
    if (!results[c.trial]![c.block]) throw new InvariantError(`case ${i} (trial ${c.trial}, block ${c.block}) has no result`);
  }
  return { results, evaluated: missing.length, reused, evaluateSeconds: (performance.now() - t0) / 1000 };
}

