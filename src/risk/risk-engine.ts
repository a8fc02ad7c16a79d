// The risk engine of paper and live runs: the gate's place rules, and monitors that move the trading state.
import { MICROS_PER_MS, type Micros } from '../core/index.js';
import type { MarketView } from '../strategy/index.js';
import { defaultRules, type PlaceRule, type RiskLimits } from './gate.js';
import { maxOpenOrdersRule, maxOrderNotionalRule, orderRateRule } from './place-rules.js';
import { maxContractNotionalRule } from './contract-notional.js';
import type { ContractSpec } from '../market/index.js';
import { gateLimitsOf, type RiskConfig } from './risk-config.js';
import { TradingStateMachine, type RiskCondition, type RiskTransition } from './trading-state.js';

const DAY_MICROS = 86_400_000_000;

/**
 * The gate's rules for a risk config: the defaults, order notional, open-order count (given a counter) and
 * the order rate (stateful: one list per gate). `contract`: a perpetual's terms (its order notional is
 * valued by them, not as price × qty).
 */
export function riskRules(config: Readonly<RiskConfig>, openCount?: () => number, contract?: ContractSpec): PlaceRule[] {
  const notional = contract !== undefined && contract.kind !== 'spot' ? maxContractNotionalRule(config.max_order_notional, contract) : maxOrderNotionalRule(config.max_order_notional);
  const rules = [...defaultRules, notional];
  if (openCount !== undefined) rules.push(maxOpenOrdersRule(config.max_open_orders, openCount));
  rules.push(orderRateRule(config.max_orders_per_window, config.order_rate_window_ms * MICROS_PER_MS));
  return rules;
}

/** What the driver knows about its connection at an evaluation. */
export interface FeedHealth {
  /** Local time of the last market-data update, µs (NaN: none yet). */
  lastDataLocal: Micros;
  connected: boolean;
  /** Live: the private stream of order updates is up (default true). */
  orderStream?: boolean;
  /** Why the ledger cannot be written, while it cannot (default: it can). */
  ledgerFault?: string | undefined;
}

/** Equity marks that must survive a restart (the ledger keeps them). */
export interface RiskMarks {
  dayIndex: number;
  dayStartEquity: number;
  peakEquity: number;
}

/**
 * Pure: no clock and no I/O. The driver calls `evaluate(now, health)` at every decision (and after
 * fills); the engine updates `view.tradingState` and returns the transitions, which the driver logs,
 * stores, and acts on (a move to halted cancels every order). Denials are the gate's, with `riskRules`
 * (the gate itself refuses everything when halted, and what grows |position| when reducing).
 */
export class RiskEngine {
  readonly machine = new TradingStateMachine();
  readonly limits: RiskLimits;
  marks: RiskMarks = { dayIndex: -1, dayStartEquity: Number.NaN, peakEquity: Number.NaN };
  /** End of the marks' UTC day, µs: a decision at or after it starts a new daily baseline. */
  private dayEnd = Number.NEGATIVE_INFINITY;
  private readonly out: RiskTransition[] = [];

  constructor(
    readonly config: Readonly<RiskConfig>,
    private readonly view: MarketView,
  ) {
    this.limits = gateLimitsOf(config);
  }

  get state(): MarketView['tradingState'] {
    return this.machine.state;
  }

  /** Restore equity marks from a previous run of the same ledger (same UTC day only for the daily mark). */
  restore(marks: Readonly<RiskMarks>): void {
    this.marks = { ...marks };
    this.dayEnd = (marks.dayIndex + 1) * DAY_MICROS;
  }

  /** The manual kill switch: halted until a restart or `resume`. */
  halt(now: Micros, reason: string): RiskTransition[] {
    this.out.length = 0;
    this.push(this.machine.raise(now, 'kill-switch', reason));
    this.view.tradingState = this.machine.state;
    return this.out.slice();
  }

  /** The strategy failed while trading (threw, or answered an invalid quote): halted until a restart. */
  strategyError(now: Micros, reason: string): RiskTransition[] {
    this.out.length = 0;
    this.push(this.machine.raise(now, 'strategy-error', reason));
    this.view.tradingState = this.machine.state;
    return this.out.slice();
  }

  /** A condition over several markets (the book's limits), raised or cleared by the driver of the markets. */
  portfolio(now: Micros, c: 'portfolio-loss' | 'portfolio-drawdown' | 'portfolio-notional', on: boolean, reason: string): RiskTransition[] {
    this.out.length = 0;
    this.flip(now, c, on, reason, reason);
    this.view.tradingState = this.machine.state;
    return this.out.slice();
  }

  /** An operator lifts a latched condition. */
  resume(now: Micros, condition: RiskCondition, reason: string): RiskTransition[] {
    this.out.length = 0;
    this.push(this.machine.reset(now, condition, reason));
    this.view.tradingState = this.machine.state;
    return this.out.slice();
  }

  /**
   * Check every monitor at `now`; returns the transitions (empty almost always). Runs at every decision
   * of every mode, bar backtests included: reasons are built only when a condition changes.
   */
  evaluate(now: Micros, health: Readonly<FeedHealth>): readonly RiskTransition[] {
    this.out.length = 0;
    const c = this.config;
    const v = this.view;
    const m = this.machine;
    // Connectivity and freshness first: without a market, PnL marks mean nothing.
    const down = !health.connected;
    if (down !== m.isRaised('disconnected')) this.flip(now, 'disconnected', down, 'market data connection lost', 'market data connection restored');
    const streamDown = health.orderStream === false;
    if (streamDown !== m.isRaised('order-stream')) this.flip(now, 'order-stream', streamDown, 'private order stream down: quoting nothing until it is back', 'private order stream back');
    const unwritable = health.ledgerFault !== undefined;
    if (unwritable !== m.isRaised('ledger')) this.flip(now, 'ledger', unwritable, `ledger unwritable: ${health.ledgerFault ?? ''}`, 'ledger writable again');
    const age = health.lastDataLocal === health.lastDataLocal ? now - health.lastDataLocal : Number.POSITIVE_INFINITY;
    const stale = age > c.stale_after_ms * MICROS_PER_MS;
    if (stale !== m.isRaised('stale-data'))
      this.flip(now, 'stale-data', stale, Number.isFinite(age) ? `no market data for ${Math.round(age / MICROS_PER_MS)} ms (limit ${c.stale_after_ms} ms)` : 'no market data yet', 'market data fresh again');
    if (v.mid > 0 && !stale) {
      const equity = v.equity;
      const marks = this.marks;
      if (now >= this.dayEnd || !(marks.dayStartEquity === marks.dayStartEquity)) {
        const day = Math.floor(now / DAY_MICROS);
        marks.dayIndex = day;
        this.dayEnd = (day + 1) * DAY_MICROS;
        marks.dayStartEquity = equity;
      }
      if (!(marks.peakEquity >= equity)) marks.peakEquity = equity;
      const loss = marks.dayStartEquity - equity;
      const drawdown = marks.peakEquity - equity;
      if (loss >= c.daily_loss_limit && !m.isRaised('daily-loss'))
        this.push(m.raise(now, 'daily-loss', `daily loss ${round2(loss)} reached daily_loss_limit ${c.daily_loss_limit}`));
      if (drawdown >= c.max_drawdown && !m.isRaised('drawdown'))
        this.push(m.raise(now, 'drawdown', `drawdown ${round2(drawdown)} reached max_drawdown ${c.max_drawdown}`));
      const lw = c.warn_fraction * c.daily_loss_limit;
      const lossWarn = loss >= lw;
      if (lossWarn !== m.isRaised('daily-loss-warning'))
        this.flip(now, 'daily-loss-warning', lossWarn, `daily loss ${round2(loss)} above ${round2(lw)} (warning)`, 'daily loss back under warning');
      const dw = c.warn_fraction * c.max_drawdown;
      const ddWarn = drawdown >= dw;
      if (ddWarn !== m.isRaised('drawdown-warning'))
        this.flip(now, 'drawdown-warning', ddWarn, `drawdown ${round2(drawdown)} above ${round2(dw)} (warning)`, 'drawdown back under warning');
    }
    const invLimit = c.reduce_at_inventory_fraction * c.max_inventory_qty;
    const full = Math.abs(v.position) >= invLimit * (1 - 1e-9);
    if (full !== m.isRaised('inventory'))
      this.flip(now, 'inventory', full, `|position| ${sig(Math.abs(v.position))} at or above ${sig(invLimit)}: reducing only`, 'inventory back under limit');
    v.tradingState = m.state;
    return this.out;
  }

  private flip(now: Micros, c: RiskCondition, on: boolean, raiseReason: string, clearReason: string): void {
    this.push(on ? this.machine.raise(now, c, raiseReason) : this.machine.clear(now, c, clearReason));
  }

  private push(t: RiskTransition | undefined): void {
    if (t !== undefined) this.out.push(t);
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** A size without the float noise of sums of fills (0.10765000000000004 → 0.10765). */
function sig(x: number): number {
  return Number(x.toPrecision(10));
}
