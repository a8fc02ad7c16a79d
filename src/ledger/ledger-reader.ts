// Read-only views of a ledger for the dashboard and reports (safe beside a running writer, thanks to WAL).
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { UserError } from '../core/index.js';

export interface LedgerSnapshot {
  run: { runId: string; mode: string; exchange: string; symbol: string; status: string; startedAt: string } | undefined;
  quotes: { ts: number; mid: number | null; bid: number | null; ask: number | null; position: number; equity: number | null; tradingState: string }[];
  fills: { id: number; ts: number; side: number; price: number; qty: number; fee: number }[];
  riskEvents: { id: number; ts: number; kind: string; condition: string | null; toState: string | null; reason: string }[];
  position: { position: number; cash: number; avgCost: number; realizedPnl: number; fees: number; fills: number } | undefined;
  openOrders: number;
  initialCash: number | undefined;
}

export class LedgerReader {
  private readonly db: Database.Database;
  constructor(readonly path: string) {
    if (!existsSync(path)) throw new UserError(`--ledger: no ledger at ${path}`);
    try {
      this.db = new Database(path, { readonly: true, fileMustExist: true });
      this.db.pragma('busy_timeout = 2000');
      this.db.prepare('SELECT count(*) FROM runs').get();
    } catch (e) {
      throw new UserError(`--ledger: ${path} is not a marketmakerl ledger (${(e as Error).message.split('\n')[0]})`);
    }
  }

  /** The latest run (or `runId`), its last `limit` quotes, fills and risk events, and the position. */
  snapshot(limit = 2000, runId?: string): LedgerSnapshot {
    const d = this.db;
    const run = (
      runId === undefined
        ? d.prepare<[], Record<string, string>>('SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1').get()
        : d.prepare<[string], Record<string, string>>('SELECT * FROM runs WHERE run_id = ?').get(runId)
    ) as { run_id: string; mode: string; exchange: string; symbol: string; status: string; started_at: string } | undefined;
    const rid = run?.run_id ?? '';
    const quotes = d
      .prepare<[string, number], LedgerSnapshot['quotes'][number] & { trading_state?: string }>(
        'SELECT ts, mid, bid, ask, position, equity, trading_state AS tradingState FROM quotes WHERE run_id = ? ORDER BY id DESC LIMIT ?',
      )
      .all(rid, limit)
      .reverse();
    const fills = d
      .prepare<[string, number], LedgerSnapshot['fills'][number]>('SELECT id, ts, side, price, qty, fee FROM fills WHERE run_id = ? ORDER BY id DESC LIMIT ?')
      .all(rid, limit)
      .reverse();
    const riskEvents = d
      .prepare<[string], LedgerSnapshot['riskEvents'][number]>(
        'SELECT id, ts, kind, condition, to_state AS toState, reason FROM risk_events WHERE run_id = ? ORDER BY id DESC LIMIT 20',
      )
      .all(rid);
    const pos = run
      ? d
          .prepare<[string], { position: number; cash: number; avg_cost: number; realized_pnl: number; fees: number; fill_count: number }>(
            'SELECT * FROM positions WHERE symbol = ?',
          )
          .get(run.symbol)
      : undefined;
    const open = d
      .prepare<[string], { n: number }>("SELECT count(*) AS n FROM orders WHERE run_id = ? AND status IN ('pending-new', 'open', 'pending-cancel')")
      .get(rid);
    // A market of a run over several markets has its own initial cash (its capital share).
    const own = run === undefined ? undefined : d.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(`initial_cash:${run.symbol}`);
    const init = own ?? d.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'initial_cash'").get();
    return {
      run: run && { runId: run.run_id, mode: run.mode, exchange: run.exchange, symbol: run.symbol, status: run.status, startedAt: run.started_at },
      quotes,
      fills,
      riskEvents,
      position: pos && { position: pos.position, cash: pos.cash, avgCost: pos.avg_cost, realizedPnl: pos.realized_pnl, fees: pos.fees, fills: pos.fill_count },
      openOrders: open?.n ?? 0,
      initialCash: init === undefined ? undefined : Number(init.value),
    };
  }

  close(): void {
    this.db.close();
  }
}
