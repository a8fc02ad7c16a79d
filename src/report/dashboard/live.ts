// The live dashboard of a running paper loop: samples the session into the dashboard state and serves it.
import type { Micros } from '../../core/index.js';
import type { IterationRow, TradingCore } from '../../engine/index.js';
import type { RiskEngine } from '../../risk/index.js';

/** What the dashboard samples of a running session (a `PaperSession`; a live session through a small view of it). */
export interface DashboardSession {
  readonly core: TradingCore;
  readonly risk: RiskEngine;
  readonly counters: { readonly fills: number; readonly commands: number; readonly denials: number; readonly riskEvents: number };
  /** Recent risk transitions and notes, newest last (`counters.riskEvents` counts every one ever). */
  readonly recentRisk: readonly { ts: Micros; kind: string; reason: string; state: string }[];
  readonly opts: { readonly exchange: { readonly tickSize: number } };
}
import { DashboardState, numOrNull, type ChartFill, type ChartPoint, type RiskLine, type SourceKind } from './dashboard-state.js';
import { startDashboardServer } from './server.js';

export interface LiveDashboardOptions {
  port: number;
  title: string;
  /** POST /halt writes this file; the loop polls it. */
  haltPath: string;
  runsDir?: string;
  /** Sample the session at most this often, ms of the process's time. */
  sampleMs?: number;
  /** Paper trading (the default) or live orders: the page's header says which. */
  kind?: Extract<SourceKind, 'live paper' | 'live'>;
  /** One line under the title: exchange, market, data source (a replayed capture, the live feed). */
  source?: string;
  /** The instrument's lot: sizes are shown to it (prices to the venue's tick). */
  lotSize?: number;
  /** Where the token file goes (beside the ledger). */
  tokenDir?: string;
  /** The reason of a halt standing at start: the page shows `halted` from its first load. */
  standing?: string | undefined;
}

export interface LiveDashboard {
  url: string;
  /** The URL to open: it carries the per-run token. */
  openUrl: string;
  token: string;
  /** Every iteration line (authoritative figures, feed health). */
  publish: (row: IterationRow) => void;
  /** Every loop step (chart points, fills, risk events), throttled (`force`: sample now). */
  step: (s: DashboardSession, force?: boolean) => void;
  close: () => Promise<void>;
  /** What the page shows (a loop over several markets adds its own figures). */
  state: DashboardState;
}

const STATES = new Set(['active', 'reducing', 'halted']);

/** Decimals of a tick or lot size. */
export function decimalsOfStep(step: number): number {
  if (!(step > 0)) return 2;
  let d = 0;
  while (d < 12 && Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) > 1e-9) d++;
  return d;
}

export async function startLiveDashboard(o: Readonly<LiveDashboardOptions>): Promise<LiveDashboard> {
  const kind = o.kind ?? 'live paper';
  const state = new DashboardState('live', o.title);
  state.stats = { ...state.stats, source_kind: kind, source: o.source ?? kind, qty_decimals: decimalsOfStep(o.lotSize ?? 0.00001) };
  if (o.standing !== undefined) {
    state.stats = { ...state.stats, trading_state: 'halted', halt_reason: o.standing };
    state.addRisk({ t: Math.floor(Date.now() / 1000), kind: 'standing halt', reason: o.standing, state: 'halted' });
  }
  const server = await startDashboardServer({
    port: o.port,
    title: o.title,
    state,
    haltPath: o.haltPath,
    ...(o.runsDir !== undefined ? { runsDir: o.runsDir } : {}),
    ...(o.tokenDir !== undefined ? { tokenDir: o.tokenDir } : {}),
  });
  const sampleMs = o.sampleMs ?? 200;
  let nextSample = 0;
  const sampler = new SessionSampler(state);

  const step = (s: DashboardSession, force = false): void => {
    const wall = performance.now();
    if (wall < nextSample && !force) return;
    nextSample = wall + sampleMs;
    const core = s.core;
    const v = core.view;
    const p = core.portfolio;
    const equity = numOrNull(v.equity);
    sampler.sample(s);
    for (const r of sampler.freshRisk(s)) state.addRisk(r);
    const unrealized = v.mid > 0 ? p.unrealizedPnl(v.mid) : null;
    state.stats = {
      ...state.stats,
      price_decimals: decimalsOfStep(s.opts.exchange.tickSize),
      trading_state: v.tradingState,
      inventory: p.position,
      cash: p.cash,
      equity,
      realized_pnl: p.realizedPnl,
      unrealized_pnl: unrealized,
      fees: p.fees,
      pnl: equity === null ? null : equity - p.initialCash,
      open_orders: core.open.count,
      fills: s.counters.fills,
      commands_total: s.counters.commands,
      denials_total: s.counters.denials,
      mid: numOrNull(v.mid),
      updated_utc: new Date(v.now / 1000).toISOString(),
    };
  };

  const publish = (row: IterationRow): void => {
    state.stats = {
      ...state.stats,
      source: o.source ?? `${row.exchange} ${row.symbol} · ${kind}`,
      trading_state: row.trading_state,
      inventory: row.inventory,
      cash: row.cash,
      equity: row.equity,
      realized_pnl: row.realized_pnl,
      unrealized_pnl: row.unrealized_pnl,
      fees: row.fees,
      pnl: row.realized_pnl + row.unrealized_pnl - row.fees,
      open_orders: row.open_orders,
      fills: row.fills_total,
      mid: row.mid_price,
      iteration: row.iteration,
      feed: row.feed,
      connected: row.connected,
      clock_skew_ms: row.clock_skew_ms,
      decision_latency_p50_us: row.decision_latency_p50_us,
      decision_latency_p99_us: row.decision_latency_p99_us,
      reconnects: row.reconnects,
      gaps: row.gaps,
      resyncs: row.resyncs,
      updated_utc: row.ts_utc,
      halt_reason: row.trading_state === 'halted' ? (row.risk_reasons[0] ?? null) : null,
    };
  };

  return { url: server.url, openUrl: server.openUrl, token: server.token, publish, step, close: server.close, state };
}

/**
 * Samples one session into a chart: a point at the session's clock (the data's own time when it replays a
 * capture, the wall clock when it trades live: mid, its resting quotes, inventory, PnL, state), its new fills,
 * and its risk events not yet taken.
 */
export class SessionSampler {
  private fillsSeen = 0;
  private riskSeen = 0;

  constructor(private readonly chart: { addPoint: (p: ChartPoint) => void; addFill: (f: ChartFill) => void }) {}

  sample(s: DashboardSession): void {
    const core = s.core;
    const v = core.view;
    const p = core.portfolio;
    // Before its first row a session has no clock yet: nothing to draw.
    if (!(v.now > 0)) return;
    const equity = numOrNull(v.equity);
    this.chart.addPoint({
      t: Math.floor(v.now / 1e6),
      mid: numOrNull(v.mid),
      bid: numOrNull(core.restingPrice(1)),
      ask: numOrNull(core.restingPrice(-1)),
      inv: p.position,
      pnl: equity === null ? null : equity - p.initialCash,
      ...(STATES.has(v.tradingState) ? { state: v.tradingState } : {}),
    });
    const f = core.fills;
    for (; this.fillsSeen < f.length; this.fillsSeen++) {
      const i = this.fillsSeen;
      this.chart.addFill({ t: Math.floor(f.ts[i]! / 1e6), side: f.side[i]!, price: f.price[i]!, qty: f.qty[i]!, fee: f.fee[i]!, liquidity: f.taker[i] ? 'taker' : 'maker' });
    }
  }

  /** The session's risk events since the last call (at most those it still holds). */
  freshRisk(s: DashboardSession): RiskLine[] {
    const total = s.counters.riskEvents;
    const fresh = Math.min(total - this.riskSeen, s.recentRisk.length);
    this.riskSeen = total;
    return s.recentRisk.slice(s.recentRisk.length - fresh).map((r) => ({ t: Math.floor(r.ts / 1e6), kind: r.kind, reason: r.reason, state: r.state }));
  }
}
