// The realtime driver: a pluggable feed, an adapter (simulated here; ccxt later) and a clock around the same trading core.
import type { Micros } from '../core/index.js';
import { allocEvents, eventRows, type EventColumns } from '../market/index.js';
import type { Strategy } from '../strategy/index.js';
import { TickBacktest, type TickBacktestOptions, type TickBacktestResult } from './tick-backtest.js';
import { handleInstant, runDueBefore, type SteppedSession } from './tick-step.js';

/** Where "now" comes from. Realtime runs read the wall clock; tests and replays move a manual one. */
export interface Clock {
  now(): Micros;
}

/** A clock that only moves when told to (tests, replays): time never goes back. */
export class ManualClock implements Clock {
  constructor(private t: Micros = 0) {}
  now(): Micros {
    return this.t;
  }
  advanceTo(t: Micros): void {
    if (t > this.t) this.t = t;
  }
}

/**
 * Market data as it arrives: rows of normalized events with their local receive time, in arrival
 * order. Structurally the `next` of the engine's `MarketFeed` port, so live feeds plug in unchanged.
 */
export interface RealtimeFeed {
  /** Rows received since the last call (waiting at most `timeoutMs`); undefined once the feed has ended. */
  next(timeoutMs: number): Promise<EventColumns | undefined>;
}

/** Replays recorded events as they were received, a few messages per call, timestamps untouched. */
export class ColumnsReplayFeed implements RealtimeFeed {
  private cursor = 0;
  constructor(
    private readonly events: EventColumns,
    private readonly rowsPerCall = 64,
  ) {}
  async next(): Promise<EventColumns | undefined> {
    const ev = this.events;
    if (this.cursor >= ev.length) return undefined;
    const from = this.cursor;
    const to = Math.min(ev.length, from + this.rowsPerCall);
    this.cursor = to;
    return eventRows(ev, from, to);
  }
}

export interface RealtimeOptions extends TickBacktestOptions {
  /** Longest wait for the feed, ms. */
  feedTimeoutMs: number;
}

/**
 * The realtime loop. Rows are taken from the feed as they arrive and handled at their local time:
 * first, everything scheduled before it (commands reaching the venue, the venue's answers, the
 * decision timer and the sampler, in time order); then the rows of that instant — the simulated venue
 * applies them (a paper venue learns of the market when we do, so it applies them on arrival), the
 * venue's commands and answers due at that instant, and the local book and estimators. Rows of one
 * instant are handled together, so a row waits until a later instant (or the end) is seen.
 *
 * The venue is the same simulated L2 venue as in the tick backtest (queue, latency, fees), reached
 * through the risk gate by the same trading core, and the timer runs the same decision code. The venue
 * runs on the local clock (rows, commands and answers alike), stepped by `tick-step.ts` as in paper
 * trading. With the feed latency at zero (local time = exchange time) the two drivers see the same
 * event order, which the parity test checks: same commands, same fills. With feed latency f the
 * backtest's venue is f ahead of ours, and this driver with latencies (E, R) is the backtest with
 * (E − f, R + f), exactly (tick-parity.test.ts).
 *
 * Clocks: a `ManualClock` is moved by the loop itself (time is the data's), and rows of the last instant
 * received wait for the next chunk. Any other clock is read: the loop waits for the feed no longer than
 * the next timer, and after each wait handles every row received and every timer due up to `now()` —
 * so decisions keep their schedule when the market is quiet.
 */
export class RealtimeDriver {
  readonly session: TickBacktest;
  private buf: EventColumns = allocEvents(4096);
  private p = 0;
  private nextDecision = Number.NaN;
  private nextSample = Number.NaN;
  private events = 0;
  private readonly manual: ManualClock | undefined;
  /** A manual clock follows every event the loop handles. */
  private readonly onTime: ((m: Micros) => void) | undefined;
  private readonly stepped: SteppedSession;

  constructor(
    strategy: Strategy,
    readonly opts: Readonly<RealtimeOptions>,
    readonly feed: RealtimeFeed,
    readonly clock: Clock,
  ) {
    this.session = new TickBacktest(strategy, opts);
    this.manual = clock instanceof ManualClock ? clock : undefined;
    const manual = this.manual;
    this.onTime = manual ? (m) => manual.advanceTo(m) : undefined;
    // The session as the shared stepping code sees it: the decision timer and the sampler.
    this.stepped = {
      exchange: this.session.exchange,
      local: this.session.local,
      deliver: () => this.session.deliver(),
      nextTimer: () => (this.nextDecision < this.nextSample ? this.nextDecision : this.nextSample),
      fireTimers: (m) => {
        if (this.nextDecision === m) {
          this.session.decide(m);
          this.nextDecision += this.opts.decisionIntervalMicros;
        }
        if (this.nextSample === m) {
          this.session.sample(m);
          this.nextSample += this.opts.sampleIntervalMicros;
        }
      },
    };
  }


  /** Milliseconds the loop may wait for the feed: until the next timer on a read clock. */
  private waitMs(): number {
    const max = this.opts.feedTimeoutMs;
    if (this.manual || this.nextDecision !== this.nextDecision) return max;
    const next = Math.min(this.nextDecision, this.nextSample);
    return Math.max(0, Math.min(max, (next - this.clock.now()) / 1000));
  }

  private localTime(i: number): Micros {
    const f = this.opts.feedLatencyMicros;
    return f === undefined ? this.buf.tsLocal[i]! : this.buf.tsExchange[i]! + f;
  }

  async run(): Promise<TickBacktestResult> {
    const t0 = performance.now();
    for (;;) {
      const chunk = await this.feed.next(this.waitMs());
      if (chunk === undefined) break;
      if (chunk.length > 0) this.append(chunk);
      if (this.manual) {
        // Rows of the last instant received may continue in the next chunk: hold them back.
        if (chunk.length > 0) this.handleBefore(this.localTime(this.buf.length - 1));
      } else {
        // A read clock: everything received is in the past; timers fire up to now.
        const now = this.clock.now();
        this.handleBefore(now + 1);
        if (this.nextDecision === this.nextDecision) this.runScheduled(now + 1);
      }
    }
    this.handleBefore(Number.POSITIVE_INFINITY);
    this.session.events = this.events;
    return this.session.finish(t0);
  }

  private append(chunk: EventColumns): void {
    let b = this.buf;
    // Drop handled rows, then grow if needed.
    if (this.p > 0) {
      const keep = b.length - this.p;
      for (const k of ['type', 'side', 'flags', 'tsExchange', 'tsLocal', 'price', 'size', 'id'] as const) b[k].copyWithin(0, this.p, b.length);
      b.length = keep;
      this.p = 0;
    }
    if (b.length + chunk.length > b.type.length) {
      const g = allocEvents(Math.max(b.type.length * 2, b.length + chunk.length));
      for (const k of ['type', 'side', 'flags', 'tsExchange', 'tsLocal', 'price', 'size', 'id'] as const) g[k].set(b[k].subarray(0, b.length));
      g.length = b.length;
      this.buf = b = g;
    }
    for (const k of ['type', 'side', 'flags', 'tsExchange', 'tsLocal', 'price', 'size', 'id'] as const) b[k].set(chunk[k], b.length);
    b.length += chunk.length;
  }

  /** Handle every buffered instant strictly before `limit`. */
  private handleBefore(limit: Micros): void {
    const b = this.buf;
    while (this.p < b.length) {
      const t = this.localTime(this.p);
      if (!(t < limit)) break;
      if (this.nextDecision !== this.nextDecision) this.startTimers(t);
      let end = this.p;
      while (end < b.length && this.localTime(end) === t) end++;
      handleInstant(this.stepped, b, this.p, end, t, this.onTime);
      this.events += end - this.p;
      this.p = end;
    }
  }

  private startTimers(t: Micros): void {
    const d = this.opts.decisionIntervalMicros;
    const smp = this.opts.sampleIntervalMicros;
    this.session.core.view.start = t;
    this.nextDecision = Math.ceil(t / d) * d;
    this.nextSample = Math.ceil(t / smp) * smp;
  }

  /** Commands, answers and timers due strictly before t, in time order (commands, then answers, then timers at ties). */
  private runScheduled(t: Micros): void {
    runDueBefore(this.stepped, t, this.onTime);
  }
}

/** Run the realtime driver on a feed (with a manual clock unless one is given). */
export function runRealtime(strategy: Strategy, opts: Readonly<RealtimeOptions>, feed: RealtimeFeed, clock: Clock = new ManualClock()): Promise<TickBacktestResult> {
  return new RealtimeDriver(strategy, opts, feed, clock).run();
}
