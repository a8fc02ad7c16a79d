// What the trading side knows in tick mode: the local book and estimators, fed at local time, and the view they fill.
import type { Micros } from '../core/index.js';
import { L2Book, EventType, type EventColumns } from '../market/index.js';
import { MidVolatility, TradeIntensity } from '../features/index.js';
import type { TradingCore } from './trading-core.js';

export interface TickLocalParams {
  tickSize: number;
  /** Grid of the σ estimator, µs of market time. */
  sigmaSampleMicros: Micros;
  /** Number of grid intervals in the σ window. */
  sigmaWindow: number;
  /** Rolling window of the intensity fit, µs. */
  intensityWindowMicros: Micros;
  /** Refit schedule of the intensity, µs. */
  intensityRecalibrateMicros: Micros;
  /** Trades needed before A and k are reported. */
  intensityMinTrades: number;
  /** Ladder width of the local book, ticks. */
  ladderTicks: number;
}

export const defaultTickLocalParams: TickLocalParams = {
  tickSize: 0.01,
  sigmaSampleMicros: 1_000_000,
  sigmaWindow: 300,
  intensityWindowMicros: 300_000_000,
  intensityRecalibrateMicros: 10_000_000,
  intensityMinTrades: 50,
  ladderTicks: 1 << 16,
};

/**
 * The local side of the two clocks: every event reaches it at its local time (exchange time + feed
 * latency). Book rows update the local book; trades feed the intensity estimator with their distance
 * from the local mid at that moment. `refresh(now)` samples σ, runs the intensity schedule and writes
 * the view the strategy reads (mid, best bid/ask, σ, A, k, warm-up), then marks the portfolio.
 */
export class TickLocal {
  readonly book: L2Book;
  readonly vol: MidVolatility;
  readonly intensity: TradeIntensity;

  constructor(readonly params: Readonly<TickLocalParams>) {
    this.book = new L2Book(params.tickSize, params.ladderTicks);
    this.vol = new MidVolatility(params.sigmaSampleMicros, params.sigmaWindow);
    this.intensity = new TradeIntensity(params.intensityWindowMicros, params.intensityRecalibrateMicros, params.intensityMinTrades);
  }

  /** Row `i` arrives locally at time `t`. */
  onEvent(ev: EventColumns, i: number, t: Micros): void {
    if (ev.type[i] === EventType.Trade) this.intensity.onTrade(t, ev.price[i]!, this.book.mid());
    else this.book.apply(ev, i);
  }

  /** Estimators and view at local time `now`. */
  refresh(core: TradingCore, now: Micros): void {
    const book = this.book;
    const v = core.view;
    const mid = book.mid();
    v.now = now;
    v.bestBid = book.bestBid();
    v.bestAsk = book.bestAsk();
    if (mid === mid) this.vol.observe(now, mid);
    this.intensity.update(now);
    v.sigma = this.vol.sigmaPerSecond();
    v.intensityA = this.intensity.A;
    v.intensityK = this.intensity.k;
    v.warm = v.sigma === v.sigma && mid === mid;
    if (mid === mid) core.mark(mid);
  }
}
