// The risk engine of paper and live runs: the gate's place rules, and monitors that move the trading state.
import { MICROS_PER_MS, type Micros } from '../core/index.js';
import type { MarketView } from '../strategy/index.js';
import { defaultRules, type OpenCount, type PlaceRule, type RiskLimits } from './gate.js';
import { maxOpenOrdersRule, maxOrderNotionalRule, orderRateRule } from './place-rules.js';
import { maxContractNotionalRule } from './contract-notional.js';
import type { ContractSpec } from '../market/index.js';
import { gateLimitsOf, type RiskConfig } from './risk-config.js';
import { CONDITION_BIT, TradingStateMachine, type RiskCondition, type RiskTransition } from './trading-state.js';

const DAY_MICROS = 86_400_000_000;
// The monitors test the machine's bits inline: `evaluate` runs at every decision of every backtest.
const DISCONNECTED = CONDITION_BIT['disconnected'];
const STALE = CONDITION_BIT['stale-data'];
const DAILY_LOSS = CONDITION_BIT['daily-loss'];
const DRAWDOWN = CONDITION_BIT['drawdown'];
const DAILY_LOSS_WARNING = CONDITION_BIT['daily-loss-warning'];
const DRAWDOWN_WARNING = CONDITION_BIT['drawdown-warning'];
const INVENTORY = CONDITION_BIT['inventory'];
const ORDER_STREAM = CONDITION_BIT['order-stream'];
const LEDGER = CONDITION_BIT['ledger'];

/**
 * The gate's rules for a risk config: the defaults, order notional, open-order count (given the table of
 * open orders, or a counter) and the order rate (stateful: one list per gate). `contract`: a perpetual's
 * terms (its order notional is valued by them, not as price × qty).
 */
export function riskRules(config: Readonly<RiskConfig>, open?: OpenCount | (() => number), contract?: ContractSpec): PlaceRule[] {
  const notional = contract !== undefined && contract.kind !== 'spot' ? maxContractNotionalRule(config.max_order_notional, contract) : maxOrderNotionalRule(config.max_order_notional);
  const rules = [...defaultRules, notional];
  if (open !== undefined) rules.push(maxOpenOrdersRule(config.max_open_orders, open));
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
  /**
   * The config's thresholds, computed once (as `transitions` computes them for its reasons) and read from this
   * object, whose shape never changes: `evaluate` runs at every decision, and configs of different runs in one
   * process can differ in shape.
   */
  private readonly staleMicros: number;
  private readonly dailyLossLimit: number;
  private readonly maxDrawdown: number;
  private readonly lossWarnAt: number;
  private readonly drawdownWarnAt: number;
  private readonly inventoryAt: number;
  /**
   * Where no monitor can change anything, as of the last `evaluate` (the drivers' decision tests it at every
   * decision and calls `evaluate` only outside it; `inBand` is the test): [0] the end of the day's marks (time
   * before it), [1, 2] equity in (lo, hi], [3, 4] |position| in [lo, hi), [5] the stale limit (data age at or
   * under it). Valid only while the feed is connected and the health conditions are clear; otherwise it
   * holds no time (−∞), and every decision evaluates.
   */
  readonly band = new Float64Array([Number.NEGATIVE_INFINITY, Number.NaN, Number.NaN, Number.NaN, Number.NaN, Number.NaN]);

  constructor(
    readonly config: Readonly<RiskConfig>,
    private readonly view: MarketView,
  ) {
    this.limits = gateLimitsOf(config);
    this.staleMicros = config.stale_after_ms * MICROS_PER_MS;
    this.dailyLossLimit = config.daily_loss_limit;
    this.maxDrawdown = config.max_drawdown;
    this.lossWarnAt = config.warn_fraction * config.daily_loss_limit;
    this.drawdownWarnAt = config.warn_fraction * config.max_drawdown;
    this.inventoryAt = config.reduce_at_inventory_fraction * config.max_inventory_qty * (1 - 1e-9);
  }

  get state(): MarketView['tradingState'] {
    return this.machine.state;
  }

  /** Restore equity marks from a previous run of the same ledger (same UTC day only for the daily mark). */
  restore(marks: Readonly<RiskMarks>): void {
    this.band[0] = Number.NEGATIVE_INFINITY;
    this.marks = { ...marks };
    this.dayEnd = (marks.dayIndex + 1) * DAY_MICROS;
  }

  /** The manual kill switch: halted until a restart or `resume`. */
  halt(now: Micros, reason: string): RiskTransition[] {
    this.band[0] = Number.NEGATIVE_INFINITY;
    this.out.length = 0;
    this.push(this.machine.raise(now, 'kill-switch', reason));
    this.view.tradingState = this.machine.state;
    return this.out.slice();
  }

  /** The strategy failed while trading (threw, or answered an invalid quote): halted until a restart. */
  strategyError(now: Micros, reason: string): RiskTransition[] {
    this.band[0] = Number.NEGATIVE_INFINITY;
    this.out.length = 0;
    this.push(this.machine.raise(now, 'strategy-error', reason));
    this.view.tradingState = this.machine.state;
    return this.out.slice();
  }

  /** A condition over several markets (the book's limits), raised or cleared by the driver of the markets. */
  portfolio(now: Micros, c: 'portfolio-loss' | 'portfolio-drawdown' | 'portfolio-notional', on: boolean, reason: string): RiskTransition[] {
    this.band[0] = Number.NEGATIVE_INFINITY;
    this.out.length = 0;
    this.flip(now, c, on, reason, reason);
    this.view.tradingState = this.machine.state;
    return this.out.slice();
  }

  /**
   * The replayed book is unknown (a gap row: the depth stream broke) or known again (a snapshot resynced it),
   * raised and cleared by the driver that reads the rows. Halted meanwhile: nothing is quoted on a book nobody knows.
   */
  bookGap(now: Micros, on: boolean, reason: string): RiskTransition[] {
    this.band[0] = Number.NEGATIVE_INFINITY;
    this.out.length = 0;
    this.flip(now, 'book-gap', on, reason, reason);
    this.view.tradingState = this.machine.state;
    return this.out.slice();
  }

  /** An operator lifts a latched condition. */
  resume(now: Micros, condition: RiskCondition, reason: string): RiskTransition[] {
    this.band[0] = Number.NEGATIVE_INFINITY;
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
    if (this.out.length !== 0) this.out.length = 0;
    const v = this.view;
    const m = this.machine;
    // The monitors as bits first (no reason strings: nothing changes at almost every decision), then,
    // only when a condition would change, the transitions with their reasons in `transitions`.
    const down = !health.connected;
    const streamDown = health.orderStream === false;
    const unwritable = health.ledgerFault !== undefined;
    const age = health.lastDataLocal === health.lastDataLocal ? now - health.lastDataLocal : Number.POSITIVE_INFINITY;
    const stale = age > this.staleMicros;
    let want = (down ? DISCONNECTED : 0) | (streamDown ? ORDER_STREAM : 0) | (unwritable ? LEDGER : 0) | (stale ? STALE : 0);
    let watched = DISCONNECTED | ORDER_STREAM | LEDGER | STALE | INVENTORY;
    let raiseOnly = 0;
    let loss = Number.NaN;
    let drawdown = Number.NaN;
    // Without a market (no mid, stale data), PnL marks mean nothing: the loss monitors hold.
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
      loss = marks.dayStartEquity - equity;
      drawdown = marks.peakEquity - equity;
      if (loss >= this.dailyLossLimit) want |= DAILY_LOSS;
      if (drawdown >= this.maxDrawdown) want |= DRAWDOWN;
      if (loss >= this.lossWarnAt) want |= DAILY_LOSS_WARNING;
      if (drawdown >= this.drawdownWarnAt) want |= DRAWDOWN_WARNING;
      watched |= DAILY_LOSS_WARNING | DRAWDOWN_WARNING;
      raiseOnly = DAILY_LOSS | DRAWDOWN; // latched: raised here, lifted only by a reset
    }
    if (Math.abs(v.position) >= this.inventoryAt) want |= INVENTORY;
    const cur = m.mask;
    if (((cur ^ want) & watched) !== 0 || (want & raiseOnly & ~cur) !== 0) this.transitions(now, want, raiseOnly !== 0, age, loss, drawdown, health);
    if (v.tradingState !== m.state) v.tradingState = m.state; // written on a change only: the view is read at every step
    this.setBand(health);
    return this.out;
  }

  /**
   * True when `evaluate(now, { lastDataLocal, connected: true })` (with the health of the last evaluation)
   * would change nothing: no transition, no new day, no new peak. The drivers' decision makes this test
   * itself, on the band's numbers (`TradingSession.decide`, where a call would cost more than the test).
   */
  inBand(now: Micros, lastDataLocal: Micros): boolean {
    const b = this.band;
    const e = this.view.equity;
    const a = Math.abs(this.view.position);
    return now < b[0]! && e > b[1]! && e <= b[2]! && a >= b[3]! && a < b[4]! && now - lastDataLocal <= b[5]!;
  }

  /**
   * The band after an evaluation. Each loss test (`marks − equity ≥ limit`) is monotone in equity, so one
   * bound on the safe side of its threshold, checked with the test itself, keeps the whole half-line on that
   * side: inside the band every test gives what it gives now, bit for bit.
   */
  private setBand(health: Readonly<FeedHealth>): void {
    const b = this.band;
    const cur = this.machine.mask;
    if (!health.connected || health.orderStream === false || health.ledgerFault !== undefined || (cur & (DISCONNECTED | ORDER_STREAM | LEDGER | STALE)) !== 0) {
      b[0] = Number.NEGATIVE_INFINITY;
      return;
    }
    const d = this.marks.dayStartEquity;
    const p = this.marks.peakEquity;
    let lo = Number.NEGATIVE_INFINITY;
    let hi = p; // above the peak, a new peak is marked
    if ((cur & DAILY_LOSS) === 0) lo = Math.max(lo, above(d, this.dailyLossLimit));
    if ((cur & DRAWDOWN) === 0) lo = Math.max(lo, above(p, this.maxDrawdown));
    if ((cur & DAILY_LOSS_WARNING) !== 0) hi = Math.min(hi, below(d, this.lossWarnAt));
    else lo = Math.max(lo, above(d, this.lossWarnAt));
    if ((cur & DRAWDOWN_WARNING) !== 0) hi = Math.min(hi, below(p, this.drawdownWarnAt));
    else lo = Math.max(lo, above(p, this.drawdownWarnAt));
    const inventory = (cur & INVENTORY) !== 0;
    b[0] = this.dayEnd;
    b[1] = lo;
    b[2] = hi;
    b[3] = inventory ? this.inventoryAt : Number.NEGATIVE_INFINITY;
    b[4] = inventory ? Number.POSITIVE_INFINITY : this.inventoryAt;
    b[5] = this.staleMicros;
  }

  /** The changes `evaluate` found (bits in `want`), in a fixed order, each with its reason. */
  private transitions(now: Micros, want: number, marked: boolean, age: number, loss: number, drawdown: number, health: Readonly<FeedHealth>): void {
    const c = this.config;
    const m = this.machine;
    const on = (bit: number): boolean => (want & bit) !== 0;
    const raised = (bit: number): boolean => (m.mask & bit) !== 0;
    if (on(DISCONNECTED) !== raised(DISCONNECTED)) this.flip(now, 'disconnected', on(DISCONNECTED), 'market data connection lost', 'market data connection restored');
    if (on(ORDER_STREAM) !== raised(ORDER_STREAM)) this.flip(now, 'order-stream', on(ORDER_STREAM), 'private order stream down: quoting nothing until it is back', 'private order stream back');
    if (on(LEDGER) !== raised(LEDGER)) this.flip(now, 'ledger', on(LEDGER), `ledger unwritable: ${health.ledgerFault ?? ''}`, 'ledger writable again');
    if (on(STALE) !== raised(STALE))
      this.flip(now, 'stale-data', on(STALE), Number.isFinite(age) ? `no market data for ${Math.round(age / MICROS_PER_MS)} ms (limit ${c.stale_after_ms} ms)` : 'no market data yet', 'market data fresh again');
    if (marked) {
      if (on(DAILY_LOSS) && !raised(DAILY_LOSS)) this.push(m.raise(now, 'daily-loss', `daily loss ${round2(loss)} reached daily_loss_limit ${c.daily_loss_limit}`));
      if (on(DRAWDOWN) && !raised(DRAWDOWN)) this.push(m.raise(now, 'drawdown', `drawdown ${round2(drawdown)} reached max_drawdown ${c.max_drawdown}`));
      const lw = c.warn_fraction * c.daily_loss_limit;
      if (on(DAILY_LOSS_WARNING) !== raised(DAILY_LOSS_WARNING))
        this.flip(now, 'daily-loss-warning', on(DAILY_LOSS_WARNING), `daily loss ${round2(loss)} above ${round2(lw)} (warning)`, 'daily loss back under warning');
      const dw = c.warn_fraction * c.max_drawdown;
      if (on(DRAWDOWN_WARNING) !== raised(DRAWDOWN_WARNING))
        this.flip(now, 'drawdown-warning', on(DRAWDOWN_WARNING), `drawdown ${round2(drawdown)} above ${round2(dw)} (warning)`, 'drawdown back under warning');
    }
    const invLimit = c.reduce_at_inventory_fraction * c.max_inventory_qty;
    if (on(INVENTORY) !== raised(INVENTORY))
      this.flip(now, 'inventory', on(INVENTORY), `|position| ${sig(Math.abs(this.view.position))} at or above ${sig(invLimit)}: reducing only`, 'inventory back under limit');
  }

  private flip(now: Micros, c: RiskCondition, on: boolean, raiseReason: string, clearReason: string): void {
    this.push(on ? this.machine.raise(now, c, raiseReason) : this.machine.clear(now, c, clearReason));
  }

  private push(t: RiskTransition | undefined): void {
    if (t !== undefined) this.out.push(t);
  }
}

/** A bound `lo` with `x − e < t` for every e > lo (NaN when the check fails: no band). */
function above(x: number, t: number): number {
  const lo = x - t + 1e-9 * (Math.abs(x) + Math.abs(t));
  return x - lo < t ? lo : Number.NaN;
}

/** A bound `hi` with `x − e ≥ t` for every e ≤ hi (NaN when the check fails: no band). */
function below(x: number, t: number): number {
  const hi = x - t - 1e-9 * (Math.abs(x) + Math.abs(t));
  return x - hi >= t ? hi : Number.NaN;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** A size without the float noise of sums of fills (0.10765000000000004 → 0.10765). */
function sig(x: number): number {
  return Number(x.toPrecision(10));
}
