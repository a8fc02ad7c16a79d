// `realtime` with several markets on the wall clock: one process, a feed and a paper session per market, one ledger, the book's limits, one dashboard.
import { closeSync, writeSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError, openNewStampedFile, scrubSecrets, utcStamp, MICROS_PER_SECOND, Rng, type Micros } from '../../core/index.js';
import { DEFAULT_HALT_FILE, HaltFile } from '../../risk/index.js';
import {
  ClientIdSequence,
  PaperSession,
  RecordingFeed,
  ReplayFeed,
  acceleratedClock,
  checkGateAdmitsQuotes,
  hedgePlan,
  hedgeStrategyOf,
  loadStrategyOf,
  marketConfigs,
  marketName,
  paperOptionsFor,
  peekEvents,
  replayMetaOf,
  resolveTrading,
  runPaperMarkets,
  strategyFor,
  wallClock,
  type MarketConfig,
  type MarketFeed,
  type PaperMarket,
  type TradingConfig,
} from '../../engine/index.js';
import type { EventColumns } from '../../market/index.js';
import { Ledger, assertLedgerMode, type MarketJournal } from '../../ledger/index.js';
import type { ConfigWithFlags } from '../config-flags.js';
import { announceStandingHalt } from '../standing-halt.js';
import { DEFAULT_REALTIME_DIR, DEFAULT_PAPER_LEDGER, finishRecording, loadReplay, marketRecordingPaths, parseEnd, withTimeframe, type RealtimeFlags } from './realtime.js';
import { SessionRecording } from '../../data/index.js';
import { paperStop } from './session-end.js';

/** `--symbols A,B`: one market per symbol on the config's exchange, each the config's single market with that symbol and an equal share of the capital. */
export function marketsOfSymbols(cfg: TradingConfig, list: string): MarketConfig[] {
  const symbols = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (symbols.length === 0) throw new UserError(`--symbols: expected a comma-separated list such as BTC/USDT,ETH/USDT, got '${list}'`);
  if (new Set(symbols).size !== symbols.length) throw new UserError(`--symbols: a symbol is listed twice in '${list}'`);
  if (cfg.markets !== undefined) throw new UserError('--symbols: the config names its markets (markets:); give one or the other');
  const { markets: _m, portfolio: _p, ...base } = cfg;
  return symbols.map((symbol) => ({
    name: marketName({ symbol }),
    instrument: cfg.market.instrument,
    config: { ...base, capital: cfg.capital / symbols.length, market: { ...cfg.market, symbol } },
  }));
}

interface Prepared {
  m: MarketConfig;
  feed: MarketFeed;
  symbol: string;
  refPrice: number;
  tickLot: { tick: number; lot: number } | undefined;
}

/**
 * Paper trading of every market of `markets:` (or of `--symbols`) at once on the wall clock: the live
 * feed of each (ccxt; one client per exchange) or its recording (`--replay A B`, one per market, paced
 * by one clock), one `PaperSession` per market, `runPaperMarkets` over all of them. One ledger holds
 * every market (a run row per market, `<run id>_<market>`; one client-id sequence); the JSONL file has
 * one line per market and a book line per iteration; one dashboard shows every market.
 */
export async function paperMarketsCommand(f: RealtimeFlags, c: ConfigWithFlags): Promise<void> {
  const replay = f.replay !== undefined && f.replay.length > 0;
  const markets = f.symbols !== undefined ? marketsOfSymbols(c.trading, f.symbols) : marketConfigs(c.trading, replay ? f.replay : undefined, c.source);
  const names = { flagOf: c.flagOf, source: c.source };
  for (const m of markets) await loadStrategyOf(m.config, names);
  // hedge: as in a backtest: the hedge market trades by the hedge's strategy in its own session (risk, gate, venue, fees).
  const hedge = hedgePlan(c.trading, markets, c.source);
  const hedger = hedge === undefined ? undefined : hedgeStrategyOf(hedge, markets);
  const pollSeconds = f.pollSeconds ?? 1;
  if (!(pollSeconds > 0) || pollSeconds > 3600) throw new UserError(`--poll-seconds: expected a number of seconds in (0, 3600], got ${pollSeconds}`);
  // Each market's recording (FILE.<market>.arrow), checked before anything is opened.
  const recordPaths = f.record === undefined ? undefined : marketRecordingPaths(f.record, markets.map((m) => m.name));
  const end = parseEnd(f);
  const ledgerPath = f.ledger ?? DEFAULT_PAPER_LEDGER;
  assertLedgerMode(ledgerPath, 'paper');
  const haltPath = f.haltFile ?? DEFAULT_HALT_FILE;

  // Feeds: each market's recording on one paced clock, or each market's live feed (one ccxt client per exchange).
  const prepared: Prepared[] = [];
  const closers: (() => Promise<void>)[] = [];
  let clock: () => Micros;
  try {
    if (replay) {
      const speed = f.speed ?? 1;
      if (!(speed > 0) || speed > 1e6) throw new UserError(`--speed: expected a positive number (at most 1e6), got ${speed}`);
      const missing = markets.findIndex((m) => m.config.data.events === undefined);
      if (missing >= 0) throw new UserError(`--replay: no recording for markets[${missing}] (${markets[missing]!.name}); give one file per market (--replay A B) or events: in each market`);
      const events: EventColumns[] = [];
      for (const m of markets) events.push(await loadReplay([m.config.data.events!]));
      // One clock for every recording, from the earliest first row: their rows keep their relative times.
      const first = Math.min(...events.map((e) => e.tsLocal[0]!));
      let paced: (() => Micros) | undefined;
      clock = () => (paced ??= acceleratedClock(speed, first))();
      markets.forEach((m, k) => {
        const e = events[k]!;
        prepared.push({ m, feed: new ReplayFeed(e, { clock, speed: 1, pollMs: 2 }), symbol: m.config.market.symbol, refPrice: peekEvents(e).price, tickLot: undefined });
      });
    } else {
      const { createExchange, exchangeUrlFrom, loadMarkets, resolveSymbol, checkTimeframe, fetchReferencePrice, closeExchange } = await import('../../venues/ccxt/exchange.js');
      const { marketData } = await import('../../venues/ccxt/market-data.js');
      const { CcxtFeed, defaultCcxtFeedOptions } = await import('../../engine/ccxt-feed.js');
      const exchangeUrl = exchangeUrlFrom(f.exchangeUrl);
      clock = wallClock();
      const rng = new Rng(Number(process.pid));
      const clients = new Map<string, Awaited<ReturnType<typeof createExchange>>>();
      for (const m of markets) {
        const id = m.config.market.exchange;
        let ex = clients.get(id);
        if (ex === undefined) {
          ex = await createExchange({ exchange: id, websocket: true, ...(exchangeUrl !== undefined ? { exchangeUrl } : {}) });
          clients.set(id, ex);
          const client = ex;
          closers.push(() => closeExchange(client));
          await loadMarkets(ex);
          if (f.timeframe !== undefined) checkTimeframe(ex, f.timeframe);
        }
        const symbol = resolveSymbol(ex, m.config.market.symbol);
        const md = marketData(ex);
        const { tick, lot } = md.steps(symbol);
        const transport = m.config.loop.market_data;
        if (transport === 'ws' && !md.streams) throw new UserError(`loop.market_data ws: ${id} has no websocket order book and trades in ccxt; use rest`);
        const ws = transport === 'auto' ? md.streams : transport === 'ws';
        const refPrice = await fetchReferencePrice(ex, symbol);
        const feed = new CcxtFeed(md, { ...defaultCcxtFeedOptions, depthLevels: m.config.loop.depth_levels, symbol, clock, mode: ws ? 'ws' : 'rest', pollMs: pollSeconds * 1000, random: () => rng.next() });
        prepared.push({ m, feed, symbol, refPrice, tickLot: tick > 0 && tick < 1e6 && lot > 0 && lot < 1e6 ? { tick, lot } : undefined });
      }
    }
  } catch (e) {
    for (const close of closers) await close().catch(() => undefined);
    throw e;
  }

  // Each market resolved at its own first price (sizes from its capital share), before anything is written.
  const setups = guarded(closers, () => prepared.map((p, k) => {
    const cfg0 = withTimeframe(p.m.config, f.timeframe);
    const traded: TradingConfig = { ...cfg0, market: { ...cfg0.market, symbol: p.symbol, ...(p.tickLot !== undefined ? { tick_size: p.tickLot.tick, lot_size: p.tickLot.lot } : {}) } };
    const at = names;
    const r = resolveTrading(traded, p.refPrice, at);
    checkGateAdmitsQuotes(r, p.refPrice, at);
    return { p, traded, strategy: hedger !== undefined && k === hedge!.hedgeIndex ? hedger : strategyFor(r, at), options: paperOptionsFor(r, at) };
  }));

  const ledger = new Ledger(ledgerPath);
  const started = new Date();
  const runId = `paper_${utcStamp(started)}_${process.pid}`;
  const ids = new ClientIdSequence();
  // A ledger that held runs before continues them (each market from what it left); a new one starts flat.
  const continuing = ledger.initialCash() !== undefined;
  const paper: PaperMarket[] = [];
  const journals = new Map<string, MarketJournal>();
  const resumedAny: Record<string, unknown>[] = [];
  const recordings: { name: string; recording: SessionRecording; journal: MarketJournal }[] = [];
  for (const s of setups) {
    const { p, traded } = s;
    const name = p.m.name;
    const journal = ledger.startMarketRun(
      { runId: `${runId}_${name}`, mode: 'paper', exchange: traded.market.exchange, symbol: p.symbol, config: { ...traded, market_name: name, timeframe: f.timeframe ?? null, poll_seconds: pollSeconds }, initialCash: traded.capital },
      started,
    );
    journals.set(name, journal);
    const resumed = continuing ? journal.resume() : undefined;
    const initialCash = journal.initialCash();
    const options = resumed !== undefined ? { ...s.options, session: { ...s.options.session, initialCash: initialCash ?? traded.capital } } : s.options;
    const session = new PaperSession(s.strategy, options, journal);
    session.core.shareIds(ids);
    if (resumed !== undefined) {
      session.resume(resumed);
      resumedAny.push({ market: name, inventory: resumed.position, cash: resumed.cash, open_orders: resumed.openOrders.length, fills: resumed.fills });
    }
    // The market as this market's session received it, for parity and replay: its own file, linked from its own run.
    let feed: MarketFeed = p.feed;
    if (recordPaths !== undefined) {
      const recording = new SessionRecording(recordPaths[setups.indexOf(s)]!, { venue: traded.market.exchange, symbol: p.symbol, run_id: `${runId}_${name}`, market: name, mode: 'paper', clock: 'wall', ...replayMetaOf(traded, p.refPrice) });
      journal.linkRecording(recording.path);
      recordings.push({ name, recording, journal });
      feed = new RecordingFeed(feed, recording);
    }
    paper.push({ name, exchange: traded.market.exchange, symbol: p.symbol, feed, session, journal, haltFile: new HaltFile(`${haltPath}.${name}`, 200) });
  }

  if (hedger !== undefined) hedger.source = paper[hedge!.quotedIndex]!.session.core;

  const outDir = f.outDir ?? DEFAULT_REALTIME_DIR;
  const exchanges = [...new Set(paper.map((m) => m.exchange))].join('-');
  mkdirSync(outDir, { recursive: true });
  // A log of its own: created anew (two sessions into one folder in the same second: the second's under <stamp>_2).
  const { fd, path: jsonlPath } = openNewStampedFile(outDir, utcStamp(started), `_${exchanges}_markets.jsonl`);
  const write = (obj: unknown): void => {
    const line = `${scrubSecrets(JSON.stringify(obj))}\n`;
    writeSync(fd, line);
    if (!f.quiet) process.stdout.write(line);
  };
  const standing = announceStandingHalt(haltPath, (l) => writeSync(fd, `${scrubSecrets(JSON.stringify(l))}\n`), f.quiet === true);
  write({ markets: paper.map((m) => ({ market: m.name, exchange: m.exchange, symbol: m.symbol, run_id: `${runId}_${m.name}`, halt_file: `${haltPath}.${m.name}` })), portfolio: c.trading.portfolio ?? {}, ledger: ledgerPath });
  for (const r of resumedAny) write({ resumed: true, ledger: ledgerPath, ...r });

  let dashboard: Awaited<ReturnType<typeof import('../../report/dashboard/live-markets.js').startMarketsDashboard>> | undefined;
  if (f.dashboardPort !== undefined) {
    const { startMarketsDashboard } = await import('../../report/dashboard/live-markets.js');
    const list = paper.map((m) => m.symbol).join(', ');
    dashboard = await startMarketsDashboard({
      port: f.dashboardPort,
      haltPath,
      title: `${exchanges} ${paper.length} markets paper${replay ? ' (replay)' : ''}`,
      source: `${exchanges} ${list} · ${replay ? 'replay' : 'live feed'}`,
      lotSize: setups[0]!.traded.market.lot_size,
      lots: Object.fromEntries(setups.map((x) => [x.p.m.name, x.traded.market.lot_size])),
      tokenDir: dirname(ledgerPath),
      standing,
    });
    process.stderr.write(`dashboard: ${dashboard.openUrl}\n`);
  }

  const { stop, unroute } = paperStop(f.abort);
  const loop = setups[0]!.traded.loop;
  let status = 'failed';
  let recorded = false;
  const finishAll = (): void => {
    if (recorded) return;
    recorded = true;
    for (const r of recordings) finishRecording(r.recording, r.journal);
  };
  try {
    const summary = await runPaperMarkets(paper, {
      iterations: end.iterations,
      durationMicros: end.durationMicros,
      iterationMicros: pollSeconds * MICROS_PER_SECOND,
      idleDecisionMicros: loop.idle_decision_ms * 1000,
      quoteSampleMicros: loop.quote_sample_ms * 1000,
      clock,
      portfolio: c.trading.portfolio ?? {},
      emit: (row) => {
        write(row);
        dashboard?.publish(row);
      },
      emitBook: write,
      haltFile: new HaltFile(haltPath, 200),
      stop,
      ...(dashboard !== undefined ? { onStep: dashboard.step } : {}),
      ...(hedge !== undefined ? { hedge: { quoted: hedge.quotedIndex, hedge: hedge.hedgeIndex } } : {}),
    });
    status = summary.ended_by;
    finishAll();
    write({ ...summary, run_id: runId, ledger: ledgerPath, jsonl: jsonlPath, ...(recordings.length > 0 ? { recordings: recordings.map((r) => ({ market: r.name, path: r.recording.path, rows: r.recording.length })) } : {}) });
    for (const m of paper) m.session.writeVenueAudit();
  } finally {
    unroute();
    // What was received is kept even when the loop failed: it is the market each session saw.
    finishAll();
    const endedAt = new Date();
    for (const m of paper) journals.get(m.name)?.endRun(endedAt, status);
    ledger.close();
    closeSync(fd);
    await dashboard?.close();
    for (const close of closers) await close().catch(() => undefined);
  }
}

/** `f()`, closing the exchange clients first when it throws (bad input found after they opened). */
function guarded<T>(closers: readonly (() => Promise<void>)[], f: () => T): T {
  try {
    return f();
  } catch (e) {
    for (const close of closers) void close().catch(() => undefined);
    throw e;
  }
}
