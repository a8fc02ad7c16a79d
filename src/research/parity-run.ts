// `parity`: a session of a ledger replayed through the tick backtest on the market it recorded, and compared with what happened.
import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError, quantileOfSorted, readConfigMapping, roundTo } from '../core/index.js';
import type { EventColumns } from '../market/index.js';
import { loadStrategyOf, parseTradingConfig, peekEvents, resolveTrading, runEventReplay, venueOptionsFor, type TradingConfig } from '../engine/index.js';
import { fileSha256, isEventFile, readEventFile } from '../data/index.js';
import { Ledger, locateRecording, readRecordingLink, type RecordingLink } from '../ledger/index.js';
import { compareSides, type ParityComparison } from './parity.js';
import { compareOrderLevel, divergence, type Divergence, type OrderLevelParity } from './parity-orders.js';
import { replayOrderStream } from './parity-order-replay.js';
import { scanRecording } from './parity-market.js';
import { readSessionRun, readSessionSide, runIdsOf, type SessionSide } from './parity-side.js';

export interface ParityOptions {
  ledger: string;
  session?: string;
  events?: string;
  /** A file whose `sim:` section replaces the session's (a calibrated or deliberately different simulator). */
  simConfig?: string;
  toleranceMs?: number;
}

export interface ParityReport {
  kind: 'parity';
  ledger: string;
  session: { run_id: string; mode: string; exchange: string; symbol: string; status: string; started_at: string; clock: string };
  events: {
    path: string;
    rows: number;
    first_local_utc: string | null;
    last_local_utc: string | null;
    linked: boolean;
    same_as_linked: boolean | null;
    /** Local receive time − exchange time of the recorded rows, ms: the market-data latency both sides saw. */
    feed_latency_ms: { median: number | null; p90: number | null };
  };
  replay: { sim: Record<string, unknown>; sim_source: 'session' | string; engine_seconds: number };
  /**
   * Strategy-level: the session's config and strategy run again on the recording, deciding for
   * themselves (`comparison`). A strategy whose decisions depend on its inventory diverges from the
   * session at the first fill that differs, so these figures mix the simulator's error with the
   * strategy's path dependence.
   */
  comparison: ParityComparison;
  /** Where the strategy's replay parted from the session (why the strategy-level figures can be far apart). */
  divergence: Divergence;
  /** Order-level: the session's own order stream replayed as sent (`parity-orders.ts`): the simulator alone. */
  order_level: OrderLevelParity;
  /** A wall-clock paper session only: the same order stream with the venue at exchange time (the tick backtest's), measuring what the feed's delay changes. */
  order_level_at_exchange_time?: OrderLevelParity;
  /** Why live and replay may differ for reasons other than the simulator (a resumed position, a changed file…). */
  notes: string[];
}

/** Keys a session's journaled config carries beside the trading config (the command's own). */
const RUN_ONLY_KEYS = ['timeframe', 'poll_seconds', 'clock'];

/** Open a ledger read-only (never written, never locked: a running writer may hold it). */
export function openLedgerReadOnly(path: string): Database.Database {
  if (!existsSync(path)) throw new UserError(`--ledger: no ledger at ${path}`);
  if (!statSync(path).isFile()) throw new UserError(`--ledger: ${path} is not a file`);
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 2000');
    db.prepare('SELECT count(*) FROM runs').get();
    return db;
  } catch (e) {
    db?.close();
    throw new UserError(`--ledger: ${path} is not a marketmakerl ledger (${(e as Error).message.split('\n')[0]})`);
  }
}

/** The `sim:` section of a file (what `calibrate-sim` writes), strictly. */
export function readSimOverride(path: string): TradingConfig['sim'] {
  const m = readConfigMapping(path);
  const extra = Object.keys(m).filter((k) => k !== 'sim');
  if (extra.length > 0) throw new UserError(`--sim-config: ${path}: expected only a sim: section, found ${extra.join(', ')}`);
  if (m['sim'] === undefined) throw new UserError(`--sim-config: ${path}: expected a sim: section`);
  return parseTradingConfig({ sim: m['sim'] }, { source: path }).sim;
}

/** The session's trading config as the ledger journaled it, ready to replay on an in-memory stream. */
export function sessionTradingConfig(journaled: Readonly<Record<string, unknown>>, runId: string): TradingConfig {
  const input: Record<string, unknown> = { ...journaled };
  for (const k of RUN_ONLY_KEYS) delete input[k];
  const data = input['data'];
  if (data !== null && typeof data === 'object') input['data'] = { ...(data as Record<string, unknown>), events: undefined };
  return parseTradingConfig(input, { source: `the config journaled for run ${runId}` });
}

/** Where the session's market is: `--events`, else the recording the ledger links to the run. */
function eventsPath(o: ParityOptions, runId: string, link: RecordingLink | undefined): string {
  if (o.events !== undefined) {
    if (!existsSync(o.events)) throw new UserError(`--events: no file at ${o.events}`);
    if (!isEventFile(o.events)) throw new UserError(`--events: ${o.events} is not an event file (Arrow, from realtime --record, convert or record)`);
    return o.events;
  }
  if (link === undefined) throw new UserError(`--ledger: run ${runId} has no linked recording (start the session with realtime --record FILE.arrow, or give --events FILE.arrow)`);
  if (link.status === 'recording') throw new UserError(`--ledger: the recording of run ${runId} is not complete (the session is still running, or was killed before it could close the file); give --events FILE.arrow`);
  if (link.status !== 'written') throw new UserError(`--ledger: the recording of run ${runId} was not written (status ${link.status}); give --events FILE.arrow`);
  const found = locateRecording(o.ledger, link);
  if (found === undefined) throw new UserError(`--ledger: the recording of run ${runId} is missing (${link.pathFromLedger} beside the ledger, or ${link.path}); give --events FILE.arrow`);
  return found;
}

/** Replay `cfg` on `events` with the paper ledger's journal in memory, and read it back as a side. */
function replaySide(cfg: TradingConfig, events: EventColumns, run: { exchange: string; symbol: string }): { side: SessionSide; engineSeconds: number } {
  const mem = new Ledger(':memory:');
  try {
    mem.startRun({ runId: 'replay', mode: 'paper', exchange: run.exchange, symbol: run.symbol, config: {}, initialCash: cfg.capital }, new Date());
    const job = runEventReplay(cfg, events, mem, { source: 'replay' });
    return { side: readSessionSide(mem.db, 'replay'), engineSeconds: job.engineSeconds };
  } finally {
    mem.close();
  }
}

export async function runParity(o: ParityOptions): Promise<ParityReport> {
  const toleranceMs = o.toleranceMs ?? 500;
  if (!(toleranceMs >= 0) || toleranceMs > 3_600_000) throw new UserError(`--tolerance-ms: expected a number of ms in [0, 3600000], got ${toleranceMs}`);
  const sim = o.simConfig === undefined ? undefined : readSimOverride(o.simConfig);
  const db = openLedgerReadOnly(o.ledger);
  let live: SessionSide;
  let run: NonNullable<ReturnType<typeof readSessionRun>>;
  let link: RecordingLink | undefined;
  try {
    const found = readSessionRun(db, o.session);
    if (found === undefined) {
      if (o.session === undefined) throw new UserError(`--ledger: ${o.ledger} holds no run`);
      throw new UserError(`--session: no run '${o.session}' in ${o.ledger} (runs: ${runIdsOf(db).join(', ') || 'none'})`);
    }
    run = found;
    link = readRecordingLink(db, run.runId);
    live = readSessionSide(db, run.runId);
  } finally {
    db.close();
  }
  const path = eventsPath(o, run.runId, link);
  const file = readEventFile(path);
  const events = file.events;
  if (events.length === 0) throw new UserError(`--events: ${path} holds no market events`);
  const base = sessionTradingConfig(run.config, run.runId);
  const chosen: TradingConfig = sim === undefined ? base : { ...base, sim };
  // A session on the wall clock saw each row at the local time it was recorded with: its replay's trading
  // side sees it then too, not at exchange time + sim.feed_latency_ms (an event-clock session applied that
  // latency itself, so its replay keeps it).
  const wallClockSession = run.config['clock'] !== 'event';
  const dropFeed = wallClockSession && chosen.sim.feed_latency_ms !== undefined;
  const cfg: TradingConfig = dropFeed ? { ...chosen, sim: { ...chosen.sim, feed_latency_ms: undefined } } : chosen;
  await loadStrategyOf(cfg, { source: `the config journaled for run ${run.runId}` });
  // The recorded receive times, where no row is received before the exchange stamped it (a clock skew of a
  // fraction of a millisecond would otherwise make the backtest fall back to exchange time + 5 ms).
  const causal = wallClockSession ? receivedNoEarlier(events) : { events, moved: 0, maxUs: 0 };
  const replay = replaySide(cfg, causal.events, run);

  const notes: string[] = [];
  const linked = link !== undefined && link.status === 'written' && resolve(locateRecording(o.ledger, link) ?? link.path) === resolve(path);
  let same: boolean | null = null;
  if (link?.sha256 != null) {
    same = fileSha256(path) === link.sha256;
    if (!same) notes.push(`the events file is not the session's own recording (its sha256 differs from the one the ledger linked): live and replay saw different markets`);
  } else if (o.events !== undefined) notes.push('the ledger links no recording to this run: the events given are assumed to be the market the session received');
  if (run.earlierFills > 0) notes.push(`earlier runs of this ledger booked ${run.earlierFills} fills: the session may have resumed a position, the replay starts flat`);
  if (run.mode === 'live') notes.push('live fills are the exchange\'s; the replay\'s are the simulator\'s on the recorded market');
  const feed = feedLatency(events);
  if (sim !== undefined) notes.push(`the replay ran with the sim: section of ${o.simConfig}, not the session's own`);
  if (causal.moved > 0)
    notes.push(`${causal.moved} recorded rows carry a receive time before their exchange time (by at most ${roundTo(causal.maxUs / 1000, 3)} ms: the two clocks' offset); the strategy-level replay takes them as received at their exchange time`);
  if (dropFeed) notes.push(`the replay's trading side saw each row at the local time the session received it (the recording's), not at exchange time + sim.feed_latency_ms ${chosen.sim.feed_latency_ms} ms`);

  const tick = cfg.market.tick_size;
  const q = (s: SessionSide) => s.orders.map((x) => ({ ts: Number.isFinite(x.acceptedTs) ? x.acceptedTs : x.sentTs, side: x.side, price: x.price }));
  const lq = live.queueFromVenue ? undefined : q(live);
  const scan = scanRecording(events, tick, lq ?? []);
  const liveQueue = live.queueFromVenue ? live.orders.map((x) => x.queueAhead) : Array.from(scan.levelQty);
  const endTs = events.tsLocal[events.length - 1]!;
  const comparison = compareSides({
    live,
    replay: replay.side,
    liveQueue,
    replayQueue: replay.side.orders.map((x) => x.queueAhead),
    mids: scan.mids,
    endTs,
    markoutSeconds: cfg.metrics.markout_seconds,
    toleranceMs,
  });
  const venue = venueOptionsFor(resolveTrading(cfg, peekEvents(events).price, { source: `the config journaled for run ${run.runId}` }));
  // The venue's clock: a wall-clock paper session's simulated venue saw each row when the session received
  // it (local time); a live exchange, and the venue of an event-clock replay, at exchange time.
  const wallPaper = run.mode !== 'live' && run.config['clock'] !== 'event';
  const orderLevelAt = (venueClock: 'exchange' | 'local'): OrderLevelParity => {
    const replayed = replayOrderStream(events, live, venue, run.mode === 'live' ? 'exchange' : 'local', toleranceMs * 1000, venueClock);
    return compareOrderLevel({
      live,
      replay: replayed,
      liveQueue,
      replayQueue: replayed.orders.map((x) => x.queueAhead),
      mids: scan.mids,
      endTs,
      markoutSeconds: cfg.metrics.markout_seconds,
      toleranceMs,
      venueClock,
    });
  };
  const orderLevel = orderLevelAt(wallPaper ? 'local' : 'exchange');
  let atExchange: OrderLevelParity | undefined;
  if (wallPaper) {
    atExchange = orderLevelAt('exchange');
    notes.push(
      `wall-clock paper session: its simulated venue saw each row when the session received it, a median ${feed.median ?? '?'} ms (p90 ${feed.p90 ?? '?'} ms) after exchange time in this recording. ` +
        `The order-level replay feeds the venue the same way (receive times) and reproduces ${orderLevel.fills.matched} of ${orderLevel.fills.live} fills; ` +
        `fed at exchange time, as the tick backtest and the strategy-level replay feed it, the same orders meet ${atExchange.fills.matched} of ${orderLevel.fills.live} (PnL gap ${atExchange.pnl_gap}): that difference is the feed's delay, which the backtest's venue does not have. ` +
        `The strategy-level replay adds the loop's own decision times (polls of the wall clock against the backtest's timer on the rows' local times), so it cannot be 100 % on a wall-clock session`,
    );
  }
  const iso = (us: number): string => new Date(us / 1000).toISOString();
  return {
    kind: 'parity',
    ledger: o.ledger,
    session: { run_id: run.runId, mode: run.mode, exchange: run.exchange, symbol: run.symbol, status: run.status, started_at: run.startedAt, clock: String(run.config['clock'] ?? 'wall') },
    events: { path, rows: events.length, first_local_utc: iso(events.tsLocal[0]!), last_local_utc: iso(endTs), linked, same_as_linked: same, feed_latency_ms: feed },
    replay: { sim: { ...cfg.sim }, sim_source: o.simConfig ?? 'session', engine_seconds: roundTo(replay.engineSeconds, 3) ?? 0 },
    comparison,
    divergence: divergence(live, replay.side, toleranceMs),
    order_level: orderLevel,
    ...(atExchange !== undefined ? { order_level_at_exchange_time: atExchange } : {}),
    notes,
  };
}

/** The rows with each receive time at least its exchange time (a copy when any moves), and how many moved by how much. */
function receivedNoEarlier(ev: EventColumns): { events: EventColumns; moved: number; maxUs: number } {
  let moved = 0;
  let maxUs = 0;
  for (let i = 0; i < ev.length; i++) {
    const d = ev.tsExchange[i]! - ev.tsLocal[i]!;
    if (d > 0) {
      moved++;
      if (d > maxUs) maxUs = d;
    }
  }
  if (moved === 0) return { events: ev, moved, maxUs };
  const tsLocal = ev.tsLocal.slice();
  for (let i = 0; i < ev.length; i++) if (tsLocal[i]! < ev.tsExchange[i]!) tsLocal[i] = ev.tsExchange[i]!;
  // Receive times stay in the order the rows were received.
  for (let i = 1; i < ev.length; i++) if (tsLocal[i]! < tsLocal[i - 1]!) tsLocal[i] = tsLocal[i - 1]!;
  return { events: { ...ev, tsLocal }, moved, maxUs };
}

/** Local − exchange time of the rows, ms (median and p90 of at most ~10 000 evenly spaced rows). */
function feedLatency(ev: EventColumns): { median: number | null; p90: number | null } {
  const step = Math.max(1, Math.floor(ev.length / 10_000));
  const d: number[] = [];
  for (let i = 0; i < ev.length; i += step) d.push((ev.tsLocal[i]! - ev.tsExchange[i]!) / 1000);
  d.sort((a, b) => a - b);
  if (d.length === 0) return { median: null, p90: null };
  return { median: roundTo(quantileOfSorted(d, 0.5), 3), p90: roundTo(quantileOfSorted(d, 0.9), 3) };
}
