// The SQLite ledger of paper and live runs (WAL): every order, fill, quote and risk event, durable and resumable.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError, scrubSecrets, scrubValue, type Micros } from '../core/index.js';
import type { Side } from '../market/index.js';
import type { Liquidity } from '../orders/index.js';
import type { RiskMarks, RiskTransition } from '../risk/index.js';
import type { FundingEntry, JournalOrderEvent, PaperJournal, PositionState, QuoteRow, ResumeState, ResumedOrder } from '../engine/index.js';
import { SCHEMA_SQL, SCHEMA_VERSION, migrateSchema } from './schema.js';
import { writeVenueAudit } from './venue-audit.js';
import { linkRecording, recordingFailed, recordingWritten } from './recordings.js';
import type { OrderAudit, VenueFill } from '../sim/index.js';
import { WriterLock, type WriterInfo } from './writer-lock.js';

export interface LedgerOptions {
  /** How long one write waits for a lock held by another connection, ms (then it fails; the session holds it). */
  busyTimeoutMs?: number;
}

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
  'fill-received': undefined,
};

/**
 * One writer per ledger file, enforced: opening a ledger takes its writer lock (`<ledger>.lock`, released
 * by the kernel if the process dies), and a second writer is refused with who holds it. Runs a dead writer
 * left `running` are marked `crashed`. Each journal call commits one transaction, so what returned is on
 * disk for any crash of the process (WAL, synchronous=NORMAL: a process kill loses nothing committed; only
 * a power cut could lose the last transactions, never corrupt the file). Every text stored passes the
 * secret scrubber. Readers (the dashboard) may open the same file concurrently with `LedgerReader`.
 */
export class Ledger implements PaperJournal {
  readonly db: Database.Database;
  runId = '';
  symbol = '';
  /** Runs found `running` on open and marked `crashed` (their writer died). */
  readonly crashedRuns: string[];
  private readonly lock: WriterLock | undefined;
  private readonly st: ReturnType<Ledger['prepare']>;
  private readonly fillTx: (ts: Micros, clientId: number, side: Side, price: number, qty: number, fee: number, liq: Liquidity, after: Readonly<PositionState>) => void;
  private readonly fundingTx: (f: Readonly<FundingEntry>, after: Readonly<PositionState>) => boolean;

  constructor(readonly path: string, o: LedgerOptions = {}) {
    if (path !== ':memory:') {
      if (existsSync(path) && !statSync(path).isFile()) throw new UserError(`--ledger: ${path} is not a file`);
      mkdirSync(dirname(path), { recursive: true });
      this.lock = WriterLock.acquire(path, () => readWriter(path));
    }
    try {
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma(`busy_timeout = ${Math.max(0, Math.round(o.busyTimeoutMs ?? 1000))}`);
      this.db.exec(SCHEMA_SQL);
      migrateSchema(this.db);
    } catch (e) {
      this.lock?.release();
      const code = (e as { code?: string }).code;
      if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') throw new UserError(`--ledger: ${path} is not a marketmakerl ledger (${(e as Error).message})`);
      throw e;
    }
    this.db.prepare('INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
    // An older ledger has just gained the newer tables (CREATE IF NOT EXISTS): say so.
    this.db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version' AND CAST(value AS INTEGER) < ?").run(String(SCHEMA_VERSION), SCHEMA_VERSION);
    this.db.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run('writer', JSON.stringify({ pid: process.pid, since: new Date().toISOString() } satisfies WriterInfo));
    this.crashedRuns = this.db
      .prepare<[], { run_id: string }>("SELECT run_id FROM runs WHERE status = 'running' ORDER BY started_at")
      .all()
      .map((r) => r.run_id);
    // We hold the writer lock: a run still `running` lost its writer without an end.
    if (this.crashedRuns.length > 0) this.db.prepare("UPDATE runs SET status = 'crashed' WHERE status = 'running'").run();
    this.st = this.prepare();
    this.fillTx = this.db.transaction((ts, clientId, side, price, qty, fee, liq, after) => {
      const { lastInsertRowid } = this.st.insFill.run(this.runId, ts, clientId, this.symbol, side, price, qty, fee, liq);
      this.st.fillOrder.run(qty, qty, ts, clientId);
      this.st.upsertPos.run(this.symbol, after.position, after.cash, after.avgCost, after.realizedPnl, after.fees, after.funding ?? 0, Number(lastInsertRowid), ts);
    });
    this.fundingTx = this.db.transaction((f: Readonly<FundingEntry>, after: Readonly<PositionState>): boolean => {
      const { changes } = this.st.insFunding.run(this.runId, f.ts, this.symbol, nullable(f.rate), nullable(f.position), nullable(f.mark), f.amount, f.source, f.exchangeId ?? null);
      if (changes === 0) return false; // recorded before (the same payment read again)
      this.st.fundPos.run(this.symbol, after.position, after.cash, after.avgCost, after.realizedPnl, after.fees, after.funding ?? 0, f.ts);
      return true;
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
        `INSERT INTO positions(symbol, position, cash, avg_cost, realized_pnl, fees, funding, fill_count, last_fill_id, updated_ts)
         VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
         ON CONFLICT(symbol) DO UPDATE SET position = excluded.position, cash = excluded.cash, avg_cost = excluded.avg_cost,
           realized_pnl = excluded.realized_pnl, fees = excluded.fees, funding = excluded.funding, fill_count = fill_count + 1,
           last_fill_id = excluded.last_fill_id, updated_ts = excluded.updated_ts`,
      ),
      insFunding: d.prepare('INSERT OR IGNORE INTO funding(run_id, ts, symbol, rate, position, mark, amount, source, exchange_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      // A payment moves the cash (the margin balance) and the funding sum; the position and the fill counts stay the fills'.
      fundPos: d.prepare(
        `INSERT INTO positions(symbol, position, cash, avg_cost, realized_pnl, fees, funding, fill_count, last_fill_id, updated_ts)
         VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, ?)
         ON CONFLICT(symbol) DO UPDATE SET cash = excluded.cash, funding = excluded.funding, updated_ts = excluded.updated_ts`,
      ),
      insQuote: d.prepare('INSERT INTO quotes(run_id, ts, mid, bid, ask, position, equity, trading_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      insRisk: d.prepare('INSERT INTO risk_events(run_id, ts, kind, condition, from_state, to_state, reason) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      insMetaIfAbsent: d.prepare('INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)'),
      setMeta: d.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      getMeta: d.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
    };
  }

  /**
   * Start a run. The first run of a ledger fixes its initial cash; later runs continue from the ledger.
   * A ledger holds one kind of trading: paper runs never share it with live ones (positions and orders
   * of a simulation must never be reconciled against an exchange, nor real ones mixed with simulated).
   */
  startRun(info: Readonly<RunInfo>, startedAt: Date): void {
    const live = info.mode === 'live';
    const other = this.db.prepare<[], { mode: string }>(`SELECT mode FROM runs WHERE mode ${live ? "!= 'live'" : "= 'live'"} LIMIT 1`).get();
    if (other !== undefined)
      throw new UserError(
        live
          ? `--ledger: ${this.path} holds paper runs; live trading needs a ledger of its own`
          : `--ledger: ${this.path} holds live runs; paper trading needs a ledger of its own`,
      );
    this.runId = info.runId;
    this.symbol = info.symbol;
    const tx = this.db.transaction(() => {
      if (this.st.getMeta.get('initial_cash') === undefined) this.st.setMeta.run('initial_cash', String(info.initialCash));
      this.st.insRun.run(info.runId, startedAt.toISOString(), info.mode, info.exchange, info.symbol, 'running', JSON.stringify(scrubValue(info.config ?? {})));
      this.st.setMeta.run('writer', JSON.stringify({ pid: process.pid, since: startedAt.toISOString(), run_id: info.runId } satisfies WriterInfo));
    });
    tx();
  }

  endRun(endedAt: Date, status: string): void {
    this.st.endRun.run(endedAt.toISOString(), scrubSecrets(status), this.runId);
  }

  /**
   * Start the run of one market among several traded in one process: its own run row (`info.runId`,
   * its exchange and symbol, its config) and its own initial cash (its capital share, fixed at the first
   * run of that symbol), in this file under this writer lock. What the returned journal records carries
   * that run id and symbol; the markets share the file's client-id space (`ClientIdSequence`), so the
   * ledger's orders stay keyed by client id alone.
   */
  startMarketRun(info: Readonly<RunInfo>, startedAt: Date): MarketJournal {
    const prev = { runId: this.runId, symbol: this.symbol };
    // A symbol that earlier single-market runs of this file traded keeps their cash basis (the file's initial cash).
    const traded = this.db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM positions WHERE symbol = ?').get(info.symbol);
    const basis = (traded?.n ?? 0) > 0 ? (this.initialCash() ?? info.initialCash) : info.initialCash;
    this.startRun(info, startedAt);
    this.st.insMetaIfAbsent.run(`initial_cash:${info.symbol}`, String(basis));
    const j = new MarketJournal(this, info.runId, info.symbol);
    if (prev.runId !== '') Object.assign(this, prev);
    return j;
  }

  /** Run `f` as the given run and symbol (a market's journal over this ledger; every call is synchronous). */
  as<T>(runId: string, symbol: string, f: () => T): T {
    const prev = { runId: this.runId, symbol: this.symbol };
    this.runId = runId;
    this.symbol = symbol;
    try {
      return f();
    } finally {
      this.runId = prev.runId;
      this.symbol = prev.symbol;
    }
  }

  /** The initial cash fixed by the first run (of `symbol`, when markets were started with their own), or undefined for a new ledger. */
  initialCash(symbol?: string): number | undefined {
    const own = symbol === undefined ? undefined : this.st.getMeta.get(`initial_cash:${symbol}`);
    const row = own ?? this.st.getMeta.get('initial_cash');
    return row === undefined ? undefined : Number(row.value);
  }

  /**
   * Position, cash and open orders left by earlier runs on `symbol` (a new ledger: undefined). Orders being
   * cancelled are left out (paper: we wanted them gone), or included with `canceling` (live: an exchange may
   * still hold them, or have filled them, and every fill must be booked).
   */
  resume(symbol: string, o: { canceling?: boolean } = {}): ResumeState | undefined {
    const init = this.initialCash(symbol);
    if (init === undefined) return undefined;
    const pos = this.db
      .prepare<[string], { position: number; cash: number; avg_cost: number; realized_pnl: number; fees: number; funding: number; fill_count: number }>(
        'SELECT position, cash, avg_cost, realized_pnl, fees, funding, fill_count FROM positions WHERE symbol = ?',
      )
      .get(symbol);
    const last = this.db.prepare<[], { m: number | null }>('SELECT max(client_id) AS m FROM order_events').get();
    const lastOrder = this.db.prepare<[], { m: number | null }>('SELECT max(client_id) AS m FROM orders').get();
    const open = this.db
      .prepare<[string], { client_id: number; side: number; price: number; qty: number; remaining: number; created_ts: number; status: string }>(
        `SELECT client_id, side, price, qty, remaining, created_ts, status FROM orders WHERE symbol = ? AND status IN ('pending-new', 'open'${o.canceling === true ? ", 'pending-cancel'" : ''}) AND remaining > 1e-12 ORDER BY client_id`,
      )
      .all(symbol);
    const marks = this.st.getMeta.get(`risk_marks:${symbol}`);
    return {
      funding: pos?.funding ?? 0,
      exchangeFunding: this.exchangeFunding(symbol),
      position: pos?.position ?? 0,
      cash: pos?.cash ?? init,
      avgCost: pos?.avg_cost ?? 0,
      realizedPnl: pos?.realized_pnl ?? 0,
      fees: pos?.fees ?? 0,
      fills: pos?.fill_count ?? 0,
      lastClientId: Math.max(last?.m ?? 0, lastOrder?.m ?? 0),
      openOrders: open.map(
        (x): ResumedOrder => ({
          clientId: x.client_id,
          side: x.side > 0 ? 1 : -1,
          price: x.price,
          remaining: x.remaining,
          qty: x.qty,
          createdTs: x.created_ts,
          ...(x.status === 'pending-cancel' ? { canceling: true } : {}),
        }),
      ),
      riskMarks: marks === undefined ? undefined : (JSON.parse(marks.value) as RiskMarks),
    };
  }

  /**
   * Where a live session's reading of the exchange's funding payments on `symbol` starts: the newest one
   * recorded (its time, µs, and the ids recorded at that time, so it is not booked again), or the
   * ledger's first start when none is.
   */
  exchangeFunding(symbol: string): { since: Micros; ids: string[] } {
    const last = this.db.prepare<[string], { ts: number | null }>("SELECT max(ts) AS ts FROM funding WHERE symbol = ? AND source = 'exchange'").get(symbol)?.ts ?? null;
    if (last !== null) {
      const ids = this.db
        .prepare<[string, number], { exchange_id: string | null }>("SELECT exchange_id FROM funding WHERE symbol = ? AND source = 'exchange' AND ts = ?")
        .all(symbol, last)
        .map((r) => r.exchange_id ?? '');
      return { since: last, ids };
    }
    const first = this.db.prepare<[], { t: string | null }>('SELECT min(started_at) AS t FROM runs').get()?.t ?? null;
    return { since: first === null ? 0 : Date.parse(first) * 1000, ids: [] };
  }

  // PaperJournal

  placed(ts: Micros, clientId: number, side: Side, price: number, qty: number): void {
    this.st.insOrder.run(clientId, this.runId, this.symbol, side, price, qty, qty, ts, ts);
  }

  orderEvent(ts: Micros, clientId: number, type: JournalOrderEvent, reason?: string): void {
    const status = STATUS_OF[type];
    const tx = this.db.transaction(() => {
      const why = reason === undefined ? null : scrubSecrets(reason);
      this.st.insEvent.run(this.runId, ts, clientId, type, why);
      if (status !== undefined) this.st.setStatus.run(status, ts, clientId);
      if (type === 'denied') this.st.insRisk.run(this.runId, ts, 'denial', null, null, null, `order ${clientId}: ${why ?? ''}`);
    });
    tx();
  }

  fill(ts: Micros, clientId: number, side: Side, price: number, qty: number, fee: number, liquidity: Liquidity, after: Readonly<PositionState>): void {
    this.fillTx(ts, clientId, side, price, qty, fee, liquidity, after);
  }

  /** A funding payment and the cash it leaves, in one transaction; false when it was recorded before (same time, source and exchange id). */
  funding(f: Readonly<FundingEntry>, after: Readonly<PositionState>): boolean {
    return this.fundingTx(f, after);
  }

  quote(r: Readonly<QuoteRow>): void {
    this.st.insQuote.run(this.runId, r.ts, nullable(r.mid), nullable(r.bid), nullable(r.ask), r.position, nullable(r.equity), r.tradingState);
  }

  risk(t: Readonly<RiskTransition>): void {
    this.st.insRisk.run(this.runId, t.ts, t.raised ? 'raised' : 'cleared', t.condition, t.from, t.to, scrubSecrets(t.reason));
  }

  riskMarks(marks: Readonly<RiskMarks>): void {
    this.st.setMeta.run(`risk_marks:${this.symbol}`, JSON.stringify(marks));
  }

  /** Record a note that is not a state change (a reconnect, a resync, a clock-skew measurement). */
  note(ts: Micros, kind: string, reason: string): void {
    this.st.insRisk.run(this.runId, ts, scrubSecrets(kind), null, null, null, scrubSecrets(reason));
  }

  /** The simulated venue's audit trail of a paper run (its stop). */
  venueAudit(audit: OrderAudit, fills: readonly VenueFill[]): void {
    writeVenueAudit(this.db, this.runId, audit, fills);
  }

  /** This run records the market it receives into `path` (`realtime --record`). */
  linkRecording(path: string): void {
    linkRecording(this.db, this.path, this.runId, path);
  }

  /** The run's recording is complete. */
  recordingWritten(info: { rows: number; firstLocalUs: number | null; lastLocalUs: number | null; bytes: number; sha256: string }): void {
    recordingWritten(this.db, this.runId, info, new Date());
  }

  /** The run's recording could not be written. */
  recordingFailed(): void {
    recordingFailed(this.db, this.runId);
  }

  /** Fold the WAL back into the main file, close, and release the writer lock. */
  close(): void {
    if (!this.db.open) {
      this.lock?.release();
      return;
    }
    try {
      this.db.prepare("DELETE FROM meta WHERE key = 'writer'").run();
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // A locked or failing file: what is committed stays committed; the lock goes all the same.
    } finally {
      this.db.close();
      this.lock?.release();
    }
  }

  /** Close as a killed process would: no checkpoint, no cleanup (tests of crash recovery). */
  abandon(): void {
    if (this.db.open) this.db.close();
    this.lock?.release();
  }
}

/**
 * Refuse, before anything else happens, a ledger that holds runs of the other kind (paper vs live); read
 * only, no lock. `startRun` checks again under the lock.
 */
export function assertLedgerMode(path: string, mode: string): void {
  if (!existsSync(path)) return;
  if (!statSync(path).isFile()) throw new UserError(`--ledger: ${path} is not a file`);
  let db: Database.Database | undefined;
  let modes: string[];
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    modes = db.prepare<[], { mode: string }>('SELECT DISTINCT mode FROM runs').all().map((r) => r.mode);
  } catch (e) {
    throw new UserError(`--ledger: ${path} is not a marketmakerl ledger (${(e as Error).message})`);
  } finally {
    db?.close();
  }
  const live = mode === 'live';
  if (live && modes.some((m) => m !== 'live')) throw new UserError(`--ledger: ${path} holds paper runs; live trading needs a ledger of its own`);
  if (!live && modes.includes('live')) throw new UserError(`--ledger: ${path} holds live runs; paper trading needs a ledger of its own`);
}

/** The writer recorded in a ledger's meta, read without taking any lock (for the second writer's message). */
function readWriter(path: string): WriterInfo | undefined {
  if (!existsSync(path)) return undefined;
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const row = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'writer'").get();
    return row === undefined ? undefined : (JSON.parse(row.value) as WriterInfo);
  } catch {
    return undefined;
  } finally {
    db?.close();
  }
}

function nullable(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** One market's journal over a ledger shared by several markets (`Ledger.startMarketRun`). */
export class MarketJournal implements PaperJournal {
  constructor(
    readonly ledger: Ledger,
    readonly runId: string,
    readonly symbol: string,
  ) {}
  private on<T>(f: () => T): T {
    return this.ledger.as(this.runId, this.symbol, f);
  }
  placed(ts: Micros, clientId: number, side: Side, price: number, qty: number): void {
    this.on(() => this.ledger.placed(ts, clientId, side, price, qty));
  }
  orderEvent(ts: Micros, clientId: number, type: JournalOrderEvent, reason?: string): void {
    this.on(() => this.ledger.orderEvent(ts, clientId, type, reason));
  }
  fill(ts: Micros, clientId: number, side: Side, price: number, qty: number, fee: number, liquidity: Liquidity, after: Readonly<PositionState>): void {
    this.on(() => this.ledger.fill(ts, clientId, side, price, qty, fee, liquidity, after));
  }
  funding(f: Readonly<FundingEntry>, after: Readonly<PositionState>): boolean {
    return this.on(() => this.ledger.funding(f, after));
  }
  quote(r: Readonly<QuoteRow>): void {
    this.on(() => this.ledger.quote(r));
  }
  risk(t: Readonly<RiskTransition>): void {
    this.on(() => this.ledger.risk(t));
  }
  riskMarks(marks: Readonly<RiskMarks>): void {
    this.on(() => this.ledger.riskMarks(marks));
  }
  note(ts: Micros, kind: string, reason: string): void {
    this.on(() => this.ledger.note(ts, kind, reason));
  }
  venueAudit(audit: OrderAudit, fills: readonly VenueFill[]): void {
    this.on(() => this.ledger.venueAudit(audit, fills));
  }
  /** This market's run is about to record the market it receives at `path`. */
  linkRecording(path: string): void {
    this.on(() => this.ledger.linkRecording(path));
  }
  recordingWritten(info: { rows: number; firstLocalUs: number | null; lastLocalUs: number | null; bytes: number; sha256: string }): void {
    this.on(() => this.ledger.recordingWritten(info));
  }
  recordingFailed(): void {
    this.on(() => this.ledger.recordingFailed());
  }
  /** Position, cash and open orders this market left in the ledger (undefined: a new ledger). */
  resume(o: { canceling?: boolean } = {}): ResumeState | undefined {
    return this.ledger.resume(this.symbol, o);
  }
  initialCash(): number | undefined {
    return this.ledger.initialCash(this.symbol);
  }
  endRun(endedAt: Date, status: string): void {
    this.on(() => this.ledger.endRun(endedAt, status));
  }
}
