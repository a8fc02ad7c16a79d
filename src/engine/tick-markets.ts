// Several markets in one tick replay: one clock over their event streams, each market its own venue, session and strategy, risk over the whole book.
import type { Micros } from '../core/index.js';
import { notionalQuote, type EventColumns } from '../market/index.js';
import { BookLimits } from './book-limits.js';
import type { TickBacktest, TickBacktestResult } from './tick-backtest.js';
import type { PortfolioLimits } from './markets-config.js';

/** One market of the replay: its name, its driver (venue, queue, latency, session, strategy, order ids) and its stream. */
export interface TickMarket {
  name: string;
  driver: TickBacktest;
  source: Iterable<EventColumns>;
}

/** The whole book over the run (quote currency; sums over the markets). */
export interface BookRecord {
  markets: number;
  /** Σ initial capital. */
  capital: number;
  /** Σ equity − Σ capital at the end. */
  total_pnl: number;
  /** Largest fall of Σ equity from its peak, sampled at the decision timers. */
  max_drawdown: number;
  /** Largest Σ |position × mid| at a decision timer. */
  max_notional: number;
  final_notional: number;
  /** The book's limits and the times they were hit (µs, local clock; null: never). */
  limits: { max_notional: number | null; max_loss: number | null; max_drawdown: number | null };
  loss_halt_ts: number | null;
  drawdown_halt_ts: number | null;
  notional_reducing_decisions: number;
}

export interface TickMarketsResult {
  results: TickBacktestResult[];
  book: BookRecord;
  engineSeconds: number;
}

/**
 * One clock over every market. Each market's driver runs its own single-market schedule (venue at
 * exchange time, trading side at local time, commands only from its timer); the timers of every market
 * sit on one grid (multiples of the decision and sample intervals of `loop:`), so the replay goes grid
 * time by grid time: every market due there runs its venue and trading side up to it and refreshes its
 * view, then the book's limits are checked on the fresh marks, then each market decides — in the order
 * of `markets:` (a hedge market after the others). Between two timers markets cannot affect each other
 * (they share nothing but the book's limits and the hedge's reading of positions, both at the timers),
 * so the order of rows across markets between timers cannot change a result, and without book limits
 * each quoted market's result is its single run's, byte for byte.
 *
 * Halts: a market's own risk (its feed going stale, its loss and drawdown limits, a strategy fault)
 * halts that market only; the book's loss or drawdown halts every market (latched), its notional puts
 * every market in reducing until it is back under the limit; `halt(now, market?)` is the kill switch of
 * one market or of all.
 */
export class TickMarkets {
  /** The book's limits: the same rules as paper and live (`BookLimits`), checked at each grid time. */
  private readonly bookLimits: BookLimits;
  /** The order markets decide in at a grid time: `markets:` order, a hedge market after the market it hedges. */
  private readonly fireOrder: number[];
  /** Each market's cash at the start. */
  private readonly capital: number[];

  /**
   * `hedge`: the quoted market's index and its hedge market's. Before the quoted market decides, its view
   * gets the hedge market's position and touch as known then (`hedgePosition`, `hedgeBid`, `hedgeAsk`);
   * the hedge market decides after every other market, so its strategy reads the quoted market's answer
   * of the same grid time.
   */
  constructor(
    readonly markets: readonly TickMarket[],
    readonly limits: Readonly<PortfolioLimits> = {},
    readonly hedge?: { quoted: number; hedge: number },
  ) {
    this.fireOrder = markets.map((_, k) => k).filter((k) => k !== hedge?.hedge);
    if (hedge !== undefined) this.fireOrder.push(hedge.hedge);
    this.capital = markets.map((m) => m.driver.core.portfolio.cash);
    this.bookLimits = new BookLimits(
      markets.map((m) => m.driver.session),
      limits,
      this.capital.reduce((a, b) => a + b, 0),
    );
  }

  run(): TickMarketsResult {
    const t0 = performance.now();
    const ms = this.markets;
    const n = ms.length;
    const live = ms.map((m) => m.driver.begin(m.source));
    const due = new Array<boolean>(n).fill(false);
    for (;;) {
      let T = Number.POSITIVE_INFINITY;
      for (let k = 0; k < n; k++) if (live[k]) T = Math.min(T, ms[k]!.driver.nextTimer());
      if (T === Number.POSITIVE_INFINITY) break;
      let any = false;
      for (let k = 0; k < n; k++) {
        due[k] = false;
        if (!live[k] || ms[k]!.driver.nextTimer() !== T) continue;
        if (!ms[k]!.driver.advance()) {
          live[k] = false;
          continue;
        }
        ms[k]!.driver.mark();
        due[k] = any = true;
      }
      if (!any) continue;
      this.bookLimits.check(T);
      const h = this.hedge;
      if (h !== undefined && due[h.quoted]) {
        const qv = ms[h.quoted]!.driver.core.view;
        const hv = ms[h.hedge]!.driver.core.view;
        qv.hedgePosition = hv.position;
        qv.hedgeBid = hv.bestBid;
        qv.hedgeAsk = hv.bestAsk;
      }
      for (const k of this.fireOrder) if (due[k]) ms[k]!.driver.fire();
    }
    const results = ms.map((m) => m.driver.finish(t0));
    return { results, book: this.record(), engineSeconds: (performance.now() - t0) / 1000 };
  }

  /** The kill switch of one market (by name), or of every market: halted until a restart. */
  halt(now: Micros, reason: string, market?: string): void {
    for (const m of this.markets) if (market === undefined || m.name === market) m.driver.session.halt(now, reason);
  }

  /** The run's book record from the limits' figures, with the end state on each market's last marks. */
  private record(): BookRecord {
    const f = this.bookLimits.figures;
    const L = this.limits;
    let pnl = 0;
    let notional = 0;
    for (let k = 0; k < this.markets.length; k++) {
      const m = this.markets[k]!;
      const v = m.driver.core.view;
      pnl += v.equity - this.capital[k]!;
      const x = Math.abs(notionalQuote(m.driver.core.portfolio.spec, v.mid, v.position));
      if (x === x) notional += x;
    }
    return {
      markets: this.markets.length,
      capital: f.capital,
      total_pnl: pnl,
      max_drawdown: f.max_drawdown,
      max_notional: f.max_notional,
      final_notional: notional,
      limits: { max_notional: L.max_notional ?? null, max_loss: L.max_loss ?? null, max_drawdown: L.max_drawdown ?? null },
      loss_halt_ts: f.loss_halt_ts,
      drawdown_halt_ts: f.drawdown_halt_ts,
      notional_reducing_decisions: this.bookLimits.notionalReducingChecks,
    };
  }
}
