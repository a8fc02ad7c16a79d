// `marketmakerl realtime`: paper trading on the live market (ccxt), on a replay paced by the wall clock, or on a replay's own clock.
import { closeSync, writeSync, mkdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError, ensureCollectionFolder, openNewStampedFile, scrubSecrets, parseDuration, utcStamp, MICROS_PER_SECOND, Rng, type Micros } from '../../core/index.js';
import { DEFAULT_HALT_FILE, HaltFile } from '../../risk/index.js';
import {
  PaperSession,
  RecordingFeed,
  ReplayFeed,
  acceleratedClock,
  paperOptionsFor,
  peekEvents,
  resolveTrading,
  replayMetaOf,
  checkGateAdmitsQuotes,
  strategyFor,
  loadStrategyOf,
  runPaperLoop,
  wallClock,
  type IterationRow,
  type MarketFeed,
  type PaperSummary,
  type TradingConfig,
} from '../../engine/index.js';
import type { EventColumns } from '../../market/index.js';
import { Ledger, assertLedgerMode } from '../../ledger/index.js';
import { SessionRecording, checkRecordingPath } from '../../data/index.js';
import { timeframeSeconds } from '../config-file.js';
import { COMMON_FLAGS, VENUE_FLAGS, checkModelFlags, readConfigWithFlags, refuseGiven, type ConfigWithFlags } from '../config-flags.js';
import { announceStandingHalt } from '../standing-halt.js';
import { paperStop } from './session-end.js';

export interface RealtimeFlags {
  /** For a program that embeds the command: ends a paper run at its next step, as SIGINT would (ended_by `stopped`). */
  abort?: AbortSignal;
  exchange?: string;
  symbol?: string;
  /** Several markets on `--exchange`, comma-separated (paper on the wall clock). */
  symbols?: string;
  timeframe?: string;
  iterations?: string;
  duration?: string;
  pollSeconds?: number;
  mode?: string;
  config?: string;
  exchangeUrl?: string;
  dashboardPort?: number;
  ledger?: string;
  haltFile?: string;
  replay?: string[];
  speed?: number;
  clock?: string;
  outDir?: string;
  quiet?: boolean;
  feed?: string;
  record?: string;
  [flag: string]: unknown;
}

export const DEFAULT_PAPER_LEDGER = join('artifacts', 'realtime', 'ledger.sqlite');

/** `--iterations N | forever` and `--duration 1h`: the loop's end. */
export function parseEnd(f: RealtimeFlags): { iterations: number | undefined; durationMicros: Micros | undefined } {
  let iterations: number | undefined;
  if (f.iterations !== undefined && f.iterations !== 'forever') {
    const n = Number(f.iterations);
    if (!Number.isInteger(n) || n <= 0 || n > 1e9) throw new UserError(`--iterations: expected a positive integer or 'forever' (at most 1e9), got '${f.iterations}'`);
    iterations = n;
  }
  let durationMicros: Micros | undefined;
  if (f.duration !== undefined && f.duration !== 'forever') {
    durationMicros = parseDuration(f.duration);
    if (!(durationMicros > 0) || durationMicros > 366 * 86_400 * MICROS_PER_SECOND) throw new UserError(`--duration: expected a duration such as 90s, 15m, 1h (at most a year), or 'forever'; got '${f.duration}'`);
  }
  if (f.iterations === undefined && f.duration === undefined) iterations = 20;
  return { iterations, durationMicros };
}

/** The one config under a realtime command: `--exchange` and `--symbol` name the market; the venue and quoting flags as in backtests. */
export function realtimeConfig(f: RealtimeFlags): ConfigWithFlags {
  const c = readConfigWithFlags(f.config, f, [COMMON_FLAGS, VENUE_FLAGS], {
    exchange: { path: 'market.exchange', flag: '--exchange', value: f.exchange?.trim() },
    symbol: { path: 'market.symbol', flag: '--symbol', value: f.symbol },
    feed: { path: 'loop.market_data', flag: '--feed', value: f.feed },
  });
  checkModelFlags(f, c);
  return c;
}

/** σ window from `--timeframe` when given (the estimator window of a live feed); else the config's. */
export function withTimeframe(cfg: TradingConfig, timeframe: string | undefined): TradingConfig {
  if (timeframe === undefined) return cfg;
  const seconds = timeframeSeconds(timeframe);
  const window = Math.max(2, Math.round((seconds * 1000) / cfg.features.sigma_sample_ms));
  return { ...cfg, features: { ...cfg.features, sigma_window: Math.max(window, 10), intensity_window_s: Math.max(seconds, 60) } };
}

/** A replay's rows: Arrow event files (convert, record) read as they are, raw captures converted in memory. */
export async function loadReplay(files: readonly string[]): Promise<EventColumns> {
  const { isEventFile, readEvents, loadCaptureSync } = await import('../../data/index.js');
  const { concatEvents } = await import('../../market/index.js');
  const arrow = files.map((p) => isEventFile(p));
  if (arrow.some(Boolean) && !arrow.every(Boolean)) throw new UserError('--replay: give either event files (.arrow from convert or record) or raw captures, not both');
  const events = arrow.every(Boolean) ? concatEvents(files.map((p) => readEvents(p))) : loadCaptureSync([...files]).events;
  if (events.length === 0) throw new UserError(`--replay: no market events in ${files.join(', ')}`);
  return events;
}

/**
 * Several markets record one file each: `FILE.arrow` names `FILE.<market>.arrow` per market (each a new
 * file, as one market's recording), so `--replay` and `backtest --events` take them in the markets' order.
 */
export function marketRecordingPaths(path: string, markets: readonly string[]): string[] {
  checkRecordingPath(path);
  const paths = markets.map((m) => path.replace(/\.arrow$/, `.${m}.arrow`));
  for (const p of paths) checkRecordingPath(p);
  return paths;
}

/** Close a session's recording and tell its ledger (written, or failed with the reason on stderr). */
export function finishRecording(recording: SessionRecording, ledger: Pick<Ledger, 'recordingWritten' | 'recordingFailed'>): void {
  try {
    ledger.recordingWritten(recording.close());
  } catch (e) {
    ledger.recordingFailed();
    process.stderr.write(`--record: the recording was not written: ${(e as Error).message}\n`);
  }
}

/** Where realtime writes when no --out-dir is given. */
export const DEFAULT_REALTIME_DIR = join('artifacts', 'realtime');

export async function realtimeCommand(f: RealtimeFlags): Promise<void> {
  // The folder is new, empty or ours: the default, artifacts/realtime, is ours however it is named (the
  // service's start script names it), even when an earlier version left it without a marker. One that is
  // created or marked here and stays empty because the command failed is removed again.
  const dir = f.outDir ?? DEFAULT_REALTIME_DIR;
  const undo = ensureCollectionFolder(dir, '--out-dir', 'realtime', resolve(dir) === resolve(DEFAULT_REALTIME_DIR));
  try {
    return await realtimeIn(f);
  } catch (e) {
    undo();
    throw e;
  }
}

/**
 * Refuse a flag that cannot act on the session the other flags chose (one line, exit 2): the live flags
 * on paper, the paper venue's on real orders, the replay's pace without a replay, the exchange feed's flags
 * on a replay, and `--seed` in every mode. The event clock refuses its own (realtime-replay.ts, realtime-markets.ts).
 */
export function checkRealtimeFlags(f: RealtimeFlags, mode: string): void {
  refuseGiven(f, { seed: '--seed' }, "realtime draws nothing at random: the paper venue fills from the market's trades by its queue model (the seed drives simulated bars and bar touch fills; retry and reconnect jitter differs per process on purpose)");
  if (mode === 'live') refuseGiven(f, { queue: '--queue', orderLatencyMs: '--order-latency-ms', makerFeeBps: '--maker-fee-bps' }, 'a paper-venue setting; with --mode live the exchange fills the orders and charges its own fees');
  else refuseGiven(f, { sandbox: '--sandbox', confirmLive: '--confirm-live' }, 'only with --mode live (paper trading sends no order to an exchange)');
  if (f.clock === 'event') return;
  if (f.replay === undefined || f.replay.length === 0) refuseGiven(f, { speed: '--speed' }, 'only with --replay (the pace of a replayed recording)');
  else if (mode !== 'live') refuseGiven(f, { exchangeUrl: '--exchange-url', feed: '--feed' }, 'not used with --replay (the recording is the market feed)');
}

async function realtimeIn(f: RealtimeFlags): Promise<void> {
  const mode = f.mode ?? 'paper';
  if (f.feed !== undefined && f.feed !== 'ws' && f.feed !== 'rest') throw new UserError(`--feed: expected ws or rest, got '${f.feed}'`);
  if (mode === 'live' || mode === 'paper') checkRealtimeFlags(f, mode);
  if (mode === 'live') return (await import('./realtime-live.js')).realtimeLiveCommand(f);
  if (mode !== 'paper') throw new UserError(`--mode: expected paper or live, got '${mode}'`);
  const clockKind = f.clock ?? 'wall';
  if (clockKind !== 'wall' && clockKind !== 'event') throw new UserError(`--clock: expected wall or event, got '${clockKind}'`);
  const c = realtimeConfig(f);
  if (f.symbols !== undefined && f.symbol !== undefined) throw new UserError('--symbols: give --symbol (one market) or --symbols (several), not both');
  if (c.trading.markets !== undefined || f.symbols !== undefined) {
    if (clockKind === 'event') {
      if (f.symbols !== undefined) throw new UserError('--symbols: --clock event replays the markets of --config (markets:, with their recordings)');
      return (await import('./realtime-replay.js')).eventReplayCommand(f, c);
    }
    return (await import('./realtime-paper-markets.js')).paperMarketsCommand(f, c);
  }
  await loadStrategyOf(c.trading, { flagOf: c.flagOf, source: c.source });
  if (clockKind === 'event') return (await import('./realtime-replay.js')).eventReplayCommand(f, c);
  const pollSeconds = f.pollSeconds ?? 1;
  if (!(pollSeconds > 0) || pollSeconds > 3600) throw new UserError(`--poll-seconds: expected a number of seconds in (0, 3600], got ${pollSeconds}`);
  const end = parseEnd(f);
  const cfg = withTimeframe(c.trading, f.timeframe);
  const exchangeId = cfg.market.exchange;
  const ledgerPath = f.ledger ?? DEFAULT_PAPER_LEDGER;
  assertLedgerMode(ledgerPath, 'paper');
  if (f.record !== undefined) checkRecordingPath(f.record);
  const haltPath = f.haltFile ?? DEFAULT_HALT_FILE;

  // Feed and clock: a replayed capture (offline) or the exchange through ccxt.
  let feed: MarketFeed;
  let clock: () => Micros;
  const replayFromCapture = { value: true };
  let symbol = cfg.market.symbol;
  let refPrice: number;
  let tickLot: { tick: number; lot: number } | undefined;
  let closeExchange: (() => Promise<void>) | undefined;
  let clockSkew: Record<string, unknown> | undefined;
  if (f.replay !== undefined && f.replay.length > 0) {
    const speed = f.speed ?? 1;
    if (!(speed > 0) || speed > 1e6) throw new UserError(`--speed: expected a positive number (at most 1e6), got ${speed}`);
    const events = await loadReplay(f.replay);
    refPrice = peekEvents(events).price;
    // The replay runs on the recording's own clock, so the dashboard, the lines and the ledger show the
    // capture's times; a ledger that resumes a position keeps today's clock, so its times never run back.
    const first = events.length > 0 ? events.tsLocal[0]! : Date.now() * 1000;
    let paced: (() => Micros) | undefined;
    clock = () => (paced ??= acceleratedClock(speed, replayFromCapture.value ? first : Date.now() * 1000))();
    feed = new ReplayFeed(events, { clock, speed: 1, pollMs: 2 });
  } else {
    const { createExchange, exchangeUrlFrom, loadMarkets, resolveSymbol, checkTimeframe, fetchReferencePrice, measureClockSkew, closeExchange: close } = await import('../../venues/ccxt/exchange.js');
    const { marketData } = await import('../../venues/ccxt/market-data.js');
    const { CcxtFeed, defaultCcxtFeedOptions } = await import('../../engine/ccxt-feed.js');
    const exchangeUrl = exchangeUrlFrom(f.exchangeUrl);
    const ex = await createExchange({ exchange: exchangeId, websocket: true, ...(exchangeUrl !== undefined ? { exchangeUrl } : {}) });
    await loadMarkets(ex);
    symbol = resolveSymbol(ex, symbol);
    if (f.timeframe !== undefined) checkTimeframe(ex, f.timeframe);
    const md = marketData(ex);
    const { tick, lot } = md.steps(symbol);
    if (tick > 0 && tick < 1e6 && lot > 0 && lot < 1e6) tickLot = { tick, lot };
    clock = wallClock();
    const rng = new Rng(Number(process.pid));
    const canWs = md.streams;
    const transport = cfg.loop.market_data;
    if (transport === 'ws' && !canWs) throw new UserError(`${c.flagOf('loop.market_data') ?? 'loop.market_data'} ws: ${exchangeId} has no websocket order book and trades in ccxt; use rest`);
    const ws = transport === 'auto' ? canWs : transport === 'ws';
    clockSkew = await measureClockSkew(ex);
    refPrice = await fetchReferencePrice(ex, symbol);
    feed = new CcxtFeed(md, { ...defaultCcxtFeedOptions, depthLevels: cfg.loop.depth_levels, symbol, clock, mode: ws ? 'ws' : 'rest', pollMs: pollSeconds * 1000, random: () => rng.next() });
    closeExchange = () => close(ex);
  }

  // The exchange's own tick and lot when it publishes them; the config's otherwise.
  const traded: TradingConfig = tickLot === undefined ? { ...cfg, market: { ...cfg.market, symbol } } : { ...cfg, market: { ...cfg.market, symbol, tick_size: tickLot.tick, lot_size: tickLot.lot } };
  const names = { flagOf: c.flagOf, source: c.source };
  const r = resolveTrading(traded, refPrice, names);
  checkGateAdmitsQuotes(r, refPrice, names);
  const strategy = strategyFor(r, names);
  const options = paperOptionsFor(r, names);
  const ledger = new Ledger(ledgerPath);
  const resumed = ledger.resume(symbol);
  if (resumed !== undefined) replayFromCapture.value = false;
  const started = new Date();
  const runId = `paper_${utcStamp(started)}_${process.pid}`;
  ledger.startRun({ runId, mode: 'paper', exchange: exchangeId, symbol, config: { ...traded, timeframe: f.timeframe ?? null, poll_seconds: pollSeconds }, initialCash: traded.capital }, started);
  if (resumed !== undefined) options.session = { ...options.session, initialCash: ledger.initialCash() ?? traded.capital };
  const session = new PaperSession(strategy, options, ledger);
  if (resumed !== undefined) session.resume(resumed);
  // The market as this session received it, for parity: rows in the order and with the local times it saw.
  const recording = f.record === undefined ? undefined : new SessionRecording(f.record, { venue: exchangeId, symbol, run_id: runId, mode: 'paper', clock: 'wall', ...replayMetaOf(traded, refPrice) });
  if (recording !== undefined) {
    ledger.linkRecording(recording.path);
    feed = new RecordingFeed(feed, recording);
  }

  const [base, quote] = symbol.split(/[/:]/);
  const outDir = f.outDir ?? DEFAULT_REALTIME_DIR;
  mkdirSync(outDir, { recursive: true });
  // A log of its own: created anew (two sessions into one folder in the same second: the second's under <stamp>_2).
  const { fd, path: jsonlPath } = openNewStampedFile(outDir, utcStamp(started), `_${exchangeId}_${base ?? 'BASE'}_${quote ?? 'QUOTE'}.jsonl`);
  const write = (obj: IterationRow | PaperSummary | Record<string, unknown>): void => {
    const line = `${scrubSecrets(JSON.stringify(obj))}\n`;
    writeSync(fd, line);
    if (!f.quiet) process.stdout.write(line);
  };
  const standing = announceStandingHalt(haltPath, (l) => writeSync(fd, `${scrubSecrets(JSON.stringify(l))}\n`), f.quiet === true);

  let dashboard: { publish: (row: IterationRow) => void; step: (s: PaperSession) => void; close: () => Promise<void>; url: string } | undefined;
  if (f.dashboardPort !== undefined) {
    const { startLiveDashboard } = await import('../../report/dashboard/live.js');
    const replaying = f.replay !== undefined && f.replay.length > 0;
    const d = await startLiveDashboard({
      port: f.dashboardPort,
      haltPath,
      title: `${exchangeId} ${symbol} paper${replaying ? ' (replay)' : ''}`,
      source: `${exchangeId} ${symbol} · ${replaying ? `replay of ${f.replay!.length === 1 ? basename(f.replay![0]!) : `${f.replay!.length} files`}` : 'live feed'}`,
      lotSize: traded.market.lot_size,
      tokenDir: dirname(ledgerPath),
      standing,
    });
    // The URL carries the per-run token (also in dashboard-<port>.token beside the ledger, mode 0600).
    process.stderr.write(`dashboard: ${d.openUrl}\n`);
    dashboard = d;
  }
  if (clockSkew !== undefined) {
    write({ clock_skew: clockSkew });
    ledger.note(Date.now() * 1000, 'clock-skew', JSON.stringify(clockSkew));
  }
  if (resumed !== undefined)
    write({ resumed: true, ledger: ledgerPath, inventory: resumed.position, cash: resumed.cash, open_orders: resumed.openOrders.length, fills: resumed.fills });

  const { stop, unroute } = paperStop(f.abort);

  let summary: PaperSummary;
  try {
    summary = await runPaperLoop(feed, session, {
      exchange: exchangeId,
      symbol,
      iterations: end.iterations,
      durationMicros: end.durationMicros,
      iterationMicros: pollSeconds * MICROS_PER_SECOND,
      idleDecisionMicros: traded.loop.idle_decision_ms * 1000,
      quoteSampleMicros: traded.loop.quote_sample_ms * 1000,
      clock,
      emit: (row) => {
        write(row);
        dashboard?.publish(row);
      },
      journal: ledger,
      haltFile: new HaltFile(haltPath, 200),
      stop,
      ...(dashboard !== undefined ? { onStep: dashboard.step } : {}),
    });
  } finally {
    unroute();
    // What was received is kept even when the loop failed: it is the market the session saw.
    if (recording !== undefined) finishRecording(recording, ledger);
  }
  write({ ...summary, run_id: runId, ledger: ledgerPath, jsonl: jsonlPath, ...(recording !== undefined ? { recording: recording.path, recorded_rows: recording.length } : {}) });
  session.writeVenueAudit();
  ledger.endRun(new Date(), summary.ended_by);
  ledger.close();
  closeSync(fd);
  await dashboard?.close();
  await closeExchange?.();
}
