// The live trading session: preflight, reconciliation, the trading core and risk engine driving real orders, journaled.
import { MICROS_PER_MS, roundTo, type Micros } from '../core/index.js';
import type { TradingCore } from './trading-core.js';
import { TradingSession } from './trading-session.js';
import type { SessionSettings } from './trading-resolve.js';
import { OrderState, type OrderEventHandler, type OrderSink } from '../orders/index.js';
import { DurableJournal } from './durable-journal.js';
import { stampFillReceipts } from './journaled-orders.js';
import type { PaperJournal, ResumeState } from './paper-journal.js';
import type { MarketFeed } from './market-feed.js';
import { regimeOf } from './paper-loop.js';
import type { TickLocal } from './tick-local.js';
import { HaltFile, type RiskEngine } from '../risk/index.js';
import { SPOT, notionalSettle } from '../market/index.js';
import type { Strategy } from '../strategy/index.js';
import {
  ClientOrderIds,
  LiveAdapter,
  assertPreflight,
  preflight,
  reconcilePositions,
  type LiveExchange,
  type LiveLog,
  type LiveSignal,
  type PositionBaseline,
  type PreflightReport,
  type ReconcileReport,
  type UnknownOrderRule,
} from '../venues/index.js';

/** The journal a live session writes: the paper journal plus notes and a small key-value store (the SQLite ledger). */
export interface LiveJournal extends PaperJournal {
  note(ts: Micros, kind: string, reason: string): void;
}

export interface LiveSessionOptions {
  exchange: LiveExchange;
  symbol: string;
  strategy: Strategy;
  /** The session's settings, as every mode builds them from the one config (decision timer included). */
  session: SessionSettings;
  /** Namespace of client order ids: fixed for a ledger (its first run id). */
  idNamespace: string;
  orderQty: number;
  /** A hedge market: `orderQty` is its smallest hedge order, and `takes` when it hedges by immediate-or-cancel orders (the preflight checks both). */
  hedge?: { takes: boolean };
  tickSize: number;
  unknownOrders: UnknownOrderRule;
  /** A perpetual: the preflight checks the account's margin mode on the symbol and one-way position mode. */
  perp?: { marginMode: 'cross' | 'isolated' };
  /** Position difference (base units) beyond which reconciliation raises a risk event. */
  positionTolerance: number;
  /** Halt trading on a position mismatch (else: log the risk event only). */
  haltOnMismatch: boolean;
  /** Where the exchange-minus-ledger base offset of earlier runs is kept (undefined: first run). */
  baseline: PositionBaseline | undefined;
  saveBaseline?: (b: PositionBaseline) => void;
  resume?: ResumeState | undefined;
  journal?: LiveJournal;
  log: LiveLog;
  /** Length of one iteration (one JSON line, one quote row), ms. */
  pollMs: number;
  /** Stop after this many iterations (undefined: until `stop()`/signal). */
  iterations?: number | undefined;
  reconcileEveryMs: number;
  /** A perpetual: how often the exchange's funding payments are read (besides every reconciliation), ms (default 60 s). */
  fundingEveryMs?: number;
  /** Kill-switch files polled by the loop (several markets: the book's and this market's own). */
  haltFile?: string | readonly string[];
  adapter?: { attempts?: number; backoffMs?: number; poll?: boolean; pollMs?: number; settleMs?: number; lookupRounds?: number; streamBudgetMs?: number; forgetAfterMs?: number; sleep?: (ms: number) => Promise<void> };
  /** How long the ledger may stay unwritable (halted meanwhile) before the session stops, ms (default 30 s). */
  ledgerBudgetMs?: number;
  /** Market data through the paper loop's feed and local estimators (else: the exchange's best bid/ask, polled). */
  market?: { feed: MarketFeed; local: TickLocal };
  /** Cancel every order when the session ends (default true). */
  cancelOnStop?: boolean;
  /** Called after every step of the loop at local time `now` (samplers, the dashboard). */
  onStep?: (now: Micros) => void;
  /** The session's clock, µs (default the wall clock; an event clock in parity tests, with a feed that moves it). */
  clock?: () => Micros;
}

/** What one market may commit of its account's free balance at most, by its limits (see `LiveSession.commitment`). */
export interface MarketCommitment {
  /** The balance it draws on: the exchange and its wallet (spot, or the derivatives margin). */
  wallet: string;
  asset: string;
  /** The account's free balance of `asset` as the preflight read it. */
  free: number;
  amount: number;
  /** How `amount` follows from the config, e.g. `max_inventory_qty 0.01 × 60000 / leverage 5`. */
  how: string;
}

export interface LiveSummary {
  iterations: number;
  placed: number;
  fills: number;
  position: number;
  cash: number;
  tradingState: string;
  cancelVerified: boolean;
  reconciliations: number;
  mismatches: number;
  /** A perpetual: the exchange's funding payments booked by this session, and their sum (settlement currency). */
  fundingPayments: number;
  funding: number;
  /** Why the session ended: `iterations`, `stop` (or the signal), or the fatal reason. */
  stoppedBy: string;
  /** Set when the session ended on a fatal path (orders cancelled, verified or not). */
  fatal?: string;
  /** Journal writes still held in memory at the end (the ledger stayed unwritable). */
  unjournaled: number;
  /** The market feed's faults over the session, as paper's summary has them (0 without a feed: the touch polled). */
  reconnects: number;
  resyncs: number;
  /** Sequence breaks of the feed's book stream. Each, and each reconnect of it, is a gap row: the session halted by `book-gap` until the resync. */
  gaps: number;
}

const NO_JOURNAL: LiveJournal = { placed: () => {}, orderEvent: () => {}, fill: () => {}, quote: () => {}, risk: () => {}, riskMarks: () => {}, note: () => {} };

/**
 * Owns the wall clock. The trading session is the one of every mode (built from the same settings):
 * decisions come from its timer (every `loop.decision_interval_ms` of local time, as in backtests and
 * paper; 0 = every feed step), each running the risk monitors and, unless halted, strategy → reconcile
 * → gate → live adapter. Exchange answers arrive in between, from the private websocket (or polling),
 * straight into the core and the journal. A move to halted cancels everything at the exchange, verified.
 *
 * Fatal paths — the private stream down past its budget, the ledger unwritable past its budget, an
 * exception, a signal, `fatal()` — all end the same way: every order cancelled at the exchange and the
 * cancellation verified by listing open orders, the reason journaled, the summary saying why.
 */
export class LiveSession {
  readonly session: TradingSession;
  readonly core: TradingCore;
  readonly risk: RiskEngine;
  readonly adapter: LiveAdapter;
  readonly ids: ClientOrderIds;
  /** The ledger, durable: a write it refuses is held and retried (see `DurableJournal`). */
  readonly journal: DurableJournal;
  /** The exchange's answers, to the core and the journal. */
  private readonly events: OrderEventHandler;
  /** The verified cancel-all of a halt, while it runs. */
  private halting: Promise<void> | undefined;
  private streamUp = true;
  private reconcileWanted: string | undefined;
  private stopping = false;
  private stopReason: string | undefined;
  private fatalReason: string | undefined;
  private wake: (() => void) | undefined;
  private placed = 0;
  private reconciliations = 0;
  private mismatches = 0;
  private base = '';
  lastPreflight: PreflightReport | undefined;
  /** The exchange's funding payments are read from this time on (exchange time, ms, inclusive)... */
  private fundingSinceMs: number;
  /** ...and those already booked at or after it (`id@µs`) are skipped. */
  private fundingSeen: Set<string>;
  private fundingBooked = 0;
  private fundingSum = 0;

  /** Local time, µs, and the same in ms. */
  private readonly clock: () => Micros;
  private ms(): number {
    return this.clock() / MICROS_PER_MS;
  }

  constructor(private readonly o: Readonly<LiveSessionOptions>) {
    this.clock = o.clock ?? nowMicros;
    this.journal = new DurableJournal(o.journal ?? NO_JOURNAL, {
      nowMs: () => this.ms(),
      onChange: (failing, reason) => o.log(failing ? 'live_ledger_unwritable' : 'live_ledger_writable', { reason }),
    });
    this.ids = new ClientOrderIds(o.idNamespace);
    // The adapter is the venue; it exists before the session only as a forward reference.
    const venue: OrderSink = { place: (...a: Parameters<LiveAdapter['place']>) => this.adapter.place(...a), cancel: (...a: Parameters<LiveAdapter['cancel']>) => this.adapter.cancel(...a) };
    // Immediate-or-cancel orders where the exchange takes them; elsewhere the gate denies them.
    if (o.exchange.capabilities.ioc === true && o.exchange.createIoc !== undefined) venue.take = (...a: Parameters<LiveAdapter['take']>) => this.adapter.take(...a);
    this.session = new TradingSession(o.strategy, o.session, {
      venue,
      journal: this.journal,
      onPlace: () => this.placed++,
      onHalt: (now) => this.haltNow(now),
    });
    this.core = this.session.core;
    this.risk = this.session.risk;
    this.events = stampFillReceipts(this.session.answers, this.journal, this.clock);
    this.adapter = new LiveAdapter({
      exchange: o.exchange,
      symbol: o.symbol,
      ids: this.ids,
      handler: this.events,
      now: this.clock,
      log: o.log,
      onSignal: (s) => this.onSignal(s),
      onBaseFee: (qty) => {
        // The holding shrinks by the fee while the position does not: move the offset with it.
        if (this.baseline === undefined) this.pendingBaseFees += qty;
        else {
          this.baseline = { offset: this.baseline.offset - qty };
          this.o.saveBaseline?.(this.baseline);
        }
      },
      ...(o.adapter ?? {}),
    });
    this.session.onTransition = (t) => this.o.log('live_risk', { condition: t.condition, raised: t.raised, from: t.from, to: t.to, reason: t.reason });
    // Funding: from the newest payment the ledger holds (or its first start); a new ledger, from now.
    const ef = o.resume?.exchangeFunding;
    this.fundingSinceMs = ef !== undefined ? Math.floor(ef.since / MICROS_PER_MS) : Math.floor(this.ms());
    this.fundingSeen = new Set(ef !== undefined ? ef.ids.map((id) => `${id}@${ef.since}`) : []);
  }

  /** The session moved to halted: mark what is open, then cancel everything at the exchange and verify (beside the loop). */
  private haltNow(now: Micros): void {
    for (let i = 0; i < this.core.open.count; i++) this.journal.orderEvent(now, this.core.open.clientId[i]!, 'cancel-requested', 'halted');
    this.cancelBeside();
  }

  private cancelBeside(): void {
    const p: Promise<void> = this.haltCancel()
      .catch((e: unknown) => this.o.log('live_halt_failed', { reason: e instanceof Error ? e.message : String(e) }))
      .finally(() => {
        if (this.halting === p) this.halting = undefined;
      });
    this.halting = p;
  }

  private halt(now: Micros, reason: string): void {
    this.session.halt(now, reason);
  }

  /** Stop at the next decision: cancel everything, verify, close. `reason`: what asked (a signal). */
  stop(reason?: string): void {
    this.stopReason ??= reason;
    this.stopping = true;
    this.wake?.();
  }

  /** A fatal path: stop now, cancel everything, verify, and end with `reason` (the first one wins). */
  fatal(reason: string): void {
    if (this.fatalReason === undefined) {
      this.fatalReason = reason;
      this.o.log('live_fatal', { reason });
    }
    this.stop();
  }

  /** The reason of a fatal end, once one happened. */
  get fatalCause(): string | undefined {
    return this.fatalReason;
  }

  /**
   * The preflight (account, market limits, capabilities), refused with every reason before any order;
   * `run` does it unless it was done (several markets: every market checked before any trades).
   */
  async check(): Promise<PreflightReport> {
    const o = this.o;
    const pf = await preflight(o.exchange, {
      symbol: o.symbol,
      orderQty: o.orderQty,
      ...(o.hedge !== undefined ? { qtyName: 'smallest hedge order', takes: o.hedge.takes } : {}),
      maxInventoryQty: o.session.risk.max_inventory_qty,
      tickSize: o.tickSize,
      unknownOrders: o.unknownOrders,
      ...(o.perp !== undefined ? { perp: o.perp } : {}),
      ids: this.ids,
      retry: (what, fn) => this.adapter.retry(what, fn),
    });
    this.lastPreflight = pf;
    o.log('live_preflight', { ok: pf.ok, refusals: pf.refusals, notes: pf.notes, bid: pf.bid, ask: pf.ask, capabilities: pf.capabilities });
    assertPreflight(pf);
    this.base = pf.market?.base ?? '';
    if (pf.market !== undefined) this.session.core.orderMinimums(pf.market.lotSize, pf.market.minNotional, pf.market.minQty);
    return pf;
  }

  /**
   * The most this market may commit of its account's free balance, by its config, at the preflight's
   * price: spot, the quote its longest holding (`risk.max_inventory_qty`) costs; a perpetual, that
   * position's margin (its notional in the settlement currency / the account's leverage on the symbol;
   * 1 when unsaid). Undefined before a passed preflight.
   */
  commitment(): MarketCommitment | undefined {
    const pf = this.lastPreflight;
    const m = pf?.market;
    if (pf === undefined || m === undefined) return undefined;
    const price = pf.ask > 0 ? pf.ask : pf.bid;
    const qty = this.o.session.risk.max_inventory_qty;
    const spec = this.o.session.contract ?? SPOT;
    const notional = notionalSettle(spec, price, qty);
    const r = (x: number): number => Math.round(x * 1e8) / 1e8;
    if (this.o.perp === undefined || spec.kind === 'spot')
      return { wallet: `${this.o.exchange.id} spot`, asset: m.quote, free: pf.quote.free, amount: r(notional), how: `max_inventory_qty ${qty} × ${price}` };
    const leverage = pf.perp?.leverage !== undefined && pf.perp.leverage > 0 ? pf.perp.leverage : 1;
    const inverse = spec.kind === 'inverse_perp';
    const size = spec.contractSize !== 1 ? ` × contract ${spec.contractSize}` : '';
    return {
      wallet: `${this.o.exchange.id} margin`,
      asset: inverse ? m.base : m.quote,
      free: inverse ? pf.base.free : pf.quote.free,
      amount: r(notional / leverage),
      how: inverse ? `max_inventory_qty ${qty}${size} / ${price} / leverage ${leverage}` : `max_inventory_qty ${qty}${size} × ${price} / leverage ${leverage}`,
    };
  }

  async run(): Promise<LiveSummary> {
    if (this.lastPreflight === undefined) await this.check();
    let iteration = 0;
    try {
      iteration = await this.trade();
    } catch (e) {
      // An exception anywhere in the session is a fatal path like any other: nothing may rest unmanaged.
      this.fatal(`error: ${e instanceof Error ? e.message : String(e)}`);
    }
    return this.end(iteration);
  }

  /** Resume, reconcile, then decide until stopped; returns the iterations done. */
  private async trade(): Promise<number> {
    const o = this.o;
    if (o.resume !== undefined) this.resumeFrom(o.resume);
    this.adapter.start();

    const first = await this.reconcile('start');
    // Orders whose cancel was asked before the last run ended may still rest: cancel them now.
    for (const x of o.resume?.openOrders ?? []) {
      if (x.canceling !== true || this.core.open.indexOf(x.clientId) < 0) continue;
      this.core.open.setState(x.clientId, OrderState.PendingCancel);
      this.adapter.cancel(this.clock(), x.clientId);
    }
    let baseline = o.baseline;
    const offsetNow = first.exchangeBase - this.core.portfolio.position;
    if (baseline === undefined) {
      baseline = { offset: offsetNow };
      o.saveBaseline?.(baseline);
    } else {
      if (this.pendingBaseFees > 0) {
        baseline = { offset: baseline.offset - this.pendingBaseFees };
        o.saveBaseline?.(baseline);
      }
    }
    this.pendingBaseFees = 0;
    if (first.holdingCompared && Math.abs(baseline.offset - offsetNow) > o.positionTolerance) {
      this.mismatch(this.clock(), `position mismatch on start: exchange holds ${first.exchangeBase} ${this.base}, ledger expects ${baseline.offset + this.core.portfolio.position}`);
    }
    this.baseline = baseline;

    const halts = (o.haltFile === undefined ? [] : typeof o.haltFile === 'string' ? [o.haltFile] : o.haltFile).map((p) => new HaltFile(p, 0));
    const feed = o.market?.feed;
    if (feed !== undefined) await feed.start();
    const interval = o.session.decisionIntervalMicros;
    let lastReconcile = this.ms();
    let lastFunding = this.ms();
    let iteration = 0;
    let nextLine = this.ms();
    // The decision timer of every mode: grid times of the interval, from the first one after the start.
    let nextDecision = interval > 0 ? Math.ceil(this.clock() / interval) * interval : Number.NaN;
    if (this.core.view.start === 0) this.core.view.start = this.clock();
    let lastData = Number.NaN;
    let lastFills = 0;
    try {
      while (!this.stopping && (o.iterations === undefined || iteration < o.iterations)) {
        // Market data connectivity; the private stream is judged on its own (`order-stream`).
        let connected = true;
        if (feed !== undefined && o.market !== undefined) {
          // The same local book and estimators as paper trading: the strategy sees the same view. Wait for
          // data no longer than the next decision of the timer, so decisions keep their schedule.
          const untilDecision = nextDecision === nextDecision ? (nextDecision - this.clock()) / MICROS_PER_MS : Number.POSITIVE_INFINITY;
          const rows = await feed.next(Math.max(1, Math.min(nextLine - this.ms(), untilDecision)));
          if (rows === undefined) break;
          for (const n of feed.drainNotes()) this.journal.note(n.ts, n.kind, n.reason);
          for (let i = 0; i < rows.length; i++) o.market.local.onEvent(rows, i, rows.tsLocal[i]!);
          if (rows.length > 0) lastData = rows.tsLocal[rows.length - 1]!;
          connected = feed.connected;
        } else {
          try {
            const { bid, ask } = await this.adapter.retry('best bid/ask', () => o.exchange.bidAsk(o.symbol));
            if (bid > 0 && ask > 0) {
              const v = this.core.view;
              v.bestBid = bid;
              v.bestAsk = ask;
              this.core.mark((bid + ask) / 2);
              lastData = this.clock();
            }
          } catch (e) {
            o.log('live_market_data_failed', { reason: e instanceof Error ? e.message : String(e) });
          }
        }
        if (this.stopping) break;
        const now = this.clock();
        // What the ledger refused is written first; past its budget an unwritable ledger ends the session.
        this.journal.flush();
        const failingSince = this.journal.failingSince;
        const ledgerBudgetMs = o.ledgerBudgetMs ?? 30_000;
        if (failingSince !== undefined && this.ms() - failingSince >= ledgerBudgetMs) {
          this.fatal(`ledger unwritable for ${Math.round((this.ms() - failingSince) / 1000)} s, past its budget of ${Math.round(ledgerBudgetMs / 1000)} s: ${this.journal.reason}`);
          break;
        }
        for (const h of halts) {
          const reason = h.poll(this.ms());
          if (reason !== undefined) this.halt(now, reason);
        }
        if (this.reconcileWanted !== undefined || this.ms() - lastReconcile >= o.reconcileEveryMs) {
          const why = this.reconcileWanted ?? 'periodic';
          this.reconcileWanted = undefined;
          lastReconcile = this.ms();
          try {
            await this.reconcile(why);
          } catch (e) {
            o.log('live_reconcile_failed', { reason: e instanceof Error ? e.message : String(e) });
          }
        }
        if (this.o.perp !== undefined && this.ms() - lastFunding >= (o.fundingEveryMs ?? 60_000)) {
          lastFunding = this.ms();
          await this.syncFunding('periodic');
        }
        if (this.core.view.start === 0) this.core.view.start = now;
        // The decision timer of every mode: grid times of the interval (0: every step; polled bid/ask: every step).
        const due = !(interval > 0) || feed === undefined || now >= nextDecision;
        // While a halt's cancel-all is in flight the risk monitors run on their schedule but nothing new is
        // quoted (a reconnect does not race it; the cancel-all's verification may take its settle window).
        if (due && !this.stopping) {
          if (interval > 0) nextDecision = (Math.floor(now / interval) + 1) * interval;
          if (feed !== undefined && o.market !== undefined) {
            o.market.local.refresh(this.core, now);
            // A gap row of the feed (its depth stream broke, or reconnected) holds the session halted until
            // the snapshot that resyncs the book: the halt cancels every order at the exchange, as any halt.
            this.session.bookGap(now, o.market.local.bookUnknownSince);
          }
          const health = { orderStream: this.streamUp, ledgerFault: failingSince !== undefined ? this.journal.reason : undefined };
          this.session.decide(now, lastData, connected, health, this.halting === undefined);
        }
        // A halt's verified cancel-all runs beside the loop (nothing is decided while halted); one that did not verify is tried again.
        if (this.halting === undefined && this.risk.state === 'halted' && this.cancelUnverified) this.cancelBeside();
        o.onStep?.(now);
        if (this.ms() < nextLine) continue;
        nextLine = Math.max(nextLine + o.pollMs, this.ms());
        const v = this.core.view;
        this.journal.quote({ ts: now, mid: v.mid, bid: this.core.restingPrice(1), ask: this.core.restingPrice(-1), position: v.position, equity: v.equity, tradingState: v.tradingState });
        this.journal.riskMarks(this.risk.marks);
        iteration++;
        const p = this.core.portfolio;
        const bidPx = this.core.restingPrice(1);
        const askPx = this.core.restingPrice(-1);
        o.log('live_iteration', {
          ts_utc: new Date(now / MICROS_PER_MS).toISOString(),
          iteration,
          mid_price: finite(v.mid),
          volatility: finite(v.sigma),
          inventory: roundTo(p.position, 10) ?? 0,
          bid: finite(bidPx),
          ask: finite(askPx),
          spread: finite(askPx - bidPx),
          regime: regimeOf(v.sigma, v.mid, v.warm),
          open_orders: this.core.open.count,
          fills: this.core.fills.length - lastFills,
          fills_total: this.core.fills.length,
          realized_pnl: p.realizedPnl,
          unrealized_pnl: v.mid > 0 ? p.unrealizedPnl(v.mid) : 0,
          fees: p.fees,
          cash: p.cash,
          equity: finite(v.equity),
          trading_state: v.tradingState,
          risk_reasons: this.risk.machine.reasons().map((r) => r.reason),
          connected: connected && this.streamUp,
        });
        lastFills = this.core.fills.length;
        if (feed === undefined)
          await new Promise<void>((resolve) => {
            this.wake = resolve;
            setTimeout(resolve, Math.max(0, nextLine - this.ms()));
          });
        this.wake = undefined;
      }
    } finally {
      await feed?.close();
    }
    return iteration;
  }

  /** The end of every session, fatal or not: cancel everything, verify, a last reconciliation, the summary. */
  private async end(iteration: number): Promise<LiveSummary> {
    const o = this.o;
    const stoppedBy = this.fatalReason ?? this.stopReason ?? (this.stopping ? 'stop' : 'iterations');
    const feedStats = o.market?.feed.stats;
    const summary = (verified: boolean): LiveSummary => {
      const p = this.core.portfolio;
      return {
        iterations: iteration,
        placed: this.placed,
        fills: this.core.fills.length,
        position: p.position,
        cash: p.cash,
        tradingState: this.risk.state,
        cancelVerified: verified,
        reconciliations: this.reconciliations,
        mismatches: this.mismatches,
        fundingPayments: this.fundingBooked,
        funding: this.fundingSum,
        stoppedBy,
        ...(this.fatalReason !== undefined ? { fatal: this.fatalReason } : {}),
        unjournaled: this.journal.pending,
        reconnects: feedStats?.reconnects ?? 0,
        resyncs: feedStats?.resyncs ?? 0,
        gaps: feedStats?.gaps ?? 0,
      };
    };
    if (o.cancelOnStop === false && this.fatalReason === undefined) {
      // Leave orders resting (an operator's choice, and how tests stand in for a crash).
      await this.adapter.stop();
      return summary(false);
    }
    let verified = false;
    try {
      if (this.halting !== undefined) await this.halting;
      await this.adapter.idle();
      verified = (await this.adapter.cancelAllVerified()).verified;
    } catch (e) {
      o.log('live_cancel_all_failed', { reason: e instanceof Error ? e.message : String(e) });
    }
    await this.reconcile('end').catch((e: unknown) => o.log('live_reconcile_failed', { reason: e instanceof Error ? e.message : String(e) }));
    await this.adapter.stop();
    this.journal.note(this.clock(), this.fatalReason !== undefined ? 'fatal' : 'stop', `${stoppedBy}; every order cancelled: ${verified ? 'verified with the exchange' : 'NOT verified: check open orders at the exchange'}`);
    this.journal.flush();
    return summary(verified);
  }

  private baseline: PositionBaseline | undefined;
  /** Base-currency fees of fills booked before the baseline was known (the start reconciliation). */
  private pendingBaseFees = 0;
  private cancelUnverified = false;

  /**
   * A perpetual: the funding the exchange paid on the account's position since the last one booked
   * (ccxt fetchFundingHistory), each booked once — into the margin balance (the portfolio's cash) and the
   * ledger with the exchange's id — in time order. The exchange pays on its whole position on the symbol
   * (an offset held before the ledger's first start included). Returns the payments booked.
   */
  async syncFunding(why: string): Promise<number> {
    const o = this.o;
    const ex = o.exchange;
    if (o.perp === undefined || ex.fundingPayments === undefined) return 0;
    let list;
    try {
      list = await this.adapter.retry('funding history', () => ex.fundingPayments!(o.symbol, this.fundingSinceMs));
    } catch (e) {
      o.log('live_funding_failed', { reason: e instanceof Error ? e.message : String(e) });
      return 0;
    }
    let booked = 0;
    const p = this.core.portfolio;
    // In time order whatever order the exchange answers in: the cursor below moves forward only.
    for (const f of [...list].sort((a, b) => a.ts - b.ts)) {
      const key = `${f.id}@${f.ts}`;
      const ms = f.ts / MICROS_PER_MS;
      if (this.fundingSeen.has(key) || ms < this.fundingSinceMs) continue;
      if (ms > this.fundingSinceMs) {
        this.fundingSinceMs = ms;
        this.fundingSeen.clear();
      }
      this.fundingSeen.add(key);
      const mark = this.core.view.mid > 0 ? this.core.view.mid : p.avgCost;
      p.receiveFunding(f.amount, mark);
      this.core.view.cash = p.cash;
      this.journal.funding({ ts: f.ts, rate: Number.NaN, position: Number.NaN, mark: Number.NaN, amount: f.amount, source: 'exchange', exchangeId: f.id }, p);
      this.fundingBooked++;
      this.fundingSum += f.amount;
      booked++;
      o.log('live_funding', { why, id: f.id, ts_utc: new Date(ms).toISOString(), amount: f.amount, asset: f.asset, funding_total: p.funding, cash: p.cash });
    }
    return booked;
  }

  private async reconcile(why: string): Promise<ReconcileReport> {
    this.reconciliations++;
    // The funding paid since the last reading first: the balance reconciled includes it.
    await this.syncFunding(why);
    const r = await reconcilePositions(
      {
        adapter: this.adapter,
        core: this.core,
        handler: this.events,
        ids: this.ids,
        base: this.base,
        baseline: () => this.baseline,
        now: this.clock,
        log: this.o.log,
        ...(this.o.perp !== undefined && this.o.exchange.perpAccount !== undefined ? { holding: () => this.o.exchange.perpAccount!(this.o.symbol).then((a) => a.position) } : {}),
        resumed: (clientId) => {
          const r = this.o.resume?.openOrders.find((x) => x.clientId === clientId);
          return r === undefined ? undefined : { qty: r.qty ?? r.remaining, createdMs: (r.createdTs ?? 0) / MICROS_PER_MS };
        },
        onAdopt: (clientId, x) => {
          this.journal.placed(this.clock(), clientId, x.side, x.price, x.amount - x.filled);
          this.journal.orderEvent(this.clock(), clientId, 'accepted', `adopted open order ${x.clientOrderId ?? x.id}`);
        },
      },
      { unknownOrders: this.o.unknownOrders === 'adopt' ? 'adopt' : 'cancel', positionTolerance: this.o.positionTolerance },
      why,
    );
    const ts = this.clock();
    if (r.fillsRecovered > 0 || r.adopted.length > 0 || r.canceledUnknown.length > 0 || r.settled.length > 0)
      this.journal.note(ts, 'reconcile', `${why}: ${r.fillsRecovered} fill(s) recovered, ${r.settled.length} order(s) settled, ${r.adopted.length} adopted, ${r.canceledUnknown.length} unknown cancelled`);
    if (r.mismatch !== undefined) this.mismatch(ts, r.mismatch);
    return r;
  }

  private mismatch(ts: Micros, reason: string): void {
    this.mismatches++;
    this.journal.note(ts, 'reconcile-mismatch', reason);
    this.o.log('live_position_mismatch', { reason });
    if (this.o.haltOnMismatch) this.halt(ts, reason);
  }

  /** Cancel everything and verify; an unverified cancel is tried again at every decision while halted. */
  private async haltCancel(): Promise<void> {
    const r = await this.adapter.cancelAllVerified();
    this.cancelUnverified = !r.verified;
    this.journal.note(this.clock(), 'halt-cancel', r.verified ? 'every order cancelled, verified with the exchange' : `cancel-all not verified: ${r.left} order(s) still open`);
  }

  private resumeFrom(r: Readonly<ResumeState>): void {
    this.session.resume(r);
    // Orders open at the end of the last run (or being cancelled: they may still rest, or have filled)
    // stay in the core; reconciliation asks the exchange about each.
    for (const x of r.openOrders) this.core.open.add(x.clientId, x.side, x.price, x.remaining);
  }

  private onSignal(s: LiveSignal): void {
    this.o.log('live_signal', { ...s });
    if (s.kind === 'disconnected') this.streamUp = false;
    else if (s.kind === 'reconnected') {
      this.streamUp = true;
      this.reconcileWanted = 'reconnect';
    } else if (s.kind === 'uncertain') this.reconcileWanted = 'uncertain order';
    else if (s.kind === 'fatal') this.fatal(`exchange: ${s.reason}`);
  }
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function nowMicros(): Micros {
  return Date.now() * MICROS_PER_MS;
}

