// The tick backtest driver: normalized events through a simulated L2 venue at exchange time and the trading core at local time.
import { unwrapRing, type Micros } from '../core/index.js';
import { EventType, type EventColumns, type FundingPayment, type FundingSchedule } from '../market/index.js';

const TRADE = EventType.Trade;
const NO_ROWS = new Float64Array(0);
import { L2Exchange, VenueMsg, type VenueBook, type L2ExchangeParams, type QueueModel, type LatencyModel, type FeeModel } from '../sim/index.js';
import type { Strategy } from '../strategy/index.js';
import type { TradingCore } from './trading-core.js';
import { TradingSession, type SessionPorts } from './trading-session.js';
import type { SessionSettings } from './trading-resolve.js';
import { Trace } from './trace.js';
import { TickLocal, type TickLocalParams } from './tick-local.js';
import { TickFillStats, computeTickMetrics, type TickMetrics } from './tick-metrics.js';
import { BatchWindow, type BatchCursor } from './batch-window.js';
import { payVenueFunding } from './tick-step.js';

export interface TickBacktestOptions {
  /** The session's settings (capital, reconcile, risk limits); the decision timer is `decisionIntervalMicros`. */
  session: SessionSettings;
  local: TickLocalParams;
  exchange: L2ExchangeParams;
  queue: QueueModel;
  /** Order entry and response latency. */
  latency: LatencyModel;
  fees: FeeModel;
  /**
   * Local time = publication time (exchange time + the row's `publishDelay`) + this (µs); undefined: the
   * file's own local timestamps.
   */
  feedLatencyMicros: Micros | undefined;
  /** The strategy decides every this many µs of local time. */
  decisionIntervalMicros: Micros;
  /** Trace rows every this many µs of local time. */
  sampleIntervalMicros: Micros;
  markoutSeconds: readonly number[];
  /** Perpetuals: funding payments, applied on the venue's position at their exchange times. */
  funding?: FundingSchedule;
}

export interface TickBacktestResult {
  core: TradingCore;
  exchange: L2Exchange;
  trace: Trace;
  metrics: TickMetrics;
  /** Per-fill venue details (exchange time, mid, queue at join, trade-through). */
  stats: TickFillStats;
  /** Market-data rows replayed. */
  events: number;
  /** Most record batches held at once (streaming memory bound). */
  maxBatchesHeld: number;
  engineSeconds: number;
  /** Funding payments applied (only when the run has a funding schedule). */
  funding?: readonly FundingPayment[];
}

/**
 * Two clocks over one stream of events. Every row happens twice: at its exchange time on the simulated
 * venue (book, queue positions, matching) and at its local time on the trading side (local book,
 * estimators). Commands reach the venue after the entry latency, answers come back after the response
 * latency, and the strategy decides on a timer of local time.
 *
 * Order of things at equal times: venue market data, then commands arriving at the venue, then answers
 * arriving locally, then local market data, then the timer (decision, then the sampler). So an order
 * sent at t reaches the venue at t + entry and only trades after that can fill it.
 *
 * The two sides only talk through timed messages, which gives a simple exact schedule: commands are
 * created only by the timer, so the venue may run ahead up to the next timer; answers are created only
 * by the venue, so once the venue has reached the next timer every answer due before it is known.
 *
 * Batches are streamed: only the batches between the earliest and the latest cursor are held (`BatchWindow`).
 */
export class TickBacktest {
  readonly session: TradingSession;
  readonly core: TradingCore;
  readonly exchange: L2Exchange;
  readonly local: TickLocal;
  readonly stats: TickFillStats;
  trace: Trace;
  events = 0;
  /** Most batches held at once (streaming keeps this small whatever the file's length). */
  maxHeld = 0;
  /** Where a run stands between timers (`begin` … `advance` / `fire`). */
  private st: RunState | undefined;
  /** Funding payments applied, in time order. */
  readonly fundingPaid: FundingPayment[] = [];
  /**
   * Called at each decision's local time before the session decides (paper on the event clock polls its
   * halt files here: `pollHaltFiles`); undefined in backtests.
   */
  beforeDecision: ((t: Micros) => void) | undefined = undefined;

  /**
   * `ports`: a journal (the paper ledger of an event-clock replay) and observers; the venue is always
   * this driver's simulated L2 venue. `market`: a replayed market shared with other drivers (the shared
   * pass feeds it and calls this driver's parts; `run` is then not used).
   */
  constructor(
    strategy: Strategy,
    readonly opts: Readonly<TickBacktestOptions>,
    ports: Readonly<Omit<SessionPorts, 'venue'>> = {},
    market?: VenueBook,
    leader?: TickLocal,
  ) {
    this.exchange = new L2Exchange(opts.exchange, opts.queue, opts.latency, opts.fees, market);
    this.session = new TradingSession(strategy, opts.session, { ...ports, venue: this.exchange });
    this.core = this.session.core;
    this.local = new TickLocal(opts.local, leader);
    this.stats = new TickFillStats(opts.markoutSeconds);
    // Grown by doubling as rows come (`grown`): at the default one row a second, 512 rows hold eight and a half
    // minutes, and a shared pass builds one trace per member.
    this.trace = new Trace(512);
  }

  // Touch history: the venue's best bid / ask ticks after row `row` (global row number), in row order.
  // Allocated at the first touch (`run`; a member of a shared pass reads the pass's history instead).
  private thRow = NO_ROWS;
  private thBid = NO_ROWS;
  private thAsk = NO_ROWS;
  private thHead = 0;
  private thCount = 0;

  private pushTouch(row: number): void {
    if (this.thCount === this.thRow.length) this.growTouch();
    const j = (this.thHead + this.thCount++) & (this.thRow.length - 1);
    const book = this.exchange.book;
    this.thRow[j] = row;
    this.thBid[j] = book.touchBid;
    this.thAsk[j] = book.touchAsk;
  }

  /** Twice the room (1,024 rows at the first touch), oldest first from slot 0. */
  private growTouch(): void {
    const h = this.thHead;
    const c = this.thCount;
    this.thRow = unwrapRing(this.thRow, h, c, 1024);
    this.thBid = unwrapRing(this.thBid, h, c, 1024);
    this.thAsk = unwrapRing(this.thAsk, h, c, 1024);
    this.thHead = 0;
  }

  /** Give the local side the touch as of the rows before global row `row`. */
  private syncTouch(row: number): void {
    const mask = this.thRow.length - 1;
    let j = -1;
    while (this.thCount > 0 && this.thRow[this.thHead]! < row) {
      j = this.thHead;
      this.thHead = (this.thHead + 1) & mask;
      this.thCount--;
    }
    if (j >= 0) this.local.setTouch(this.thBid[j]!, this.thAsk[j]!);
  }

  /** Run the whole stream: `begin`, then `advance` / `mark` / `fire` timer by timer, then the metrics. */
  run(source: Iterable<EventColumns>): TickBacktestResult {
    const t0 = performance.now();
    if (this.begin(source)) {
      while (this.advance()) {
        this.mark();
        this.fire();
      }
    }
    return this.finish(t0);
  }

  /**
   * Start on a stream (false: it holds no rows). The run then goes timer by timer, which lets several
   * markets share one clock (`TickMarkets`): `nextTimer()` is the local time of the next timer,
   * `advance()` runs the venue and the trading side up to it, `mark()` refreshes the view there (a
   * decision is due), `fire()` decides and samples.
   */
  begin(source: Iterable<EventColumns>): boolean {
    const win = new BatchWindow(source);
    const local = this.local;
    local.fromVenue = true;
    // A strategy reading the book features gets a local book fed at local time (as in paper and live).
    local.keepsBook = this.core.strategy.usesBook === true;
    const fixedFeed = this.opts.feedLatencyMicros !== undefined;
    const feed = this.opts.feedLatencyMicros ?? 0;
    // Three readers of one stream: the venue's book rows (file order), the venue's trades (trade-time
    // order: trade messages reach a collector after depth messages stamped later), the trading side.
    const bc = win.cursor();
    const tc = win.cursor();
    const lc = win.cursor();
    if (bc.b === undefined) return false;
    const book = this.exchange.book;
    // Funding: a payment at T is made on the position after every venue event at or before T, before
    // the first one after it; payments before the first row concern no position of this run.
    const fTs = this.startFunding(bc.b.tsExchange[0]!);
    const start = fixedFeed ? bc.b.tsExchange[0]! + bc.b.publishDelay[0]! + feed : bc.b.tsLocal[0]!;
    this.core.view.start = start;
    const dInt = this.opts.decisionIntervalMicros;
    const sInt = this.opts.sampleIntervalMicros;
    this.st = {
      win,
      bc,
      tc,
      lc,
      bb: bc.b,
      tb: tc.b!,
      lb: lc.b!,
      bDone: false,
      tDone: false,
      bNext: Number.NaN,
      tNext: Number.NaN,
      vBid: book.touchBid,
      vAsk: book.touchAsk,
      localDone: false,
      lastLocal: Number.NaN,
      nextDecision: Math.ceil(start / dInt) * dInt,
      nextSample: Math.ceil(start / sInt) * sInt,
      events: 0,
      fTs,
    };
    return true;
  }

  /** Local time of the next timer (+∞ when the stream is done or not begun). */
  nextTimer(): Micros {
    const st = this.st;
    if (st === undefined || st.localDone) return Number.POSITIVE_INFINITY;
    return st.nextDecision < st.nextSample ? st.nextDecision : st.nextSample;
  }

  /**
   * The venue and the trading side up to the next timer (exclusive of the timer itself); false when
   * the trading side has read the whole stream (the run is over).
   */
  advance(): boolean {
    const st = this.st;
    if (st === undefined || st.localDone) return false;
    const ex = this.exchange;
    const book = ex.book;
    const local = this.local;
    const keepsBook = local.keepsBook;
    const fixedFeed = this.opts.feedLatencyMicros !== undefined;
    const feed = this.opts.feedLatencyMicros ?? 0;
    const INF = Number.POSITIVE_INFINITY;
    const win = st.win;
    const bc = st.bc;
    const tc = st.tc;
    const lc = st.lc;
    // The state lives in locals while the loops run (no closures: captured variables would leave
    // registers); at a batch boundary positions go back to the cursors, the window moves, and every
    // local is reloaded; at the timer everything goes back to `st`.
    let bb = st.bb;
    let bTs = bb.tsExchange;
    let bType = bb.type;
    let bN = bb.length;
    let bi = bc.i;
    let tb = st.tb;
    let tTs = tb.tsExchange;
    let tType = tb.type;
    let tN = tb.length;
    let ti = tc.i;
    let lb = st.lb;
    // With a feed latency the trading side has a row at its publication time + feed: tsExchange + lPd + feed.
    let lTs = fixedFeed ? lb.tsExchange : lb.tsLocal;
    let lPd = lb.publishDelay;
    let lType = lb.type;
    let lN = lb.length;
    let il = lc.i;
    let bDone = st.bDone;
    let tDone = st.tDone;
    // Exchange time of the next book row / trade (NaN: not looked up yet; +∞: none left).
    let bNext = st.bNext;
    let tNext = st.tNext;
    // Last touch recorded.
    let vBid = st.vBid;
    let vAsk = st.vAsk;
    let localDone = false;
    // Local time of the newest row the trading side has taken (the risk engine's data freshness).
    let lastLocal = st.lastLocal;
    let events = st.events;
    let fTs = st.fTs;
    const tT = st.nextDecision < st.nextSample ? st.nextDecision : st.nextSample;

    // 1. The venue: trades, book rows and arriving commands up to the timer, in exchange-time order
    // (at equal times: trades, then book rows — a depth message includes the trades up to its time —
    // then commands).
    for (;;) {
      const tIn = ex.nextInboundTs();
      const lim = tIn < tT ? tIn : tT;
      for (;;) {
        if (tNext !== tNext) {
          while (ti < tN && tType[ti] !== TRADE) ti++;
          if (ti < tN) tNext = tTs[ti]!;
          else {
            bc.i = bi;
            tc.i = ti;
            lc.i = il;
            win.advance(tc);
            if (tc.b === undefined) {
              tDone = true;
              tNext = INF;
            }
            bi = bc.i;
            ti = tc.i;
            il = lc.i;
            if (bc.b !== undefined) (bb = bc.b), (bTs = bb.tsExchange), (bType = bb.type), (bN = bb.length);
            if (tc.b !== undefined) (tb = tc.b), (tTs = tb.tsExchange), (tType = tb.type), (tN = tb.length);
            if (lc.b !== undefined) (lb = lc.b), (lTs = fixedFeed ? lb.tsExchange : lb.tsLocal), (lPd = lb.publishDelay), (lType = lb.type), (lN = lb.length);
            continue;
          }
        }
        if (bNext !== bNext) {
          while (bi < bN && bType[bi] === TRADE) bi++;
          if (bi < bN) bNext = bTs[bi]!;
          else {
            bc.i = bi;
            tc.i = ti;
            lc.i = il;
            win.advance(bc);
            if (bc.b === undefined) {
              bDone = true;
              bNext = INF;
            }
            bi = bc.i;
            ti = tc.i;
            il = lc.i;
            if (bc.b !== undefined) (bb = bc.b), (bTs = bb.tsExchange), (bType = bb.type), (bN = bb.length);
            if (tc.b !== undefined) (tb = tc.b), (tTs = tb.tsExchange), (tType = tb.type), (tN = tb.length);
            if (lc.b !== undefined) (lb = lc.b), (lTs = fixedFeed ? lb.tsExchange : lb.tsLocal), (lPd = lb.publishDelay), (lType = lb.type), (lN = lb.length);
            continue;
          }
        }
        if (tNext <= bNext) {
          if (!(tNext <= lim)) break;
          if (tNext > fTs) fTs = this.payFunding(tNext);
          ex.onTradeRow(tb, ti, tNext);
          ti++;
          if (!tDone) tNext = Number.NaN;
        } else {
          if (!(bNext <= lim)) break;
          if (bNext > fTs) fTs = this.payFunding(bNext);
          ex.onBookRow(bb, bi, bNext);
          const nb = book.touchBid;
          const na = book.touchAsk;
          if ((nb !== vBid && (nb === nb || vBid === vBid)) || (na !== vAsk && (na === na || vAsk === vAsk))) {
            vBid = book.touchBid;
            vAsk = book.touchAsk;
            this.pushTouch(bc.row0 + bi);
          }
          bi++;
          if (!bDone) bNext = Number.NaN;
        }
      }
      if (tIn <= tT) {
        if (tIn > fTs) fTs = this.payFunding(tIn);
        ex.processInbound();
        continue;
      }
      break;
    }

    // 2. The trading side: answers and local market data up to the timer. Book rows need nothing
    // here (the touch comes from the venue's history); trades feed the intensity fit. Book rows go to the
    // trading side when its strategy reads the book, and once the venue has met a gap (`L2Book.gaps`, its
    // rows read above: the venue reads ahead of the trading side, so no gap row reaches the trading side
    // before it): it must then see gap rows and snapshots. A stream without gaps pays nothing for them here.
    const bookRows = keepsBook || book.gaps !== 0;
    for (;;) {
      const tOut = ex.nextOutboundTs();
      while (il < lN) {
        const t = fixedFeed ? lTs[il]! + lPd[il]! + feed : lTs[il]!;
        if (!(t < tOut && t <= tT)) break;
        lastLocal = t;
        if (lType[il] === TRADE) {
          this.syncTouch(lc.row0 + il);
          local.onTradeRow(lb, il, t);
        } else if (bookRows) local.onBookRow(lb, il, t);
        il++;
      }
      if (il === lN) {
        events = lc.row0 + lN; // global rows: a batch copied mid-way starts at a later row0
        bc.i = bi;
        tc.i = ti;
        lc.i = il;
        win.advance(lc);
        bi = bc.i;
        ti = tc.i;
        il = lc.i;
        if (bc.b !== undefined) (bb = bc.b), (bTs = bb.tsExchange), (bType = bb.type), (bN = bb.length);
        if (tc.b !== undefined) (tb = tc.b), (tTs = tb.tsExchange), (tType = tb.type), (tN = tb.length);
        if (lc.b === undefined) {
          localDone = true;
          break;
        }
        (lb = lc.b), (lTs = fixedFeed ? lb.tsExchange : lb.tsLocal), (lPd = lb.publishDelay), (lType = lb.type), (lN = lb.length);
        continue;
      }
      if (tOut <= tT) {
        this.deliver();
        continue;
      }
      break;
    }

    bc.i = bi;
    tc.i = ti;
    lc.i = il;
    st.bb = bb;
    st.tb = tb;
    st.lb = lb;
    st.bDone = bDone;
    st.tDone = tDone;
    st.bNext = bNext;
    st.tNext = tNext;
    st.vBid = vBid;
    st.vAsk = vAsk;
    st.lastLocal = lastLocal;
    st.events = events;
    st.fTs = fTs;
    if (localDone) {
      st.localDone = true;
      this.events = events;
      this.maxHeld = win.maxHeld;
      return false;
    }
    return true;
  }

  /** At the timer `advance` reached: when a decision is due, the view refreshed there (estimators, marks, markouts). */
  mark(): void {
    const st = this.st!;
    const tT = st.nextDecision < st.nextSample ? st.nextDecision : st.nextSample;
    if (st.nextDecision !== tT) return;
    this.syncTouch(st.lc.row0 + st.lc.i);
    this.local.refresh(this.core, tT);
    this.stats.mark(tT, this.core.view.mid);
  }

  /** The timer itself: the session decides (risk, strategy) when a decision is due, then the sampler. */
  fire(): void {
    const st = this.st!;
    const tT = st.nextDecision < st.nextSample ? st.nextDecision : st.nextSample;
    if (st.nextDecision === tT) {
      this.beforeDecision?.(tT);
      this.session.bookGap(tT, this.local.bookUnknownSince);
      this.session.decide(tT, st.lastLocal, true);
      st.nextDecision += this.opts.decisionIntervalMicros;
    }
    if (st.nextSample === tT) {
      this.sample(tT);
      st.nextSample += this.opts.sampleIntervalMicros;
    }
  }

  /** Local time of the newest market row the trading side has taken (NaN: none yet). */
  get lastDataLocal(): Micros {
    return this.st?.lastLocal ?? Number.NaN;
  }

  private fundingStarted = false;

  /** Start the funding schedule at the first row's exchange time; returns the first payment's time (+∞: none). */
  startFunding(firstTs: Micros): Micros {
    const f = this.opts.funding;
    if (f === undefined) return Number.POSITIVE_INFINITY;
    f.seek(firstTs);
    this.fundingStarted = true;
    return f.nextTs();
  }

  /**
   * Apply every funding payment due before exchange time `t` (at or before it when `inclusive`) on the
   * venue's position, marked at the venue's mid. Returns the next payment's time.
   */
  payFunding(t: Micros, inclusive = false): Micros {
    return payVenueFunding(this.opts.funding!, this.exchange, this.core.portfolio, this.session.journal, this.fundingPaid, t, inclusive);
  }

  /** The decision timer at local time t: estimators and view, markouts due, then the session (risk, strategy). */
  decide(t: Micros, lastDataLocal: Micros): void {
    this.local.refresh(this.core, t);
    this.stats.mark(t, this.core.view.mid);
    this.beforeDecision?.(t);
    this.session.bookGap(t, this.local.bookUnknownSince);
    this.session.decide(t, lastDataLocal, true);
  }

  /** Hand the venue's next answer to the core (at its local arrival time). */
  deliver(): void {
    const ex = this.exchange;
    const kind = ex.deliver(this.session.answers);
    if (kind === VenueMsg.Filled) {
      const l = ex.last;
      const f = this.core.fills;
      this.stats.push(f.ts[f.length - 1]!, l.exchangeTs, l.mid, l.joinAhead, l.sentTs, l.tradeThrough, l.tradeId);
    }
  }

  /** The sampler at local time t: one trace row. */
  sample(t: Micros): void {
    const core = this.core;
    const v = core.view;
    if (this.trace.length === this.trace.capacity) this.trace = grown(this.trace);
    this.trace.push(t, v.mid, core.restingPrice(1), core.restingPrice(-1), core.target.reservation, v.position, v.cash, v.equity, this.session.stateCode);
    core.sampleIndex = this.trace.length;
  }

  /** Metrics of what ran so far; `t0` = performance.now() at the start. */
  finish(t0: number): TickBacktestResult {
    // Funding up to the venue's last event time, inclusive (the replay says nothing of the position after it).
    if (this.fundingStarted && this.opts.funding!.nextTs() <= this.exchange.now) this.payFunding(this.exchange.now, true);
    const engineSeconds = (performance.now() - t0) / 1000;
    const core = this.core;
    const sampleSeconds = this.opts.sampleIntervalMicros / 1e6;
    const metrics = computeTickMetrics({
      trace: this.trace,
      fills: core.fills,
      portfolio: core.portfolio,
      sampleSeconds,
      counters: core.counters,
      maxOrdersPerSide: core.maxOrdersPerSide,
      markoutHorizons: this.opts.markoutSeconds.map((s) => Math.max(1, Math.round(s / sampleSeconds))),
      stats: this.stats,
      events: this.events,
      placedQty: this.exchange.stats.placedQty,
      postOnlyRejects: this.exchange.stats.rejectedPostOnly,
      takerFills: this.exchange.stats.takerFills,
      tradeThroughFills: this.exchange.stats.tradeThroughFills,
      risk: this.session.riskMetrics(core.view.now),
      fundingPayments: this.fundingPaid.length,
      bookGaps: bookGapsOf(this.exchange),
      tradeGaps: tradeGapsOf(this.exchange),
    });
    return {
      core,
      exchange: this.exchange,
      trace: this.trace,
      metrics,
      stats: this.stats,
      events: this.events,
      maxBatchesHeld: this.maxHeld,
      engineSeconds,
      ...(this.opts.funding ? { funding: this.fundingPaid } : {}),
    };
  }
}

/** What a venue met of gaps in the depth stream, and what it did about them (metrics.json `book_gaps`). */
export function bookGapsOf(ex: L2Exchange): TickMetrics['book_gaps'] {
  const m = ex.market;
  return {
    count: m.gaps,
    seconds: m.unknownMicrosAt(ex.now) / 1e6,
    open_at_end: !m.known,
    fills_suppressed: ex.stats.fillsSuppressed,
    orders_rejected: ex.stats.rejectedBookUnknown,
    orders_requeued: ex.stats.requeued,
  };
}

/**
 * The jumps in the trade ids the venue's market met (`TradeGaps`), and how many of this run's orders rested
 * at the venue across one: reached it before the trade after the jump and had not ended (filled, cancelled)
 * by the trade before it. Orders that ended where they arrived (rejected, immediate-or-cancel) never rested.
 */
export function tradeGapsOf(ex: L2Exchange): TickMetrics['trade_gaps'] {
  const g = ex.market.tradeGaps;
  const a = ex.audit;
  let resting = 0;
  if (g.count > 0) {
    for (let r = 0; r < a.length; r++) {
      const arrived = a.arrived[r]!;
      const ended = a.ended[r]!;
      if (!(arrived === arrived) || ended === arrived) continue;
      for (let k = 0; k < g.count; k++) {
        if (arrived < g.to[k]! && !(ended <= g.from[k]!)) {
          resting++;
          break;
        }
      }
    }
  }
  return { count: g.count, trades_missed: g.missed, orders_resting: resting };
}

/** A run between two timers: the window and its cursors, the next rows' times, the timers. */
interface RunState {
  win: BatchWindow;
  bc: BatchCursor;
  tc: BatchCursor;
  lc: BatchCursor;
  /** The batches the three readers were in (kept when a cursor is past the end). */
  bb: EventColumns;
  tb: EventColumns;
  lb: EventColumns;
  bDone: boolean;
  tDone: boolean;
  bNext: number;
  tNext: number;
  vBid: number;
  vAsk: number;
  localDone: boolean;
  lastLocal: Micros;
  nextDecision: Micros;
  nextSample: Micros;
  events: number;
  /** Exchange time of the next funding payment (+∞: none). */
  fTs: Micros;
}

function grown(t: Trace): Trace {
  const g = new Trace(t.capacity * 2);
  g.ts.set(t.ts);
  g.mid.set(t.mid);
  g.bid.set(t.bid);
  g.ask.set(t.ask);
  g.reservation.set(t.reservation);
  g.inventory.set(t.inventory);
  g.cash.set(t.cash);
  g.equity.set(t.equity);
  g.state.set(t.state);
  g.length = t.length;
  return g;
}

/** Run a tick backtest over a stream of event batches (or one EventColumns). */
export function runTickBacktest(source: Iterable<EventColumns> | EventColumns, strategy: Strategy, opts: Readonly<TickBacktestOptions>): TickBacktestResult {
  const it: Iterable<EventColumns> = 'length' in source && 'type' in source ? [source as EventColumns] : (source as Iterable<EventColumns>);
  return new TickBacktest(strategy, opts).run(it);
}
