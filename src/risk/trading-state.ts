// The trading-state machine: active → reducing → halted, driven by named conditions, each with its reason.
import type { Micros } from '../core/index.js';
import type { TradingState } from '../strategy/index.js';

/**
 * Why the state is what it is. Each condition forces a minimum state while it is raised; the state is
 * the worst of the raised conditions. Latched conditions stay raised until an explicit `reset`
 * (a restart, or an operator): a kill switch or a breached loss limit must not lift by itself.
 */
export type RiskCondition =
  | 'kill-switch'
  | 'strategy-error'
  | 'daily-loss'
  | 'drawdown'
  | 'daily-loss-warning'
  | 'drawdown-warning'
  | 'inventory'
  | 'stale-data'
  | 'disconnected'
  | 'order-stream'
  | 'ledger'
  | 'portfolio-loss'
  | 'portfolio-drawdown'
  | 'portfolio-notional'
  | 'book-gap';

interface ConditionSpec {
  readonly state: Exclude<TradingState, 'active'>;
  readonly latched: boolean;
}

export const CONDITIONS: Readonly<Record<RiskCondition, ConditionSpec>> = {
  'kill-switch': { state: 'halted', latched: true },
  /** A strategy threw or answered an invalid quote while trading: nothing it says can be trusted until a restart. */
  'strategy-error': { state: 'halted', latched: true },
  'daily-loss': { state: 'halted', latched: true },
  drawdown: { state: 'halted', latched: true },
  'daily-loss-warning': { state: 'reducing', latched: false },
  'drawdown-warning': { state: 'reducing', latched: false },
  inventory: { state: 'reducing', latched: false },
  'stale-data': { state: 'halted', latched: false },
  disconnected: { state: 'halted', latched: false },
  /** Live: the private stream of order updates and fills is down (nothing may rest that we cannot hear about). */
  'order-stream': { state: 'halted', latched: false },
  /** The ledger cannot be written: no new order until what is held is on disk. */
  ledger: { state: 'halted', latched: false },
  /** Several markets: the whole book lost `portfolio.max_loss`: every market halted until a restart. */
  'portfolio-loss': { state: 'halted', latched: true },
  /** Several markets: the whole book fell `portfolio.max_drawdown` from its peak: every market halted until a restart. */
  'portfolio-drawdown': { state: 'halted', latched: true },
  /** Several markets: Σ |position × mid| at or above `portfolio.max_notional`: every market only reduces. */
  'portfolio-notional': { state: 'reducing', latched: false },
  /** A replayed capture's depth stream broke: the book is unknown until a snapshot resyncs it (nothing is quoted on it). */
  'book-gap': { state: 'halted', latched: false },
};

const RANK: Readonly<Record<TradingState, number>> = { active: 0, reducing: 1, halted: 2 };

/** One bit per condition (`TradingStateMachine.mask`): the monitors test them at every decision of every backtest. */
export const CONDITION_BIT: Readonly<Record<RiskCondition, number>> = {
  'kill-switch': 1,
  'daily-loss': 2,
  drawdown: 4,
  'daily-loss-warning': 8,
  'drawdown-warning': 16,
  inventory: 32,
  'stale-data': 64,
  disconnected: 128,
  'order-stream': 256,
  ledger: 512,
  'strategy-error': 1024,
  'portfolio-loss': 2048,
  'portfolio-drawdown': 4096,
  'portfolio-notional': 8192,
  'book-gap': 16384,
};

/** One change of a condition, and the state change it caused (from === to when the state held). */
export interface RiskTransition {
  readonly ts: Micros;
  readonly condition: RiskCondition;
  readonly raised: boolean;
  readonly from: TradingState;
  readonly to: TradingState;
  readonly reason: string;
}

export class TradingStateMachine {
  private readonly raised = new Map<RiskCondition, string>();
  /** The raised conditions as bits (`CONDITION_BIT`), in step with `raised`; read it, never write it. */
  mask = 0;
  state: TradingState = 'active';

  /** Raised conditions and their reasons, worst first. */
  reasons(): { condition: RiskCondition; reason: string }[] {
    return [...this.raised]
      .map(([condition, reason]) => ({ condition, reason }))
      .sort((a, b) => RANK[CONDITIONS[b.condition].state] - RANK[CONDITIONS[a.condition].state]);
  }

  isRaised(c: RiskCondition): boolean {
    return (this.mask & CONDITION_BIT[c]) !== 0;
  }

  /** Raise a condition; returns the transition, or undefined when it was already raised. */
  raise(ts: Micros, condition: RiskCondition, reason: string): RiskTransition | undefined {
    if (this.raised.has(condition)) return undefined;
    this.raised.set(condition, reason);
    this.mask |= CONDITION_BIT[condition];
    return this.settle(ts, condition, true, reason);
  }

  /** Clear a non-latched condition; latched ones stay (see `reset`). */
  clear(ts: Micros, condition: RiskCondition, reason: string): RiskTransition | undefined {
    if (!this.raised.has(condition) || CONDITIONS[condition].latched) return undefined;
    this.raised.delete(condition);
    this.mask &= ~CONDITION_BIT[condition];
    return this.settle(ts, condition, false, reason);
  }

  /** Clear any condition, latched or not: an operator's decision. */
  reset(ts: Micros, condition: RiskCondition, reason: string): RiskTransition | undefined {
    if (!this.raised.delete(condition)) return undefined;
    this.mask &= ~CONDITION_BIT[condition];
    return this.settle(ts, condition, false, reason);
  }

  private settle(ts: Micros, condition: RiskCondition, raised: boolean, reason: string): RiskTransition {
    const from = this.state;
    let to: TradingState = 'active';
    for (const c of this.raised.keys()) {
      const s = CONDITIONS[c].state;
      if (RANK[s] > RANK[to]) to = s;
    }
    this.state = to;
    return { ts, condition, raised, from, to, reason };
  }
}
