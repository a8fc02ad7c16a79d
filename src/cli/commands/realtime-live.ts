// `marketmakerl realtime --mode live --confirm-live`: the live guard, the preflight, then real orders through ccxt under the risk engine.
import { closeSync, mkdirSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Rng, UserError, openNewStampedFile, utcStamp } from '../../core/index.js';
import { DEFAULT_HALT_FILE } from '../../risk/index.js';
import { announceStandingHalt } from '../standing-halt.js';
import { liveGuard, scrubber, secretValues } from '../../runtime/index.js';
import { SessionRecording, checkRecordingPath } from '../../data/index.js';
import { LiveSession, RecordingFeed, TickLocal, checkGateAdmitsQuotes, paperOptionsFor, replayMetaOf, resolveTrading, strategyFor, loadStrategyOf, wallClock, type LiveConfig } from '../../engine/index.js';
import { Ledger, assertLedgerMode } from '../../ledger/index.js';
import { DEFAULT_REALTIME_DIR, finishRecording, realtimeConfig, withTimeframe, type RealtimeFlags } from './realtime.js';
import { concludeLive, liveStatus, routeProcessEnd } from './session-end.js';

export interface RealtimeLiveFlags extends RealtimeFlags {
  confirmLive?: boolean;
  sandbox?: boolean;
}

/** Live runs keep their own ledger: paper positions and orders must never be reconciled against an exchange. */
const DEFAULT_LEDGER = join('artifacts', 'realtime', 'live-ledger.sqlite');

/** `--iterations N | forever` (default 20) and `--poll-seconds` (default 1) of a live run, one market or several. */
export function liveLoopEnd(f: Pick<RealtimeLiveFlags, 'iterations' | 'pollSeconds'>): { iterations: number | undefined; pollSeconds: number } {
  let iterations: number | undefined = 20;
  if (f.iterations === 'forever') iterations = undefined;
  else if (f.iterations !== undefined) {
    iterations = Number(f.iterations);
    if (!Number.isInteger(iterations) || iterations <= 0) throw new UserError(`--iterations: expected a positive integer or 'forever', got '${f.iterations}'`);
  }
  const pollSeconds = f.pollSeconds ?? 1;
  if (!(pollSeconds > 0)) throw new UserError(`--poll-seconds: expected a positive number, got ${pollSeconds}`);
  return { iterations, pollSeconds };
}

export async function realtimeLiveCommand(f: RealtimeLiveFlags, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  // The runtime's guard, with its exact messages; then our own explicit confirmation.
  liveGuard('live', env);
  if (f.confirmLive !== true) throw new UserError('mode=live requires --confirm-live (real orders, real money)');
  if (f.replay !== undefined && f.replay.length > 0) throw new UserError('--replay: not available with --mode live');
  if (f.duration !== undefined) throw new UserError("--duration: not available with --mode live; use --iterations N or 'forever'");
  const apiKey = env['EXCHANGE_API_KEY'] ?? '';
  const secret = env['EXCHANGE_API_SECRET'] ?? '';
  const scrub = scrubber(secretValues(env));

  const c = realtimeConfig(f);
  if (f.clock !== undefined && f.clock !== 'wall') throw new UserError('--clock: live trading runs on the wall clock');
  if (c.trading.markets !== undefined || f.symbols !== undefined) {
    if (f.symbols !== undefined && f.symbol !== undefined) throw new UserError('--symbols: give --symbol (one market) or --symbols (several), not both');
    return (await import('./realtime-live-markets.js')).liveMarketsCommand(f, c, { apiKey, secret }, scrub, DEFAULT_LEDGER);
  }
  await loadStrategyOf(c.trading, { flagOf: c.flagOf, source: c.source });
  const cfg = withTimeframe(c.trading, f.timeframe);
  const liveCfg: LiveConfig = cfg.live;
  if (f.clock !== undefined && f.clock !== 'wall') throw new UserError('--clock: live trading runs on the wall clock');
  const { iterations, pollSeconds } = liveLoopEnd(f);
  const marketFeed = cfg.loop.market_data;
  const ledgerPath = f.ledger ?? DEFAULT_LEDGER;
  assertLedgerMode(ledgerPath, 'live');
  if (f.record !== undefined) checkRecordingPath(f.record);
  const exchangeId = cfg.market.exchange;

  const { createExchange, exchangeUrlFrom, loadMarkets, resolveSymbol, checkTimeframe, closeExchange } = await import('../../venues/ccxt/exchange.js');
  const { openLiveExchange } = await import('../../venues/ccxt/live-ccxt.js');
  const { marketData } = await import('../../venues/ccxt/market-data.js');
  const { CcxtFeed, defaultCcxtFeedOptions } = await import('../../engine/ccxt-feed.js');
  const exchangeUrl = exchangeUrlFrom(f.exchangeUrl);
  const urlSpec = exchangeUrl !== undefined ? { exchangeUrl } : {};
  // Market data on its own public client; orders on the keyed one.
  const pub = await createExchange({ exchange: exchangeId, websocket: true, ...urlSpec, ...(f.sandbox === true ? { sandbox: true } : {}), ...(cfg.market.instrument !== 'spot' ? { perpetuals: true } : {}) });
  await loadMarkets(pub);
  const symbol = resolveSymbol(pub, cfg.market.symbol);
  if (f.timeframe !== undefined) checkTimeframe(pub, f.timeframe);
  const md = marketData(pub);
  const { tick, lot } = md.steps(symbol);
  if (!(tick > 0) || !(lot > 0)) throw new UserError(`--symbol: ${exchangeId} publishes no tick or lot size for ${symbol}`);
  const traded = { ...cfg, market: { ...cfg.market, symbol, tick_size: tick, lot_size: lot } };
  const exchange = await openLiveExchange({
    exchange: exchangeId,
    apiKey,
    secret,
    url: exchangeUrl,
    ...(f.sandbox === true ? { sandbox: true } : {}),
    ...(cfg.market.instrument !== 'spot' ? { perpetuals: true } : {}),
    timeoutMs: liveCfg.request_timeout_ms,
  });

  // Orders are sized at the exchange's price now; the preflight checks them against its limits.
  const touch = await exchange.bidAsk(symbol);
  const refPrice = touch.bid > 0 && touch.ask > 0 ? (touch.bid + touch.ask) / 2 : Number.NaN;
  const names = { flagOf: c.flagOf, source: c.source };
  const resolved = resolveTrading(traded, refPrice, names);
  checkGateAdmitsQuotes(resolved, refPrice, names);
  const strategy = strategyFor(resolved, names);
  const options = paperOptionsFor(resolved, names);
  const ledger = new Ledger(ledgerPath);
  const resumed = ledger.resume(symbol, { canceling: true });
  const started = new Date();
  const runId = `live_${utcStamp(started)}_${process.pid}`;
  ledger.startRun({ runId, mode: 'live', exchange: exchangeId, symbol, config: { ...traded, timeframe: f.timeframe ?? null, poll_seconds: pollSeconds }, initialCash: traded.capital }, started);
  const initialCash = resumed === undefined ? traded.capital : (ledger.initialCash() ?? traded.capital);
  // Client order ids are namespaced by the ledger's first run: they stay the same across restarts.
  const firstRun = ledger.db.prepare<[], { run_id: string }>('SELECT run_id FROM runs ORDER BY started_at, rowid LIMIT 1').get()?.run_id ?? runId;
  const baselineKey = `live_base_offset:${exchangeId}:${symbol}`;
  const storedBaseline = ledger.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(baselineKey);

  const [base, quote] = symbol.split(/[/:]/);
  const outDir = f.outDir ?? DEFAULT_REALTIME_DIR;
  mkdirSync(outDir, { recursive: true });
  // A log of its own: created anew (two sessions into one folder in the same second: the second's under <stamp>_2).
  const { fd, path: jsonlPath } = openNewStampedFile(outDir, utcStamp(started), `_${exchangeId}_${base ?? 'BASE'}_${quote ?? 'QUOTE'}_live.jsonl`);
  const haltPath = f.haltFile ?? DEFAULT_HALT_FILE;
  const standing = announceStandingHalt(haltPath, (line) => writeSync(fd, `${scrub(JSON.stringify(line))}\n`), f.quiet === true);

  let dashboard: Awaited<ReturnType<typeof import('../../report/dashboard/server.js').startDashboardServer>> | undefined;
  let dashState: import('../../report/dashboard/dashboard-state.js').DashboardState | undefined;
  if (f.dashboardPort !== undefined) {
    const { startDashboardServer } = await import('../../report/dashboard/server.js');
    const { DashboardState } = await import('../../report/dashboard/dashboard-state.js');
    dashState = new DashboardState('live', `${exchangeId} ${symbol} live`);
    if (standing !== undefined) {
      dashState.stats = { ...dashState.stats, trading_state: 'halted', halt_reason: standing };
      dashState.addRisk({ t: Math.floor(Date.now() / 1000), kind: 'standing halt', reason: standing, state: 'halted' });
    }
    dashboard = await startDashboardServer({ port: f.dashboardPort, title: `${exchangeId} ${symbol} live`, state: dashState, haltPath, tokenDir: dirname(ledgerPath) });
    // The URL carries the per-run token (also in dashboard-<port>.token beside the ledger, mode 0600).
    process.stderr.write(`dashboard: ${dashboard.openUrl}\n`);
  }

  const write = (obj: Record<string, unknown>): void => {
    const line = `${scrub(JSON.stringify(obj))}\n`;
    writeSync(fd, line);
    if (f.quiet !== true) process.stdout.write(line);
  };
  const log = (event: string, fields: Readonly<Record<string, unknown>>): void => {
    if (event === 'live_iteration') {
      write({ ...fields, exchange: exchangeId, symbol, mode: 'live' });
      if (dashState !== undefined) {
        const n = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
        dashState.addPoint({ t: Math.floor(Date.now() / 1000), mid: n(fields['mid_price']), bid: n(fields['bid']), ask: n(fields['ask']) });
        const reasons = Array.isArray(fields['risk_reasons']) ? (fields['risk_reasons'] as unknown[]) : [];
        dashState.stats = {
          ...dashState.stats,
          trading_state: String(fields['trading_state']),
          halt_reason: fields['trading_state'] === 'halted' ? String(reasons[0] ?? '') : null,
          inventory: Number(fields['inventory']),
          cash: n(fields['cash']),
          equity: n(fields['equity']),
          realized_pnl: n(fields['realized_pnl']),
          unrealized_pnl: n(fields['unrealized_pnl']),
          open_orders: Number(fields['open_orders']),
          fills: Number(fields['fills_total']),
          mid: n(fields['mid_price']),
          updated_utc: String(fields['ts_utc']),
        };
      }
      return;
    }
    write({ event, ts_utc: new Date().toISOString(), ...fields });
  };

  const clock = wallClock();
  const rng = new Rng(Number(process.pid));
  const ws = marketFeed !== 'rest' && md.streams;
  const ccxtFeed = new CcxtFeed(md, { ...defaultCcxtFeedOptions, depthLevels: cfg.loop.depth_levels, symbol, clock, mode: ws ? 'ws' : 'rest', pollMs: pollSeconds * 1000, random: () => rng.next() });
  // The market as this session received it, for parity: rows in the order and with the local times it saw.
  const recording = f.record === undefined ? undefined : new SessionRecording(f.record, { venue: exchangeId, symbol, run_id: runId, mode: 'live', clock: 'wall', ...replayMetaOf(traded, refPrice) });
  if (recording !== undefined) ledger.linkRecording(recording.path);
  const feed = recording === undefined ? ccxtFeed : new RecordingFeed(ccxtFeed, recording);
  const session = new LiveSession({
    exchange,
    symbol,
    strategy,
    session: { ...options.session, initialCash },
    idNamespace: firstRun,
    orderQty: resolved.quoting.orderQty,
    tickSize: tick,
    unknownOrders: liveCfg.unknown_orders,
    ...(traded.market.instrument !== 'spot' ? { perp: { marginMode: liveCfg.margin_mode } } : {}),
    positionTolerance: liveCfg.position_tolerance,
    haltOnMismatch: liveCfg.halt_on_mismatch,
    baseline: storedBaseline === undefined ? undefined : { offset: Number(storedBaseline.value) },
    saveBaseline: (b) => ledger.db.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(baselineKey, String(b.offset)),
    resume: resumed,
    journal: ledger,
    log,
    pollMs: pollSeconds * 1000,
    iterations,
    reconcileEveryMs: liveCfg.reconcile_every_s * 1000,
    haltFile: haltPath,
    market: { feed, local: new TickLocal(options.local) },
    adapter: {
      poll: liveCfg.order_updates === 'poll',
      pollMs: liveCfg.order_poll_ms,
      settleMs: liveCfg.lookup_settle_ms,
      streamBudgetMs: liveCfg.stream_retry_budget_s * 1000,
      forgetAfterMs: liveCfg.forget_after_s * 1000,
    },
    ledgerBudgetMs: liveCfg.ledger_retry_budget_s * 1000,
  });
  // Every way this process can end goes through the session's end: cancel everything, verify, say why.
  let signal: NodeJS.Signals | undefined;
  const unroute = routeProcessEnd(
    (sig) => {
      signal ??= sig;
      session.stop(sig);
    },
    (reason) => session.fatal(reason),
  );
  let status = 'failed';
  try {
    const summary = await session.run();
    status = liveStatus(summary, signal);
    write({ summary: true, mode: 'live', run_id: runId, exchange: exchangeId, symbol, ...summary, ledger: ledgerPath, jsonl: jsonlPath });
    concludeLive([summary], signal);
  } catch (e) {
    if (e instanceof Error) e.message = scrub(e.message);
    throw e;
  } finally {
    unroute();
    if (recording !== undefined) finishRecording(recording, ledger);
    ledger.endRun(new Date(), status);
    ledger.close();
    closeSync(fd);
    await dashboard?.close();
    await exchange.close();
    await closeExchange(pub);
  }
}
