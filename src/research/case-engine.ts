// What the analysis needs from an engine (bars or an event file): blocks, the shared config, case identities, running cases.
import type { Bars } from '../market/index.js';
import type { FillLog, TradingConfig, Trace } from '../engine/index.js';
import type { Combo, ParamSpace } from './param-space.js';
import type { BlockResult } from './cases.js';
import type { Evaluator } from './evaluator.js';
import type { Plan } from './walk-forward.js';
import type { TickData } from './tick-blocks.js';

/** One strategy configuration of a sweep: a combo on a budget (every block of the data runs it). */
export interface Trial {
  combo: Combo;
  budget: number;
}

/** One case: trial `trial` (index into the sweep's trials) on block `block`. */
export interface CaseRef {
  trial: number;
  block: number;
}

/**
 * An engine of the analysis: the blocks and their spans, the base config every case shares, what
 * identifies the data, a block and a trial (for the results store), how to run cases through an
 * evaluator and to re-run one for its path, and its part of analysis.json.
 */
export interface CaseEngine {
  plan: Plan;
  base: TradingConfig;
  /** Scales γ and the bps levels: a price from before the first block (never in a test window). */
  refPrice: number;
  /** Per-sample returns annualised by √ of this (bars or trace samples per 365-day year). */
  periodsPerYear: number;
  /** Markout horizon of the adverse-selection check, in the engine's markout unit (bars; seconds for tick). */
  markoutHorizon: number;
  defaultSpace: ParamSpace;
  /** Time span of a block, µs (half-open). */
  span(block: number): [number, number];
  /** sha256 of the analysed data (every column the cases read): the same digest means the same market data. */
  dataDigest(): string;
  /** What places block `b` in the data (its range), for case keys. */
  blockKey(block: number): string;
  /** Everything a trial's cases share besides the data and the block, as plain data: its hash identifies the trial. */
  trialConfig(trial: Trial): Record<string, unknown>;
  /** Run `cases`; `onDone` gets each finished group with its results (same order), as the evaluator completes it. */
  evaluate(trials: readonly Trial[], cases: readonly CaseRef[], evaluator: Evaluator, onDone: (refs: readonly CaseRef[], results: readonly BlockResult[]) => void): Promise<void>;
  rerun(combo: Combo, budget: number, block: number): { trace: Trace; fills: FillLog; pnl: number; fillCount: number };
  metaData(source: Record<string, unknown>): Record<string, unknown>;
  metaWalkForward(): Record<string, unknown>;
  describe(): string;
  bars?: Bars;
  tickData?: TickData;
}

/**
 * Cases grouped into tasks: by block (cases of one block together, at most `max` per task: what a
 * shared pass runs in one walk of the data) or by trial (one trial's blocks together). Deterministic:
 * groups come in block (or trial) order and keep the cases' order within it.
 */
export function groupCases(cases: readonly CaseRef[], by: 'block' | 'trial', max: number): CaseRef[][] {
  const key = (c: CaseRef): number => (by === 'block' ? c.block : c.trial);
  const groups = new Map<number, CaseRef[]>();
  for (const c of cases) {
    const g = groups.get(key(c));
    if (g) g.push(c);
    else groups.set(key(c), [c]);
  }
  const out: CaseRef[][] = [];
  for (const k of [...groups.keys()].sort((a, b) => a - b)) {
    const g = groups.get(k)!;
    for (let i = 0; i < g.length; i += max) out.push(g.slice(i, i + max));
  }
  return out;
}

/**
 * The part of the trading config that can change a case's result: without the data section (where the
 * data comes from; its content is hashed instead), the policy's path (its content is hashed) and the
 * live section. The same data read from another path is the same data.
 */
export function trialBase(base: TradingConfig): Record<string, unknown> {
  const { data: _data, live: _live, ...rest } = base;
  const { policy_path: _policy, ...quoting } = rest.quoting;
  return { ...rest, quoting };
}
