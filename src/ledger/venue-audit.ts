// The simulated venue's audit trail in a paper ledger: each order's arrival, end and queue, each fill's trade.
import type Database from 'better-sqlite3';
import { ORDER_END_NAMES, type OrderAudit, type VenueFill } from '../sim/index.js';

/**
 * A paper run's venue is simulated, so the ledger can say what the simulation did with each order, as a
 * tick run folder's `orders.csv` and `fills.csv` do: `venue_orders` (sent on the local clock; arrived and
 * ended on the exchange clock, epoch µs; the end reason; the size in front when it joined) and
 * `venue_fills` (each fill with the exchange time and id of the trade behind it; NaN ids are stored as
 * NULL: a taker fill walks the book, no trade). `verify-fills` checks the same facts from run folders.
 */
export const VENUE_AUDIT_SQL = `
CREATE TABLE IF NOT EXISTS venue_orders (
  run_id TEXT NOT NULL,
  client_id INTEGER NOT NULL,
  side TEXT NOT NULL,
  price REAL NOT NULL,
  qty REAL NOT NULL,
  sent_us INTEGER,
  arrived_us INTEGER,
  ended_us INTEGER,
  end_reason TEXT NOT NULL,
  queue_ahead REAL,
  PRIMARY KEY (run_id, client_id)
);
CREATE TABLE IF NOT EXISTS venue_fills (
  run_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  client_id INTEGER NOT NULL,
  ts_local_us INTEGER NOT NULL,
  ts_exchange_us INTEGER,
  trade_id INTEGER,
  side TEXT NOT NULL,
  price REAL NOT NULL,
  qty REAL NOT NULL,
  PRIMARY KEY (run_id, seq)
);
`;

const int = (x: number): number | null => (Number.isFinite(x) ? Math.round(x) : null);

/** Write (or rewrite) a run's venue audit in one transaction. */
export function writeVenueAudit(db: Database.Database, runId: string, audit: OrderAudit, fills: readonly VenueFill[]): void {
  db.exec(VENUE_AUDIT_SQL);
  const insOrder = db.prepare(
    'INSERT OR REPLACE INTO venue_orders(run_id, client_id, side, price, qty, sent_us, arrived_us, ended_us, end_reason, queue_ahead) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insFill = db.prepare('INSERT OR REPLACE INTO venue_fills(run_id, seq, client_id, ts_local_us, ts_exchange_us, trade_id, side, price, qty) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (let r = 0; r < audit.length; r++) {
      const q = audit.queueAhead[r]!;
      insOrder.run(runId, audit.id[r]!, audit.side[r]! > 0 ? 'buy' : 'sell', audit.price[r]!, audit.qty[r]!, int(audit.sent[r]!), int(audit.arrived[r]!), int(audit.ended[r]!), ORDER_END_NAMES[audit.reason[r]!] ?? 'open', Number.isFinite(q) ? q : null);
    }
    fills.forEach((f, k) => insFill.run(runId, k, f.clientId, Math.round(f.tsLocal), int(f.tsExchange), int(f.tradeId), f.side > 0 ? 'buy' : 'sell', f.price, f.qty));
  })();
}
