// `realtime --clock event`: paper trading on a recording's own clock, as fast as it goes: the tick backtest's driver with the paper ledger.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, roundTo, utcStamp, MICROS_PER_SECOND } from '../../core/index.js';
import { gapFields, firstSpan, loadStrategyOf, marketConfigs, peekEvents, replayMetaOf, runEventReplay, writeTickRunFolder } from '../../engine/index.js';
import { Ledger, assertLedgerMode } from '../../ledger/index.js';
import type { ConfigWithFlags } from '../config-flags.js';
import { SessionRecording, checkRecordingPath } from '../../data/index.js';
import { DEFAULT_HALT_FILE, HaltFile } from '../../risk/index.js';
import { announceStandingHalt, haltedBy } from '../standing-halt.js';
import { warnOlderConversions } from '../event-files.js';
import { DEFAULT_REALTIME_DIR, finishRecording, loadReplay, parseEnd, type RealtimeFlags } from './realtime.js';

/** Where an event-clock replay keeps its ledger unless told: a file of its own per run (a replay starts flat). */
function defaultLedger(outDir: string, runId: string): string {
  return join(outDir, `${runId}_ledger.sqlite`);
}

/**
 * The replay runs the tick backtest's driver (venue at exchange time, trading side at local time, the
 * decision timer) inside the one trading session, with the paper ledger as its journal: the same config
 * and rows give the same commands and fills as `backtest --events`, byte for byte in fills.csv, and the
 * ledger holds every order, answer, fill and risk transition as a wall-clock paper run's would.
 */
export async function eventReplayCommand(f: RealtimeFlags, c: ConfigWithFlags): Promise<void> {
  for (const [flag, v] of [['--speed', f.speed], ['--dashboard-port', f.dashboardPort], ['--feed', f.feed], ['--exchange-url', f.exchangeUrl], ['--timeframe', f.timeframe]] as const) {
    if (v !== undefined) throw new UserError(`${flag}: not used with --clock event (the replay runs on the recording's clock, as fast as it can)`);
  }
  if (c.trading.markets !== undefined) {
    const markets = marketConfigs(c.trading, f.replay, c.source);
    for (const m of markets) await loadStrategyOf(m.config, { flagOf: c.flagOf, source: c.source });
    if (markets.length > 1) return (await import('./realtime-markets.js')).marketsReplayCommand(f, c, markets);
    c = { ...c, trading: markets[0]!.config };
    if (f.replay === undefined && c.trading.data.events !== undefined) f = { ...f, replay: [c.trading.data.events] };
  }
  const files = f.replay ?? (c.trading.data.events !== undefined ? [c.trading.data.events] : undefined);
  if (files === undefined || files.length === 0) throw new UserError('--clock event: replays a recording; give --replay FILE (an event file from convert or record, or raw captures) or data.events in --config');
  warnOlderConversions(files);
  if (f.record !== undefined) checkRecordingPath(f.record);
  const all = await loadReplay(files);
  const pollSeconds = f.pollSeconds ?? 1;
  if (!(pollSeconds > 0) || pollSeconds > 3600) throw new UserError(`--poll-seconds: expected a number of seconds in (0, 3600], got ${pollSeconds}`);
  // Bounded by market time: --duration, or --iterations of --poll-seconds each; the whole recording otherwise.
  const end = f.iterations === undefined && f.duration === undefined ? { iterations: undefined, durationMicros: undefined } : parseEnd(f);
  const span = end.durationMicros ?? (end.iterations !== undefined ? end.iterations * pollSeconds * MICROS_PER_SECOND : undefined);
  const events = span === undefined ? all : firstSpan(all, span);
  const cfg = { ...c.trading, data: { ...c.trading.data, events: files.join(',') } };
  // The kill switch as on the wall clock: a halt standing at the start is announced, and the file is polled
  // on the wall clock between decisions (every 200 ms of it); once found, the replay goes on halted.
  const haltPath = f.haltFile ?? DEFAULT_HALT_FILE;
  announceStandingHalt(haltPath, () => {}, f.quiet === true);
  const started = new Date();
  const runId = `paper_${utcStamp(started)}_${process.pid}`;
  const outDir = f.outDir ?? DEFAULT_REALTIME_DIR;
  const ledgerPath = f.ledger ?? defaultLedger(outDir, runId);
  assertLedgerMode(ledgerPath, 'paper');
  const fresh = !existsSync(ledgerPath);
  const ledger = new Ledger(ledgerPath);
  let started_ = false;
  let status = 'failed';
  try {
    if (!fresh && ledger.resume(cfg.market.symbol) !== undefined) throw new UserError(`--ledger: ${ledgerPath} holds an earlier position; an event-clock replay starts flat: give a new --ledger`);
    ledger.startRun({ runId, mode: 'paper', exchange: cfg.market.exchange, symbol: cfg.market.symbol, config: { ...cfg, clock: 'event' }, initialCash: cfg.capital }, started);
    started_ = true;
    // The session receives exactly these rows: its recording is them, linked and written out before the run
    // starts (a session killed on the way leaves them in the partial file), resolved at the replay's first price.
    const recording = f.record === undefined ? undefined : new SessionRecording(f.record, { venue: cfg.market.exchange, symbol: cfg.market.symbol, run_id: runId, mode: 'paper', clock: 'event', ...replayMetaOf(cfg, peekEvents(events).price) });
    if (recording !== undefined) {
      ledger.linkRecording(recording.path);
      recording.append(events);
      recording.flush();
    }
    let job: ReturnType<typeof runEventReplay>;
    try {
      job = runEventReplay(cfg, events, ledger, { flagOf: c.flagOf, source: c.source, checkGate: true, haltFiles: [new HaltFile(haltPath, 200)] });
    } catch (e) {
      recording?.abort();
      if (recording !== undefined) ledger.recordingFailed();
      throw e;
    }
    if (recording !== undefined) finishRecording(recording, ledger);
    const dir = join(outDir, runId);
    writeTickRunFolder(dir, { config: { run_id: runId, clock: 'event', ...job.resolved }, metrics: job.metrics, trace: job.trace, fills: job.replayFills, stats: job.stats, audit: job.exchange.audit, tickSize: cfg.market.tick_size, ...(job.funding !== undefined ? { funding: job.funding } : {}) });
    const m = job.metrics;
    const p = job.core.portfolio;
    status = 'replay ended';
    const line = {
      summary: true,
      clock: 'event',
      run_id: runId,
      run_dir: dir,
      ledger: ledgerPath,
      events: m.events,
      decisions_seconds: roundTo((events.tsLocal[events.length - 1]! - events.tsLocal[0]!) / 1e6, 3),
      fills: m.fills,
      fills_in_flight_at_stop: job.core.fills.length - job.replayFills.length,
      inventory: roundTo(p.position, 10) ?? 0,
      cash: roundTo(p.cash, 6),
      total_pnl: roundTo(m.total_pnl, 6),
      realized_pnl: roundTo(m.realized_pnl, 6),
      fees: roundTo(m.fees, 6),
      pnl_funding: roundTo(m.pnl_funding, 6),
      funding_payments: m.funding_payments,
      trading_state: m.risk.final_state,
      risk_transitions: m.risk.transitions_total,
      ...haltedBy(m.risk.halts),
      ...gapFields(m),
      denials: m.orders_denied,
      engine_seconds: roundTo(job.engineSeconds, 3),
      ...(f.record !== undefined ? { recording: f.record } : {}),
    };
    if (f.quiet !== true) process.stdout.write(JSON.stringify(line) + '\n');
  } finally {
    if (started_) ledger.endRun(new Date(), status);
    ledger.close();
  }
}
