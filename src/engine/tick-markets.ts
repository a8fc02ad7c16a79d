// Several markets in one tick replay: one clock over their event streams, each market its own venue, session and strategy, risk over the whole book.
import type { Micros } from '../core/index.js';
import { notionalQuote, type EventColumns } from '../market/index.js';
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
  private peak = Number.NEGATIVE_INFINITY;
  private readonly book: BookRecord;
  private readonly capital: number[];
  /** The order markets decide in at a grid time: `markets:` order, a hedge market after the market it hedges. */
  private readonly fireOrder: number[];

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
    this.book = {
      markets: markets.length,
      capital: this.capital.reduce((a, b) => a + b, 0),
      total_pnl: 0,
      max_drawdown: 0,
      max_notional: 0,
      final_notional: 0,
      limits: { max_notional: limits.max_notional ?? null, max_loss: limits.max_loss ?? null, max_drawdown: limits.max_drawdown ?? null },
      loss_halt_ts: null,
      drawdown_halt_ts: null,
      notional_reducing_decisions: 0,
    };
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
      this.checkBook(T);
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
    this.book.total_pnl = ms.reduce((a, m, k) => a + m.driver.core.view.equity - this.capital[k]!, 0);
    this.book.final_notional = this.notional();
    return { results, book: { ...this.book, limits: { ...this.book.limits } }, engineSeconds: (performance.now() - t0) / 1000 };
  }

  /** The kill switch of one market (by name), or of every market: halted until a restart. */
  halt(now: Micros, reason: string, market?: string): void {
    for (const m of this.markets) if (market === undefined || m.name === market) m.driver.session.halt(now, reason);
  }

  /** Σ |quote notional of the position at mid| over the markets (contracts by their terms; a market without a mid yet counts 0). */
  private notional(): number {
    let s = 0;
    for (const m of this.markets) {
      const v = m.driver.core.view;
      const x = Math.abs(notionalQuote(m.driver.core.portfolio.spec, v.mid, v.position));
      if (x === x) s += x;
    }
    return s;
  }

  /** The book's figures at grid time T on each market's latest marks, and its limits. */
  private checkBook(T: Micros): void {
    const ms = this.markets;
    let equity = 0;
    for (let k = 0; k < ms.length; k++) equity += ms[k]!.driver.core.view.equity;
    if (equity > this.peak) this.peak = equity;
    const b = this.book;
    const pnl = equity - b.capital;
    const dd = this.peak - equity;
    if (dd > b.max_drawdown) b.max_drawdown = dd;
    const notional = this.notional();
    if (notional > b.max_notional) b.max_notional = notional;
    const L = this.limits;
    if (L.max_loss !== undefined && -pnl >= L.max_loss && b.loss_halt_ts === null) {
      b.loss_halt_ts = T;
      for (const m of ms) m.driver.session.portfolio(T, 'portfolio-loss', true, `book loss ${sig(-pnl)} at or above portfolio.max_loss ${L.max_loss}: every market halted`);
    }
    if (L.max_drawdown !== undefined && dd >= L.max_drawdown && b.drawdown_halt_ts === null) {
      b.drawdown_halt_ts = T;
      for (const m of ms) m.driver.session.portfolio(T, 'portfolio-drawdown', true, `book drawdown ${sig(dd)} at or above portfolio.max_drawdown ${L.max_drawdown}: every market halted`);
    }
    if (L.max_notional !== undefined) {
      const over = notional >= L.max_notional;
      if (over) b.notional_reducing_decisions++;
      const reason = over ? `book notional ${sig(notional)} at or above portfolio.max_notional ${L.max_notional}: every market reducing only` : 'book notional back under portfolio.max_notional';
      for (const m of ms) m.driver.session.portfolio(T, 'portfolio-notional', over, reason);
    }
  }
}

function sig(x: number): number {
  return Number(x.toPrecision(8));
}
