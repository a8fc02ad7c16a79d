// `parity`: a session of a ledger replayed through the tick backtest on the market it recorded, and compared with what happened.
import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError, quantileOfSorted, readConfigMapping, roundTo } from '../core/index.js';
import { eventRows, publishedAt, type EventColumns } from '../market/index.js';
import { loadStrategyOf, parseTradingConfig, peekEvents, readReplayMeta, resolveTrading, runEventReplay, venueOptionsFor, type TradingConfig } from '../engine/index.js';
import { fileSha256, readEventFile } from '../data/index.js';
import { Ledger, locateRecording, readRecordingLink, type RecordingLink } from '../ledger/index.js';
import { sessionEventsPath } from './session-market.js';
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
  /** Replay the strategy module as it is now even when its hash differs from the one the recording names. */
  allowStrategyChange?: boolean;
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
    /** The session did not close its recording (still running, or killed): read from its partial file as far as it was written. */
    partial: boolean;
  };
  replay: {
    sim: Record<string, unknown>;
    sim_source: 'session' | string;
    engine_seconds: number;
    /** The price sizes and limits were resolved at: the session's own (from its recording), else the recording's first price. */
    reference_price: number;
    reference_price_source: 'recording' | 'first recorded price';
    /** The strategy module replayed (none: a built-in strategy), its hash now and the one the session ran. */
    strategy: { module: string; sha256: string; recorded_sha256: string | null } | null;
    /** Local time the comparison ends at (a session that did not end cleanly: where both its ledger and its recording still reach). */
    compared_until_utc: string;
  };
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

/** Keys a session's journaled config carries beside the trading config (the command's own; a market's name when it was one of several). */
const RUN_ONLY_KEYS = ['timeframe', 'poll_seconds', 'clock', 'market_name'];

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
  const m = readConfigMapping(path, { flag: '--sim-config', empty: 'expected a sim: section' });
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

/** Local time of the session's last journaled order, answer or fill (−∞: none). */
function lastActivity(s: SessionSide): number {
  let t = Number.NEGATIVE_INFINITY;
  for (const o of s.orders) for (const x of [o.sentTs, o.acceptedTs, o.canceledTs, o.rejectedTs]) if (x > t) t = x;
  for (const f of s.fills) if (f.ts > t) t = f.ts;
  return t;
}

/** The session's orders sent by `end`, and its fills booked by then. */
function sideUntil(s: SessionSide, end: number): SessionSide {
  const orders = s.orders.filter((o) => o.sentTs <= end);
  const ids = new Set(orders.map((o) => o.clientId));
  return { ...s, orders, fills: s.fills.filter((f) => f.ts <= end && ids.has(f.clientId)) };
}

/** Replay `cfg` on `events` with the paper ledger's journal in memory, and read it back as a side. */
function replaySide(cfg: TradingConfig, events: EventColumns, run: { exchange: string; symbol: string }, refPrice: number): { side: SessionSide; engineSeconds: number } {
  const mem = new Ledger(':memory:');
  try {
    mem.startRun({ runId: 'replay', mode: 'paper', exchange: run.exchange, symbol: run.symbol, config: {}, initialCash: cfg.capital }, new Date());
    const job = runEventReplay(cfg, events, mem, { source: 'replay', refPrice });
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
  const src = sessionEventsPath(o.ledger, o.events, run.runId, link);
  const path = src.path;
  const file = readEventFile(path, { partial: src.partial });
  if (file.events.length === 0) throw new UserError(`--events: ${path} holds no market events`);
  const notes: string[] = [];
  // A session that did not end cleanly is compared where both its ledger and its recording reach.
  const recordedUntil = file.events.tsLocal[file.events.length - 1]!;
  const unfinished = src.partial || run.status === 'running' || run.status === 'crashed';
  const until = unfinished ? Math.min(recordedUntil, Math.max(lastActivity(live), file.events.tsLocal[0]!)) : recordedUntil;
  let events = file.events;
  if (until < recordedUntil) {
    let n = events.length;
    while (n > 0 && events.tsLocal[n - 1]! > until) n--;
    events = eventRows(events, 0, n);
  }
  if (unfinished) {
    const before = { orders: live.orders.length, fills: live.fills.length };
    live = sideUntil(live, until);
    const cut = `${before.orders - live.orders.length} orders and ${before.fills - live.fills.length} fills after it left out`;
    notes.push(
      src.partial
        ? `the session did not close its recording (run ${run.status}: killed, or still running): ${path} was read as far as it was written (${file.events.length} rows, through ${new Date(recordedUntil / 1000).toISOString()}${file.truncatedTail ? ', a batch cut short at its end left out' : ''}); compared until ${new Date(until / 1000).toISOString()}, ${cut}`
        : `the run did not end cleanly (${run.status}): compared until its last journaled event, ${new Date(until / 1000).toISOString()}, ${cut}`,
    );
  }
  const meta = readReplayMeta(file.meta);
  const refPrice = meta.referencePrice ?? peekEvents(events).price;
  if (meta.referencePrice === undefined) notes.push(`the recording does not say the price the session resolved its sizes at: resolved at the recording's first price, ${refPrice}`);
  const base = sessionTradingConfig(run.config, run.runId);
  const chosen0: TradingConfig = sim === undefined ? base : { ...base, sim };
  // The module as the session named it (from its working folder); moved or run from elsewhere, the path the recording keeps.
  const named = chosen0.quoting.strategy;
  const modulePath = named !== undefined && !existsSync(resolve(named)) && meta.strategyModule !== undefined && existsSync(meta.strategyModule) ? meta.strategyModule : named;
  const chosen: TradingConfig = modulePath === named ? chosen0 : { ...chosen0, quoting: { ...chosen0.quoting, strategy: modulePath } };
  // A session on the wall clock saw each row at the local time it was recorded with: its replay's trading
  // side sees it then too, not at publication time + sim.feed_latency_ms (an event-clock session applied that
  // latency itself, so its replay keeps it).
  const wallClockSession = run.config['clock'] !== 'event';
  const dropFeed = wallClockSession && chosen.sim.feed_latency_ms !== undefined;
  const cfg: TradingConfig = dropFeed ? { ...chosen, sim: { ...chosen.sim, feed_latency_ms: undefined } } : chosen;
  const loaded = await loadStrategyOf(cfg, { source: `the config journaled for run ${run.runId}` });
  if (loaded !== undefined) {
    if (modulePath !== named) notes.push(`the strategy module ${named} is not found from here: replayed the one the recording names, ${modulePath}`);
    const recorded = meta.strategySha256;
    if (recorded === undefined) notes.push(`the recording does not name the version of the strategy module the session ran: ${loaded.path} was replayed as it is now`);
    else if (recorded !== loaded.moduleSha256) {
      if (o.allowStrategyChange !== true)
        throw new UserError(`--ledger: the strategy module ${loaded.path} is not the one run ${run.runId} ran (sha256 ${loaded.moduleSha256.slice(0, 12)}… now, ${recorded.slice(0, 12)}… in its recording): its replay would be another strategy's; restore the module, or give --allow-strategy-change to compare anyway`);
      notes.push(`the strategy module ${loaded.path} changed since the session ran (sha256 ${loaded.moduleSha256.slice(0, 12)}… now, ${recorded.slice(0, 12)}… in the recording): the strategy-level replay is of the module as it is now (--allow-strategy-change)`);
    }
  }
  // The recorded receive times, where no row is received before the exchange published it (a clock skew of a
  // fraction of a millisecond would otherwise make the backtest fall back to publication time + 5 ms).
  const causal = wallClockSession ? receivedNoEarlier(events) : { events, moved: 0, maxUs: 0 };
  const replayed0 = replaySide(cfg, causal.events, run, refPrice);
  // Answers still in flight at the comparison's end are left out on both sides alike.
  const replay = unfinished ? { ...replayed0, side: sideUntil(replayed0.side, until) } : replayed0;

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
  if (dropFeed) notes.push(`the replay's trading side saw each row at the local time the session received it (the recording's), not at publication time + sim.feed_latency_ms ${chosen.sim.feed_latency_ms} ms`);

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
  const venue = venueOptionsFor(resolveTrading(cfg, refPrice, { source: `the config journaled for run ${run.runId}` }));
  // The venue's clock: a wall-clock paper session's simulated venue saw each row when the session received
  // it (local time); a live exchange, and the venue of an event-clock replay, at exchange time.
  const wallPaper = run.mode !== 'live' && run.config['clock'] !== 'event';
  const orderLevelAt = (venueClock: 'exchange' | 'local'): OrderLevelParity => {
    const all = replayOrderStream(events, live, venue, run.mode === 'live' ? 'exchange' : 'local', toleranceMs * 1000, venueClock);
    const replayed = unfinished ? sideUntil(all, until) : all;
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
    events: { path, rows: events.length, first_local_utc: iso(events.tsLocal[0]!), last_local_utc: iso(endTs), linked, same_as_linked: same, feed_latency_ms: feed, partial: src.partial },
    replay: {
      sim: { ...cfg.sim },
      sim_source: o.simConfig ?? 'session',
      engine_seconds: roundTo(replay.engineSeconds, 3) ?? 0,
      reference_price: refPrice,
      reference_price_source: meta.referencePrice === undefined ? 'first recorded price' : 'recording',
      strategy: loaded === undefined ? null : { module: loaded.path, sha256: loaded.moduleSha256, recorded_sha256: meta.strategySha256 ?? null },
      compared_until_utc: iso(until),
    },
    comparison,
    divergence: divergence(live, replay.side, toleranceMs),
    order_level: orderLevel,
    ...(atExchange !== undefined ? { order_level_at_exchange_time: atExchange } : {}),
    notes,
  };
}

/**
 * The rows with each receive time at least its publication time (exchange time + `publishDelay`; a copy when
 * any moves), and how many moved by how much.
 */
function receivedNoEarlier(ev: EventColumns): { events: EventColumns; moved: number; maxUs: number } {
  let moved = 0;
  let maxUs = 0;
  for (let i = 0; i < ev.length; i++) {
    const d = publishedAt(ev, i) - ev.tsLocal[i]!;
    if (d > 0) {
      moved++;
      if (d > maxUs) maxUs = d;
    }
  }
  if (moved === 0) return { events: ev, moved, maxUs };
  const tsLocal = ev.tsLocal.slice();
  for (let i = 0; i < ev.length; i++) tsLocal[i] = Math.max(tsLocal[i]!, publishedAt(ev, i));
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
