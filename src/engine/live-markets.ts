// Several markets traded live in one process: every market's preflight before any order, one live session per market, the book's limits over them.
import { UserError, type Micros } from '../core/index.js';
import { BookLimits, type BookFigures } from './book-limits.js';
import type { LiveSession, LiveSummary, MarketCommitment } from './live-session.js';
import type { HedgeConfig, PortfolioLimits } from './markets-config.js';
import { pnlSplitOf, type InventoryRisk, type PnlSplit } from './hedge-metrics.js';
import type { HedgeStrategy } from '../strategy/index.js';
import { baseExposure } from '../market/index.js';
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
  /** The PnL split of the book (see `PnlSplitSchema`), quote currency, at each market's last mid. */
  pnl_split: PnlSplit;
  /** With `hedge:`: the hedge's record. */
  hedge?: LiveHedgeRecord;
}

/** `hedge:` in live trading: which markets, the plan, and the hedge market's strategy (its `source` is set by `LiveBook.attach`). */
export interface LiveHedge {
  quoted: number;
  hedge: number;
  plan: Readonly<HedgeConfig>;
  strategy: HedgeStrategy;
  /** How often the inventories are sampled for their risk figures, µs. */
  sampleMicros: Micros;
}

export interface LiveHedgeRecord {
  quoted: string;
  market: string;
  mode: string;
  band: number;
  ratio: number;
  slippage_ticks: number;
  /** Decisions at which the hedge asked for an order. */
  triggers: number;
  orders: number;
  fills: number;
  taker_fills: number;
  /** Σ |hedge fills| in the base coin. */
  filled_base_qty: number;
  /** The quoted inventory net of the hedge, base coin, sampled over the session. */
  net_inventory: InventoryRisk & { last: number };
  /** The quoted market's inventory alone, base coin, sampled at the same times. */
  quoted_alone: { inventory: InventoryRisk & { last: number } };
  samples: number;
}

/** Running max |x| and standard deviation (Welford). */
class RunningRisk {
  n = 0;
  private mean = 0;
  private m2 = 0;
  maxAbs = 0;
  last = 0;
  push(x: number): void {
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
    if (Math.abs(x) > this.maxAbs) this.maxAbs = Math.abs(x);
    this.last = x;
  }
  get risk(): InventoryRisk & { last: number } {
    return { max_abs: this.maxAbs, std: this.n > 0 ? Math.sqrt(Math.max(0, this.m2 / this.n)) : 0, last: this.last };
  }
}

/**
 * The book over live sessions: `BookLimits` on their trading sessions. Each session calls `step(now)`
 * after each of its loop steps (its `onStep`); a breach halts every market (each session's halt cancels
 * its orders at the exchange, verified) or puts every market in reducing.
 *
 * With a hedge, at every step of any session the quoted market's view gets the hedge market's position
 * and touch as they stand (what its next decision reads, as on the paper loop), and the hedge's fills
 * are valued against the basis (hedge mid − quoted mid) at the step that first sees them — the live form
 * of the split's basis term, which replays read from their traces.
 */
export class LiveBook {
  private limits: BookLimits | undefined;
  private markets: readonly LiveMarket[] = [];
  private seenFills = 0;
  /** Σ w and Σ w × basis at the fill over the hedge's fills (w = side × qty × contract size). */
  private hedgeW = 0;
  private hedgeWB = 0;
  private nextSample = Number.NaN;
  private readonly net = new RunningRisk();
  private readonly alone = new RunningRisk();
  constructor(
    private readonly portfolio: Readonly<PortfolioLimits>,
    readonly hedge?: LiveHedge,
  ) {}
  attach(markets: readonly LiveMarket[]): void {
    this.markets = markets;
    this.limits = new BookLimits(
      markets.map((m) => m.session.session),
      this.portfolio,
    );
    const h = this.hedge;
    if (h !== undefined) {
      h.strategy.source = markets[h.quoted]!.session.core;
      h.strategy.requestOnce = true;
      this.seenFills = markets[h.hedge]!.session.core.fills.length;
    }
  }
  step(now: Micros): void {
    if (this.hedge !== undefined) this.hedgeStep(now);
    this.limits?.check(now);
  }
  get figures(): BookFigures | undefined {
    return this.limits?.figures;
  }

  private hedgeStep(now: Micros): void {
    const h = this.hedge!;
    const q = this.markets[h.quoted]!.session.core;
    const b = this.markets[h.hedge]!.session.core;
    const qv = q.view;
    const hv = b.view;
    qv.hedgePosition = hv.position;
    qv.hedgeBid = hv.bestBid;
    qv.hedgeAsk = hv.bestAsk;
    const f = b.fills;
    const spec = b.portfolio.spec;
    const basis = hv.mid - qv.mid;
    for (; this.seenFills < f.length; this.seenFills++) {
      const i = this.seenFills;
      // The fill's base coin (contracts × size; an inverse perpetual's at the fill's price).
      const w = f.side[i]! * baseExposure(spec, f.price[i]!, f.qty[i]!);
      if (!(basis === basis)) continue;
      this.hedgeW += w;
      this.hedgeWB += w * basis;
    }
    if (now >= this.nextSample || !(this.nextSample === this.nextSample)) {
      this.nextSample = now + h.sampleMicros;
      const x = baseExposure(q.portfolio.spec, qv.mid, q.portfolio.position);
      this.alone.push(x);
      this.net.push(x + baseExposure(spec, hv.mid, b.portfolio.position));
    }
  }

  /** Σ over the hedge's fills of w × (basis at the end − basis at the fill). */
  basisPnl(): number {
    const h = this.hedge;
    if (h === undefined) return 0;
    const end = this.markets[h.hedge]!.session.core.view.mid - this.markets[h.quoted]!.session.core.view.mid;
    return end === end ? this.hedgeW * end - this.hedgeWB : 0;
  }

  /** The PnL split of the book now (each market at its last mid). */
  split(): PnlSplit {
    const h = this.hedge;
    const figures = this.markets.map((m) => {
      const c = m.session.core;
      const p = c.portfolio;
      const mid = c.view.mid;
      return { total_pnl: mid > 0 ? p.totalPnl(mid) : p.cash - p.initialCash, fees: p.fees, pnl_funding: p.funding };
    });
    return pnlSplitOf(figures, h === undefined ? undefined : { quoted: h.quoted, hedge: h.hedge }, this.basisPnl());
  }

  /** The hedge's record (undefined without a hedge). */
  record(): LiveHedgeRecord | undefined {
    const h = this.hedge;
    if (h === undefined) return undefined;
    const m = this.markets[h.hedge]!;
    const c = m.session.core;
    const f = c.fills;
    let taker = 0;
    let qty = 0;
    for (let i = 0; i < f.length; i++) {
      taker += f.taker[i]!;
      qty += baseExposure(c.portfolio.spec, f.price[i]!, f.qty[i]!);
    }
    return {
      quoted: this.markets[h.quoted]!.name,
      market: m.name,
      mode: h.plan.mode,
      band: h.plan.band,
      ratio: h.plan.ratio,
      slippage_ticks: h.plan.slippage_ticks,
      triggers: h.strategy.triggers,
      orders: c.gate.counters.placed,
      fills: f.length,
      taker_fills: taker,
      filled_base_qty: qty,
      net_inventory: this.net.risk,
      quoted_alone: { inventory: this.alone.risk },
      samples: this.net.n,
    };
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
  const hedge = book.record();
  return { preflights, summaries, book: { ...book.figures! }, pnl_split: book.split(), ...(hedge !== undefined ? { hedge } : {}) };
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
