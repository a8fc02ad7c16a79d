// `realtime --clock event` with several markets: each market's recording on one clock, each its own paper ledger, the run folder of `backtest --events`.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, roundTo, utcStamp, MICROS_PER_SECOND } from '../../core/index.js';
import { firstSpan, hedgePlan, pollHaltFiles, runTickMarketsJob, stopReplay, writeMarketsRunFolder, bookTotals, type MarketConfig } from '../../engine/index.js';
import { DEFAULT_HALT_FILE, HaltFile } from '../../risk/index.js';
import { announceStandingHalt, haltedBy } from '../standing-halt.js';
import { Ledger, assertLedgerMode } from '../../ledger/index.js';
import type { EventColumns } from '../../market/index.js';
import type { ConfigWithFlags } from '../config-flags.js';
import { DEFAULT_REALTIME_DIR, loadReplay, parseEnd, type RealtimeFlags } from './realtime.js';

/**
 * The markets' driver of `backtest --events A B` (one clock, each market its own venue, session and
 * strategy, the book's limits) with each market's paper ledger as its session's journal: the same
 * config and recordings give each market the same fills as the backtest, byte for byte, and each
 * ledger holds that market's orders, answers, fills and risk transitions. At the end every market
 * stops cleanly (its orders cancelled, the answers in flight delivered, its venue's audit trail).
 */
export async function marketsReplayCommand(f: RealtimeFlags, c: ConfigWithFlags, markets: readonly MarketConfig[]): Promise<void> {
  for (const [flag, v] of [['--speed', f.speed], ['--dashboard-port', f.dashboardPort], ['--feed', f.feed], ['--exchange-url', f.exchangeUrl], ['--timeframe', f.timeframe]] as const) {
    if (v !== undefined) throw new UserError(`${flag}: not used with --clock event (the replay runs on the recording's clock, as fast as it can)`);
  }
  if (f.ledger !== undefined) throw new UserError('--ledger: several markets keep one ledger each, <run id>_<market>_ledger.sqlite under --out-dir');
  if (f.record !== undefined) throw new UserError('--record: an event-clock replay of several markets receives exactly its recordings (--replay A B): replay them again instead');
  const hedge = hedgePlan(c.trading, markets, c.source); // hedge: as in backtest --events (its orders journaled in the hedge market's ledger)
  const missing = markets.findIndex((m) => m.config.data.events === undefined);
  if (missing >= 0) throw new UserError(`--replay: no recording for markets[${missing}] (${markets[missing]!.name}); give one file per market (--replay A B) or events: in each market`);
  const pollSeconds = f.pollSeconds ?? 1;
  if (!(pollSeconds > 0) || pollSeconds > 3600) throw new UserError(`--poll-seconds: expected a number of seconds in (0, 3600], got ${pollSeconds}`);
  const end = f.iterations === undefined && f.duration === undefined ? { iterations: undefined, durationMicros: undefined } : parseEnd(f);
  const span = end.durationMicros ?? (end.iterations !== undefined ? end.iterations * pollSeconds * MICROS_PER_SECOND : undefined);
  const events: EventColumns[] = [];
  for (const m of markets) {
    const all = await loadReplay([m.config.data.events!]);
    events.push(span === undefined ? all : firstSpan(all, span));
  }
  // The kill switch as on the wall clock: the halt file halts every market, `<halt file>.<market>` that
  // market alone; polled on the wall clock between decisions (every 200 ms of it).
  const haltPath = f.haltFile ?? DEFAULT_HALT_FILE;
  announceStandingHalt(haltPath, () => {}, f.quiet === true);
  const started = new Date();
  const runId = `paper_${utcStamp(started)}_${process.pid}`;
  const outDir = f.outDir ?? DEFAULT_REALTIME_DIR;
  const ledgerPaths = markets.map((m) => join(outDir, `${runId}_${m.name}_ledger.sqlite`));
  for (const p of ledgerPaths) {
    assertLedgerMode(p, 'paper');
    if (existsSync(p)) throw new UserError(`--out-dir: ${p} exists; an event-clock replay starts flat`);
  }
  const ledgers: Ledger[] = [];
  let status = 'failed';
  try {
    markets.forEach((m, k) => {
      const l = new Ledger(ledgerPaths[k]!);
      ledgers.push(l);
      l.startRun({ runId: `${runId}_${m.name}`, mode: 'paper', exchange: m.config.market.exchange, symbol: m.config.market.symbol, config: { ...m.config, market_name: m.name, clock: 'event' }, initialCash: m.config.capital }, started);
    });
    const portfolio = c.trading.portfolio ?? {};
    const job = runTickMarketsJob(markets, portfolio, { flagOf: c.flagOf, source: c.source, checkGate: true }, events.map((e) => [e]), ledgers.map((l, k) => ({ ports: { journal: l }, onDriver: (d) => pollHaltFiles(d, [new HaltFile(haltPath, 200), new HaltFile(`${haltPath}.${markets[k]!.name}`, 200)]) })), hedge);
    const fills = job.markets.map((m, k) => stopReplay(m.driver, events[k]!.tsLocal[events[k]!.length - 1]!, ledgers[k]!));
    const dir = join(outDir, runId);
    writeMarketsRunFolder(dir, runId, job, portfolio, { fills, extra: { clock: 'event' } });
    status = 'replay ended';
    const book = bookTotals(job);
    const line = {
      summary: true,
      clock: 'event',
      run_id: runId,
      run_dir: dir,
      markets: job.markets.map((m, k) => ({
        name: m.name,
        ledger: ledgerPaths[k],
        events: m.metrics.events,
        fills: m.metrics.fills,
        fills_in_flight_at_stop: m.core.fills.length - fills[k]!.length,
        inventory: roundTo(m.core.portfolio.position, 10) ?? 0,
        total_pnl: roundTo(m.metrics.total_pnl, 6),
        trading_state: m.metrics.risk.final_state,
        ...haltedBy(m.metrics.risk.halts),
      })),
      total_pnl: roundTo(job.book.total_pnl, 6),
      fills: book['fills'],
      max_drawdown: roundTo(job.book.max_drawdown, 6),
      engine_seconds: roundTo(job.engineSeconds, 3),
    };
    if (f.quiet !== true) process.stdout.write(JSON.stringify(line) + '\n');
  } finally {
    for (const l of ledgers) {
      l.endRun(new Date(), status);
      l.close();
    }
  }
}
