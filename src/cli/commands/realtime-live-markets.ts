// `realtime --mode live` with several markets: every market's preflight, then one live session per market in one process, one ledger, the book's limits.
import { closeSync, mkdirSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Rng, UserError, openNewStampedFile, utcStamp } from '../../core/index.js';
import { DEFAULT_HALT_FILE } from '../../risk/index.js';
import { announceStandingHalt } from '../standing-halt.js';
import {
  ClientIdSequence,
  LiveBook,
  LiveSession,
  RecordingFeed,
  TickLocal,
  checkGateAdmitsQuotes,
  hedgePlan,
  hedgeStrategyOf,
  loadStrategyOf,
  marketConfigs,
  paperOptionsFor,
  replayMetaOf,
  resolveTrading,
  runLiveMarkets,
  strategyFor,
  wallClock,
  type LiveMarket,
  type MarketFeed,
  type TradingConfig,
} from '../../engine/index.js';
import { SessionRecording } from '../../data/index.js';
import { Ledger, assertLedgerMode, type MarketJournal } from '../../ledger/index.js';
import { baseExposure } from '../../market/index.js';
import type { LiveExchange } from '../../venues/index.js';
import type { DashboardMarket, MarketsDashboard } from '../../report/dashboard/live-markets.js';
import type { ConfigWithFlags } from '../config-flags.js';
import { DEFAULT_REALTIME_DIR, finishRecording, marketRecordingPaths, withTimeframe } from './realtime.js';
import { marketsOfSymbols } from './realtime-paper-markets.js';
import { liveLoopEnd, type RealtimeLiveFlags } from './realtime-live.js';
import { concludeLive, liveStatus, routeProcessEnd } from './session-end.js';

/**
 * Live trading of every market of `markets:` (or `--symbols`) in one process. Each market: the symbol,
 * tick and lot the exchange publishes, orders sized at its price now, its own keyed client (its own
 * private stream and rate limiter), its own feed and `LiveSession` (preflight, reconciliation of its
 * symbol, verified cancel-all). One ledger holds every market (a run row each, one client-id sequence
 * under the ledger's one namespace, so no two orders of the account share a client order id); the
 * book's `portfolio:` limits act on every market (`runLiveMarkets`).
 */
export async function liveMarketsCommand(f: RealtimeLiveFlags, c: ConfigWithFlags, keys: { apiKey: string; secret: string }, scrub: (s: string) => string, ledgerDefault: string): Promise<void> {
  const markets = f.symbols !== undefined ? marketsOfSymbols(c.trading, f.symbols) : marketConfigs(c.trading, undefined, c.source);
  const names = { flagOf: c.flagOf, source: c.source };
  for (const m of markets) await loadStrategyOf(m.config, names);
  // hedge: as in paper: the hedge market trades by the hedge's strategy in its own session (preflight, risk, gate, its exchange's orders).
  const hedge = hedgePlan(c.trading, markets, c.source);
  // Each market's recording (FILE.<market>.arrow), checked before anything is opened.
  const recordPaths = f.record === undefined ? undefined : marketRecordingPaths(f.record, markets.map((m) => m.name));
  const { iterations, pollSeconds } = liveLoopEnd(f);
  const ledgerPath = f.ledger ?? ledgerDefault;
  assertLedgerMode(ledgerPath, 'live');
  const haltPath = f.haltFile ?? DEFAULT_HALT_FILE;

  const { createExchange, exchangeUrlFrom, loadMarkets, resolveSymbol, checkTimeframe, closeExchange } = await import('../../venues/ccxt/exchange.js');
  const { openLiveExchange } = await import('../../venues/ccxt/live-ccxt.js');
  const { marketData } = await import('../../venues/ccxt/market-data.js');
  const { CcxtFeed, defaultCcxtFeedOptions } = await import('../../engine/ccxt-feed.js');
  const exchangeUrl = exchangeUrlFrom(f.exchangeUrl);
  const urlSpec = exchangeUrl !== undefined ? { exchangeUrl } : {};
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  const clock = wallClock();
  const rng = new Rng(Number(process.pid));
  interface Prepared {
    name: string;
    symbol: string;
    traded: TradingConfig;
    exchange: LiveExchange;
    feed: InstanceType<typeof CcxtFeed>;
    refPrice: number;
    tick: number;
  }
  const prepared: Prepared[] = [];
  try {
    // Market data on one public client per exchange; orders on each market's own keyed client.
    const pubs = new Map<string, Awaited<ReturnType<typeof createExchange>>>();
    for (const m of markets) {
      const cfg = withTimeframe(m.config, f.timeframe);
      const id = cfg.market.exchange;
      let pub = pubs.get(id);
      if (pub === undefined) {
        pub = await createExchange({ exchange: id, websocket: true, ...urlSpec, ...(f.sandbox === true ? { sandbox: true } : {}), ...(markets.some((x) => x.config.market.instrument !== 'spot') ? { perpetuals: true } : {}) });
        pubs.set(id, pub);
        const p = pub;
        closers.push(() => closeExchange(p));
        await loadMarkets(pub);
        if (f.timeframe !== undefined) checkTimeframe(pub, f.timeframe);
      }
      const symbol = resolveSymbol(pub, cfg.market.symbol);
      const md = marketData(pub);
      const { tick, lot } = md.steps(symbol);
      if (!(tick > 0) || !(lot > 0)) throw new UserError(`markets[${m.name}]: ${id} publishes no tick or lot size for ${symbol}`);
      const exchange = await openLiveExchange({ exchange: id, apiKey: keys.apiKey, secret: keys.secret, url: exchangeUrl, ...(f.sandbox === true ? { sandbox: true } : {}), ...(cfg.market.instrument !== 'spot' ? { perpetuals: true } : {}), timeoutMs: cfg.live.request_timeout_ms });
      closers.push(() => exchange.close());
      const touch = await exchange.bidAsk(symbol);
      const refPrice = touch.bid > 0 && touch.ask > 0 ? (touch.bid + touch.ask) / 2 : Number.NaN;
      const ws = cfg.loop.market_data !== 'rest' && md.streams;
      const feed = new CcxtFeed(md, { ...defaultCcxtFeedOptions, depthLevels: cfg.loop.depth_levels, symbol, clock, mode: ws ? 'ws' : 'rest', pollMs: pollSeconds * 1000, random: () => rng.next() });
      prepared.push({ name: m.name, symbol, traded: { ...cfg, market: { ...cfg.market, symbol, tick_size: tick, lot_size: lot } }, exchange, feed, refPrice, tick });
    }
  } catch (e) {
    await closeAll();
    throw e;
  }

  let setups;
  // The hedge's legs at the steps the exchange publishes (the strategy rounds its orders to them).
  const hedger = hedge === undefined ? undefined : hedgeStrategyOf(hedge, prepared.map((p, k) => ({ ...markets[k]!, config: p.traded })));
  try {
    setups = prepared.map((p, k) => {
      const r = resolveTrading(p.traded, p.refPrice, names);
      const hedging = hedge !== undefined && k === hedge.hedgeIndex;
      checkGateAdmitsQuotes(r, p.refPrice, names);
      return { p, resolved: r, strategy: hedging ? hedger! : strategyFor(r, names), options: paperOptionsFor(r, names), hedging };
    });
  } catch (e) {
    await closeAll();
    throw e;
  }

  const ledger = new Ledger(ledgerPath);
  const started = new Date();
  const runId = `live_${utcStamp(started)}_${process.pid}`;
  const continuing = ledger.initialCash() !== undefined;
  const outDir = f.outDir ?? DEFAULT_REALTIME_DIR;
  const exchanges = [...new Set(prepared.map((p) => p.traded.market.exchange))].join('-');
  mkdirSync(outDir, { recursive: true });
  // A log of its own: created anew (two sessions into one folder in the same second: the second's under <stamp>_2).
  const { fd, path: jsonlPath } = openNewStampedFile(outDir, utcStamp(started), `_${exchanges}_markets_live.jsonl`);
  const write = (obj: Record<string, unknown>): void => {
    const line = `${scrub(JSON.stringify(obj))}\n`;
    writeSync(fd, line);
    if (f.quiet !== true) process.stdout.write(line);
  };
  const standing = announceStandingHalt(haltPath, (line) => writeSync(fd, `${scrub(JSON.stringify(line))}\n`), f.quiet === true);
  let dashboard: MarketsDashboard | undefined;
  const dashMarkets: DashboardMarket[] = [];
  if (f.dashboardPort !== undefined) {
    const { startMarketsDashboard } = await import('../../report/dashboard/live-markets.js');
    try {
      dashboard = await startMarketsDashboard({
        port: f.dashboardPort,
        haltPath,
        kind: 'live',
        title: `${exchanges} ${prepared.length} markets live`,
        source: `${exchanges} ${prepared.map((p) => p.symbol).join(', ')} · live orders`,
        lotSize: prepared[0]!.traded.market.lot_size,
        lots: Object.fromEntries(prepared.map((x) => [x.name, x.traded.market.lot_size])),
        tokenDir: dirname(ledgerPath),
        standing,
      });
    } catch (e) {
      ledger.close();
      closeSync(fd);
      await closeAll();
      throw e;
    }
    process.stderr.write(`dashboard: ${dashboard.openUrl}\n`);
  }
  const ids = new ClientIdSequence();
  const book = new LiveBook(c.trading.portfolio ?? {}, hedge === undefined ? undefined : { quoted: hedge.quotedIndex, hedge: hedge.hedgeIndex, plan: hedge, strategy: hedger!, sampleMicros: pollSeconds * 1_000_000 });
  const journals: MarketJournal[] = [];
  const live: LiveMarket[] = [];
  const recordings: { name: string; recording: SessionRecording; journal: MarketJournal }[] = [];
  for (const s of setups) {
    const { p } = s;
    const exchangeId = p.traded.market.exchange;
    const journal = ledger.startMarketRun(
      { runId: `${runId}_${p.name}`, mode: 'live', exchange: exchangeId, symbol: p.symbol, config: { ...p.traded, market_name: p.name, timeframe: f.timeframe ?? null, poll_seconds: pollSeconds }, initialCash: p.traded.capital },
      started,
    );
    journals.push(journal);
    // The market as this market's session received it, for parity and replay: its own file, linked from its own run.
    let feed: MarketFeed = p.feed;
    if (recordPaths !== undefined) {
      const recording = new SessionRecording(recordPaths[setups.indexOf(s)]!, { venue: exchangeId, symbol: p.symbol, run_id: `${runId}_${p.name}`, market: p.name, mode: 'live', clock: 'wall', ...replayMetaOf(p.traded, p.refPrice) });
      journal.linkRecording(recording.path);
      recordings.push({ name: p.name, recording, journal });
      feed = new RecordingFeed(feed, recording);
    }
    const resumed = continuing ? journal.resume({ canceling: true }) : undefined;
    const initialCash = resumed === undefined ? p.traded.capital : (journal.initialCash() ?? p.traded.capital);
    // Client order ids are namespaced by the ledger's first run: they stay the same across restarts, and the markets share the one id sequence.
    const firstRun = ledger.db.prepare<[], { run_id: string }>('SELECT run_id FROM runs ORDER BY started_at, rowid LIMIT 1').get()?.run_id ?? runId;
    const baselineKey = `live_base_offset:${exchangeId}:${p.symbol}`;
    const stored = ledger.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(baselineKey);
    const liveCfg = p.traded.live;
    // What the dashboard shows of this market: its core and risk, its risk transitions as they are logged.
    const risk = { events: 0, recent: [] as { ts: number; kind: string; reason: string; state: string }[] };
    const noteRisk = (fields: Readonly<Record<string, unknown>>): void => {
      risk.events++;
      risk.recent.push({ ts: clock(), kind: `${String(fields['condition'])} ${fields['raised'] === true ? 'raised' : 'cleared'}`, reason: String(fields['reason'] ?? ''), state: String(fields['to'] ?? '') });
      if (risk.recent.length > 50) risk.recent.shift();
    };
    const session: LiveSession = new LiveSession({
      exchange: p.exchange,
      symbol: p.symbol,
      strategy: s.strategy,
      session: { ...s.options.session, initialCash },
      idNamespace: firstRun,
      ...(s.hedging ? { orderQty: smallestHedgeOrder(hedge!.band, p.traded, p.refPrice), hedge: { takes: hedge!.mode === 'taker' } } : { orderQty: s.resolved.quoting.orderQty }),
      tickSize: p.tick,
      unknownOrders: liveCfg.unknown_orders,
      ...(p.traded.market.instrument !== 'spot' ? { perp: { marginMode: liveCfg.margin_mode } } : {}),
      positionTolerance: liveCfg.position_tolerance,
      haltOnMismatch: liveCfg.halt_on_mismatch,
      baseline: stored === undefined ? undefined : { offset: Number(stored.value) },
      saveBaseline: (b) => ledger.db.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(baselineKey, String(b.offset)),
      resume: resumed,
      journal,
      log: (event, fields) => {
        if (event === 'live_iteration') {
          write({ market: p.name, ...fields, exchange: exchangeId, symbol: p.symbol, mode: 'live' });
          dashboard?.publish({ market: p.name, ts_utc: String(fields['ts_utc']), iteration: Number(fields['iteration']), connected: fields['connected'] === true });
          return;
        }
        if (event === 'live_risk') noteRisk(fields);
        write({ event, market: p.name, ts_utc: new Date().toISOString(), ...fields });
      },
      pollMs: pollSeconds * 1000,
      iterations,
      reconcileEveryMs: liveCfg.reconcile_every_s * 1000,
      haltFile: [haltPath, `${haltPath}.${p.name}`],
      market: { feed, local: new TickLocal(s.options.local) },
      adapter: {
        poll: liveCfg.order_updates === 'poll',
        pollMs: liveCfg.order_poll_ms,
        settleMs: liveCfg.lookup_settle_ms,
        streamBudgetMs: liveCfg.stream_retry_budget_s * 1000,
        forgetAfterMs: liveCfg.forget_after_s * 1000,
      },
      ledgerBudgetMs: liveCfg.ledger_retry_budget_s * 1000,
      onStep: (now) => {
        book.step(now);
        if (dashboard !== undefined && book.figures !== undefined) dashboard.step(dashMarkets, book.figures);
      },
    });
    session.core.shareIds(ids);
    dashMarkets.push({
      name: p.name,
      exchange: exchangeId,
      symbol: p.symbol,
      session: {
        core: session.core,
        risk: session.risk,
        get counters() {
          return { fills: session.core.fills.length, commands: 0, denials: 0, riskEvents: risk.events };
        },
        recentRisk: risk.recent,
        opts: { exchange: { tickSize: p.tick } },
      },
    });
    live.push({ name: p.name, symbol: p.symbol, session });
  }
  write({ markets: live.map((m) => ({ market: m.name, symbol: m.symbol, run_id: `${runId}_${m.name}`, halt_file: `${haltPath}.${m.name}` })), portfolio: c.trading.portfolio ?? {}, ledger: ledgerPath, mode: 'live' });

  let signal: NodeJS.Signals | undefined;
  const unroute = routeProcessEnd(
    (sig) => {
      signal ??= sig;
      for (const m of live) m.session.stop(sig);
    },
    (reason) => {
      for (const m of live) m.session.fatal(reason);
    },
  );
  const status = new Map<string, string>(live.map((m) => [m.name, 'failed']));
  let recorded = false;
  const finishAll = (): void => {
    if (recorded) return;
    recorded = true;
    for (const x of recordings) finishRecording(x.recording, x.journal);
  };
  try {
    const r = await runLiveMarkets(live, book);
    for (const s of r.summaries) status.set(s.market, liveStatus(s, signal));
    finishAll();
    write({ summary: true, mode: 'live', run_id: runId, markets: r.summaries, book: r.book, pnl_split: r.pnl_split, ...(r.hedge !== undefined ? { hedge: r.hedge } : {}), ledger: ledgerPath, jsonl: jsonlPath, ...(recordings.length > 0 ? { recordings: recordings.map((x) => ({ market: x.name, path: x.recording.path, rows: x.recording.length })) } : {}) });
    concludeLive(r.summaries, signal);
  } catch (e) {
    if (e instanceof Error) e.message = scrub(e.message);
    throw e;
  } finally {
    unroute();
    // What was received is kept even when the session failed: it is the market each session saw.
    finishAll();
    const endedAt = new Date();
    journals.forEach((j, k) => j.endRun(endedAt, status.get(live[k]?.name ?? '') ?? 'failed'));
    ledger.close();
    closeSync(fd);
    await dashboard?.close();
    await closeAll();
  }
}

/**
 * The smallest order the hedge sends: it trades once |deviation| passes the band, so about the band in the
 * hedge market's unit (contracts of a perpetual: the base coin one contract is worth at `price`), rounded
 * up to its lot — what its preflight checks against the market's minimum quantity and notional.
 */
function smallestHedgeOrder(band: number, cfg: TradingConfig, price: number): number {
  const m = cfg.market;
  const unit = baseExposure({ kind: m.instrument, contractSize: m.contract_size }, price, 1);
  const units = unit > 0 ? band / unit : band;
  const lot = m.lot_size;
  return Math.round(Math.ceil(units / lot - 1e-9) * lot * 1e12) / 1e12;
}
