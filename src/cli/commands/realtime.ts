// `marketmakerl realtime`: paper trading on the live market (ccxt websockets, REST fallback) or on a replayed capture.
import { closeSync, openSync, writeSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError, assertSafeOutput, parseDuration, readConfigMapping, utcStamp, MICROS_PER_SECOND, Rng, type Micros } from '../../core/index.js';
import { BTCUSDT, makeInstrument, type Instrument } from '../../market/index.js';
import { DEFAULT_HALT_FILE, HaltFile } from '../../risk/index.js';
import {
  PaperSession,
  ReplayFeed,
  acceleratedClock,
  parsePaperConfig,
  paperSessionSetup,
  runPaperLoop,
  wallClock,
  type IterationRow,
  type MarketFeed,
  type PaperSummary,
} from '../../engine/index.js';
import { Ledger } from '../../ledger/index.js';
import { timeframeSeconds } from '../config-file.js';

export interface RealtimeFlags {
  exchange?: string;
  symbol?: string;
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
  outDir?: string;
  quiet?: boolean;
  feed?: string;
}

const DEFAULT_LEDGER = join('artifacts', 'realtime', 'ledger.sqlite');

/** `--iterations N | forever` and `--duration 1h`: the loop's end. */
function parseEnd(f: RealtimeFlags): { iterations: number | undefined; durationMicros: Micros | undefined } {
  let iterations: number | undefined;
  if (f.iterations !== undefined && f.iterations !== 'forever') {
    const n = Number(f.iterations);
    if (!Number.isInteger(n) || n <= 0) throw new UserError(`--iterations: expected a positive integer or 'forever', got '${f.iterations}'`);
    iterations = n;
  }
  let durationMicros: Micros | undefined;
  if (f.duration !== undefined && f.duration !== 'forever') {
    durationMicros = parseDuration(f.duration);
    if (!(durationMicros > 0)) throw new UserError(`--duration: expected a duration such as 90s, 15m, 1h, or 'forever'; got '${f.duration}'`);
  }
  if (f.iterations === undefined && f.duration === undefined) iterations = 20;
  return { iterations, durationMicros };
}

export async function realtimeCommand(f: RealtimeFlags): Promise<void> {
  const mode = f.mode ?? 'paper';
  if (f.outDir !== undefined) assertSafeOutput(f.outDir, '--out-dir');
  if (mode === 'live') return (await import('./realtime-live.js')).realtimeLiveCommand(f);
  if (mode !== 'paper') throw new UserError(`--mode: expected paper or live, got '${mode}'`);
  const exchangeId = (f.exchange ?? 'binance').trim();
  const symbolIn = f.symbol ?? 'BTC/USDT';
  const timeframe = f.timeframe ?? '1m';
  const tfSeconds = timeframeSeconds(timeframe);
  const pollSeconds = f.pollSeconds ?? 1;
  if (!(pollSeconds > 0)) throw new UserError(`--poll-seconds: expected a positive number, got ${pollSeconds}`);
  const end = parseEnd(f);
  const cfg = parsePaperConfig((f.config === undefined ? {} : readConfigMapping(f.config, { allowEmpty: true })));
  const ledgerPath = f.ledger ?? DEFAULT_LEDGER;
  const haltPath = f.haltFile ?? DEFAULT_HALT_FILE;

  // Feed and clock: a replayed capture (offline) or the exchange through ccxt.
  let feed: MarketFeed;
  let clock: () => Micros;
  let instrument: Instrument;
  let symbol = symbolIn;
  let closeExchange: (() => Promise<void>) | undefined;
  let clockSkew: Record<string, unknown> | undefined;
  if (f.replay !== undefined && f.replay.length > 0) {
    const speed = f.speed ?? 1;
    if (!(speed > 0)) throw new UserError(`--speed: expected a positive number, got ${speed}`);
    const { loadCaptureSync } = await import('../../data/index.js');
    const { events } = loadCaptureSync(f.replay);
    if (events.length === 0) throw new UserError(`--replay: no market events in ${f.replay.join(', ')}`);
    clock = speed === 1 ? wallClock() : acceleratedClock(speed, Date.now() * 1000);
    feed = new ReplayFeed(events, { clock, speed: 1, pollMs: 2 });
    instrument = symbolIn.replace('/', '').toUpperCase() === 'BTCUSDT' ? BTCUSDT : makeInstrument(symbolIn);
  } else {
    const { createExchange, exchangeUrlFrom, loadMarkets, resolveSymbol, checkTimeframe } = await import('../../venues/ccxt/exchange.js');
    const { CcxtFeed, defaultCcxtFeedOptions } = await import('../../engine/ccxt-feed.js');
    const exchangeUrl = exchangeUrlFrom(f.exchangeUrl);
    const ex = await createExchange({ exchange: exchangeId, websocket: true, ...(exchangeUrl !== undefined ? { exchangeUrl } : {}) });
    await loadMarkets(ex);
    symbol = resolveSymbol(ex, symbolIn);
    checkTimeframe(ex, timeframe);
    const market = ex.markets?.[symbol];
    // ccxt gives steps (TICK_SIZE mode, 4) or a number of decimals (the other modes).
    const step = (v: unknown, fallback: number): number => {
      const x = Number(v ?? Number.NaN);
      if (!(x > 0)) return fallback;
      return ex.precisionMode === 4 ? x : 10 ** -x;
    };
    const tick = step(market?.precision?.price, 0.01);
    const lot = step(market?.precision?.amount, 0.00001);
    instrument = makeInstrument(symbol, tick > 0 && tick < 1e6 ? tick : 0.01, lot > 0 && lot < 1e6 ? lot : 0.00001);
    clock = wallClock();
    const rng = new Rng(Number(process.pid));
    const canWs = ex.has['watchOrderBook'] === true && ex.has['watchTrades'] === true;
    if (f.feed !== undefined && f.feed !== 'ws' && f.feed !== 'rest') throw new UserError(`--feed: expected ws or rest, got '${f.feed}'`);
    if (f.feed === 'ws' && !canWs) throw new UserError(`--feed ws: ${exchangeId} has no websocket order book and trades in ccxt; use --feed rest`);
    const ws = f.feed === undefined ? canWs : f.feed === 'ws';
    clockSkew = await measureClockSkew(ex);
    feed = new CcxtFeed(ex, { ...defaultCcxtFeedOptions, depthLevels: cfg.loop.depth_levels, symbol, clock, mode: ws ? 'ws' : 'rest', pollMs: pollSeconds * 1000, random: () => rng.next() });
    closeExchange = async () => {
      const { closeExchange: close } = await import('../../venues/ccxt/exchange.js');
      await close(ex);
    };
  }

  const { strategy, options } = paperSessionSetup(cfg, instrument, tfSeconds);
  const ledger = new Ledger(ledgerPath);
  const resumed = ledger.resume(symbol);
  const started = new Date();
  const runId = `paper_${utcStamp(started)}_${process.pid}`;
  ledger.startRun({ runId, mode: 'paper', exchange: exchangeId, symbol, config: { ...cfg, timeframe, poll_seconds: pollSeconds }, initialCash: cfg.capital }, started);
  if (resumed === undefined) options.core = { ...options.core, initialCash: cfg.capital };
  else options.core = { ...options.core, initialCash: ledger.initialCash() ?? cfg.capital };
  const session = new PaperSession(strategy, options, ledger);
  if (resumed !== undefined) session.resume(resumed);

  const [base, quote] = symbol.split(/[/:]/);
  const outDir = f.outDir ?? join('artifacts', 'realtime');
  const jsonlPath = join(outDir, `${utcStamp(started)}_${exchangeId}_${base ?? 'BASE'}_${quote ?? 'QUOTE'}.jsonl`);
  mkdirSync(dirname(jsonlPath), { recursive: true });
  const fd = openSync(jsonlPath, 'a');
  const write = (obj: IterationRow | PaperSummary | Record<string, unknown>): void => {
    const line = `${JSON.stringify(obj)}\n`;
    writeSync(fd, line);
    if (!f.quiet) process.stdout.write(line);
  };

  let dashboard: { publish: (row: IterationRow) => void; step: (s: PaperSession) => void; close: () => Promise<void>; url: string } | undefined;
  if (f.dashboardPort !== undefined) {
    const { startLiveDashboard } = await import('../../report/dashboard/live.js');
    const d = await startLiveDashboard({ port: f.dashboardPort, haltPath, title: `${exchangeId} ${symbol} paper` });
    process.stderr.write(`dashboard: ${d.url}\n`);
    dashboard = d;
  }
  if (clockSkew !== undefined) {
    write({ clock_skew: clockSkew });
    ledger.note(Date.now() * 1000, 'clock-skew', JSON.stringify(clockSkew));
  }
  if (resumed !== undefined)
    write({ resumed: true, ledger: ledgerPath, inventory: resumed.position, cash: resumed.cash, open_orders: resumed.openOrders.length, fills: resumed.fills });

  const stop: { requested: boolean; reason?: string } = { requested: false };
  const onSignal = (sig: NodeJS.Signals): void => {
    stop.requested = true;
    stop.reason = sig;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let summary: PaperSummary;
  try {
    summary = await runPaperLoop(feed, session, {
      exchange: exchangeId,
      symbol,
      iterations: end.iterations,
      durationMicros: end.durationMicros,
      iterationMicros: pollSeconds * MICROS_PER_SECOND,
      idleDecisionMicros: cfg.loop.idle_decision_ms * 1000,
      quoteSampleMicros: cfg.loop.quote_sample_ms * 1000,
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
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  write({ ...summary, run_id: runId, ledger: ledgerPath, jsonl: jsonlPath });
  ledger.endRun(new Date(), summary.ended_by);
  ledger.close();
  closeSync(fd);
  await dashboard?.close();
  await closeExchange?.();
}

/**
 * Local clock minus the exchange's (its REST server time), ms, corrected by half the round trip; the
 * iteration lines carry the feed's own receive-minus-exchange time (delay plus skew) as it goes.
 */
async function measureClockSkew(ex: { fetchTime: () => Promise<number | undefined> }): Promise<Record<string, unknown>> {
  try {
    const t0 = Date.now();
    const server = await ex.fetchTime();
    const t1 = Date.now();
    if (typeof server !== 'number' || !Number.isFinite(server)) return { available: false };
    return { available: true, local_minus_exchange_ms: Math.round((t0 + t1) / 2 - server), round_trip_ms: t1 - t0 };
  } catch (e) {
    return { available: false, reason: (e as Error).message.split('\n')[0] };
  }
}
