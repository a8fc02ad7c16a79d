// The trading session: core, risk engine, the gate's one rule set, the decision timer and the journal, the same in every mode.
import { isoOf, type Micros } from '../core/index.js';
import type { OrderEventHandler, OrderSink } from '../orders/index.js';
import { RiskEngine, gateLimitsOf, riskRules, type FeedHealth, type RiskTransition } from '../risk/index.js';
import { StrategyFault, type Strategy } from '../strategy/index.js';
import { TradingCore, type CoreOptions } from './trading-core.js';
import { JournaledOrderEvents, durableJournal, journaledSink } from './journaled-orders.js';
import type { PaperJournal, ResumeState } from './paper-journal.js';
import { RiskRecord, STATE_CODE, type RiskMetrics } from './risk-record.js';
import type { SessionSettings } from './trading-resolve.js';

/** What a driver plugs in: its venue (simulated or real) and, for paper and live, a journal. */
export interface SessionPorts {
  venue: OrderSink;
  /** Orders, answers, fills and risk transitions are recorded here (the ledger); none in backtests. */
  journal?: PaperJournal;
  /** Called for each approved place on its way to the venue (live counts them). */
  onPlace?: () => void;
  /** Called for each fill the venue reports, after the core and the journal. */
  onFill?: () => void;
  /**
   * What a move to halted does instead of cancelling each open order through the gate (live: one
   * cancel-all at the exchange, verified with its open orders).
   */
  onHalt?: (now: Micros) => void;
}

/**
 * Built once per run, by this constructor only, from the settings `resolveTrading` derives from the one
 * config (`SessionSettings`); drivers (`BarSession`, `TickBacktest`, `PaperSession`, `LiveSession`)
 * supply only the clock, the feed and the venue. At each decision the risk engine evaluates first (feed health, daily
 * loss, drawdown, inventory): a move to `halted` cancels every order, and while halted the strategy is
 * not asked (nothing is quoted); otherwise strategy → reconcile → the gate (`riskRules`: size, notional,
 * inventory, price band, open orders, order rate, reducing-only) → venue. The venue's answers come back
 * through `answers` (core first, then the journal). A bar backtest, a tick backtest, a paper run and a
 * live run therefore apply the same risk, in the same order, with the same reasons.
 */
export class TradingSession {
  readonly core: TradingCore;
  readonly risk: RiskEngine;
  readonly record = new RiskRecord();
  /** Where the venue's answers go. */
  readonly answers: OrderEventHandler;
  readonly journal: PaperJournal | undefined;
  /** The trading state as a trace code (0 active, 1 reducing, 2 halted). */
  stateCode = 0;
  /** The first failure of the strategy while trading (it halted the session), if any. */
  strategyError: string | undefined;
  /** Observers of transitions and denials (paper notes, live logs, the dashboard, parity tests). */
  onTransition: ((t: RiskTransition) => void) | undefined;
  onDenied: ((ts: Micros, clientId: number, reason: string) => void) | undefined;
  private readonly health: FeedHealth = { lastDataLocal: Number.NaN, connected: true };
  private readonly band: Float64Array;
  private readonly haltAction: (now: Micros) => void;

  constructor(
    strategy: Strategy,
    readonly settings: Readonly<SessionSettings>,
    ports: Readonly<SessionPorts>,
  ) {
    const risk = settings.risk;
    // The gate's rules count the core's own table of open orders (the order being placed included:
    // reconcile records it before the gate sees it); the core builds its gate when it connects.
    const options: CoreOptions = {
      initialCash: settings.initialCash,
      ...(settings.contract ? { contract: settings.contract } : {}),
      reconcile: settings.reconcile,
      limits: gateLimitsOf(risk),
      maxOpenOrders: risk.max_open_orders,
      ...(settings.lotSize !== undefined ? { lotSize: settings.lotSize } : {}),
      ...(settings.minNotional !== undefined ? { minNotional: settings.minNotional } : {}),
    };
    this.core = new TradingCore(strategy, options);
    options.rules = riskRules(risk, this.core.open, settings.contract);
    this.risk = new RiskEngine(risk, this.core.view);
    this.band = this.risk.band;
    // Durable: a write the ledger refuses is held and retried in order, never dropped; an order it cannot
    // record is denied instead of sent.
    const j = ports.journal === undefined ? undefined : durableJournal(ports.journal);
    this.journal = j;
    this.haltAction = ports.onHalt ?? ((now) => this.core.cancelAll(now));
    this.answers = j === undefined ? (ports.onFill === undefined ? this.core : countingFills(this.core, ports.onFill)) : new JournaledOrderEvents(this.core, j, ports.onFill);
    // A place the journal cannot record never leaves: the gate takes it back from its places and counts
    // it as denied (rule `ledger`), so orders_placed is what reached the venue.
    const unsent = { onDenied: (ts: Micros, id: number, reason: string) => this.core.gate.unsent(ts, id, 'ledger', reason) };
    this.core.connect(j === undefined ? ports.venue : journaledSink(j, ports.venue, ports.onPlace, unsent));
    this.core.onOrderEvent = (kind, id, reason) => {
      if (kind !== 'denied') return; // venue rejections are journaled with the answers
      const now = this.core.view.now;
      j?.orderEvent(now, id, 'denied', reason);
      this.onDenied?.(now, id, reason);
    };
  }

  /**
   * One decision at local time `now` (the driver has refreshed the view): the risk monitors, then, unless
   * halted, strategy → reconcile → gate → venue. `lastDataLocal` is the local time of the newest market
   * data (NaN: none yet). `live`: the private order stream and the ledger's health (live only). `quote`
   * false: the risk monitors only (live, while a halt's cancel-all is in flight). Returns the commands sent.
   */
  decide(now: Micros, lastDataLocal: Micros, connected: boolean, live?: Readonly<Pick<FeedHealth, 'orderStream' | 'ledgerFault'>>, quote = true): number {
    // Kept small (the rare paths are methods of their own): a bar backtest calls this at every bar, and
    // V8 inlines by bytecode size.
    const v = this.core.view;
    v.now = now;
    // Inside the risk engine's band nothing can change (`RiskEngine.inBand`, tested here on its numbers:
    // no call, no boxed arguments); outside it, or with live health, the monitors evaluate.
    const b = this.band;
    const e = v.equity;
    const a = Math.abs(v.position);
    if (live !== undefined || !connected || !(now < b[0]! && e > b[1]! && e <= b[2]! && a >= b[3]! && a < b[4]! && now - lastDataLocal <= b[5]!)) this.monitor(now, lastDataLocal, connected, live);
    // Time in each state starts at the first decision; after that the record moves at transitions only (`apply`).
    if (!this.record.started) this.record.advance(now, this.stateCode);
    if (this.stateCode === 2 || !quote) return 0;
    return this.quote(now);
  }

  /** The risk monitors at `now`, and what their transitions do. */
  private monitor(now: Micros, lastDataLocal: Micros, connected: boolean, live: Readonly<Pick<FeedHealth, 'orderStream' | 'ledgerFault'>> | undefined): void {
    const h = this.health;
    h.lastDataLocal = lastDataLocal;
    h.connected = connected;
    if (live !== undefined) this.liveHealth(live);
    const ts = this.risk.evaluate(now, h);
    if (ts.length > 0) this.apply(now, ts);
  }

  private liveHealth(live: Readonly<Pick<FeedHealth, 'orderStream' | 'ledgerFault'>>): void {
    const h = this.health;
    h.orderStream = live.orderStream !== false;
    h.ledgerFault = live.ledgerFault;
  }

  /** strategy → reconcile → gate → venue; a strategy that throws or answers garbage halts the session. */
  private quote(now: Micros): number {
    try {
      return this.core.decide(now);
    } catch (e) {
      if (!(e instanceof StrategyFault)) throw e;
      this.strategyFault(now, e.message);
      return 0;
    }
  }

  /** Halted (every order cancelled), with the strategy's failure as the reason. */
  private strategyFault(now: Micros, message: string): void {
    this.strategyError ??= message;
    this.apply(now, this.risk.strategyError(now, message));
  }

  /** The kill switch (halt file, dashboard, a venue's fatal fault): halted until a restart. */
  halt(now: Micros, reason: string): void {
    if (this.risk.machine.isRaised('kill-switch')) return;
    this.apply(now, this.risk.halt(now, reason));
  }

  /** A limit over the whole book (several markets) raised or cleared for this market (halted or reducing like its own). */
  portfolio(now: Micros, condition: 'portfolio-loss' | 'portfolio-drawdown' | 'portfolio-notional', on: boolean, reason: string): void {
    if (this.risk.machine.isRaised(condition) === on) return;
    const ts = this.risk.portfolio(now, condition, on, reason);
    if (ts.length === 0) return;
    this.apply(now, ts);
  }

  /**
   * The replayed book as the trading side knows it: unknown since local time `since` (a gap row arrived: the
   * capture's depth stream broke; NaN: known, a snapshot has resynced it). While unknown the `book-gap`
   * condition holds the session halted: every order cancelled, nothing quoted. Called at decisions; a no-op
   * unless the state changed.
   */
  bookGap(now: Micros, since: Micros): void {
    const on = since === since;
    if (this.risk.machine.isRaised('book-gap') === on) return;
    const reason = on ? `the depth stream broke at ${isoOf(since)}: the book is unknown until a snapshot resyncs it` : 'the book resynced from a snapshot';
    this.apply(now, this.risk.bookGap(now, on, reason));
  }

  /** Cancel every open order (halt, end of run, signal). */
  cancelAll(now: Micros): void {
    this.core.cancelAll(now);
  }

  /** Continue from a ledger: position, cash, the id sequence and the risk marks (open orders are the driver's). */
  resume(r: Readonly<ResumeState>): void {
    this.core.restore(r);
    if (r.riskMarks !== undefined) this.risk.restore(r.riskMarks);
  }

  /** The risk part of metrics.json at the end of the run. */
  riskMetrics(end: Micros): RiskMetrics {
    return this.record.metrics(end, this.core.gate.denialsByRule);
  }

  private apply(now: Micros, ts: readonly RiskTransition[]): void {
    let halt = false;
    for (const t of ts) {
      this.record.push(t);
      this.journal?.risk(t);
      this.onTransition?.(t);
      if (t.to === 'halted' && t.from !== 'halted') halt = true;
    }
    this.stateCode = STATE_CODE[this.core.view.tradingState];
    this.record.advance(now, this.stateCode);
    if (halt) this.haltAction(now);
  }
}

/** The core as the venue's handler, counting fills for an observer. */
function countingFills(core: TradingCore, onFill: () => void): OrderEventHandler {
  return {
    onAccepted: (ts, id) => core.onAccepted(ts, id),
    onRejected: (ts, id, reason) => core.onRejected(ts, id, reason),
    onDenied: (ts, id, reason) => core.onDenied(ts, id, reason),
    onCanceled: (ts, id) => core.onCanceled(ts, id),
    onFill: (ts, id, side, price, qty, fee, liq) => {
      core.onFill(ts, id, side, price, qty, fee, liq);
      onFill();
    },
  };
}
