// One side of a parity check: a run's orders, their answers and fills, read from a ledger (the session's file, or the replay's own in memory).
import type Database from 'better-sqlite3';

export interface SideOrder {
  clientId: number;
  side: 1 | -1;
  price: number;
  qty: number;
  /** Local time it was sent (journaled before it left), µs. */
  sentTs: number;
  /** Local time of its acknowledgement (NaN: none). */
  acceptedTs: number;
  /** Local time we asked to cancel it (NaN: never). */
  cancelRequestedTs: number;
  /** Local time of the cancel's answer (NaN: none). */
  canceledTs: number;
  /** The venue refused it (post-only would cross, …). */
  rejected: boolean;
  /** Local time of that refusal (NaN: none). */
  rejectedTs: number;
  /** Our own risk gate refused it: it never left. */
  denied: boolean;
  /** Size in front of it when it joined its level (base units): the simulated venue's audit, else NaN. */
  queueAhead: number;
  filledQty: number;
  /** Time of its first and last fill, on the clock the ledger books fills with (NaN: never filled). */
  firstFillTs: number;
  lastFillTs: number;
}

export interface SideFill {
  clientId: number;
  ts: number;
  side: 1 | -1;
  price: number;
  qty: number;
  fee: number;
}

export interface SessionSide {
  orders: SideOrder[];
  fills: SideFill[];
  /** Whether queue positions came from a simulated venue's audit (paper, replay) or are unknown (live). */
  queueFromVenue: boolean;
}

const hasTable = (db: Database.Database, name: string): boolean =>
  (db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?").get(name)?.n ?? 0) > 0;

/** Every order and fill of run `runId`, in the order they were sent / booked. Reads only. */
export function readSessionSide(db: Database.Database, runId: string): SessionSide {
  const orders = new Map<number, SideOrder>();
  for (const o of db
    .prepare<[string], { client_id: number; side: number; price: number; qty: number; created_ts: number }>('SELECT client_id, side, price, qty, created_ts FROM orders WHERE run_id = ? ORDER BY client_id')
    .all(runId)) {
    orders.set(o.client_id, {
      clientId: o.client_id,
      side: o.side > 0 ? 1 : -1,
      price: o.price,
      qty: o.qty,
      sentTs: o.created_ts,
      acceptedTs: Number.NaN,
      cancelRequestedTs: Number.NaN,
      canceledTs: Number.NaN,
      rejected: false,
      rejectedTs: Number.NaN,
      denied: false,
      queueAhead: Number.NaN,
      filledQty: 0,
      firstFillTs: Number.NaN,
      lastFillTs: Number.NaN,
    });
  }
  for (const e of db.prepare<[string], { ts: number; client_id: number; type: string }>('SELECT ts, client_id, type FROM order_events WHERE run_id = ? ORDER BY id').all(runId)) {
    const o = orders.get(e.client_id);
    if (o === undefined) continue;
    if (e.type === 'accepted' && o.acceptedTs !== o.acceptedTs) o.acceptedTs = e.ts;
    else if (e.type === 'cancel-requested' && o.cancelRequestedTs !== o.cancelRequestedTs) o.cancelRequestedTs = e.ts;
    else if (e.type === 'canceled' && o.canceledTs !== o.canceledTs) o.canceledTs = e.ts;
    else if (e.type === 'rejected') {
      if (!o.rejected) o.rejectedTs = e.ts;
      o.rejected = true;
    } else if (e.type === 'denied') {
      o.rejected = true;
      o.denied = true;
    }
  }
  const fills = db
    .prepare<[string], { client_id: number; ts: number; side: number; price: number; qty: number; fee: number }>('SELECT client_id, ts, side, price, qty, fee FROM fills WHERE run_id = ? ORDER BY id')
    .all(runId)
    .map((f): SideFill => ({ clientId: f.client_id, ts: f.ts, side: f.side > 0 ? 1 : -1, price: f.price, qty: f.qty, fee: f.fee }));
  for (const f of fills) {
    const o = orders.get(f.clientId);
    if (o === undefined) continue;
    o.filledQty += f.qty;
    if (o.firstFillTs !== o.firstFillTs || f.ts < o.firstFillTs) o.firstFillTs = f.ts;
    if (o.lastFillTs !== o.lastFillTs || f.ts > o.lastFillTs) o.lastFillTs = f.ts;
  }
  let queueFromVenue = false;
  if (hasTable(db, 'venue_orders')) {
    for (const v of db.prepare<[string], { client_id: number; queue_ahead: number | null }>('SELECT client_id, queue_ahead FROM venue_orders WHERE run_id = ?').all(runId)) {
      const o = orders.get(v.client_id);
      if (o === undefined || v.queue_ahead === null) continue;
      o.queueAhead = v.queue_ahead;
      queueFromVenue = true;
    }
  }
  return { orders: [...orders.values()], fills, queueFromVenue };
}

/** The run's config as journaled, and what else the ledger says about the run. */
export interface SessionRun {
  runId: string;
  mode: string;
  exchange: string;
  symbol: string;
  status: string;
  startedAt: string;
  config: Record<string, unknown>;
  /** Fills booked by earlier runs of the same ledger (a resumed session did not start flat). */
  earlierFills: number;
}

/** Run `runId`, or the latest run of the ledger; undefined when there is none. */
export function readSessionRun(db: Database.Database, runId?: string): SessionRun | undefined {
  type Row = { run_id: string; mode: string; exchange: string; symbol: string; status: string; started_at: string; config: string; rowid: number };
  const r =
    runId === undefined
      ? db.prepare<[], Row>('SELECT rowid, * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1').get()
      : db.prepare<[string], Row>('SELECT rowid, * FROM runs WHERE run_id = ?').get(runId);
  if (r === undefined) return undefined;
  let config: Record<string, unknown> = {};
  try {
    const c = JSON.parse(r.config) as unknown;
    if (c !== null && typeof c === 'object' && !Array.isArray(c)) config = c as Record<string, unknown>;
  } catch {
    // an unreadable config reads as empty: the replay says which field it lacks
  }
  const earlier = db
    .prepare<[string, string], { n: number }>('SELECT count(*) AS n FROM fills WHERE run_id IN (SELECT run_id FROM runs WHERE started_at < ?) AND run_id != ?')
    .get(r.started_at, r.run_id);
  return { runId: r.run_id, mode: r.mode, exchange: r.exchange, symbol: r.symbol, status: r.status, startedAt: r.started_at, config, earlierFills: earlier?.n ?? 0 };
}

/** Every run id of a ledger, oldest first (for messages). */
export function runIdsOf(db: Database.Database): string[] {
  return db.prepare<[], { run_id: string }>('SELECT run_id FROM runs ORDER BY started_at, rowid').all().map((r) => r.run_id);
}
