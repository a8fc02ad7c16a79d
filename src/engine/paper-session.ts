// The paper-trading session: live market rows into a simulated L2 venue and the trading session, journaled.
import type { Micros } from '../core/index.js';
import { EventType, type EventColumns, type FundingPayment, type FundingSchedule } from '../market/index.js';
import type { FeedHealth } from '../risk/index.js';
import { L2Exchange, VenueMsg, type VenueFill, type FeeModel, type L2ExchangeParams, type LatencyModel, type QueueModel } from '../sim/index.js';
import type { Strategy } from '../strategy/index.js';
import type { TradingCore } from './trading-core.js';
import { TradingSession } from './trading-session.js';
import type { SessionSettings } from './trading-resolve.js';
import type { RiskEngine } from '../risk/index.js';
import { TickLocal, type TickLocalParams } from './tick-local.js';
import { handleInstant, payVenueFunding, runDueUpTo, type SteppedSession } from './tick-step.js';
import type { PaperJournal, ResumeState } from './paper-journal.js';

export interface PaperSessionOptions {
  /** The session's settings; `decisionIntervalMicros` 0 decides whenever the loop steps instead of on the timer. */
  session: SessionSettings;
  local: TickLocalParams;
  exchange: L2ExchangeParams;
  queue: QueueModel;
  latency: LatencyModel;
  fees: FeeModel;
  /** Perpetuals: funding payments, applied on the venue's position at their times on the venue's (local) clock. */
  funding?: FundingSchedule;
}

/** Counters since the start of the session (the loop reports differences per iteration). */
export interface PaperCounters {
  rows: number;
  trades: number;
  decisions: number;
  /** Commands sent to the venue: places, cancels, amends (a place refused before it left is a denial, not a command). */
  commands: number;
  fills: number;
  /** Places refused before they left: by the risk gate, or a ledger that could not record them. */
  denials: number;
  riskEvents: number;
}

const NO_JOURNAL: PaperJournal = {
  placed: () => {},
  orderEvent: () => {},
  fill: () => {},
  quote: () => {},
  risk: () => {},
  riskMarks: () => {},
  note: () => {},
};

/**
 * One clock: the wall clock of the process (`tsLocal` of each row, stamped when the row arrived). The
 * simulated venue sees each row when we receive it, our commands reach it after the entry latency and
 * its answers reach us after the response latency — so a paper order can only fill on trades printed
 * after it arrived, behind the queue it joined. Exchange time only measures the feed's delay/skew.
 * Rows, commands, answers and decision timers are stepped by the same code as the realtime driver
 * (`tick-step.ts`), in the tick backtest's order at equal times.
 *
 * Against a tick backtest of the same rows: with the decision timer on, the same commands and fills
 * when the feed latency is zero. With feed latency f, the backtest's venue is f ahead of us (it has the
 * market at exchange time) while this one learns of it when we do: a paper run with latencies (E, R)
 * is the backtest with (E − f, R + f) — the same round trip, split differently.
 *
 * Synchronous and free of I/O except the journal: the async loop (paper-loop.ts) owns feed, clock and output.
 */
export class PaperSession {
  readonly session: TradingSession;
  readonly core: TradingCore;
  readonly exchange: L2Exchange;
  /** Every fill with the trade behind it (the ledger's `venue_fills` at the stop). */
  readonly venueFills: VenueFill[] = [];
  /** Funding payments applied, in time order (perpetuals with `funding`). */
  readonly fundingPaid: FundingPayment[] = [];
  /** Time of the next funding payment (+∞: none, or the session has stopped paying; NaN: not started). */
  private nextFunding = Number.NaN;
  readonly local: TickLocal;
  readonly risk: RiskEngine;
  readonly counters: PaperCounters = { rows: 0, trades: 0, decisions: 0, commands: 0, fills: 0, denials: 0, riskEvents: 0 };
  /** Local time of the last market row (NaN: none yet). */
  lastDataLocal = Number.NaN;
  /** Last measured tsLocal − tsExchange, µs: feed delay plus clock skew. */
  lastSkewMicros = Number.NaN;
  /** Recent risk transitions and denials (most recent last), for logs and the dashboard. */
  readonly recentRisk: { ts: Micros; kind: string; reason: string; state: string }[] = [];
  private pendingResume: ResumeState['openOrders'] = [];
  /** Next decision of the timer (NaN: not started; +∞: no timer). */
  private nextDecision = Number.NaN;
  /** Feed health as the loop last reported it, for decisions fired by the timer. */
  private connected = true;
  private readonly stepped: SteppedSession;

  constructor(
    strategy: Strategy,
    readonly opts: Readonly<PaperSessionOptions>,
    private readonly journal: PaperJournal = NO_JOURNAL,
  ) {
    this.exchange = new L2Exchange(opts.exchange, opts.queue, opts.latency, opts.fees);
    this.session = new TradingSession(strategy, opts.session, { venue: this.exchange, journal, onFill: () => this.counters.fills++ });
    this.core = this.session.core;
    this.risk = this.session.risk;
    this.local = new TickLocal(opts.local);
    this.session.onDenied = (ts, id, reason) => {
      this.counters.denials++;
      this.note(ts, 'denial', `order ${id}: ${reason}`);
    };
    this.session.onTransition = (t) => this.note(t.ts, `${t.condition} ${t.raised ? 'raised' : 'cleared'}`, t.reason, t.to);
    const interval = opts.session.decisionIntervalMicros;
    if (!(interval > 0)) this.nextDecision = Number.POSITIVE_INFINITY;
    this.stepped = {
      exchange: this.exchange,
      local: this.local,
      deliver: () => this.deliverOne(),
      beforeVenue: (t) => {
        if (t > this.nextFunding) this.payFunding(t, false);
      },
      nextTimer: () => this.nextDecision,
      fireTimers: (t) => {
        this.nextDecision = t + interval;
        this.decide(t, { lastDataLocal: this.lastDataLocal, connected: this.connected });
      },
    };
  }

  /** Local time of the next timed decision (+∞: decisions are the loop's; NaN: the timer starts with the first row). */
  get nextDecisionTs(): Micros {
    return this.nextDecision;
  }

  /** Continue from a ledger: position, cash, the id sequence, and open orders (re-placed at the next decision). */
  resume(r: Readonly<ResumeState>): void {
    this.session.resume(r);
    this.pendingResume = r.openOrders.slice();
  }

  /**
   * Market rows `from`..`to` of `ev`, received at their `tsLocal` (in order), one instant at a time:
   * first what was due before it (commands at the venue, answers, timed decisions), then the venue
   * takes the rows, then the local side.
   */
  onRows(ev: EventColumns, from = 0, to = ev.length): void {
    const s = this.stepped;
    const tsLocal = ev.tsLocal;
    let i = from;
    while (i < to) {
      const t = tsLocal[i]!;
      if (this.nextDecision !== this.nextDecision) this.startTimer(t);
      if (this.nextFunding !== this.nextFunding) this.startFunding(t);
      let end = i + 1;
      while (end < to && tsLocal[end] === t) end++;
      handleInstant(s, ev, i, end, t);
      for (let k = i; k < end; k++) if (ev.type[k] === EventType.Trade) this.counters.trades++;
      this.counters.rows += end - i;
      this.lastDataLocal = t;
      this.lastSkewMicros = t - ev.tsExchange[end - 1]!;
      i = end;
    }
  }

  /**
   * What the loop calls at each step, at local time `now`: one decision (no timer), or every timed
   * decision due by `now` with what is due before each. Returns the commands sent to the venue.
   */
  step(now: Micros, health: Readonly<FeedHealth>): number {
    if (!(this.opts.session.decisionIntervalMicros > 0)) return this.decide(now, health);
    this.connected = health.connected;
    const before = this.counters.commands;
    if (this.nextDecision === this.nextDecision) runDueUpTo(this.stepped, now);
    return this.counters.commands - before;
  }

  private startTimer(t: Micros): void {
    const d = this.opts.session.decisionIntervalMicros;
    this.core.view.start = t;
    this.nextDecision = Math.ceil(t / d) * d;
  }

  /** Funding from the first row on: payments before it concern no position of this session. */
  private startFunding(t: Micros): void {
    const f = this.opts.funding;
    if (f === undefined) {
      this.nextFunding = Number.POSITIVE_INFINITY;
      return;
    }
    f.seek(t);
    this.nextFunding = f.nextTs();
  }

  /**
   * The tick backtest's rule on the venue's clock: every payment due before `t` (at or before it when
   * `inclusive`) on the venue's position (fills at or before its time) at the venue's mid, once, before
   * the venue takes anything after it; journaled with the cash it leaves.
   */
  private payFunding(t: Micros, inclusive: boolean): void {
    this.nextFunding = payVenueFunding(this.opts.funding!, this.exchange, this.core.portfolio, this.session.journal, this.fundingPaid, t, inclusive);
  }

  /**
   * The end of funding (the session's stop): the payments due at or before the venue's last event, as
   * the tick backtest ends; none after (the stop's cancels do not move the clock of the market).
   */
  finishFunding(): void {
    if (this.opts.funding !== undefined && this.nextFunding === this.nextFunding && this.nextFunding <= this.exchange.now) this.payFunding(this.exchange.now, true);
    this.nextFunding = Number.POSITIVE_INFINITY;
  }

  /** Deliver whatever the venue and our commands have in flight up to `now`. */
  pump(now: Micros): void {
    const ex = this.exchange;
    for (;;) {
      const tin = ex.nextInboundTs();
      const tout = ex.nextOutboundTs();
      if (tin <= tout && tin <= now) {
        this.stepped.beforeVenue?.(tin);
        ex.processInbound();
      } else if (tout <= now) this.deliverOne();
      else break;
    }
  }

  /** The venue's next answer to the session; a fill's trade goes to the venue audit. */
  private deliverOne(): void {
    const ex = this.exchange;
    const f = this.core.fills;
    const n = f.length;
    if (ex.deliver(this.session.answers) !== VenueMsg.Filled || f.length === n) return;
    const i = f.length - 1;
    this.venueFills.push({ clientId: f.clientId[i]!, tsLocal: f.ts[i]!, tsExchange: ex.last.exchangeTs, tradeId: ex.last.tradeId, side: f.side[i]!, price: f.price[i]!, qty: f.qty[i]! });
  }

  /** The simulated venue's audit trail so far into the journal (a paper run's stop). */
  writeVenueAudit(): void {
    this.journal.venueAudit?.(this.exchange.audit, this.venueFills);
  }

  /**
   * One decision at `now`: answers due, estimators and view, then the session (risk monitors, strategy →
   * reconcile → gate → venue). Returns the commands sent to the venue.
   */
  decide(now: Micros, health: Readonly<FeedHealth>): number {
    const core = this.core;
    this.connected = health.connected;
    this.pump(now);
    if (core.view.start === 0) core.view.start = now;
    this.local.refresh(core, now);
    core.view.now = now;
    if (this.pendingResume.length > 0 && core.view.mid > 0) this.replaceResumed(now);
    this.counters.decisions++;
    // A gap row of the feed (a recording's broken depth stream) holds the session halted until a snapshot.
    this.session.bookGap(now, this.local.bookUnknownSince);
    this.session.decide(now, health.lastDataLocal, health.connected);
    return this.countCommands();
  }

  /**
   * `counters.commands` from what the gate sent on (places, cancels, amends: the core's counters, which
   * leave out a place the gate denied or the ledger could not record); returns how many since the last count.
   */
  private countCommands(): number {
    const c = this.core.counters;
    const sent = c.placed + c.canceled + c.amended;
    const n = sent - this.counters.commands;
    this.counters.commands = sent;
    return n;
  }

  /** The kill switch. */
  halt(now: Micros, reason: string): void {
    this.session.halt(now, reason);
    this.countCommands();
  }

  /** Cancel every paper order (end of run, signal); funding ends with the market's last event. */
  cancelAll(now: Micros): void {
    this.finishFunding();
    this.core.cancelAll(now);
    this.countCommands();
  }

  /** A note for logs, the journal's risk events and the dashboard (reconnects, resyncs, skew). */
  note(ts: Micros, kind: string, reason: string, state: string = this.core.view.tradingState): void {
    this.counters.riskEvents++;
    this.recentRisk.push({ ts, kind, reason, state });
    if (this.recentRisk.length > 50) this.recentRisk.shift();
  }

  /** A feed event (reconnect, gap, resync, backoff): noted and journaled. */
  feedNote(ts: Micros, kind: string, reason: string): void {
    this.note(ts, kind, reason);
    this.journal.note(ts, kind, reason);
  }

  private replaceResumed(now: Micros): void {
    const core = this.core;
    for (const o of this.pendingResume) {
      core.open.add(o.clientId, o.side, o.price, o.remaining);
      this.journal.orderEvent(now, o.clientId, 'resumed', 'open at restart: placed again on the paper venue');
      this.exchange.place(now, o.clientId, o.side, o.price, o.remaining);
    }
    this.pendingResume = [];
  }
}
