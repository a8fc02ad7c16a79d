// The tick shared pass: K tick backtests over one pass of the events, each with the result of its own single run.
import { InvariantError } from '../core/index.js';
import { EventType, type EventColumns } from '../market/index.js';
import { QueueAction, VenueBook, DEFAULT_LADDER_TICKS } from '../sim/index.js';
import type { Strategy } from '../strategy/index.js';
import type { SessionPorts } from './trading-session.js';
import { TickBacktest, type TickBacktestOptions, type TickBacktestResult } from './tick-backtest.js';
import { BatchWindow, type BatchCursor } from './batch-window.js';
import { TickLocal } from './tick-local.js';

const TRADE = EventType.Trade;
const INF = Number.POSITIVE_INFINITY;

/** One strategy instance of a shared pass: its own venue orders, latencies, session, local side and trace. */
export interface SharedPassMember {
  strategy: Strategy;
  opts: Readonly<TickBacktestOptions>;
  ports?: Readonly<Omit<SessionPorts, 'venue'>>;
}

/** A member's state in the pass (its driver holds venue, session, view, stats and trace). */
interface Member {
  d: TickBacktest;
  g: LocalGroup;
  nextSample: number;
  /** Local side exhausted: the venue still runs to this time (the member's own next timer), then it ends. */
  drainUntil: number;
  done: boolean;
  result: TickBacktestResult | undefined;
}

/**
 * Members that see the market alike on their trading side: the same local clock (feed latency), decision
 * timer and estimator settings. Their local rows, touch and estimators are one `TickLocal` (the leader);
 * each member's own `TickLocal` follows it and writes only its view.
 */
interface LocalGroup {
  leader: TickLocal;
  members: Member[];
  lc: BatchCursor;
  fixedFeed: boolean;
  feed: number;
  decisionInterval: number;
  nextDecision: number;
  /** Local time of the newest row taken (the risk engine's data freshness). */
  lastLocal: number;
  /** Position in the shared touch log (absolute index). */
  touchPos: number;
  exhausted: boolean;
}

/**
 * Our orders never change the replayed market, so K tick backtests can share everything that depends on
 * the market alone: the batches are read once, every book row and trade is applied once to one
 * `VenueBook`, and the touch history (what the trading side sees as of each row) is kept once. What is
 * per member: its venue's orders, queues and latency queues (`L2Exchange` on the shared market), its
 * session, local estimators, fill statistics and trace.
 *
 * The schedule is each member's single-run schedule (`TickBacktest.run`) merged on one clock. The
 * venue runs up to the earliest timer of any member — never past a member's own next timer, so no
 * member's command can arrive in the venue's past — and at each row, commands of any member arriving
 * strictly before the row's time go first, as in a single run. A trade reaches the members that rest an
 * order on its passive side, a depth row the members that rest where it changed something
 * (`VenueBook.restingAt` / `restingOn`). Then each member's trading side takes its answers and local
 * rows up to that timer, and the members whose timer it is decide and sample. A member whose local side
 * runs out keeps its venue running to its own next timer (as its single run would) and ends there.
 *
 * Members must share the venue's tick size and ladder (one replayed book). Each member's result equals,
 * byte for byte, its own `TickBacktest.run` (test/integration/tick-shared-pass.test.ts).
 */
export class TickSharedPass {
  readonly market: VenueBook;
  private readonly members: Member[] = [];
  private readonly groups: LocalGroup[] = [];
  /** Members whose venue still runs (local side active or draining). */
  private venue: Member[] = [];
  // The shared touch log: (global row, bid tick, ask tick) each time the venue's touch changed.
  private thRow = new Float64Array(1024);
  private thBid = new Float64Array(1024);
  private thAsk = new Float64Array(1024);
  /** Absolute index of the log's element 0, and the number of elements held. */
  private thBase = 0;
  private thLen = 0;

  constructor(specs: readonly SharedPassMember[]) {
    if (specs.length === 0) throw new InvariantError('a shared pass needs at least one member');
    const ex0 = specs[0]!.opts.exchange;
    const ladder = ex0.ladderTicks ?? DEFAULT_LADDER_TICKS;
    for (const s of specs) {
      const e = s.opts.exchange;
      if (e.tickSize !== ex0.tickSize || (e.ladderTicks ?? DEFAULT_LADDER_TICKS) !== ladder)
        throw new InvariantError(`members of a shared pass replay one book: tick size ${e.tickSize} / ladder ${e.ladderTicks} differs from ${ex0.tickSize} / ${ladder}`);
    }
    this.market = new VenueBook(ex0.tickSize, ladder);
    const byKey = new Map<string, LocalGroup>();
    for (const s of specs) {
      const key = JSON.stringify([s.opts.local, s.opts.feedLatencyMicros ?? null, s.opts.decisionIntervalMicros]);
      let g = byKey.get(key);
      if (g === undefined) {
        const leader = new TickLocal(s.opts.local);
        leader.fromVenue = true;
        const feed = s.opts.feedLatencyMicros;
        g = { leader, members: [], lc: undefined as unknown as BatchCursor, fixedFeed: feed !== undefined, feed: feed ?? 0, decisionInterval: s.opts.decisionIntervalMicros, nextDecision: 0, lastLocal: Number.NaN, touchPos: 0, exhausted: false };
        byKey.set(key, g);
        this.groups.push(g);
      }
      const d = new TickBacktest(s.strategy, s.opts, s.ports ?? {}, this.market, g.leader);
      // A strategy reading the book features: the group's leader keeps a local book fed at local time.
      if (d.core.strategy.usesBook === true) g.leader.keepsBook = true;
      const m: Member = { d, g, nextSample: 0, drainUntil: INF, done: false, result: undefined };
      g.members.push(m);
      this.members.push(m);
    }
  }

  /** The drivers, in the order of the members given (to attach observers before `run`). */
  get drivers(): TickBacktest[] {
    return this.members.map((m) => m.d);
  }

  run(source: Iterable<EventColumns>): TickBacktestResult[] {
    const t0 = performance.now();
    const win = new BatchWindow(source);
    const bc = win.cursor();
    const tc = win.cursor();
    for (const g of this.groups) g.lc = win.cursor();
    if (bc.b === undefined) return this.members.map((m) => m.d.finish(t0));
    for (const g of this.groups) {
      const start = g.fixedFeed ? bc.b.tsExchange[0]! + bc.b.publishDelay[0]! + g.feed : bc.b.tsLocal[0]!;
      g.nextDecision = Math.ceil(start / g.decisionInterval) * g.decisionInterval;
      for (const m of g.members) {
        const sInt = m.d.opts.sampleIntervalMicros;
        m.d.core.view.start = start;
        m.nextSample = Math.ceil(start / sInt) * sInt;
      }
    }
    this.venue = this.members.slice();
    for (const m of this.members) if (m.d.startFunding(bc.b.tsExchange[0]!) < this.fundingNext) this.fundingNext = m.d.opts.funding!.nextTs();
    const v = new VenuePhase(this, win, bc, tc);
    while (this.venue.length > 0) {
      // The earliest timer of any member (a draining member's is where its venue stops).
      let tT = INF;
      const venue = this.venue;
      for (let k = 0; k < venue.length; k++) {
        const m = venue[k]!;
        const t = m.drainUntil !== INF ? m.drainUntil : m.g.nextDecision < m.nextSample ? m.g.nextDecision : m.nextSample;
        if (t < tT) tT = t;
      }
      v.runTo(tT);
      let ended = false;
      for (let gi = 0; gi < this.groups.length; gi++) {
        const g = this.groups[gi]!;
        if (g.exhausted) continue;
        this.localTo(g, win, tT);
        if (g.exhausted) {
          // Its single runs end here: each member's venue runs on to its own next timer.
          for (const m of g.members) m.drainUntil = g.nextDecision < m.nextSample ? g.nextDecision : m.nextSample;
          continue;
        }
        if (g.nextDecision === tT) {
          this.syncTouch(g, g.lc.row0 + g.lc.i);
          g.leader.advance(tT);
          const ms = g.members;
          for (let k = 0; k < ms.length; k++) ms[k]!.d.decide(tT, g.lastLocal);
          g.nextDecision += g.decisionInterval;
        }
        for (let k = 0; k < g.members.length; k++) {
          const m = g.members[k]!;
          if (m.nextSample !== tT) continue;
          m.d.sample(tT);
          m.nextSample += m.d.opts.sampleIntervalMicros;
        }
      }
      for (let k = 0; k < venue.length; k++) {
        const m = venue[k]!;
        if (m.drainUntil !== tT) continue;
        m.done = true;
        m.d.maxHeld = win.maxHeld;
        m.result = m.d.finish(t0);
        ended = true;
      }
      if (ended) this.venue = this.venue.filter((m) => !m.done);
      this.trimTouch();
    }
    return this.members.map((m) => m.result!);
  }

  /** The earliest funding payment of any member (+∞: none). */
  fundingNext = INF;

  /** Pay every member's funding due before exchange time `x` (before the venue takes an event at `x`). */
  fundBefore(x: number): void {
    let next = INF;
    for (const m of this.venue) {
      const f = m.d.opts.funding;
      if (f === undefined) continue;
      const t = f.nextTs() < x ? m.d.payFunding(x) : f.nextTs();
      if (t < next) next = t;
    }
    this.fundingNext = next;
  }

  /** Members whose venue still runs (the venue phase's view). */
  venueMembers(): Member[] {
    return this.venue;
  }

  pushTouch(row: number, bid: number, ask: number): void {
    if (this.thLen === this.thRow.length) this.growTouch();
    const j = this.thLen++;
    this.thRow[j] = row;
    this.thBid[j] = bid;
    this.thAsk[j] = ask;
  }

  private growTouch(): void {
    const n = this.thRow.length * 2;
    const row = new Float64Array(n);
    const bid = new Float64Array(n);
    const ask = new Float64Array(n);
    row.set(this.thRow);
    bid.set(this.thBid);
    ask.set(this.thAsk);
    this.thRow = row;
    this.thBid = bid;
    this.thAsk = ask;
  }

  /** Drop touch entries every member has read (when they are more than half the log). */
  private trimTouch(): void {
    if (this.thLen < 512) return;
    let min = INF;
    for (const g of this.groups) if (!g.exhausted && g.touchPos < min) min = g.touchPos;
    const drop = (min === INF ? this.thBase + this.thLen : min) - this.thBase;
    if (drop * 2 < this.thLen) return;
    this.thRow.copyWithin(0, drop, this.thLen);
    this.thBid.copyWithin(0, drop, this.thLen);
    this.thAsk.copyWithin(0, drop, this.thLen);
    this.thLen -= drop;
    this.thBase += drop;
  }

  /** Give a group's local side the touch as of the rows before global row `row`. */
  private syncTouch(g: LocalGroup, row: number): void {
    let p = g.touchPos - this.thBase;
    const end = this.thLen;
    let j = -1;
    while (p < end && this.thRow[p]! < row) j = p++;
    g.touchPos = p + this.thBase;
    if (j >= 0) g.leader.setTouch(this.thBid[j]!, this.thAsk[j]!);
  }

  /**
   * A group's trading side up to timer `tT`: its local rows, then each member's answers. Local rows and
   * answers touch different state (rows: the leader's estimators and touch; answers: a member's orders,
   * position and cash), so taking the rows first gives what the single run's time-ordered merge gives.
   * When the rows run out, as in a single run, only answers due by the last row are taken.
   */
  private localTo(g: LocalGroup, win: BatchWindow, tT: number): void {
    const local = g.leader;
    const lc = g.lc;
    const fixedFeed = g.fixedFeed;
    const feed = g.feed;
    let lb = lc.b!;
    // With a feed latency a row's local time is its publication time + feed: tsExchange + lPd + feed.
    let lTs = fixedFeed ? lb.tsExchange : lb.tsLocal;
    let lPd = lb.publishDelay;
    let lType = lb.type;
    let lN = lb.length;
    let il = lc.i;
    let lastLocal = g.lastLocal;
    // Book rows for a strategy reading the book, and for gap rows once the shared venue has met one (`TickBacktest.advance`).
    const bookRows = local.keepsBook || this.market.book.gaps !== 0;
    for (;;) {
      while (il < lN) {
        const t = fixedFeed ? lTs[il]! + lPd[il]! + feed : lTs[il]!;
        if (!(t <= tT)) break;
        lastLocal = t;
        if (lType[il] === TRADE) {
          this.syncTouch(g, lc.row0 + il);
          local.onTradeRow(lb, il, t);
        } else if (bookRows) local.onBookRow(lb, il, t);
        il++;
      }
      if (il < lN) break;
      const events = lc.row0 + lN;
      for (const m of g.members) m.d.events = events;
      lc.i = il;
      win.advance(lc);
      il = lc.i;
      if (lc.b === undefined) {
        g.exhausted = true;
        break;
      }
      (lb = lc.b), (lTs = fixedFeed ? lb.tsExchange : lb.tsLocal), (lPd = lb.publishDelay), (lType = lb.type), (lN = lb.length);
    }
    lc.i = il;
    g.lastLocal = lastLocal;
    const limit = g.exhausted ? lastLocal : tT;
    for (let k = 0; k < g.members.length; k++) {
      const d = g.members[k]!.d;
      const ex = d.exchange;
      while (ex.nextOutboundTs() <= limit) d.deliver();
    }
  }
}

/**
 * The shared venue: book rows in file order and trades at their trade time, once, with every member's
 * arriving commands merged in. Its read positions live here between calls.
 */
class VenuePhase {
  private bNext = Number.NaN;
  private tNext = Number.NaN;
  private bDone = false;
  private tDone = false;
  private vBid: number;
  private vAsk: number;

  constructor(
    private readonly pass: TickSharedPass,
    private readonly win: BatchWindow,
    private readonly bc: BatchCursor,
    private readonly tc: BatchCursor,
  ) {
    this.vBid = pass.market.book.touchBid;
    this.vAsk = pass.market.book.touchAsk;
  }

  /** Every member's earliest command in flight. */
  private static minInbound(ms: readonly Member[]): number {
    let t = INF;
    for (let k = 0; k < ms.length; k++) {
      const x = ms[k]!.d.exchange.nextInboundTs();
      if (x < t) t = x;
    }
    return t;
  }

  /** Commands arriving before `before` (strictly) and at or before `tT`, for every member. */
  private static inbound(pass: TickSharedPass, ms: readonly Member[], before: number, tT: number): void {
    let funded = false;
    for (let k = 0; k < ms.length; k++) {
      const m = ms[k]!;
      const ex = m.d.exchange;
      const f = m.d.opts.funding;
      for (let x = ex.nextInboundTs(); x < before && x <= tT; x = ex.nextInboundTs()) {
        // A member's funding is due before its own command at a later time (a taker fill changes its position).
        if (f !== undefined && f.nextTs() < x) (m.d.payFunding(x), (funded = true));
        ex.processInbound();
      }
    }
    if (funded) pass.fundBefore(Number.NEGATIVE_INFINITY);
  }

  runTo(tT: number): void {
    const pass = this.pass;
    const ms = pass.venueMembers();
    const market = pass.market;
    const book = market.book;
    const win = this.win;
    const bc = this.bc;
    const tc = this.tc;
    let bb = bc.b!;
    let bi = bc.i;
    let tb = tc.b!;
    let ti = tc.i;
    let bNext = this.bNext;
    let tNext = this.tNext;
    let minIn = VenuePhase.minInbound(ms);
    for (;;) {
      if (tNext !== tNext) {
        const tType = tb.type;
        const tN = tb.length;
        while (ti < tN && tType[ti] !== TRADE) ti++;
        if (ti < tN) tNext = tb.tsExchange[ti]!;
        else {
          bc.i = bi;
          tc.i = ti;
          win.advance(tc);
          if (tc.b === undefined) {
            this.tDone = true;
            tNext = INF;
          }
          bi = bc.i;
          ti = tc.i;
          if (bc.b !== undefined) bb = bc.b;
          if (tc.b !== undefined) tb = tc.b;
          continue;
        }
      }
      if (bNext !== bNext) {
        const bType = bb.type;
        const bN = bb.length;
        while (bi < bN && bType[bi] === TRADE) bi++;
        if (bi < bN) bNext = bb.tsExchange[bi]!;
        else {
          bc.i = bi;
          tc.i = ti;
          win.advance(bc);
          if (bc.b === undefined) {
            this.bDone = true;
            bNext = INF;
          }
          bi = bc.i;
          ti = tc.i;
          if (bc.b !== undefined) bb = bc.b;
          if (tc.b !== undefined) tb = tc.b;
          continue;
        }
      }
      const r = tNext <= bNext ? tNext : bNext;
      if (minIn < r && minIn <= tT) {
        VenuePhase.inbound(pass, ms, r, tT);
        minIn = VenuePhase.minInbound(ms);
        continue;
      }
      if (!(r <= tT)) break;
      if (r > pass.fundingNext) pass.fundBefore(r);
      if (tNext <= bNext) {
        const aggressor = tb.side[ti]!;
        const size = tb.size[ti]!;
        const tick = book.tickOf(tb.price[ti]!);
        const id = tb.id[ti]!;
        market.onTrade(aggressor, tick, size, tNext, id);
        if (market.restingOn(-aggressor) > 0) {
          for (let k = 0; k < ms.length; k++) {
            const ex = ms[k]!.d.exchange;
            if (ex.reaches(aggressor, tick)) ex.matchTrade(aggressor, tick, size, tNext, id);
          }
        }
        ti++;
        if (!this.tDone) tNext = Number.NaN;
      } else {
        const action = market.applyBookRow(bb, bi, bNext);
        if (action !== QueueAction.None) {
          const named = action === QueueAction.ReadNamed;
          if (named ? market.restingAt(market.lastSide, market.lastTick) > 0 : market.restingOn(1) + market.restingOn(-1) > 0)
            for (let k = 0; k < ms.length; k++) {
              const ex = ms[k]!.d.exchange;
              if (ex.resting > 0) ex.afterBookRow(action);
            }
        }
        market.finishRow();
        const nb = book.touchBid;
        const na = book.touchAsk;
        if ((nb !== this.vBid && (nb === nb || this.vBid === this.vBid)) || (na !== this.vAsk && (na === na || this.vAsk === this.vAsk))) {
          this.vBid = nb;
          this.vAsk = na;
          pass.pushTouch(bc.row0 + bi, nb, na);
        }
        bi++;
        if (!this.bDone) bNext = Number.NaN;
      }
    }
    VenuePhase.inbound(pass, ms, INF, tT);
    bc.i = bi;
    tc.i = ti;
    this.bNext = bNext;
    this.tNext = tNext;
  }
}
