// One definition of "advance the simulated venue and the local side to local time t" for drivers fed row by row (realtime, paper).
import type { Micros } from '../core/index.js';
import type { EventColumns, FundingPayment, FundingSchedule } from '../market/index.js';
import type { Portfolio } from '../portfolio/index.js';
import type { L2Exchange } from '../sim/index.js';
import type { TickLocal } from './tick-local.js';
import type { PaperJournal } from './paper-journal.js';

/** What a row-fed driver steps: the venue, the local side, the venue's answers and its own timers. */
export interface SteppedSession {
  readonly exchange: L2Exchange;
  readonly local: TickLocal;
  /** Hand the venue's next answer to the core. */
  deliver(): void;
  /** Called before the venue takes anything at time `t` (a command's arrival, market rows): what is due before it (funding). */
  beforeVenue?(t: Micros): void;
  /** Local time of the next timer (decision, sampler); +∞ if none. */
  nextTimer(): Micros;
  /** Fire the timers due at `t` (the time `nextTimer` gave). */
  fireTimers(t: Micros): void;
}

/**
 * Commands reaching the venue, answers reaching the core and timers, due strictly before `t`, in time
 * order; at equal times commands first, then answers, then timers (the tick backtest's order).
 * `onTime` sees each time before its event runs (a manual clock follows it).
 */
export function runDueBefore(s: SteppedSession, t: Micros, onTime?: (m: Micros) => void): void {
  runDue(s, t, false, onTime);
}

/** As `runDueBefore`, including what is due at `t` itself (a clock read at `t`: nothing else can happen at `t` any more). */
export function runDueUpTo(s: SteppedSession, t: Micros, onTime?: (m: Micros) => void): void {
  runDue(s, t, true, onTime);
}

function runDue(s: SteppedSession, t: Micros, inclusive: boolean, onTime: ((m: Micros) => void) | undefined): void {
  const ex = s.exchange;
  for (;;) {
    const tT = s.nextTimer();
    const tIn = ex.nextInboundTs();
    const tOut = ex.nextOutboundTs();
    const m = Math.min(tT, tIn, tOut);
    if (inclusive ? !(m <= t) : !(m < t)) return;
    onTime?.(m);
    if (tIn === m) {
      s.beforeVenue?.(m);
      ex.processInbound();
    }
    else if (tOut === m) s.deliver();
    else s.fireTimers(m);
  }
}

/**
 * Rows `from`..`to` of `ev`, all received at local time `t`, after everything due before `t`: the
 * venue applies them first (a paper venue learns of the market when we do, so its clock is the local
 * one), then takes the commands and hands out the answers due by `t`, then the local book and
 * estimators take the rows. So a command arriving at the venue at `t` misses a trade printed at `t`:
 * only trades after an order's arrival can fill it, as in the tick backtest.
 */
export function handleInstant(s: SteppedSession, ev: EventColumns, from: number, to: number, t: Micros, onTime?: (m: Micros) => void): void {
  runDueBefore(s, t, onTime);
  onTime?.(t);
  const ex = s.exchange;
  s.beforeVenue?.(t);
  for (let i = from; i < to; i++) ex.onMarket(ev, i, t);
  while (ex.nextInboundTs() <= t) ex.processInbound();
  while (ex.nextOutboundTs() <= t) s.deliver();
  const local = s.local;
  for (let i = from; i < to; i++) local.onEvent(ev, i, t);
}

/**
 * A simulated venue's funding, the same in the tick backtest and in paper: every payment of `f` due before
 * exchange time `t` (at or before it when `inclusive`) on the venue's own position (fills at or before its
 * time) at the venue's mid — the position's entry price when the book is not two-sided at that instant —
 * applied once to the portfolio, listed in `paid` and journaled with the cash it leaves. Returns the next
 * payment's time (+∞: none left).
 */
export function payVenueFunding(f: FundingSchedule, ex: L2Exchange, p: Portfolio, journal: PaperJournal | undefined, paid: FundingPayment[], t: Micros, inclusive: boolean): Micros {
  for (let ts = f.nextTs(); ts < t || (inclusive && ts === t); ts = f.nextTs()) {
    const rate = f.take();
    let mark = ex.book.mid();
    if (!(mark > 0)) mark = p.avgCost;
    const position = ex.position;
    const amount = p.applyFunding(rate, mark, position);
    paid.push({ ts, rate, position, mark, amount });
    journal?.funding?.({ ts, rate, position, mark, amount, source: 'sim' }, p);
  }
  return f.nextTs();
}
