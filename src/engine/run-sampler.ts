// The trace and metrics of a paper or live run on a feed: the session sampled on a grid of local time as it trades.
import type { Micros } from '../core/index.js';
import { Trace } from './trace.js';
import type { FillLog } from './fill-log.js';
import { computeMetrics, type Metrics } from './metrics.js';
import type { TradingSession } from './trading-session.js';

/**
 * A backtest writes a trace row every `sample_interval_ms` of its clock; a run on a feed has no replay
 * loop to do it, so the loop calls `at(now)` after each step and the sampler writes the rows due. The
 * metrics are then the backtest's, computed from the same columns, fills and risk record.
 */
export class RunSampler {
  trace = new Trace(1024);
  private next = Number.NaN;

  constructor(
    private readonly session: TradingSession,
    private readonly intervalMicros: Micros,
  ) {}

  at(now: Micros): void {
    if (this.next !== this.next) this.next = Math.ceil(now / this.intervalMicros) * this.intervalMicros;
    while (now >= this.next) {
      this.push(this.next);
      this.next += this.intervalMicros;
    }
  }

  private push(t: Micros): void {
    const core = this.session.core;
    const v = core.view;
    if (!(v.mid > 0)) return;
    if (this.trace.length === this.trace.capacity) {
      const g = new Trace(this.trace.capacity * 2);
      for (const k of ['ts', 'mid', 'bid', 'ask', 'reservation', 'inventory', 'cash', 'equity', 'state'] as const) g[k].set(this.trace[k]);
      g.length = this.trace.length;
      this.trace = g;
    }
    core.sampleIndex = this.trace.length;
    this.trace.push(t, v.mid, core.restingPrice(1), core.restingPrice(-1), core.target.reservation, v.position, v.cash, v.equity, this.session.stateCode);
  }

  get fills(): FillLog {
    return this.session.core.fills;
  }

  /** The run's metrics at local time `end` (markouts in samples). */
  metrics(end: Micros, markoutSamples: readonly number[]): Metrics {
    const core = this.session.core;
    return computeMetrics({
      trace: this.trace,
      fills: core.fills,
      portfolio: core.portfolio,
      sampleSeconds: this.intervalMicros / 1e6,
      counters: core.counters,
      maxOrdersPerSide: core.maxOrdersPerSide,
      markoutHorizons: markoutSamples,
      risk: this.session.riskMetrics(end),
    });
  }
}
