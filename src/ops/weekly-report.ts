// Weekly report: the paper and live runs of the last N days from their ledgers, and the backtest run folders, as figures a reader can check.
import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isoOf, type Micros } from '../core/index.js';
import { checkLedgerInvariants } from '../ledger/index.js';
import type { FillAgreement } from './weekly-parity.js';

export interface LedgerRunWeek {
  ledger: string;
  run_id: string;
  mode: string;
  exchange: string;
  symbol: string;
  status: string;
  started_at: string;
  ended_at: string | null;
  /** Last marked equity − first (quote rows), else the fills' cash flows and position marked at the last fill price; quote currency. */
  pnl: number | null;
  pnl_marked_at: 'last quote' | 'last fill price' | null;
  fills: number;
  /** Σ price × qty of the fills, quote currency. */
  traded_notional: number;
  fees: number;
  /** Span from the first to the last quote row (without quote rows: from start to end of the run), hours. */
  hours: number;
  /** Share of that span covered by quote rows no further apart than the gap limit: the loop was up and marking (null without quote rows). */
  uptime_pct: number | null;
  /** Share of that span spent halted (null without quote rows). */
  halted_pct: number | null;
  reconnects: number;
  disconnects: number;
  halts: number;
  risk_events: Record<string, number>;
  /** Live against a replay of the same market (`parity`): only where the ledger links a recording of the run's market. */
  fill_agreement: FillAgreement;
}

export interface LedgerWeek {
  path: string;
  runs: LedgerRunWeek[];
  invariant_problems: string[];
}

export interface RunFolderWeek {
  path: string;
  modified: string;
  total_pnl: number | null;
  fills: number | null;
  final_state: string | null;
}

const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/**
 * Ledger files (`*.sqlite` holding a ledger's runs, quotes and fills) under a folder, one level down included
 * (artifacts/realtime, artifacts/live/...). Other SQLite files there (an analysis's results store) are not ledgers.
 */
export function findLedgers(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    const s = statSync(p);
    if (s.isFile() && f.endsWith('.sqlite')) out.push(p);
    else if (s.isDirectory()) for (const g of readdirSync(p).sort()) if (g.endsWith('.sqlite')) out.push(join(p, g));
  }
  return out.filter(isLedgerFile);
}

const LEDGER_TABLES = ['runs', 'quotes', 'fills'];

function isLedgerFile(path: string): boolean {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const names = new Set(db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => r.name));
    return LEDGER_TABLES.every((t) => names.has(t));
  } catch {
    return false;
  } finally {
    db?.close();
  }
}

/** Runs of one ledger started at or after `sinceUs` (read-only: safe beside a running writer). */
export function ledgerWeek(path: string, sinceUs: Micros, gapLimitUs: Micros): LedgerWeek {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 2000');
    const runs = db.prepare<[], { run_id: string; started_at: string; ended_at: string | null; mode: string; exchange: string; symbol: string; status: string }>('SELECT * FROM runs ORDER BY started_at, rowid').all();
    const out: LedgerRunWeek[] = [];
    for (const r of runs) {
      if (Date.parse(r.started_at) * 1000 < sinceUs) continue;
      const q = db.prepare<[string], { ts: number; equity: number | null; trading_state: string }>('SELECT ts, equity, trading_state FROM quotes WHERE run_id = ? ORDER BY id').all(r.run_id);
      let covered = 0;
      let halted = 0;
      for (let i = 1; i < q.length; i++) {
        const dt = q[i]!.ts - q[i - 1]!.ts;
        if (dt <= 0) continue;
        covered += Math.min(dt, gapLimitUs);
        if (q[i - 1]!.trading_state === 'halted') halted += dt;
      }
      const span = q.length > 1 ? q[q.length - 1]!.ts - q[0]!.ts : 0;
      const marked = q.filter((x) => x.equity !== null);
      const f = db
        .prepare<[string], { n: number; notional: number | null; fees: number | null; flow: number | null; pos: number | null }>(
          'SELECT count(*) AS n, sum(price * qty) AS notional, sum(fee) AS fees, sum(-side * price * qty - fee) AS flow, sum(side * qty) AS pos FROM fills WHERE run_id = ?',
        )
        .get(r.run_id)!;
      const lastFill = db.prepare<[string], { price: number }>('SELECT price FROM fills WHERE run_id = ? ORDER BY id DESC LIMIT 1').get(r.run_id);
      const wallUs = r.ended_at ? (Date.parse(r.ended_at) - Date.parse(r.started_at)) * 1000 : 0;
      const hasQuotes = q.length > 1;
      const ev = db.prepare<[string], { kind: string; condition: string | null; to_state: string | null }>('SELECT kind, condition, to_state FROM risk_events WHERE run_id = ?').all(r.run_id);
      const byKind: Record<string, number> = {};
      for (const e of ev) {
        const k = e.condition ? `${e.condition} ${e.kind}` : e.kind;
        byKind[k] = (byKind[k] ?? 0) + 1;
      }
      out.push({
        ledger: path,
        run_id: r.run_id,
        mode: r.mode,
        exchange: r.exchange,
        symbol: r.symbol,
        status: r.status,
        started_at: r.started_at,
        ended_at: r.ended_at,
        pnl: marked.length > 0 ? r4(marked[marked.length - 1]!.equity! - marked[0]!.equity!) : lastFill ? r4((f.flow ?? 0) + (f.pos ?? 0) * lastFill.price) : null,
        pnl_marked_at: marked.length > 0 ? 'last quote' : lastFill ? 'last fill price' : null,
        fills: f.n,
        traded_notional: r4(f.notional ?? 0),
        fees: r4(f.fees ?? 0),
        hours: r4((hasQuotes ? span : wallUs) / 3600e6),
        uptime_pct: hasQuotes && span > 0 ? r4((100 * covered) / span) : null,
        halted_pct: hasQuotes && span > 0 ? r4((100 * halted) / span) : null,
        reconnects: ev.filter((e) => e.kind === 'reconnect').length,
        disconnects: ev.filter((e) => e.kind === 'disconnect').length,
        halts: ev.filter((e) => e.kind === 'raised' && e.to_state === 'halted').length,
        risk_events: byKind,
        // Measured by the command (`fillAgreement`, a replay per recorded run); until then, why not.
        fill_agreement: { status: 'n/a', reason: 'not measured' },
      });
    }
    return { path, runs: out, invariant_problems: checkLedgerInvariants(db) };
  } finally {
    db.close();
  }
}

/** Backtest run folders (a `metrics.json` inside) modified at or after `sinceUs`, newest first. */
export function runFoldersSince(dir: string, sinceUs: Micros): RunFolderWeek[] {
  if (!existsSync(dir)) return [];
  const out: RunFolderWeek[] = [];
  for (const f of readdirSync(dir)) {
    const m = join(dir, f, 'metrics.json');
    if (!existsSync(m)) continue;
    const mt = statSync(m).mtimeMs * 1000;
    if (mt < sinceUs) continue;
    let j: { total_pnl?: number; fills?: number; fill_count?: number; risk?: { final_state?: string } } = {};
    try {
      j = JSON.parse(readFileSync(m, 'utf8')) as typeof j;
    } catch {
      // an unreadable metrics file is reported as empty figures
    }
    out.push({ path: join(dir, f), modified: isoOf(mt), total_pnl: j.total_pnl ?? null, fills: j.fills ?? j.fill_count ?? null, final_state: j.risk?.final_state ?? null });
  }
  return out.sort((a, b) => (a.modified < b.modified ? 1 : -1));
}
