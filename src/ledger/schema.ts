// The ledger's SQLite schema: runs, orders, order events, fills, funding, positions, quotes, risk events, recordings.
import { RECORDINGS_SQL } from './recordings.js';

/**
 * 1: the first schema; 2: `recordings` (a run's market recording); 3: `funding` (a perpetual's funding
 * payments) and `positions.funding`. A writer's open migrates an older ledger (`migrateSchema`).
 */
export const SCHEMA_VERSION = 3;

/**
 * Client ids are unique across the runs of one ledger (a restart continues the sequence), so
 * `orders.client_id` is the key. Times are epoch microseconds (INTEGER); sides are +1 buy / −1 sell.
 * `positions` is derived state kept in the same transaction as each fill: the invariant checked on
 * every open is that it equals the sum of `fills`.
 */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  mode TEXT NOT NULL,
  exchange TEXT NOT NULL,
  symbol TEXT NOT NULL,
  status TEXT NOT NULL,
  config TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
  client_id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL,
  symbol TEXT NOT NULL,
  side INTEGER NOT NULL,
  price REAL NOT NULL,
  qty REAL NOT NULL,
  remaining REAL NOT NULL,
  status TEXT NOT NULL,
  created_ts INTEGER NOT NULL,
  updated_ts INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_status ON orders(status);
CREATE TABLE IF NOT EXISTS order_events (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  client_id INTEGER NOT NULL,
  type TEXT NOT NULL,
  reason TEXT
);
CREATE TABLE IF NOT EXISTS fills (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  client_id INTEGER NOT NULL,
  symbol TEXT NOT NULL,
  side INTEGER NOT NULL,
  price REAL NOT NULL,
  qty REAL NOT NULL,
  fee REAL NOT NULL,
  liquidity TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS positions (
  symbol TEXT PRIMARY KEY,
  position REAL NOT NULL,
  cash REAL NOT NULL,
  avg_cost REAL NOT NULL,
  realized_pnl REAL NOT NULL,
  fees REAL NOT NULL,
  funding REAL NOT NULL DEFAULT 0,
  fill_count INTEGER NOT NULL,
  last_fill_id INTEGER NOT NULL,
  updated_ts INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS funding (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  symbol TEXT NOT NULL,
  rate REAL,
  position REAL,
  mark REAL,
  amount REAL NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('sim', 'exchange')),
  exchange_id TEXT
);
-- Once per payment: an exchange's by its id (across runs: a restart reads the income history again), a
-- simulated one by its run (a replay run again into the same ledger is another run, paid again).
CREATE UNIQUE INDEX IF NOT EXISTS funding_once ON funding(symbol, source, ts, ifnull(exchange_id, run_id));
CREATE TABLE IF NOT EXISTS quotes (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  mid REAL,
  bid REAL,
  ask REAL,
  position REAL NOT NULL,
  equity REAL,
  trading_state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS risk_events (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  kind TEXT NOT NULL,
  condition TEXT,
  from_state TEXT,
  to_state TEXT,
  reason TEXT NOT NULL
);
${RECORDINGS_SQL}`;

/**
 * What `CREATE TABLE IF NOT EXISTS` cannot do for a ledger of an older schema: columns added to existing
 * tables (schema 3: `positions.funding`, 0 for what was booked before funding was journaled).
 */
export function migrateSchema(db: { prepare(sql: string): { all(): unknown[]; run(): unknown } }): void {
  const cols = (db.prepare('PRAGMA table_info(positions)').all() as { name: string }[]).map((c) => c.name);
  if (!cols.includes('funding')) db.prepare('ALTER TABLE positions ADD COLUMN funding REAL NOT NULL DEFAULT 0').run();
}
