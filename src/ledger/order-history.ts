// A run's order history read from a ledger, read-only: each order's send, acknowledgement, cancel and fills, and when fills reached us.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { UserError, type Micros } from '../core/index.js';
import { readRecordingLink, type RecordingLink } from './recordings.js';

export interface OrderRecord {
  clientId: number;
  side: 1 | -1;
  price: number;
  qty: number;
  /** Local time the order was sent (journaled before it left). */
  sentTs: Micros;
  /** Local time of the exchange's acknowledgement (NaN: none). */
  acceptedTs: Micros;
  /** Local time we asked to cancel it (NaN: never). */
  cancelTs: Micros;
  /** Local time of the cancel's answer (NaN: none). */
  canceledTs: Micros;
  rejected: boolean;
  /** Its fills, at the exchange's time, in booking order. */
  fills: { ts: Micros; qty: number }[];
}

export interface OrderHistory {
  runId: string;
  mode: string;
  symbol: string;
  /** The run's config as journaled (the trading config for runs started by the CLI or the runtime). */
  config: unknown;
  orders: OrderRecord[];
  /** Fills paired with the local time they reached us (`fill-received` order events): exchange → local. */
  receipts: { clientId: number; exchangeTs: Micros; localTs: Micros }[];
  /** The recording of the market the run received (`realtime --record`), when one is linked. */
  recording: RecordingLink | undefined;
}

/** Read run `runId` (default: the latest) of the ledger at `path`, opened read-only. */
export function readOrderHistory(path: string, runId?: string): OrderHistory {
  if (!existsSync(path)) throw new UserError(`--ledger: no ledger at ${path}`);
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 2000');
    db.prepare('SELECT count(*) FROM orders').get();
  } catch (e) {
    throw new UserError(`--ledger: ${path} is not a marketmakerl ledger (${(e as Error).message.split('\n')[0]})`);
  }
  try {
    type RunRow = { run_id: string; mode: string; symbol: string; config: string };
    const run =
      runId === undefined
        ? db.prepare<[], RunRow>('SELECT run_id, mode, symbol, config FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1').get()
        : db.prepare<[string], RunRow>('SELECT run_id, mode, symbol, config FROM runs WHERE run_id = ?').get(runId);
    if (run === undefined) {
      if (runId === undefined) throw new UserError(`--ledger: ${path} holds no run`);
      const ids = db.prepare<[], { run_id: string }>('SELECT run_id FROM runs ORDER BY started_at').all().map((r) => r.run_id);
      throw new UserError(`--session: no run '${runId}' in ${path} (runs: ${ids.join(', ') || 'none'})`);
    }
    const orders = new Map<number, OrderRecord>();
    for (const o of db
      .prepare<[string], { client_id: number; side: number; price: number; qty: number; created_ts: number }>('SELECT client_id, side, price, qty, created_ts FROM orders WHERE run_id = ? ORDER BY client_id')
      .all(run.run_id)) {
      orders.set(o.client_id, { clientId: o.client_id, side: o.side > 0 ? 1 : -1, price: o.price, qty: o.qty, sentTs: o.created_ts, acceptedTs: Number.NaN, cancelTs: Number.NaN, canceledTs: Number.NaN, rejected: false, fills: [] });
    }
    const received = new Map<number, Micros[]>();
    for (const e of db.prepare<[string], { ts: number; client_id: number; type: string }>('SELECT ts, client_id, type FROM order_events WHERE run_id = ? ORDER BY id').all(run.run_id)) {
      const o = orders.get(e.client_id);
      if (o === undefined) continue;
      // The first of each: a resumed order can be acknowledged again.
      if (e.type === 'accepted' && Number.isNaN(o.acceptedTs)) o.acceptedTs = e.ts;
      else if (e.type === 'cancel-requested' && Number.isNaN(o.cancelTs)) o.cancelTs = e.ts;
      else if (e.type === 'canceled' && Number.isNaN(o.canceledTs)) o.canceledTs = e.ts;
      else if (e.type === 'rejected') o.rejected = true;
      else if (e.type === 'fill-received') {
        const r = received.get(e.client_id) ?? [];
        r.push(e.ts);
        received.set(e.client_id, r);
      }
    }
    for (const f of db.prepare<[string], { ts: number; client_id: number; qty: number }>('SELECT ts, client_id, qty FROM fills WHERE run_id = ? ORDER BY id').all(run.run_id)) {
      orders.get(f.client_id)?.fills.push({ ts: f.ts, qty: f.qty });
    }
    // The k-th receipt of an order is its k-th fill: both are journaled by the one answer, in order.
    const receipts: OrderHistory['receipts'] = [];
    for (const [id, times] of received) {
      const fills = orders.get(id)?.fills ?? [];
      times.forEach((localTs, k) => {
        const f = fills[k];
        if (f !== undefined) receipts.push({ clientId: id, exchangeTs: f.ts, localTs });
      });
    }
    let config: unknown = null;
    try {
      config = JSON.parse(run.config);
    } catch {
      config = null;
    }
    return { runId: run.run_id, mode: run.mode, symbol: run.symbol, config, orders: [...orders.values()], receipts, recording: readRecordingLink(db, run.run_id) };
  } finally {
    db.close();
  }
}
