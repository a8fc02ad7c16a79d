// The SQLite ledger of paper and live runs (WAL): every order, fill, quote and risk event, durable and resumable.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Micros } from '../core/index.js';
import type { Side } from '../market/index.js';
import type { Liquidity } from '../orders/index.js';
import type { RiskMarks, RiskTransition } from '../risk/index.js';
import type { JournalOrderEvent, PaperJournal, PositionState, QuoteRow, ResumeState, ResumedOrder } from '../engine/index.js';
import { SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';
import { writeVenueAudit } from './venue-audit.js';
import type { OrderAudit, VenueFill } from '../sim/index.js';

export interface RunInfo {
  runId: string;
  mode: string;
  exchange: string;
  symbol: string;
  /** Any JSON-serializable config; secrets must not be in it. */
  config: unknown;
  initialCash: number;
}

const STATUS_OF: Readonly<Record<JournalOrderEvent, string | undefined>> = {
  accepted: 'open',
  rejected: 'rejected',
  denied: 'denied',
  canceled: 'canceled',
  'cancel-requested': 'pending-cancel',
  resumed: undefined,
};

/**
 * One writer per ledger file. Each journal call commits one transaction, so what returned is on disk
 * for any crash of the process (WAL, synchronous=NORMAL: a process kill loses nothing committed; only
 * a power cut could lose the last transactions, never corrupt the file). Readers (the dashboard) may
 * open the same file concurrently with `openLedgerReader`.
 */
export class Ledger implements PaperJournal {
  readonly db: Database.Database;
  runId = '';
  symbol = '';
  private readonly st: ReturnType<Ledger['prepare']>;
  private readonly fillTx: (ts: Micros, clientId: number, side: Side, price: number, qty: number, fee: number, liq: Liquidity, after: Readonly<PositionState>) => void;

  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA_SQL);
    this.db.prepare('INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
    this.st = this.prepare();
    this.fillTx = this.db.transaction((ts, clientId, side, price, qty, fee, liq, after) => {
      const { lastInsertRowid } = this.st.insFill.run(this.runId, ts, clientId, this.symbol, side, price, qty, fee, liq);
      this.st.fillOrder.run(qty, qty, ts, clientId);
      this.st.upsertPos.run(this.symbol, after.position, after.cash, after.avgCost, after.realizedPnl, after.fees, Number(lastInsertRowid), ts);
    });
  }

  private prepare() {
    const d = this.db;
    return {
      insRun: d.prepare('INSERT INTO runs(run_id, started_at, mode, exchange, symbol, status, config) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      endRun: d.prepare('UPDATE runs SET ended_at = ?, status = ? WHERE run_id = ?'),
      insOrder: d.prepare(
        "INSERT INTO orders(client_id, run_id, symbol, side, price, qty, remaining, status, created_ts, updated_ts) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending-new', ?, ?)",
      ),
      insEvent: d.prepare('INSERT INTO order_events(run_id, ts, client_id, type, reason) VALUES (?, ?, ?, ?, ?)'),
      setStatus: d.prepare(
        "UPDATE orders SET status = ?, updated_ts = ? WHERE client_id = ? AND status NOT IN ('filled', 'canceled', 'rejected', 'denied')",
      ),
      insFill: d.prepare('INSERT INTO fills(run_id, ts, client_id, symbol, side, price, qty, fee, liquidity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      fillOrder: d.prepare(
        "UPDATE orders SET remaining = max(remaining - ?, 0), status = CASE WHEN remaining - ? <= 1e-12 THEN 'filled' ELSE status END, updated_ts = ? WHERE client_id = ?",
      ),
      upsertPos: d.prepare(
        `INSERT INTO positions(symbol, position, cash, avg_cost, realized_pnl, fees, fill_count, last_fill_id, updated_ts)
         VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)
         ON CONFLICT(symbol) DO UPDATE SET position = excluded.position, cash = excluded.cash, avg_cost = excluded.avg_cost,
           realized_pnl = excluded.realized_pnl, fees = excluded.fees, fill_count = fill_count + 1,
           last_fill_id = excluded.last_fill_id, updated_ts = excluded.updated_ts`,
      ),
      insQuote: d.prepare('INSERT INTO quotes(run_id, ts, mid, bid, ask, position, equity, trading_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      insRisk: d.prepare('INSERT INTO risk_events(run_id, ts, kind, condition, from_state, to_state, reason) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      setMeta: d.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      getMeta: d.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
    };
  }

  /** Start a run. The first run of a ledger fixes its initial cash; later runs continue from the ledger. */
  startRun(info: Readonly<RunInfo>, startedAt: Date): void {
    this.runId = info.runId;
    this.symbol = info.symbol;
    const tx = this.db.transaction(() => {
      if (this.st.getMeta.get('initial_cash') === undefined) this.st.setMeta.run('initial_cash', String(info.initialCash));
      this.st.insRun.run(info.runId, startedAt.toISOString(), info.mode, info.exchange, info.symbol, 'running', JSON.stringify(info.config ?? {}));
    });
    tx();
  }

  endRun(endedAt: Date, status: string): void {
    this.st.endRun.run(endedAt.toISOString(), status, this.runId);
  }

  /** The initial cash fixed by the first run, or undefined for a new ledger. */
  initialCash(): number | undefined {
    const row = this.st.getMeta.get('initial_cash');
    return row === undefined ? undefined : Number(row.value);
  }

  /** Position, cash and open orders (not those being canceled) left by earlier runs on `symbol` (a new ledger: undefined). */
  resume(symbol: string): ResumeState | undefined {
    const init = this.initialCash();
    if (init === undefined) return undefined;
    const pos = this.db
      .prepare<[string], { position: number; cash: number; avg_cost: number; realized_pnl: number; fees: number; fill_count: number }>(
        'SELECT position, cash, avg_cost, realized_pnl, fees, fill_count FROM positions WHERE symbol = ?',
      )
      .get(symbol);
    const last = this.db.prepare<[], { m: number | null }>('SELECT max(client_id) AS m FROM order_events').get();
    const lastOrder = this.db.prepare<[], { m: number | null }>('SELECT max(client_id) AS m FROM orders').get();
    const open = this.db
      .prepare<[string], { client_id: number; side: number; price: number; remaining: number }>(
        // An order whose cancel was in flight at the stop is not carried over: we wanted it gone.
        "SELECT client_id, side, price, remaining FROM orders WHERE symbol = ? AND status IN ('pending-new', 'open') AND remaining > 1e-12 ORDER BY client_id",
      )
      .all(symbol);
    const marks = this.st.getMeta.get(`risk_marks:${symbol}`);
    return {
      position: pos?.position ?? 0,
      cash: pos?.cash ?? init,
      avgCost: pos?.avg_cost ?? 0,
      realizedPnl: pos?.realized_pnl ?? 0,
      fees: pos?.fees ?? 0,
      fills: pos?.fill_count ?? 0,
      lastClientId: Math.max(last?.m ?? 0, lastOrder?.m ?? 0),
      openOrders: open.map((o): ResumedOrder => ({ clientId: o.client_id, side: o.side > 0 ? 1 : -1, price: o.price, remaining: o.remaining })),
      riskMarks: marks === undefined ? undefined : (JSON.parse(marks.value) as RiskMarks),
    };
  }

  // PaperJournal

  placed(ts: Micros, clientId: number, side: Side, price: number, qty: number): void {
    this.st.insOrder.run(clientId, this.runId, this.symbol, side, price, qty, qty, ts, ts);
  }

  orderEvent(ts: Micros, clientId: number, type: JournalOrderEvent, reason?: string): void {
    const status = STATUS_OF[type];
    const tx = this.db.transaction(() => {
      this.st.insEvent.run(this.runId, ts, clientId, type, reason ?? null);
      if (status !== undefined) this.st.setStatus.run(status, ts, clientId);
      if (type === 'denied') this.st.insRisk.run(this.runId, ts, 'denial', null, null, null, `order ${clientId}: ${reason ?? ''}`);
    });
    tx();
  }

  fill(ts: Micros, clientId: number, side: Side, price: number, qty: number, fee: number, liquidity: Liquidity, after: Readonly<PositionState>): void {
    this.fillTx(ts, clientId, side, price, qty, fee, liquidity, after);
  }

  quote(r: Readonly<QuoteRow>): void {
    this.st.insQuote.run(this.runId, r.ts, nullable(r.mid), nullable(r.bid), nullable(r.ask), r.position, nullable(r.equity), r.tradingState);
  }

  risk(t: Readonly<RiskTransition>): void {
    this.st.insRisk.run(this.runId, t.ts, t.raised ? 'raised' : 'cleared', t.condition, t.from, t.to, t.reason);
  }

  riskMarks(marks: Readonly<RiskMarks>): void {
    this.st.setMeta.run(`risk_marks:${this.symbol}`, JSON.stringify(marks));
  }

  /** Record a note that is not a state change (a reconnect, a resync, a clock-skew measurement). */
  note(ts: Micros, kind: string, reason: string): void {
    this.st.insRisk.run(this.runId, ts, kind, null, null, null, reason);
  }

  /** Fold the WAL back into the main file and close. */
  venueAudit(audit: OrderAudit, fills: readonly VenueFill[]): void {
    writeVenueAudit(this.db, this.runId, audit, fills);
  }

  close(): void {
    if (!this.db.open) return;
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.db.close();
    }
  }
}

function nullable(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
