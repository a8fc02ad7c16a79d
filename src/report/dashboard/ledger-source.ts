// The dashboard of a ledger file: a running or finished paper run, read from SQLite (WAL lets it read beside the writer).
import type { LedgerReader } from '../../ledger/index.js';
import { DashboardState } from './dashboard-state.js';

const STATES = new Set(['active', 'reducing', 'halted']);

/** Refreshes `state` from the ledger's latest run; cheap enough to call every push. */
export function ledgerRefresher(reader: LedgerReader, state: DashboardState): () => void {
  let lastQuoteTs = -Infinity;
  let lastFillId = 0;
  let lastRiskId = 0;
  return () => {
    const s = reader.snapshot(2_000);
    const initial = s.initialCash;
    for (const q of s.quotes) {
      if (q.ts <= lastQuoteTs) continue;
      lastQuoteTs = q.ts;
      const pnl = q.equity !== null && initial !== undefined ? q.equity - initial : null;
      state.addPoint({ t: Math.floor(q.ts / 1e6), mid: q.mid, bid: q.bid, ask: q.ask, inv: q.position, pnl, ...(STATES.has(q.tradingState) ? { state: q.tradingState } : {}) });
    }
    for (const f of s.fills) {
      if (f.id <= lastFillId) continue;
      lastFillId = f.id;
      state.addFill({ t: Math.floor(f.ts / 1e6), side: f.side, price: f.price, qty: f.qty, fee: f.fee });
    }
    for (const r of s.riskEvents.slice().reverse()) {
      if (r.id <= lastRiskId) continue;
      lastRiskId = r.id;
      state.addRisk({ t: Math.floor(r.ts / 1e6), kind: r.condition === null ? r.kind : `${r.condition} ${r.kind}`, reason: r.reason, state: r.toState ?? '' });
    }
    const q = s.quotes[s.quotes.length - 1];
    const p = s.position;
    const mid = q?.mid ?? null;
    const unrealized = p !== undefined && mid !== null ? p.position * (mid - p.avgCost) : null;
    state.stats = {
      ...state.stats,
      source_kind: 'ledger',
      title: s.run ? `${s.run.exchange} ${s.run.symbol} ${s.run.mode}` : state.stats.title,
      source: s.run ? `ledger · run ${s.run.runId} (${s.run.status})` : 'ledger (no run yet)',
      trading_state: q?.tradingState ?? 'unknown',
      inventory: p?.position ?? 0,
      cash: p?.cash ?? s.initialCash ?? null,
      equity: q?.equity ?? null,
      realized_pnl: p?.realizedPnl ?? 0,
      unrealized_pnl: unrealized,
      fees: p?.fees ?? null,
      pnl: q?.equity !== null && q?.equity !== undefined && initial !== undefined ? q.equity - initial : p !== undefined ? p.realizedPnl + (unrealized ?? 0) - p.fees : null,
      open_orders: s.openOrders,
      fills: p?.fills ?? 0,
      mid,
      updated_utc: q ? new Date(q.ts / 1000).toISOString() : state.stats.updated_utc,
    };
  };
}
