// The book's limits over sessions trading at once (paper and live on the wall clock, `TickMarkets` in a replay): Σ equity, its drawdown and Σ notional against `portfolio:`.
import type { Micros } from '../core/index.js';
import { notionalQuote } from '../market/index.js';
import type { PortfolioLimits } from './markets-config.js';
import type { TradingSession } from './trading-session.js';

/** The whole book at one check (quote currency, sums over the markets). */
export interface BookFigures {
  capital: number;
  equity: number;
  pnl: number;
  drawdown: number;
  notional: number;
  max_drawdown: number;
  max_notional: number;
  loss_halt_ts: Micros | null;
  drawdown_halt_ts: Micros | null;
}

/**
 * Several sessions trading at once, one book: after each step of the loop the book's equity (each
 * market's latest view: its equity at its last decision) is summed, its peak and drawdown kept, and
 * Σ |notional of the position at mid| computed; a breach raises the book's condition in every market's
 * session — `portfolio-loss` and `portfolio-drawdown` halt every market (latched: every order
 * cancelled, a restart clears them), `portfolio-notional` puts every market in reducing while over.
 * One rule set for every mode: paper and live call `check` after each step of the wall-clock loop,
 * `TickMarkets` at each grid time of a replay.
 */
export class BookLimits {
  private peak = Number.NEGATIVE_INFINITY;
  readonly figures: BookFigures;
  /** Checks that found the book at or above `portfolio.max_notional` (each put every market in reducing). */
  notionalReducingChecks = 0;

  constructor(
    private readonly sessions: readonly TradingSession[],
    readonly limits: Readonly<PortfolioLimits> = {},
    capital?: number,
  ) {
    const c = capital ?? sessions.reduce((a, s) => a + s.core.portfolio.initialCash, 0);
    this.figures = { capital: c, equity: c, pnl: 0, drawdown: 0, notional: 0, max_drawdown: 0, max_notional: 0, loss_halt_ts: null, drawdown_halt_ts: null };
  }

  /** The book on each market's latest marks at `now`, and its limits. A market without a mark yet counts its cash. */
  check(now: Micros): BookFigures {
    const b = this.figures;
    let equity = 0;
    let notional = 0;
    for (const s of this.sessions) {
      const v = s.core.view;
      const e = v.equity;
      equity += e === e ? e : s.core.portfolio.cash;
      const x = Math.abs(notionalQuote(s.core.portfolio.spec, v.mid, v.position));
      if (x === x) notional += x;
    }
    if (equity > this.peak) this.peak = equity;
    b.equity = equity;
    b.pnl = equity - b.capital;
    b.drawdown = this.peak - equity;
    b.notional = notional;
    if (b.drawdown > b.max_drawdown) b.max_drawdown = b.drawdown;
    if (notional > b.max_notional) b.max_notional = notional;
    const L = this.limits;
    if (L.max_loss !== undefined && -b.pnl >= L.max_loss && b.loss_halt_ts === null) {
      b.loss_halt_ts = now;
      for (const s of this.sessions) s.portfolio(now, 'portfolio-loss', true, `book loss ${sig(-b.pnl)} at or above portfolio.max_loss ${L.max_loss}: every market halted`);
    }
    if (L.max_drawdown !== undefined && b.drawdown >= L.max_drawdown && b.drawdown_halt_ts === null) {
      b.drawdown_halt_ts = now;
      for (const s of this.sessions) s.portfolio(now, 'portfolio-drawdown', true, `book drawdown ${sig(b.drawdown)} at or above portfolio.max_drawdown ${L.max_drawdown}: every market halted`);
    }
    if (L.max_notional !== undefined) {
      const over = notional >= L.max_notional;
      if (over) this.notionalReducingChecks++;
      const reason = over ? `book notional ${sig(notional)} at or above portfolio.max_notional ${L.max_notional}: every market reducing only` : 'book notional back under portfolio.max_notional';
      for (const s of this.sessions) s.portfolio(now, 'portfolio-notional', over, reason);
    }
    return b;
  }
}

function sig(x: number): number {
  return Number(x.toPrecision(8));
}
