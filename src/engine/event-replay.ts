// Paper trading on a recording's own clock: the tick backtest's driver in the trading session with a journal, then a clean stop.
import type { EventColumns } from '../market/index.js';
import { eventRows } from '../market/index.js';
import type { PaperJournal } from './paper-journal.js';
import type { FillLog } from './fill-log.js';
import type { VenueFill } from '../sim/index.js';
import type { TickBacktest } from './tick-backtest.js';
import { runTickJob, type TickJobOptions, type TickJobResult } from './tick-job.js';
import type { TradingConfig } from './trading-config.js';
import type { HaltFile } from '../risk/index.js';

/** The first `micros` of local time of a recording (a bounded replay). */
export function firstSpan(ev: EventColumns, micros: number): EventColumns {
  const end = ev.tsLocal[0]! + micros;
  let n = 0;
  while (n < ev.length && ev.tsLocal[n]! < end) n++;
  return n === ev.length ? ev : eventRows(ev, 0, n);
}

/**
 * The replay is the tick backtest (venue at exchange time, trading side at local time, the decision
 * timer) with the journal in the session: the same config and rows give the same commands and fills
 * as `backtest --events`, and the journal records every order, answer, fill and risk transition. At
 * the end, as a paper run's clean stop: every resting order is cancelled and the venue's answers in
 * flight are delivered (into the journal; the metrics are those of the replay itself).
 */
export function runEventReplay(cfg: TradingConfig, events: EventColumns, journal: PaperJournal, o: Omit<TickJobOptions, 'ports' | 'onDriver'> & { haltFiles?: readonly HaltFile[] } = {}): EventReplayResult {
  let driver: TickBacktest | undefined;
  const { haltFiles, ...tickOptions } = o;
  const job = runTickJob(cfg, [events], {
    ...tickOptions,
    ports: { journal },
    onDriver: (d) => {
      driver = d;
      pollHaltFiles(d, haltFiles ?? []);
    },
  });
  const replayFills = stopReplay(driver!, events.tsLocal[events.length - 1]!, journal);
  return { ...job, replayFills };
}

/**
 * The kill switch of paper on the event clock: before each decision the halt files are polled, each at
 * most once per its interval of the wall clock (`HaltFile`: a replay runs faster than the wall, so the
 * file is checked on wall time, between decisions); one that exists halts the session at that decision's
 * local time (the kill switch: latched, every order cancelled, nothing quoted for the rest of the replay).
 */
export function pollHaltFiles(d: TickBacktest, files: readonly HaltFile[], wallMs: () => number = Date.now): void {
  if (files.length === 0) return;
  d.beforeDecision = (t) => {
    for (const h of files) {
      const reason = h.poll(wallMs());
      if (reason !== undefined) d.session.halt(t, reason);
    }
  };
}

/**
 * A replay's clean stop at local time `end`: every resting order cancelled, the venue's answers in
 * flight delivered (into the journal), the venue's audit trail written. Returns the fills of the
 * replay itself (before the stop).
 */
export function stopReplay(d: TickBacktest, end: number, journal: PaperJournal): FillLog {
  const fills = d.core.fills;
  const replayFills = fills.prefix(fills.length);
  d.session.cancelAll(end);
  const ex = d.exchange;
  for (;;) {
    const tin = ex.nextInboundTs();
    const tout = ex.nextOutboundTs();
    if (tin === Number.POSITIVE_INFINITY && tout === Number.POSITIVE_INFINITY) break;
    if (tin <= tout) ex.processInbound();
    else d.deliver();
  }
  journal.venueAudit?.(ex.audit, venueFills(fills, d.stats.exchangeTs, d.stats.tradeId));
  return replayFills;
}

export interface EventReplayResult extends TickJobResult {
  /** The fills of the replay itself (what `backtest --events` reports); `core.fills` adds those still in flight at the stop. */
  replayFills: FillLog;
}

/** The venue's fills of a run: the fill log with each fill's trade (exchange time and id, in fill order). */
export function venueFills(f: FillLog, exchangeTs: ArrayLike<number>, tradeId: ArrayLike<number>): VenueFill[] {
  const out: VenueFill[] = [];
  for (let i = 0; i < f.length; i++)
    out.push({ clientId: f.clientId[i]!, tsLocal: f.ts[i]!, tsExchange: exchangeTs[i] ?? Number.NaN, tradeId: tradeId[i] ?? Number.NaN, side: f.side[i]!, price: f.price[i]!, qty: f.qty[i]! });
  return out;
}
