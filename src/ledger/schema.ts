// The ledger's SQLite schema: runs, orders, order events, fills, positions, quotes, risk events, recordings.
import { RECORDINGS_SQL } from './recordings.js';

/** 1: the first schema; 2: `recordings` (a run's market recording). A writer's open migrates an older ledger. */
export const SCHEMA_VERSION = 2;

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
  fill_count INTEGER NOT NULL,
  last_fill_id INTEGER NOT NULL,
  updated_ts INTEGER NOT NULL
);
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
