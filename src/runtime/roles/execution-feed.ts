// The execution agent on a live feed: a paper session on the exchange's market, or guarded live trading, for a bounded time.
import { MICROS_PER_MS, Rng, UserError } from '../../core/index.js';
import {
  LiveSession,
  MetricsSchema,
  PaperSession,
  RunSampler,
  TickLocal,
  checkGateAdmitsQuotes,
  fillsCsv,
  paperOptionsFor,
  resolveTrading,
  runPaperLoop,
  strategyFor,
  traceCsv,
  wallClock,
  type TradingConfig,
} from '../../engine/index.js';
import { Ledger } from '../../ledger/index.js';
import type { ExecutionParams } from '../agents.js';
import type { AgentResult, AgentTask, ExecutionValue } from '../agent-task.js';
import { artifactPath, writeArtifact, jsonText } from '../artifacts.js';
import { onStopRequest } from '../stop-request.js';
import { durationOf } from './execution.js';

/**
 * `market.exchange` through ccxt (MARKETMAKERL_EXCHANGE_URL points it at a proxy or a local fake).
 * Paper: the exchange's book and trades into the simulated venue and the session, as `realtime`.
 * Live: the live guard has passed (the runtime checks it before any agent runs); keys from the
 * environment; the preflight, reconciliation and the verified cancel-all at the end, as
 * `realtime --mode live`. Both write a ledger, metrics, a trace and fills.
 */
export async function runFeedExecution(task: AgentTask, params: ExecutionParams, cfg: TradingConfig): Promise<AgentResult> {
  const name = task.agent.name;
  const durationUs = durationOf(params, name);
  const { createExchange, exchangeUrlFrom, loadMarkets, resolveSymbol, fetchReferencePrice, closeExchange } = await import('../../venues/ccxt/exchange.js');
  const { CcxtFeed, defaultCcxtFeedOptions } = await import('../../engine/ccxt-feed.js');
  const { marketData } = await import('../../venues/ccxt/market-data.js');
  const url = exchangeUrlFrom(task.venue?.exchangeUrl, {});
  const pub = await createExchange({ exchange: cfg.market.exchange, websocket: true, ...(url !== undefined ? { exchangeUrl: url } : {}) });
  const ledgerPath = artifactPath(task.artifactsDir, task.runId, name, params.ledger ?? 'ledger.sqlite');
  let ledger: Ledger | undefined;
  let closeLive: { close(): Promise<void> } | undefined;
  let status = 'failed';
  try {
    await loadMarkets(pub);
    const symbol = resolveSymbol(pub, cfg.market.symbol);
    const traded: TradingConfig = { ...cfg, market: { ...cfg.market, symbol } };
    // Live: the keyed client (its book is what the preflight checks); paper: the public ticker.
    const { openLiveExchange } = await import('../../venues/ccxt/live-ccxt.js');
    const liveEx = task.mode === 'live' ? await openLiveExchange({ exchange: traded.market.exchange, apiKey: task.venue?.apiKey ?? '', secret: task.venue?.secret ?? '', url, timeoutMs: traded.live.request_timeout_ms }) : undefined;
    closeLive = liveEx;
    const touch = liveEx !== undefined ? await liveEx.bidAsk(symbol) : undefined;
    const refPrice = touch !== undefined ? (touch.bid + touch.ask) / 2 : await fetchReferencePrice(pub, symbol);
    const names = { source: `agents.${name}` };
    const r = resolveTrading(traded, refPrice, names);
    checkGateAdmitsQuotes(r, refPrice, names);
    const strategy = strategyFor(r, names);
    const options = paperOptionsFor(r, names);
    const clock = wallClock();
    const rng = new Rng(task.seed);
    const md = marketData(pub);
    const canWs = md.streams;
    const transport = traded.loop.market_data;
    if (transport === 'ws' && !canWs) throw new UserError(`loop.market_data ws: ${traded.market.exchange} has no websocket order book and trades in ccxt; use rest`);
    const ws = transport !== 'rest' && canWs;
    const feed = new CcxtFeed(md, { ...defaultCcxtFeedOptions, depthLevels: traded.loop.depth_levels, symbol, clock, mode: ws ? 'ws' : 'rest', pollMs: traded.loop.poll_ms, random: () => rng.next() });
    ledger = new Ledger(ledgerPath);
    const runId = `${task.runId}_${name}`;
    ledger.startRun({ runId, mode: task.mode === 'live' ? 'live' : 'paper', exchange: traded.market.exchange, symbol, config: traded, initialCash: traded.capital }, new Date());
    const sampleUs = traded.loop.sample_interval_ms * MICROS_PER_MS;
    const markouts = traded.metrics.markout_seconds.map((s) => Math.max(1, Math.round((s * 1e6) / sampleUs)));
    let sampler: RunSampler;
    let end: number;
    if (task.mode === 'paper') {
      const session = new PaperSession(strategy, options, ledger);
      sampler = new RunSampler(session.session, sampleUs);
      // A signal to the run ends the loop at its next step (orders cancelled, the summary written).
      const stop: { requested: boolean; reason?: string } = { requested: false };
      const off = onStopRequest((reason) => {
        stop.requested = true;
        stop.reason = reason;
      });
      const summary = await runPaperLoop(feed, session, {
        exchange: traded.market.exchange,
        symbol,
        iterations: undefined,
        durationMicros: durationUs,
        iterationMicros: 1_000_000,
        idleDecisionMicros: traded.loop.idle_decision_ms * MICROS_PER_MS,
        quoteSampleMicros: traded.loop.quote_sample_ms * MICROS_PER_MS,
        clock,
        emit: () => {},
        journal: ledger,
        stop,
        onStep: () => sampler.at(clock()),
      }).finally(off);
      status = summary.ended_by;
      end = clock();
      session.writeVenueAudit();
    } else {
      const exchange = liveEx!;
      const live = traded.live;
      const s: LiveSession = new LiveSession({
        exchange,
        symbol,
        strategy,
        session: options.session,
        idNamespace: runId,
        orderQty: r.quoting.orderQty,
        tickSize: traded.market.tick_size,
        unknownOrders: live.unknown_orders,
        positionTolerance: live.position_tolerance,
        haltOnMismatch: live.halt_on_mismatch,
        baseline: undefined,
        journal: ledger,
        log: () => {},
        pollMs: 1_000,
        reconcileEveryMs: live.reconcile_every_s * 1000,
        market: { feed, local: new TickLocal(options.local) },
        adapter: {
          poll: live.order_updates === 'poll',
          pollMs: live.order_poll_ms,
          settleMs: live.lookup_settle_ms,
          streamBudgetMs: live.stream_retry_budget_s * 1000,
          forgetAfterMs: live.forget_after_s * 1000,
        },
        ledgerBudgetMs: live.ledger_retry_budget_s * 1000,
        onStep: (now) => sampler.at(now),
      });
      sampler = new RunSampler(s.session, sampleUs);
      const timer = setTimeout(() => s.stop(), durationUs / 1000);
      // Every way this agent can end goes through the session's end: cancel everything, verify, say why.
      const off = onStopRequest((reason) => s.stop(reason));
      const onCrash = (e: unknown): void => s.fatal(`uncaught ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      process.on('uncaughtException', onCrash);
      process.on('unhandledRejection', onCrash);
      try {
        const summary = await s.run();
        const cancel = summary.cancelVerified ? 'every order cancelled, verified with the exchange' : 'the cancel-all could NOT be verified: check open orders at the exchange';
        const stopped = summary.stoppedBy !== 'iterations' && summary.stoppedBy !== 'stop' ? `stopped: ${summary.stoppedBy}` : undefined;
        status = summary.fatal !== undefined ? `failed: ${summary.fatal}` : !summary.cancelVerified ? 'completed-unverified-cancel' : (stopped ?? 'completed');
        if (summary.fatal !== undefined) throw new UserError(`live stopped: ${summary.fatal}; ${cancel}`, 1);
        if (!summary.cancelVerified) throw new UserError(`live: ${cancel}`, 1);
      } finally {
        clearTimeout(timer);
        off();
        process.off('uncaughtException', onCrash);
        process.off('unhandledRejection', onCrash);
      }
      end = Date.now() * MICROS_PER_MS;
    }
    const metrics = MetricsSchema.parse(sampler.metrics(end, markouts));
    const seconds = Math.round(durationUs / 1e3) / 1e3;
    const window: ExecutionValue['window'] = { kind: 'feed', from: 0, to: seconds, out_of_sample: true };
    const dir = task.artifactsDir;
    const tick = traded.market.tick_size;
    const outputs = [
      writeArtifact(dir, task.runId, name, 'metrics.json', jsonText(metrics)),
      writeArtifact(dir, task.runId, name, 'trace.csv', traceCsv(sampler.trace, tick)),
      writeArtifact(dir, task.runId, name, 'fills.csv', fillsCsv(sampler.fills, tick)),
      writeArtifact(dir, task.runId, name, `${task.mode}_config.json`, jsonText({ run_id: task.runId, mode: task.mode, feed: traded.market.exchange, window, ledger: ledgerPath, ...traded })),
      ledgerPath,
    ];
    return { ok: true, outputs, value: { role: 'execution', agent: name, metrics, window, orderQty: r.quoting.orderQty, maxInventoryQty: r.quoting.maxInventoryQty } };
  } finally {
    if (ledger !== undefined) {
      ledger.endRun(new Date(), status);
      ledger.close();
    }
    await closeLive?.close();
    await closeExchange(pub);
  }
}
