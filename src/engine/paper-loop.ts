// The realtime paper loop: feed → session → risk, one JSON line per iteration, kill switch, clean stop.
import { MICROS_PER_MS, isoOf, quantileOfSorted, roundTo, type Micros } from '../core/index.js';
import type { HaltFile } from '../risk/index.js';
import type { MarketFeed } from './market-feed.js';
import type { PaperSession } from './paper-session.js';
import type { PaperJournal } from './paper-journal.js';

/** One line per iteration (decision interval). Field names are the public contract of the JSONL file. */
export interface IterationRow {
  ts_utc: string;
  iteration: number;
  exchange: string;
  symbol: string;
  mid_price: number | null;
  best_bid: number | null;
  best_ask: number | null;
  volatility: number | null;
  inventory: number;
  bid: number | null;
  ask: number | null;
  spread: number | null;
  regime: string;
  open_orders: number;
  fills: number;
  fills_total: number;
  realized_pnl: number;
  unrealized_pnl: number;
  fees: number;
  cash: number;
  equity: number | null;
  trading_state: string;
  risk_reasons: string[];
  /** State changes, denials and feed faults since the last line, each with its reason (at most 20, newest last). */
  risk_events: { ts_utc: string; kind: string; reason: string; state: string }[];
  book_updates: number;
  trades: number;
  decisions: number;
  /** Commands sent to the venue since the last line: places, cancels, amends. */
  commands: number;
  /** Places refused before they left since the last line: by the risk gate, or a ledger that could not record them. */
  denials: number;
  decision_latency_p50_us: number | null;
  decision_latency_p99_us: number | null;
  feed: string;
  connected: boolean;
  clock_skew_ms: number | null;
  reconnects: number;
  resyncs: number;
  gaps: number;
  retries: number;
  rate_limited: number;
}

/** When a paper loop (one market or several) stops, how it is paced, and its clock. */
export interface LoopTiming {
  /** Stop after this many iterations (undefined: no limit). */
  iterations: number | undefined;
  /** Stop after this much wall time, µs (undefined: no limit). */
  durationMicros: Micros | undefined;
  /** Length of one iteration, µs. */
  iterationMicros: Micros;
  /** Decide at least this often without market data (stale-data detection), µs. */
  idleDecisionMicros: Micros;
  /** A quote row goes to the journal at most this often, µs. */
  quoteSampleMicros: Micros;
  clock: () => Micros;
}

export interface PaperLoopOptions extends LoopTiming {
  exchange: string;
  symbol: string;
  emit: (row: IterationRow) => void;
  journal?: PaperJournal;
  haltFile?: HaltFile;
  /** Set by a signal handler: the loop ends after the current step. */
  stop: { requested: boolean; reason?: string };
  /** Called after every step with new market data or a decision (the live dashboard). */
  onStep?: (session: PaperSession) => void;
}

export interface PaperSummary {
  summary: true;
  exchange: string;
  symbol: string;
  iterations: number;
  ended_by: string;
  /** Seconds of real time the loop ran. */
  wall_seconds: number;
  /** Seconds on the session's clock: market time in a replay (at --speed 10, ten times the wall's), the wall's live. */
  session_seconds: number;
  book_updates: number;
  trades: number;
  decisions: number;
  /** Commands sent to the venue (places, cancels, amends); a refused place is in `denials`. */
  commands: number;
  fills: number;
  denials: number;
  inventory: number;
  cash: number;
  realized_pnl: number;
  unrealized_pnl: number;
  fees: number;
  /** Perpetuals: funding received (negative: paid), quote currency at the last mid (0 for spot), as the tick backtest's metrics. */
  pnl_funding: number;
  /** Funding times the session crossed (perpetuals with `market.funding`). */
  funding_payments: number;
  trading_state: string;
  decision_latency_p99_us: number | null;
  max_backlog_rows: number;
  reconnects: number;
  resyncs: number;
  gaps: number;
}

/** Decision latencies (µs) of the current iteration, for percentiles. */
export class LatencyWindow {
  private readonly xs = new Float64Array(1 << 16);
  private readonly run = new Float64Array(1 << 20);
  n = 0;
  runN = 0;
  push(us: number): void {
    if (this.n < this.xs.length) this.xs[this.n++] = us;
    if (this.runN < this.run.length) this.run[this.runN++] = us;
  }
  /** p50 and p99 of this iteration, then a new window. */
  percentiles(): [number, number] | undefined {
    if (this.n === 0) return undefined;
    const s = this.xs.subarray(0, this.n).sort();
    const out: [number, number] = [quantileOfSorted(s, 0.5), quantileOfSorted(s, 0.99)];
    this.n = 0;
    return out;
  }
  /** p99 over the whole run (the first million decisions). */
  runP99(): number {
    return this.runN === 0 ? Number.NaN : quantileOfSorted(this.run.subarray(0, this.runN).sort(), 0.99);
  }
}


/** A label of the market's state from σ (bps of mid per √minute), for the iteration line. */
export function regimeOf(sigmaPerSqrtSecond: number, mid: number, warm: boolean): string {
  if (!warm || !(mid > 0) || !(sigmaPerSqrtSecond >= 0)) return 'warming-up';
  const bpsPerMinute = (sigmaPerSqrtSecond * Math.sqrt(60) * 1e4) / mid;
  return bpsPerMinute < 2 ? 'quiet' : bpsPerMinute < 10 ? 'normal' : 'volatile';
}

/**
 * Runs until the iteration count, the duration, the end of the feed or a stop request. Each step takes
 * what the feed has, applies it, and decides; without data it still decides every `idleDecisionMicros`
 * so that stale data halts quoting. With the session's decision timer on, a step fires the decisions
 * due by then instead (at their own times, as the tick backtest does), and the wait for data ends at
 * the next one. The halt file is polled every step. At the end every paper order is canceled (and its
 * answer delivered); the caller closes the journal.
 */
export async function runPaperLoop(feed: MarketFeed, session: PaperSession, o: Readonly<PaperLoopOptions>): Promise<PaperSummary> {
  const clock = o.clock;
  const started = clock();
  const wall0 = performance.now();
  const lat = new LatencyWindow();
  let iteration = 0;
  let nextIteration = started + o.iterationMicros;
  let nextQuote = started;
  let endedBy = 'iterations';
  let lastFills = 0;
  let prev = { ...session.counters };
  let maxBacklog = 0;
  const backlogOf = (feed as { backlog?: () => number }).backlog?.bind(feed);

  await feed.start();
  for (;;) {
    let now = clock();
    const end = loopEnd(o, now, started);
    if (end !== undefined) {
      endedBy = end;
      break;
    }
    if (now >= nextIteration) {
      iteration++;
      o.emit(iterationRow(o, session, feed, iteration, now, lat, session.counters.fills - lastFills, prev));
      lastFills = session.counters.fills;
      prev = { ...session.counters };
      nextIteration += o.iterationMicros;
      if (nextIteration <= now) nextIteration = now + o.iterationMicros;
      if (o.journal !== undefined) o.journal.riskMarks(session.risk.marks);
      if (o.iterations !== undefined && iteration >= o.iterations) break;
      continue;
    }
    // With a decision timer, wait no longer than its next decision, so that decisions keep their schedule when the market is quiet.
    const untilDecision = session.nextDecisionTs - now;
    const waitMs = Math.max(0, Math.min(nextIteration - now, o.idleDecisionMicros, untilDecision === untilDecision ? untilDecision : Number.POSITIVE_INFINITY) / MICROS_PER_MS);
    const rows = await feed.next(waitMs);
    if (rows === undefined) {
      endedBy = 'feed ended';
      break;
    }
    if (backlogOf !== undefined) {
      const b = backlogOf();
      if (b > maxBacklog) maxBacklog = b;
    }
    for (const n of feed.drainNotes()) session.feedNote(n.ts, n.kind, n.reason);
    const t0 = performance.now();
    now = clock();
    if (rows.length > 0) session.onRows(rows);
    const reason = o.haltFile?.poll(now / MICROS_PER_MS);
    if (reason !== undefined && !session.risk.machine.isRaised('kill-switch')) session.halt(now, reason);
    session.step(now, { lastDataLocal: session.lastDataLocal, connected: feed.connected });
    if (rows.length > 0) lat.push((performance.now() - t0) * 1000);
    if (o.journal !== undefined && now >= nextQuote) {
      nextQuote = now + o.quoteSampleMicros;
      journalQuote(o.journal, session, now);
    }
    o.onStep?.(session);
  }

  // Stop: cancel paper orders and let the venue answer (its latency elapses on the session's clock).
  const end = clock();
  session.cancelAll(end);
  session.pump(end + 10_000_000);
  await feed.close();
  return paperSummary(o, session, feed, { iterations: iteration, endedBy, sessionMicros: end - started, wallMs: performance.now() - wall0, lat, maxBacklog });
}

/** Why a paper loop stops before its next step (a stop request, or its duration reached at `now`), or undefined. */
export function loopEnd(o: { stop: { requested: boolean; reason?: string }; durationMicros: Micros | undefined }, now: Micros, started: Micros): string | undefined {
  if (o.stop.requested) return o.stop.reason ?? 'signal';
  if (o.durationMicros !== undefined && now - started >= o.durationMicros) return 'duration';
  return undefined;
}

/** A market's quote sample in its journal: the mid, our resting prices, position, equity and trading state at `now`. */
export function journalQuote(journal: PaperJournal, session: PaperSession, now: Micros): void {
  const core = session.core;
  const v = core.view;
  journal.quote({ ts: now, mid: v.mid, bid: core.restingPrice(1), ask: core.restingPrice(-1), position: v.position, equity: v.equity, tradingState: v.tradingState });
}

/** A market's end-of-run summary (one market's loop, or one market of several). */
export function paperSummary(
  o: Readonly<Pick<PaperLoopOptions, 'exchange' | 'symbol'>>,
  session: PaperSession,
  feed: MarketFeed,
  run: { iterations: number; endedBy: string; sessionMicros: Micros; wallMs: number; lat: LatencyWindow; maxBacklog: number },
): PaperSummary {
  const core = session.core;
  const p = core.portfolio;
  const mid = core.view.mid;
  return {
    summary: true,
    exchange: o.exchange,
    symbol: o.symbol,
    iterations: run.iterations,
    ended_by: run.endedBy,
    wall_seconds: Math.round(run.wallMs) / 1e3,
    session_seconds: Math.round(run.sessionMicros / 1e3) / 1e3,
    book_updates: session.counters.rows - session.counters.trades,
    trades: session.counters.trades,
    decisions: session.counters.decisions,
    commands: session.counters.commands,
    fills: session.counters.fills,
    denials: session.counters.denials,
    inventory: roundTo(p.position, 10) ?? 0,
    cash: roundTo(p.cash, 6) ?? 0,
    realized_pnl: roundTo(p.realizedPnl, 6) ?? 0,
    unrealized_pnl: roundTo(mid > 0 ? p.unrealizedPnl(mid) : 0, 6) ?? 0,
    fees: roundTo(p.fees, 6) ?? 0,
    pnl_funding: roundTo(p.funding === 0 ? 0 : p.toQuote(p.funding, mid), 6) ?? 0,
    funding_payments: session.fundingPaid.length,
    trading_state: core.view.tradingState,
    decision_latency_p99_us: roundTo(run.lat.runP99(), 1),
    max_backlog_rows: run.maxBacklog,
    reconnects: feed.stats.reconnects,
    resyncs: feed.stats.resyncs,
    gaps: feed.stats.gaps,
  };
}

/** One market's iteration line (the counters since `prev`). */
export function iterationRow(
  o: Readonly<Pick<PaperLoopOptions, 'exchange' | 'symbol'>>,
  s: PaperSession,
  feed: MarketFeed,
  iteration: number,
  now: Micros,
  lat: LatencyWindow,
  fills: number,
  prev: Readonly<PaperSession['counters']>,
): IterationRow {
  const core = s.core;
  const v = core.view;
  const p = core.portfolio;
  const bid = core.restingPrice(1);
  const ask = core.restingPrice(-1);
  const pct = lat.percentiles();
  const c = s.counters;
  return {
    ts_utc: isoOf(now),
    iteration,
    exchange: o.exchange,
    symbol: o.symbol,
    mid_price: roundTo(v.mid, 8),
    best_bid: roundTo(v.bestBid, 8),
    best_ask: roundTo(v.bestAsk, 8),
    volatility: roundTo(v.sigma, 8),
    inventory: roundTo(p.position, 10) ?? 0,
    bid: roundTo(bid, 8),
    ask: roundTo(ask, 8),
    spread: roundTo(ask - bid, 8),
    regime: regimeOf(v.sigma, v.mid, v.warm),
    open_orders: core.open.count,
    fills,
    fills_total: c.fills,
    realized_pnl: roundTo(p.realizedPnl, 6) ?? 0,
    unrealized_pnl: roundTo(v.mid > 0 ? p.unrealizedPnl(v.mid) : 0, 6) ?? 0,
    fees: roundTo(p.fees, 6) ?? 0,
    cash: roundTo(p.cash, 6) ?? 0,
    equity: roundTo(v.equity, 6),
    trading_state: v.tradingState,
    risk_reasons: s.risk.machine.reasons().map((r) => `${r.condition}: ${r.reason}`),
    risk_events: s.recentRisk
      .slice(Math.max(0, s.recentRisk.length - Math.min(20, c.riskEvents - prev.riskEvents)))
      .map((e) => ({ ts_utc: isoOf(e.ts), kind: e.kind, reason: e.reason, state: e.state })),
    book_updates: c.rows - c.trades - (prev.rows - prev.trades),
    trades: c.trades - prev.trades,
    decisions: c.decisions - prev.decisions,
    commands: c.commands - prev.commands,
    denials: c.denials - prev.denials,
    decision_latency_p50_us: pct ? roundTo(pct[0], 1) : null,
    decision_latency_p99_us: pct ? roundTo(pct[1], 1) : null,
    feed: feed.kind,
    connected: feed.connected,
    clock_skew_ms: roundTo(s.lastSkewMicros / 1000, 1),
    reconnects: feed.stats.reconnects,
    resyncs: feed.stats.resyncs,
    gaps: feed.stats.gaps,
    retries: feed.stats.retries,
    rate_limited: feed.stats.rateLimited,
  };
}
