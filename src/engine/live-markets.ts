// Several markets traded live in one process: every market's preflight before any order, one live session per market, the book's limits over them.
import { UserError, type Micros } from '../core/index.js';
import { BookLimits, type BookFigures } from './book-limits.js';
import type { LiveSession, LiveSummary, MarketCommitment } from './live-session.js';
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
  const funds = fundsRefusal(markets.map((m) => ({ name: m.name, commitment: m.session.commitment() })));
  if (funds !== undefined) throw new UserError(`live preflight refused: ${funds}`);
  const summaries = await Promise.all(
    markets.map(async (m) => {
      const s = await m.session.run();
      if (s.fatal !== undefined) for (const other of markets) if (other !== m) other.session.stop(`market ${m.name} ended: ${s.fatal}`);
      return { market: m.name, ...s };
    }),
  );
  return { preflights, summaries, book: { ...book.figures! } };
}

/**
 * Each market's preflight checks its own funds; together, markets drawing on one balance (the same
 * exchange wallet and asset) may commit more than it holds. The sum of their commitments must fit the
 * free balance: otherwise one line naming the markets, each one's figure and how it follows from its
 * config, and the balance. Undefined when every wallet suffices.
 */
export function fundsRefusal(markets: readonly { name: string; commitment: MarketCommitment | undefined }[]): string | undefined {
  const groups = new Map<string, { wallet: string; asset: string; free: number; items: { name: string; c: MarketCommitment }[] }>();
  for (const m of markets) {
    const c = m.commitment;
    if (c === undefined) continue;
    const key = `${c.wallet}\u0000${c.asset}`;
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { wallet: c.wallet, asset: c.asset, free: c.free, items: [] }));
    g.free = Math.min(g.free, c.free);
    g.items.push({ name: m.name, c });
  }
  const lines: string[] = [];
  for (const g of groups.values()) {
    const total = g.items.reduce((s, x) => s + x.c.amount, 0);
    if (total <= g.free * (1 + 1e-9)) continue;
    const names = g.items.map((x) => x.name).join(', ');
    const each = g.items.map((x) => `${x.name} ${fig(x.c.amount)} (${x.c.how})`).join(', ');
    lines.push(`${g.items.length > 1 ? `markets ${names} together` : `market ${names}`} may commit ${fig(total)} ${g.asset} of ${g.wallet}, which has ${fig(g.free)} ${g.asset} free: ${each}`);
  }
  return lines.length === 0 ? undefined : lines.join('; ');
}

function fig(x: number): string {
  return String(Math.round(x * 100) / 100);
}
