// What the risk engine did over a run: time in each trading state, the transitions, the denials by rule (metrics.json).
import { z } from 'zod';
import { isoOf, type Micros } from '../core/index.js';
import { CONDITIONS, type RiskTransition } from '../risk/index.js';
import type { TradingState } from '../strategy/index.js';

/** Trace code of a trading state (a numeric column; the CSV writes the name). */
export const STATE_CODE: Readonly<Record<TradingState, number>> = { active: 0, reducing: 1, halted: 2 };
export const STATE_NAMES: readonly TradingState[] = ['active', 'reducing', 'halted'];

/** Transitions kept in metrics.json (the count is always complete). */
const MAX_LISTED = 200;

export const RiskMetricsSchema = z.object({
  final_state: z.enum(['active', 'reducing', 'halted']),
  seconds_in_state: z.object({ active: z.number(), reducing: z.number(), halted: z.number() }).describe('time between the first decision and the end in each trading state'),
  transitions_total: z.number().int().nonnegative().describe('condition changes (raised or cleared), whether or not the state moved'),
  state_changes_total: z.number().int().nonnegative().describe('the condition changes that moved the trading state (from ≠ to)'),
  transitions: z
    .array(z.object({ ts: z.string(), condition: z.string(), raised: z.boolean(), from: z.string(), to: z.string(), reason: z.string() }))
    .describe(`the first ${MAX_LISTED} condition changes, in order`),
  denials_by_rule: z.record(z.string(), z.number().int().nonnegative()).describe('orders refused before they left, by rule: the pre-trade gate\'s rules, and ledger for a journal that could not record them'),
  halts: z
    .array(z.object({ ts: z.string(), condition: z.string(), reason: z.string() }))
    .describe('every halt that lasts until a restart (a loss or drawdown limit, a kill switch, a strategy error, the book limits of several markets), in order; complete even when transitions is cut'),
});
export type RiskMetrics = z.infer<typeof RiskMetricsSchema>;

export class RiskRecord {
  /**
   * Microseconds in each state, by `STATE_CODE`, up to `lastTs`. The session calls `advance` at its first
   * decision and at each transition only: the time between is one state's, and whole microseconds sum
   * exactly, so this is the same as adding every decision's interval.
   */
  private readonly microsByCode = new Float64Array(3);
  readonly transitions: RiskTransition[] = [];
  private lastTs = Number.NaN;
  private code = 0;

  /** Time up to `now` was spent in the state held since the last call; from `now` on, the state of `code` (`STATE_CODE`). */
  advance(now: Micros, code: number): void {
    if (this.lastTs === this.lastTs && now > this.lastTs) this.microsByCode[this.code]! += now - this.lastTs;
    if (!(now < this.lastTs)) this.lastTs = now;
    this.code = code;
  }

  /** True once `advance` has been called (the record's start). */
  get started(): boolean {
    return this.lastTs === this.lastTs;
  }

  push(t: RiskTransition): void {
    this.transitions.push(t);
  }

  /** The record at the end of the run (`end`: the run's last time). */
  metrics(end: Micros, denials: ReadonlyMap<string, number>): RiskMetrics {
    const state = STATE_NAMES[this.code]!;
    const m = Float64Array.from(this.microsByCode);
    if (this.lastTs === this.lastTs && end > this.lastTs) m[this.code]! += end - this.lastTs;
    const seconds = { active: m[0]! / 1e6, reducing: m[1]! / 1e6, halted: m[2]! / 1e6 };
    const byRule: Record<string, number> = {};
    for (const [k, n] of [...denials].sort((a, b) => a[0].localeCompare(b[0]))) byRule[k] = n;
    return {
      final_state: state,
      seconds_in_state: { active: r6(seconds.active), reducing: r6(seconds.reducing), halted: r6(seconds.halted) },
      transitions_total: this.transitions.length,
      state_changes_total: this.transitions.reduce((n, t) => n + (t.from !== t.to ? 1 : 0), 0),
      transitions: this.transitions.slice(0, MAX_LISTED).map((t) => ({ ts: isoOf(t.ts), condition: t.condition, raised: t.raised, from: t.from, to: t.to, reason: t.reason })),
      denials_by_rule: byRule,
      halts: this.transitions
        .filter((t) => t.raised && CONDITIONS[t.condition].latched && CONDITIONS[t.condition].state === 'halted')
        .map((t) => ({ ts: isoOf(t.ts), condition: t.condition, reason: t.reason })),
    };
  }
}

function r6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
