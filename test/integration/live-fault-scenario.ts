// One seeded fault scenario of live trading against the fake private exchange, and the figures it adds to.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Rng } from '../../src/core/index.js';
import { LiveSession, type LiveSummary } from '../../src/engine/live-session.js';
import type { PaperJournal } from '../../src/engine/index.js';
import { Ledger, checkLedgerInvariants } from '../../src/ledger/index.js';
import { parseRiskConfig } from '../../src/risk/index.js';
import { ClientOrderIds } from '../../src/venues/ccxt/client-order-id.js';
import { openLiveExchange } from '../../src/venues/ccxt/live-ccxt.js';
import { VenueFault, type LiveExchange } from '../../src/venues/ccxt/live-types.js';
import { paperSetup, type SessionSettings } from '../../src/engine/index.js';
import { startFakePrivateExchange, type FakeAccount, type FakePrivateExchange } from '../fake-exchange/private/index.js';
import { FixedSpreadStrategy, TEST_KEY, TEST_SECRET } from './live-helpers.js';
import { USDM_MARKET } from '../fixtures/usdm-capture.js';

/**
 * What a scenario trades, on the same fake and under the same faults: spot BTC/USDT (holding = the BTC
 * balance) or the USD-M BTCUSDT perpetual (holding = the net position in contracts, GTX post-only orders
 * on /fapi, the listenKey user stream). Sizes keep each market's rules: the perpetual's lot is 0.001 and
 * its minimum notional 100 USDT.
 */
export interface FaultVenue {
  name: 'spot' | 'perp';
  exchange: 'binance' | 'binanceusdm';
  symbol: string;
  tick: number;
  orderQty: number;
  /** Sizes of the partial fills the faults inject: a fill, a fill while the stream is down, one while the ledger is locked. */
  partial: { fill: number; streamDown: number; ledgerLock: number };
  /** The account the session trades on the fake. */
  account(fake: FakePrivateExchange): FakeAccount;
  /** The exchange's holding change since the start (spot: BTC balance; perpetual: position). */
  holdingDelta(fake: FakePrivateExchange): number;
  startFake(): Promise<FakePrivateExchange>;
  /** The run's config as the ledger keeps it (its invariants judge a perpetual's cash by the instrument). */
  runConfig(seed: number): Record<string, unknown>;
  settings(refPrice: number): SessionSettings;
  perpetuals: boolean;
}

const RISK = { max_order_notional: 1_000, stale_after_ms: 5_000, max_orders_per_window: 10_000, daily_loss_limit: 1e9, max_drawdown: 1e9 };

export const SPOT_VENUE: FaultVenue = {
  name: 'spot',
  exchange: 'binance',
  symbol: 'BTC/USDT',
  tick: 0.01,
  orderQty: 0.001,
  partial: { fill: 0.0004, streamDown: 0.0003, ledgerLock: 0.0002 },
  account: (fake) => fake.account,
  holdingDelta: (fake) => {
    const b = fake.account.balance('BTC');
    return Math.round((b.free + b.locked - 0.5) * 1e9) / 1e9;
  },
  startFake: () => startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET }),
  runConfig: (seed) => ({ seed }),
  settings: () => ({
    initialCash: 10_000,
    reconcile: { priceTolerance: 0.5, qtyTolerance: 0.1 },
    risk: parseRiskConfig({ max_order_qty: 0.001, max_inventory_qty: 0.05, ...RISK }, { orderQty: 0.001, maxInventoryQty: 0.05, capital: 10_000 }),
    // Every step decides, as the other live tests against the fake.
    decisionIntervalMicros: 0,
  }),
  perpetuals: false,
};

const PERP_MARKET = USDM_MARKET;

export const PERP_VENUE: FaultVenue = {
  name: 'perp',
  exchange: 'binanceusdm',
  symbol: 'BTC/USDT:USDT',
  tick: 0.1,
  orderQty: 0.003,
  partial: { fill: 0.001, streamDown: 0.001, ledgerLock: 0.002 },
  account: (fake) => fake.perp!,
  holdingDelta: (fake) => fake.perp!.position,
  startFake: () => startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET, perp: { positionAmt: 0, entryPrice: 0, marginType: 'cross', dualSide: false, leverage: 5, wallet: 10_000 } }),
  runConfig: (seed) => ({ seed, market: PERP_MARKET }),
  settings: (refPrice) => ({
    ...paperSetup({ capital: 10_000, market: { ...PERP_MARKET }, quoting: { order_qty: 0.003, max_inventory_qty: 0.05, calibrate: false }, risk: RISK }, refPrice).options.session,
    decisionIntervalMicros: 0,
  }),
  perpetuals: true,
};

export const FAULT_VENUES: Readonly<Record<FaultVenue['name'], FaultVenue>> = { spot: SPOT_VENUE, perp: PERP_VENUE };

/** What the suite counts; every count but `scenarios` and `faults` must end at zero. */
export interface FaultFigures {
  scenarios: number;
  orphanOrders: number;
  duplicates: number;
  inventedFills: number;
  lostFills: number;
  positionMismatches: number;
  invariantViolations: number;
  runsLeftRunning: number;
  /** Sessions still running but not quoting a while after the last fault (halted past its cause). */
  stuckHalted: number;
  /** Faults injected, by kind; fatal ends and kills seen. */
  faults: Record<string, number>;
  /** Exchange fills checked against the ledger. */
  fillsChecked: number;
  failures: string[];
}

export function emptyFigures(): FaultFigures {
  return { scenarios: 0, orphanOrders: 0, duplicates: 0, inventedFills: 0, lostFills: 0, positionMismatches: 0, invariantViolations: 0, runsLeftRunning: 0, stuckHalted: 0, faults: {}, fillsChecked: 0, failures: [] };
}

/** Timings of the suite: small, so that 200 scenarios fit in CI; the protocol's invariants do not depend on them. */
const T = { requestTimeoutMs: 300, settleMs: 250, maxLagMs: 120, streamBudgetMs: 300, ledgerBudgetMs: 400, pollMs: 60, backMs: 10_000 };

const FAULTS = ['lost-create', 'lost-filled-create', 'lag', 'burst-5xx', 'burst-429', 'fill', 'move', 'stream-drop', 'stream-down', 'stream-hang', 'ledger-lock', 'kill'] as const;
type Fault = (typeof FAULTS)[number];

/** A LiveExchange that dies with its process: after `kill()` nothing more reaches the exchange. */
class Killable {
  dead = false;
  readonly exchange: LiveExchange;
  constructor(inner: LiveExchange) {
    const self = this;
    this.exchange = new Proxy(inner, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function' || prop === 'close') return v;
        // The one synchronous question: a dead process's sockets are closed.
        if (prop === 'privateStreamOpen') return () => (self.dead ? false : (v as () => boolean | undefined).call(target));
        return (...args: unknown[]) => (self.dead ? Promise.reject(new VenueFault('fatal', 'process killed')) : (v as (...a: unknown[]) => unknown).apply(target, args));
      },
    });
  }
}

/** The ledger as the session sees it: after a kill, nothing more is written (the process is gone). */
function killableJournal(ledger: Ledger, killed: () => boolean): PaperJournal {
  const guard =
    <A extends unknown[]>(fn: (...a: A) => void) =>
    (...a: A): void => {
      if (!killed()) fn(...a);
    };
  return {
    placed: guard((...a: Parameters<Ledger['placed']>) => ledger.placed(...a)),
    orderEvent: guard((...a: Parameters<Ledger['orderEvent']>) => ledger.orderEvent(...a)),
    fill: guard((...a: Parameters<Ledger['fill']>) => ledger.fill(...a)),
    quote: guard((...a: Parameters<Ledger['quote']>) => ledger.quote(...a)),
    risk: guard((...a: Parameters<Ledger['risk']>) => ledger.risk(...a)),
    riskMarks: guard((...a: Parameters<Ledger['riskMarks']>) => ledger.riskMarks(...a)),
    note: guard((...a: Parameters<Ledger['note']>) => ledger.note(...a)),
  };
}

interface Running {
  session: LiveSession;
  ledger: Ledger;
  killable: Killable;
  raw: LiveExchange;
  run: Promise<LiveSummary | undefined>;
  ended: boolean;
  killed: boolean;
  runId: string;
  /** Why `run()` threw (a refused preflight: the session never traded). */
  error?: string;
}

const NAMESPACE = 'run_live_fault';

let scenarioLog: ((seed: number, line: string) => void) | undefined;
/** Debugging: every session's log lines, and the steps, go here. */
export function setScenarioLog(fn: ((seed: number, line: string) => void) | undefined): void {
  scenarioLog = fn;
}

/**
 * Start a session that gets past its preflight (a loaded machine can time its requests out; the operator
 * would start it again): a refused start is ended like the CLI ends it, and tried again.
 */
async function startTrading(venue: FaultVenue, fake: FakePrivateExchange, ledgerPath: string, seed: number, counter: { n: number }, fig: FaultFigures, timeoutMs = T.requestTimeoutMs): Promise<Running> {
  for (let attempt = 0; ; attempt++) {
    const r = await startSession(venue, fake, ledgerPath, seed, counter.n++, attempt === 0 ? timeoutMs : 2_000);
    await until(() => r.session.lastPreflight?.ok === true || r.ended, 60_000);
    if (!r.ended || r.error === undefined || attempt >= 5) return r;
    await finish(r, fig);
  }
}

async function startSession(venue: FaultVenue, fake: FakePrivateExchange, ledgerPath: string, seed: number, n: number, timeoutMs: number): Promise<Running> {
  const raw = await openLiveExchange({ exchange: venue.exchange, apiKey: TEST_KEY, secret: TEST_SECRET, url: fake.restUrl.replace(/\/api\/v3$/, ''), rateLimit: false, timeoutMs, ...(venue.perpetuals ? { perpetuals: true } : {}) });
  const killable = new Killable(raw);
  const ledger = new Ledger(ledgerPath, { busyTimeoutMs: 5 });
  const resume = ledger.resume(venue.symbol, { canceling: true });
  const runId = `live_fault_${seed}_${n}`;
  ledger.startRun({ runId, mode: 'live', exchange: venue.exchange, symbol: venue.symbol, config: venue.runConfig(seed), initialCash: 10_000 }, new Date());
  const baselineKey = `live_base_offset:${venue.symbol}`;
  const stored = ledger.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(baselineKey);
  const account = venue.account(fake);
  const r: Running = { session: undefined as unknown as LiveSession, ledger, killable, raw, run: Promise.resolve(undefined), ended: false, killed: false, runId };
  r.session = new LiveSession({
    exchange: killable.exchange,
    symbol: venue.symbol,
    strategy: new FixedSpreadStrategy(venue.orderQty, 5, venue.tick),
    session: venue.settings((account.bestBid + account.bestAsk) / 2),
    idNamespace: NAMESPACE,
    orderQty: venue.orderQty,
    tickSize: venue.tick,
    unknownOrders: 'cancel',
    ...(venue.perpetuals ? { perp: { marginMode: 'cross' as const } } : {}),
    positionTolerance: 1e-9,
    haltOnMismatch: true,
    baseline: stored === undefined ? undefined : { offset: Number(stored.value) },
    saveBaseline: (b) => {
      if (!r.killed) ledger.db.prepare('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)').run(baselineKey, String(b.offset));
    },
    resume,
    journal: killableJournal(ledger, () => r.killed),
    log: (event, fields) => scenarioLog?.(seed, `${Date.now() % 100000} s${n} ${event} ${JSON.stringify(fields)}`),
    pollMs: T.pollMs,
    reconcileEveryMs: 60_000,
    adapter: { attempts: 4, backoffMs: 10, maxBackoffMs: 80, settleMs: T.settleMs, lookupRounds: 6, streamBudgetMs: T.streamBudgetMs },
    ledgerBudgetMs: T.ledgerBudgetMs,
  } as ConstructorParameters<typeof LiveSession>[0]);
  r.run = r.session.run().then(
    (s) => {
      r.ended = true;
      return s;
    },
    (e: unknown) => {
      r.ended = true;
      r.error = e instanceof Error ? e.message : String(e);
      return undefined;
    },
  );
  return r;
}

/** End a session the way the CLI does: its run gets a status and the ledger is closed. */
async function finish(r: Running, fig: FaultFigures): Promise<LiveSummary | undefined> {
  if (!r.ended) r.session.stop('end of scenario');
  const summary = await withTimeout(r.run, 30_000, 'session end');
  if (r.error !== undefined) bump(fig, 'refused-start');
  if (!r.killed) {
    if (summary?.fatal !== undefined) bump(fig, 'fatal-end');
    r.ledger.endRun(new Date(), r.error !== undefined ? `refused: ${r.error}` : summary?.fatal !== undefined ? `failed: ${summary.fatal}` : 'completed');
    r.ledger.close();
  }
  await r.raw.close();
  return summary;
}

/** A kill: from this instant the process reaches neither the exchange nor the ledger (requests on the wire still land). */
async function kill(r: Running): Promise<void> {
  r.killed = true;
  r.killable.dead = true;
  r.ledger.abandon();
  r.session.stop('killed');
  // A dead process's leftovers cannot reach anything; its client is closed once it has wound down.
  void r.run.then(() => r.raw.close());
}

function bump(fig: FaultFigures, kind: string): void {
  fig.faults[kind] = (fig.faults[kind] ?? 0) + 1;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function until(pred: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) return false;
    await sleep(5);
  }
  return true;
}

/** Load ccxt and build one client before the clock matters (the first one costs seconds of compiling). */
export async function warmUp(venue: FaultVenue = SPOT_VENUE): Promise<void> {
  const fake = await venue.startFake();
  const ex = await openLiveExchange({ exchange: venue.exchange, apiKey: TEST_KEY, secret: TEST_SECRET, url: fake.restUrl.replace(/\/api\/v3$/, ''), rateLimit: false, ...(venue.perpetuals ? { perpetuals: true } : {}) });
  await ex.market(venue.symbol);
  await ex.close();
  await fake.close();
}

/** Run scenario `seed` on `venue`: a random sequence of faults against a live session, a recovery, then the checks. */
export async function runFaultScenario(seed: number, fig: FaultFigures, venue: FaultVenue = SPOT_VENUE): Promise<void> {
  const rng = new Rng(seed);
  const fake = await venue.startFake();
  const account = venue.account(fake);
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'mm-fault-'));
  const ledgerPath = join(dir, 'ledger.sqlite');
  const sessions = { n: 0 };
  let kills = 0;
  let cur = await startTrading(venue, fake, ledgerPath, seed, sessions, fig);
  const locks: Database.Database[] = [];
  try {
    await until(() => account.openOrders().length > 0 || cur.ended, 3_000);
    const steps = 2 + rng.int(5);
    for (let i = 0; i < steps && !cur.ended; i++) {
      const f: Fault = FAULTS[rng.int(FAULTS.length)]!;
      bump(fig, f);
      scenarioLog?.(seed, `${Date.now() % 100000} STEP ${f}`);
      const open = account.openOrders();
      switch (f) {
        case 'lost-create':
          fake.faults.hangAfterAccept++;
          account.setMarket(account.bestBid + 0.5, account.bestAsk + 0.5); // makes it re-quote: new creates
          break;
        case 'lost-filled-create':
          // The order fills before its answer is lost (the duplicate this protocol exists for).
          fake.faults.hangAfterAccept++;
          fake.faults.fillOnAccept++;
          account.setMarket(account.bestBid - 0.5, account.bestAsk - 0.5);
          break;
        case 'lag':
          fake.faults.lookupLagMs = rng.int(T.maxLagMs + 1);
          break;
        case 'burst-5xx':
          fake.faults.serverError += 1 + rng.int(3);
          fake.faults.createOn5xx = rng.next() < 0.5;
          account.setMarket(account.bestBid + 0.3, account.bestAsk + 0.3);
          break;
        case 'burst-429':
          fake.faults.rateLimit += 1 + rng.int(4);
          break;
        case 'fill': {
          const o = open[rng.int(Math.max(1, open.length))];
          if (o !== undefined) account.marketTrade(o.side === 'BUY' ? 'SELL' : 'BUY', o.price, rng.next() < 0.5 ? o.origQty - o.executedQty : venue.partial.fill);
          break;
        }
        case 'move': {
          const d = (rng.int(40) - 20) * 0.25;
          account.setMarket(account.bestBid + d, account.bestAsk + d);
          break;
        }
        case 'stream-drop':
          fake.dropUserStreams();
          break;
        case 'stream-down': {
          // Down past the retry budget: the session must take its fatal path (cancel, verify) by itself.
          fake.faults.userStreamDown = true;
          fake.dropUserStreams();
          const o = account.openOrders()[0];
          if (o !== undefined && rng.next() < 0.5) account.marketTrade(o.side === 'BUY' ? 'SELL' : 'BUY', o.price, venue.partial.streamDown);
          await until(() => cur.ended, T.streamBudgetMs * 20);
          fake.faults.userStreamDown = false;
          break;
        }
        case 'stream-hang': {
          // The reconnect is held — its upgrade, or on spot (socket open) its user-data subscription's answer —
          // for up to twice the budget: back within it, or the fatal path past it (the checks below and the
          // liveness figure; that nothing is quoted while it is held is asserted in live-recovery.test.ts).
          if (venue.name === 'spot' && rng.next() < 0.5) fake.faults.userStreamSubscribeHang = true;
          else fake.faults.userStreamHang = true;
          fake.dropUserStreams();
          const o = account.openOrders()[0];
          if (o !== undefined && rng.next() < 0.5) account.marketTrade(o.side === 'BUY' ? 'SELL' : 'BUY', o.price, venue.partial.streamDown);
          await sleep(rng.int(2 * T.streamBudgetMs));
          fake.releaseUserStreams();
          break;
        }
        case 'ledger-lock': {
          const db = new Database(ledgerPath);
          db.exec('BEGIN EXCLUSIVE');
          locks.push(db);
          const o = account.openOrders()[0];
          if (o !== undefined) account.marketTrade(o.side === 'BUY' ? 'SELL' : 'BUY', o.price, venue.partial.ledgerLock); // a fill while unwritable
          await sleep(50 + rng.int(2 * T.ledgerBudgetMs));
          db.exec('COMMIT');
          db.close();
          locks.pop();
          break;
        }
        case 'kill':
          await sleep(rng.int(60));
          await kill(cur);
          kills++;
          cur = await startTrading(venue, fake, ledgerPath, seed, sessions, fig);
          await until(() => account.openOrders().length > 0 || cur.ended, 3_000);
          break;
      }
      await sleep(20 + rng.int(120));
    }
    // Liveness: with the faults over, a session still running is back to quoting (a halt that outlives its
    // cause is safe but trades nothing: a dropped stream that never counts as back, a cancel-all never verified).
    if (!cur.ended) {
      const back = await until(() => cur.ended || (cur.session.risk.state !== 'halted' && account.openOrders().length > 0), T.backMs);
      if (!back) {
        fig.stuckHalted++;
        fig.failures.push(`seed ${seed}: still ${cur.session.risk.state} ${T.backMs} ms after the last fault (${account.openOrders().length} orders open)`);
      }
    }
    const last = await finish(cur, fig);
    // Recovery after a kill, a fatal end or an unverified cancel: a clean session on the same ledger
    // reconciles with the exchange (fills made meanwhile, orders left), then stops (cancel, verify).
    if (kills > 0 || last === undefined || last.fatal !== undefined || !last.cancelVerified || cur.error !== undefined) {
      bump(fig, 'recovery');
      fake.faults.lookupLagMs = 0;
      cur = await startTrading(venue, fake, ledgerPath, seed, sessions, fig, 2_000);
      await until(() => cur.ended || cur.session.core.view.start > 0, 5_000);
      await finish(cur, fig);
    }
    check(venue, fake, ledgerPath, seed, fig);
  } catch (e) {
    fig.failures.push(`seed ${seed}: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    for (const db of locks) db.close();
    fig.scenarios++;
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Ledger against exchange: no order left open, no id created twice, every fill once on each side. */
function check(venue: FaultVenue, fake: FakePrivateExchange, ledgerPath: string, seed: number, fig: FaultFigures): void {
  const account = venue.account(fake);
  const fail = (what: string): void => {
    fig.failures.push(`seed ${seed}: ${what}`);
  };
  const open = account.openOrders().length;
  if (open > 0) fail(`${open} order(s) left open at the exchange`);
  fig.orphanOrders += open;
  const dups = [...account.createdByClientId.entries()].filter(([, n]) => n > 1);
  if (dups.length > 0) fail(`client order ids created twice: ${dups.map(([c]) => c).join(', ')}`);
  fig.duplicates += dups.length;

  const db = new Database(ledgerPath, { readonly: true });
  try {
    const ids = new ClientOrderIds(NAMESPACE);
    const ledgerFills = db.prepare<[], { client_id: number; price: number; qty: number }>('SELECT client_id, price, qty FROM fills').all();
    const pool = new Map<string, number>();
    const key = (clientId: number, price: number, qty: number): string => `${clientId}|${price.toFixed(2)}|${qty.toFixed(8)}`;
    for (const f of ledgerFills) pool.set(key(f.client_id, f.price, f.qty), (pool.get(key(f.client_id, f.price, f.qty)) ?? 0) + 1);
    for (const t of account.trades) {
      fig.fillsChecked++;
      const k = key(ids.parse(t.clientOrderId) ?? -1, t.price, t.qty);
      const n = pool.get(k) ?? 0;
      if (n === 0) {
        fig.lostFills++;
        fail(`exchange fill of ${t.clientOrderId} (${t.qty} @ ${t.price}) is not in the ledger`);
      } else pool.set(k, n - 1);
    }
    for (const [k, n] of pool)
      if (n > 0) {
        fig.inventedFills += n;
        fail(`ledger fill ${k} has no exchange fill`);
      }
    const pos = db.prepare<[], { position: number }>('SELECT position FROM positions').get()?.position ?? 0;
    const delta = venue.holdingDelta(fake);
    if (Math.abs(pos - delta) > 1e-9) {
      fig.positionMismatches++;
      fail(`ledger position ${pos} != exchange holding change ${delta}`);
    }
    const problems = checkLedgerInvariants(db);
    fig.invariantViolations += problems.length;
    for (const p of problems) fail(`invariant: ${p}`);
    const running = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM runs WHERE status = 'running'").get()?.n ?? 0;
    fig.runsLeftRunning += running;
    if (running > 0) fail(`${running} run(s) left running`);
  } finally {
    db.close();
  }
}
