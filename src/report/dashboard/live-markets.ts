// The live dashboard of a loop over several markets: every market's row (mid, quotes, position, PnL, state) and chart, the book's figures.
import type { BookFigures } from '../../engine/index.js';
import { numOrNull } from './dashboard-state.js';
import { SessionSampler, decimalsOfStep, startLiveDashboard, type DashboardSession, type LiveDashboard, type LiveDashboardOptions } from './live.js';

/** One market as the page shows it: a paper market (`PaperMarket`), or a live one through a view of its session. */
export interface DashboardMarket {
  name: string;
  exchange: string;
  symbol: string;
  session: DashboardSession;
  feed?: { readonly connected: boolean; readonly stats: { readonly gaps: number } };
}

/** What the feed-health panel reads of a market's iteration line. */
export interface DashboardMarketLine {
  market: string;
  ts_utc: string;
  iteration: number;
  connected: boolean;
  gaps?: number;
  feed?: string;
  clock_skew_ms?: number | null;
  decision_latency_p50_us?: number | null;
  decision_latency_p99_us?: number | null;
  reconnects?: number;
  resyncs?: number;
}

/** One market's row of the page's markets table. */
export interface MarketRow {
  name: string;
  exchange: string;
  symbol: string;
  trading_state: string;
  reasons: string[];
  mid: number | null;
  bid: number | null;
  ask: number | null;
  inventory: number;
  pnl: number | null;
  realized_pnl: number;
  fees: number;
  fills: number;
  open_orders: number;
  connected: boolean | null;
  gaps: number | null;
  price_decimals: number;
}

export interface MarketsDashboard {
  url: string;
  openUrl: string;
  /** Every market's iteration line. */
  publish: (row: DashboardMarketLine) => void;
  /** Every loop step, throttled: the rows, the book, every market's chart points, fills and risk events. */
  step: (markets: readonly DashboardMarket[], book: Readonly<BookFigures>) => void;
  close: () => Promise<void>;
}

const RANK: Readonly<Record<string, number>> = { active: 0, reducing: 1, halted: 2 };

/**
 * The single-market dashboard, with the book in the header and the totals panel (Σ over the markets;
 * the header's state is the most restrictive market's) and `stats.markets`, which the page shows as a
 * table of every market, and one chart per market (mid, its quotes, fills, inventory, PnL, state: the page
 * draws them side by side); risk events of every market reach the risk list with the market's name.
 */
export async function startMarketsDashboard(o: Readonly<LiveDashboardOptions & { lots?: Readonly<Record<string, number>> }>): Promise<MarketsDashboard> {
  const d: LiveDashboard = await startLiveDashboard(o);
  const state = d.state;
  const sampleMs = o.sampleMs ?? 200;
  let nextSample = 0;
  const feeds = new Map<string, { connected: boolean; gaps: number }>();
  const decimals = new Map<string, number>();
  const samplers = new Map<string, SessionSampler>();

  let first: string | undefined;
  const publish = (row: DashboardMarketLine): void => {
    feeds.set(row.market, { connected: row.connected, gaps: row.gaps ?? 0 });
    first ??= row.market;
    // The feed-health panel: every feed connected or not; latency, skew and faults of the first market, faults summed.
    const all = [...feeds.values()];
    state.stats = {
      ...state.stats,
      connected: all.every((x) => x.connected),
      gaps: all.reduce((a, x) => a + x.gaps, 0),
      updated_utc: row.ts_utc,
      iteration: row.iteration,
      ...(row.market === first
        ? { feed: row.feed, clock_skew_ms: row.clock_skew_ms, decision_latency_p50_us: row.decision_latency_p50_us, decision_latency_p99_us: row.decision_latency_p99_us, reconnects: row.reconnects, resyncs: row.resyncs }
        : {}),
    };
  };

  const step = (markets: readonly DashboardMarket[], book: Readonly<BookFigures>): void => {
    const wall = performance.now();
    if (wall < nextSample || markets.length === 0) return;
    nextSample = wall + sampleMs;
    const rows: MarketRow[] = [];
    let worst = 'active';
    let open = 0;
    let fills = 0;
    let realized = 0;
    let fees = 0;
    let commands = 0;
    let denials = 0;
    let now = 0;
    for (const m of markets) {
      const s = m.session;
      const core = s.core;
      const v = core.view;
      const p = core.portfolio;
      let dec = decimals.get(m.name);
      if (dec === undefined) {
        dec = decimalsOfStep(s.opts.exchange.tickSize);
        decimals.set(m.name, dec);
        const chart = state.chart(m.name);
        chart.priceDecimals = dec;
        chart.qtyDecimals = o.lots?.[m.name] !== undefined ? decimalsOfStep(o.lots[m.name]!) : state.stats.qty_decimals;
      }
      // Each market's chart, on its session's clock; its risk lines named.
      let sampler = samplers.get(m.name);
      if (sampler === undefined) {
        sampler = new SessionSampler(state.chart(m.name));
        samplers.set(m.name, sampler);
      }
      sampler.sample(s);
      for (const r of sampler.freshRisk(s)) state.addRisk({ ...r, kind: `${m.name} ${r.kind}` });
      now = Math.max(now, v.now);
      commands += s.counters.commands;
      denials += s.counters.denials;
      if ((RANK[v.tradingState] ?? 0) > (RANK[worst] ?? 0)) worst = v.tradingState;
      const equity = numOrNull(v.equity);
      const feed = feeds.get(m.name);
      rows.push({
        name: m.name,
        exchange: m.exchange,
        symbol: m.symbol,
        trading_state: v.tradingState,
        reasons: s.risk.machine.reasons().map((r) => `${r.condition}: ${r.reason}`),
        mid: numOrNull(v.mid),
        bid: numOrNull(core.restingPrice(1)),
        ask: numOrNull(core.restingPrice(-1)),
        inventory: p.position,
        pnl: equity === null ? null : equity - p.initialCash,
        realized_pnl: p.realizedPnl,
        fees: p.fees,
        fills: s.counters.fills,
        open_orders: core.open.count,
        connected: feed?.connected ?? m.feed?.connected ?? null,
        gaps: feed?.gaps ?? m.feed?.stats.gaps ?? null,
        price_decimals: dec,
      });
      open += core.open.count;
      fills += s.counters.fills;
      realized += p.realizedPnl;
      fees += p.fees;
    }
    const halted = rows.find((r) => r.trading_state === 'halted');
    state.stats = {
      ...state.stats,
      trading_state: worst,
      halt_reason: halted === undefined ? null : `${halted.name}: ${halted.reasons[0] ?? 'halted'}`,
      markets: rows,
      book: { equity: book.equity, pnl: book.pnl, drawdown: book.drawdown, notional: book.notional, capital: book.capital },
      pnl: book.pnl,
      equity: book.equity,
      realized_pnl: realized,
      unrealized_pnl: book.pnl - realized + fees,
      fees,
      open_orders: open,
      fills,
      // Positions of different instruments do not add up: each is in the markets table, the panel shows none.
      inventory: null as unknown as number,
      mid: rows[0]?.mid ?? null,
      commands_total: commands,
      denials_total: denials,
      price_decimals: decimals.get(markets[0]!.name) ?? state.stats.price_decimals,
      ...(now > 0 ? { updated_utc: new Date(now / 1000).toISOString() } : {}),
    };
  };

  return { url: d.url, openUrl: d.openUrl, publish, step, close: d.close };
}

