// Several markets traded live in one process: every market's preflight before any order, one live session per market, the book's limits over them.
import { UserError, type Micros } from '../core/index.js';
import { BookLimits, type BookFigures } from './book-limits.js';
import type { LiveSession, LiveSummary } from './live-session.js';
import type { PortfolioLimits } from './markets-config.js';
import type { PreflightReport } from '../venues/index.js';

export interface LiveMarket {
  name: string;
  symbol: string;
  session: LiveSession;
}

export interface LiveMarketsResult {
  preflights: PreflightReport[];
  summaries: (LiveSummary & { market: string })[];
  book: BookFigures;
}

/**
 * The book over live sessions: `BookLimits` on their trading sessions. Each session calls `step(now)`
 * after each of its loop steps (its `onStep`); a breach halts every market (each session's halt cancels
 * its orders at the exchange, verified) or puts every market in reducing.
 */
export class LiveBook {
  private limits: BookLimits | undefined;
  constructor(private readonly portfolio: Readonly<PortfolioLimits>) {}
  attach(markets: readonly LiveMarket[]): void {
    this.limits = new BookLimits(
      markets.map((m) => m.session.session),
      this.portfolio,
    );
  }
  step(now: Micros): void {
    this.limits?.check(now);
  }
  get figures(): BookFigures | undefined {
    return this.limits?.figures;
  }
}

/**
 * Every market's preflight first (all must pass: a refusal of one market is the run's refusal, before any
 * order of any market); then every session runs at once, each with its own feed, adapter (its own
 * private stream and orders on its own symbol), reconciliation (open orders, fills and holding of its
 * symbol; unknown orders of its symbol adopted or cancelled by the `live.unknown_orders` rule) and
 * risk. One market's own halt (its stale feed, its limits, its halt file) stays its own; a fatal end
 * of one market (its private stream down past its budget, an error) stops every other market too,
 * each through its own verified cancel-all.
 */
export async function runLiveMarkets(markets: readonly LiveMarket[], book: LiveBook): Promise<LiveMarketsResult> {
  book.attach(markets);
  const preflights: PreflightReport[] = [];
  for (const m of markets) {
    try {
      preflights.push(await m.session.check());
    } catch (e) {
      // A refusal names its market: the run is refused as a whole, before any order of any market.
      if (e instanceof UserError) throw new UserError(`markets[${m.name}] (${m.symbol}): ${e.message}`, e.exitCode);
      throw e;
    }
  }
  const summaries = await Promise.all(
    markets.map(async (m) => {
      const s = await m.session.run();
      if (s.fatal !== undefined) for (const other of markets) if (other !== m) other.session.stop(`market ${m.name} ended: ${s.fatal}`);
      return { market: m.name, ...s };
    }),
  );
  return { preflights, summaries, book: { ...book.figures! } };
}
