// Several markets paper-traded in one process on one wall clock: a feed and a session per market, one loop, the book's limits over all of them.
import { MICROS_PER_MS, isoOf, roundTo, type Micros } from '../core/index.js';
import type { HaltFile } from '../risk/index.js';
import type { EventColumns } from '../market/index.js';
import type { MarketFeed } from './market-feed.js';
import type { PaperSession } from './paper-session.js';
import type { PaperJournal } from './paper-journal.js';
import { LatencyWindow, iterationRow, journalQuote, loopEnd, paperSummary, type IterationRow, type LoopTiming, type PaperSummary } from './paper-loop.js';
import { BookLimits, type BookFigures } from './book-limits.js';
import type { PortfolioLimits } from './markets-config.js';

/** One market of the loop: its feed, its paper session and its journal (its run in the shared ledger). */
export interface PaperMarket {
  name: string;
  exchange: string;
  symbol: string;
  feed: MarketFeed;
  session: PaperSession;
  journal?: PaperJournal;
  /** This market's own kill switch (the book's is `PaperMarketsOptions.haltFile`). */
  haltFile?: HaltFile;
}

/** A market's iteration line: the single-market line with the market's name. */
export type MarketIterationRow = IterationRow & { market: string };

/** The book's line of an iteration (after the markets' lines). */
export interface BookLine {
  book: true;
  ts_utc: string;
  iteration: number;
  markets: number;
  equity: number;
  pnl: number;
  drawdown: number;
  notional: number;
  /** Each market's trading state, by name. */
  states: Record<string, string>;
  loss_halt: boolean;
  drawdown_halt: boolean;
}

export interface PaperMarketsOptions extends LoopTiming {
  portfolio: Readonly<PortfolioLimits>;
  emit: (row: MarketIterationRow) => void;
  emitBook?: (line: BookLine) => void;
  /** The kill switch of every market. */
  haltFile?: HaltFile;
  stop: { requested: boolean; reason?: string };
  /** After every step with new data or a decision (the live dashboard). */
  onStep?: (markets: readonly PaperMarket[], book: Readonly<BookFigures>) => void;
  /**
   * `hedge:`: the quoted market's index and its hedge market's (whose session runs `HedgeStrategy`). At
   * every step the quoted market's view gets the hedge market's position and touch as they stand before
   * the step, and the hedge market takes its rows and decides after every other market.
   */
  hedge?: { quoted: number; hedge: number };
}

export interface PaperMarketsSummary {
  summary: true;
  ended_by: string;
  iterations: number;
  /** Seconds of real time, and on the session's clock (market time in a replay). */
  wall_seconds: number;
  session_seconds: number;
  markets: (PaperSummary & { market: string })[];
  book: BookFigures;
}

/** Per market: what the loop keeps between steps. */
interface Lane {
  m: PaperMarket;
  lat: LatencyWindow;
  prev: PaperSession['counters'];
  lastFills: number;
  nextQuote: Micros;
  /** The feed's pending `next` (its rows are taken when it settles, before another is asked). */
  pending: Promise<void> | undefined;
  got: EventColumns | undefined | null;
  ended: boolean;
  maxBacklog: number;
}

/**
 * `runPaperLoop` for several markets at once. Every feed is waited on together (the first to deliver
 * wakes the loop; the others' pending reads are kept, so no row is lost or reordered within a market);
 * at each step every market's session is stepped to the same local time — its rows, then its decisions
 * due by then (each market on its own decision timer, its own risk: a stale or broken feed halts that
 * market only) — and then the book's limits are checked on the markets' latest marks (`BookLimits`: the
 * book's loss or drawdown halts every market, its notional puts every market in reducing). One line per
 * market and one book line per iteration. The halt file halts every market; a market's own halt file
 * halts it alone. At the end every paper order of every market is cancelled and its answer delivered.
 */
export async function runPaperMarkets(markets: readonly PaperMarket[], o: Readonly<PaperMarketsOptions>): Promise<PaperMarketsSummary> {
  const clock = o.clock;
  const book = new BookLimits(
    markets.map((m) => m.session.session),
    o.portfolio,
  );
  const lanes: Lane[] = markets.map((m) => ({ m, lat: new LatencyWindow(), prev: { ...m.session.counters }, lastFills: 0, nextQuote: 0, pending: undefined, got: null, ended: false, maxBacklog: 0 }));
  // The order markets take their rows and decide in: `markets:` order, a hedge market after the others.
  const h = o.hedge;
  const stepOrder = h === undefined ? lanes : [...lanes.filter((_, k) => k !== h.hedge), lanes[h.hedge]!];
  const shareHedge = (): void => {
    if (h === undefined) return;
    const qv = markets[h.quoted]!.session.core.view;
    const hv = markets[h.hedge]!.session.core.view;
    qv.hedgePosition = hv.position;
    qv.hedgeBid = hv.bestBid;
    qv.hedgeAsk = hv.bestAsk;
  };
  await Promise.all(markets.map((m) => m.feed.start()));
  const started = clock();
  const wall0 = performance.now();
  for (const l of lanes) l.nextQuote = started;
  let iteration = 0;
  let nextIteration = started + o.iterationMicros;
  let endedBy = 'iterations';
  for (;;) {
    let now = clock();
    const end = loopEnd(o, now, started);
    if (end !== undefined) {
      endedBy = end;
      break;
    }
    if (now >= nextIteration) {
      iteration++;
      const states: Record<string, string> = {};
      for (const l of lanes) {
        const s = l.m.session;
        o.emit({ market: l.m.name, ...iterationRow(l.m, s, l.m.feed, iteration, now, l.lat, s.counters.fills - l.lastFills, l.prev) });
        l.lastFills = s.counters.fills;
        l.prev = { ...s.counters };
        l.m.journal?.riskMarks(s.risk.marks);
        states[l.m.name] = s.core.view.tradingState;
      }
      const b = book.figures;
      o.emitBook?.({
        book: true,
        ts_utc: isoOf(now),
        iteration,
        markets: lanes.length,
        equity: roundTo(b.equity, 6) ?? 0,
        pnl: roundTo(b.pnl, 6) ?? 0,
        drawdown: roundTo(b.drawdown, 6) ?? 0,
        notional: roundTo(b.notional, 6) ?? 0,
        states,
        loss_halt: b.loss_halt_ts !== null,
        drawdown_halt: b.drawdown_halt_ts !== null,
      });
      nextIteration += o.iterationMicros;
      if (nextIteration <= now) nextIteration = now + o.iterationMicros;
      if (o.iterations !== undefined && iteration >= o.iterations) break;
      continue;
    }
    // Wait for the first feed to deliver, no longer than the next iteration, idle decision or timed decision of any market.
    let wait = Math.min(nextIteration - now, o.idleDecisionMicros);
    for (const l of lanes) {
      const d = l.m.session.nextDecisionTs - now;
      if (d === d && d < wait) wait = d;
    }
    const waitMs = Math.max(0, wait / MICROS_PER_MS);
    const waiting: Promise<void>[] = [];
    for (const l of lanes) {
      if (l.ended) continue;
      l.pending ??= l.m.feed.next(waitMs).then((rows) => {
        l.got = rows;
      });
      waiting.push(l.pending);
    }
    if (waiting.length === 0) {
      endedBy = 'feed ended';
      break;
    }
    await Promise.race(waiting);
    now = clock();
    shareHedge();
    for (const l of stepOrder) {
      if (l.got === null) continue;
      const rows = l.got;
      l.got = null;
      l.pending = undefined;
      if (rows === undefined) {
        l.ended = true;
        continue;
      }
      const backlog = (l.m.feed as { backlog?: () => number }).backlog?.();
      if (backlog !== undefined && backlog > l.maxBacklog) l.maxBacklog = backlog;
      for (const n of l.m.feed.drainNotes()) l.m.session.feedNote(n.ts, n.kind, n.reason);
      if (rows.length > 0) {
        const t0 = performance.now();
        l.m.session.onRows(rows);
        l.lat.push((performance.now() - t0) * 1000);
      }
    }
    const nowMs = now / MICROS_PER_MS;
    const all = o.haltFile?.poll(nowMs);
    shareHedge();
    for (const l of stepOrder) {
      const s = l.m.session;
      const own = l.m.haltFile?.poll(nowMs);
      const reason = all ?? (own === undefined ? undefined : `${l.m.name}: ${own}`);
      if (reason !== undefined && !s.risk.machine.isRaised('kill-switch')) s.halt(now, reason);
      s.step(now, { lastDataLocal: s.lastDataLocal, connected: l.m.feed.connected && !l.ended });
    }
    const figures = book.check(now);
    for (const l of lanes) {
      if (l.m.journal === undefined || now < l.nextQuote) continue;
      l.nextQuote = now + o.quoteSampleMicros;
      journalQuote(l.m.journal, l.m.session, now);
    }
    o.onStep?.(markets, figures);
  }

  const end = clock();
  for (const l of lanes) {
    l.m.session.cancelAll(end);
    l.m.session.pump(end + 10_000_000);
  }
  await Promise.all(lanes.map((l) => l.m.feed.close()));
  // A read still pending on a closed feed settles at once; its rows are no longer wanted.
  await Promise.all(lanes.map((l) => l.pending));
  const figures = book.check(end);
  const wallMs = performance.now() - wall0;
  return {
    summary: true,
    ended_by: endedBy,
    iterations: iteration,
    wall_seconds: Math.round(wallMs) / 1e3,
    session_seconds: Math.round((end - started) / 1e3) / 1e3,
    markets: lanes.map((l) => ({ market: l.m.name, ...paperSummary(l.m, l.m.session, l.m.feed, { iterations: iteration, endedBy, sessionMicros: end - started, wallMs, lat: l.lat, maxBacklog: l.maxBacklog }) })),
    book: { ...figures },
  };
}
