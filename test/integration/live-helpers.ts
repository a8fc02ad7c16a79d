// Shared setup of the live-trading tests: the fake private exchange, the real ccxt client, a ledger and a simple strategy.
import { mkdtempSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakePrivateExchange, type FakePrivateExchange } from '../fake-exchange/private/index.js';
import { openLiveExchange } from '../../src/venues/ccxt/live-ccxt.js';
import type { LiveExchange } from '../../src/venues/ccxt/live-types.js';
import { LiveSession, type LiveSessionOptions } from '../../src/engine/live-session.js';
import { Ledger } from '../../src/ledger/index.js';
import { parseRiskConfig } from '../../src/risk/index.js';
import { roundDown, roundUp } from '../../src/market/index.js';
import type { MarketView, QuoteTarget, Strategy } from '../../src/strategy/index.js';

/** Distinctive test credentials: the secrets test searches every output for them. */
export const TEST_KEY = 'tk-LIVEKEY-7f3a9c2e51';
export const TEST_SECRET = 'ts-LIVESECRET-0d94b6a8c3';

/** Quotes `offset` outside the best bid and ask, one order a side. */
export class FixedSpreadStrategy implements Strategy {
  readonly name = 'fixed-spread';
  constructor(
    private readonly qty: number,
    private readonly offset: number,
    private readonly tick = 0.01,
  ) {}
  decide(v: Readonly<MarketView>, out: QuoteTarget): void {
    if (!(v.bestBid > 0) || !(v.bestAsk > 0)) {
      out.bidPrice = Number.NaN;
      out.askPrice = Number.NaN;
      out.bidQty = out.askQty = 0;
      return;
    }
    out.bidPrice = roundDown(v.bestBid - this.offset, this.tick);
    out.askPrice = roundUp(v.bestAsk + this.offset, this.tick);
    out.bidQty = out.askQty = this.qty;
  }
}

export interface LiveRig {
  fake: FakePrivateExchange;
  exchange: LiveExchange;
  dir: string;
  ledger: Ledger;
  lines: string[];
  logFile: string;
  session: LiveSession;
  run: Promise<Awaited<ReturnType<LiveSession['run']>>>;
  close(): Promise<void>;
}

export async function openExchange(fake: FakePrivateExchange): Promise<LiveExchange> {
  return openLiveExchange({ exchange: 'binance', apiKey: TEST_KEY, secret: TEST_SECRET, url: fake.restUrl.replace(/\/api\/v3$/, ''), rateLimit: false, timeoutMs: 400 });
}

/** The options of a test session; `over` replaces any of them. */
export function sessionOptions(exchange: LiveExchange, ledger: Ledger, log: LiveSessionOptions['log'], over: Partial<LiveSessionOptions> = {}): LiveSessionOptions {
  return {
    exchange,
    symbol: 'BTC/USDT',
    strategy: new FixedSpreadStrategy(0.001, 10),
    session: {
      initialCash: 10_000,
      reconcile: { priceTolerance: 0.5, qtyTolerance: 0.1 },
      risk: parseRiskConfig({ max_order_qty: 0.001, max_inventory_qty: 0.01, max_order_notional: 1_000, stale_after_ms: 5_000, max_orders_per_window: 50, daily_loss_limit: 100, max_drawdown: 150 }, { orderQty: 0.001, maxInventoryQty: 0.01, capital: 10_000 }),
      // Every step decides (the fake's market moves when a test says so).
      decisionIntervalMicros: 0,
    },
    idNamespace: 'run_live_test',
    orderQty: 0.001,
    tickSize: 0.01,
    unknownOrders: 'cancel',
    positionTolerance: 1e-9,
    haltOnMismatch: true,
    baseline: undefined,
    journal: ledger,
    log,
    pollMs: 40,
    reconcileEveryMs: 60_000,
    adapter: { attempts: 6, backoffMs: 20, settleMs: 300 },
    ...over,
  };
}

/** The session's stored baseline offset for `symbol` in the ledger, and how it saves a new one (as the CLI keeps it). */
export function storedBaseline(ledger: Ledger, symbol: string): Pick<LiveSessionOptions, 'baseline' | 'saveBaseline'> {
  const key = `live_base_offset:${symbol}`;
  const stored = ledger.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(key);
  return {
    baseline: stored === undefined ? undefined : { offset: Number(stored.value) },
    saveBaseline: (b) => ledger.db.prepare('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)').run(key, String(b.offset)),
  };
}

/** Start the fake, the client, a ledger in a temp dir, and a running session. */
export async function startRig(over: Partial<LiveSessionOptions> = {}, existing?: { fake: FakePrivateExchange; dir: string }): Promise<LiveRig> {
  const fake = existing?.fake ?? (await startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET }));
  const dir = existing?.dir ?? mkdtempSync(join(tmpdir(), 'mm-live-'));
  const exchange = await openExchange(fake);
  const ledger = new Ledger(join(dir, 'ledger.sqlite'), { busyTimeoutMs: 20 });
  const lines: string[] = [];
  const logFile = join(dir, 'live.jsonl');
  const log: LiveSessionOptions['log'] = (event, fields) => {
    const line = JSON.stringify({ event, ...fields });
    lines.push(line);
    appendFileSync(logFile, `${line}\n`);
  };
  const resume = ledger.resume('BTC/USDT', { canceling: true });
  const runId = `live_test_${Date.now()}_${Math.random().toString(36).slice(2, 6)}`;
  ledger.startRun({ runId, mode: 'live', exchange: 'binance', symbol: 'BTC/USDT', config: { test: true }, initialCash: 10_000 }, new Date());
  const session = new LiveSession(
    sessionOptions(exchange, ledger, log, {
      resume,
      ...storedBaseline(ledger, 'BTC/USDT'),
      ...over,
    }),
  );
  const run = session.run();
  run.catch(() => undefined);
  return {
    fake,
    exchange,
    dir,
    ledger,
    lines,
    logFile,
    session,
    run,
    close: async () => {
      await exchange.close();
      ledger.close();
    },
  };
}

export { waitFor } from '../wait-for.js';

/** Both quotes acknowledged by the exchange and open in the core. */
export function bothQuotesOpen(rig: LiveRig): boolean {
  const open = rig.fake.account.openOrders();
  return open.length === 2 && open.some((o) => o.side === 'BUY') && open.some((o) => o.side === 'SELL') && rig.session.adapter.live().filter((t) => t.state === 'open').length === 2;
}

export function restingPrice(rig: LiveRig, side: 'BUY' | 'SELL'): number {
  const o = rig.fake.account.openOrders().find((x) => x.side === side);
  if (o === undefined) throw new Error(`no ${side} order at the exchange`);
  return o.price;
}

export function ledgerPosition(ledger: Ledger): number {
  return ledger.db.prepare<[], { position: number }>('SELECT position FROM positions').get()?.position ?? 0;
}

export function ledgerCount(ledger: Ledger, sql: string): number {
  return ledger.db.prepare<[], { n: number }>(sql).get()?.n ?? 0;
}

export function exchangeBaseDelta(fake: FakePrivateExchange): number {
  const b = fake.account.balance('BTC');
  return Math.round((b.free + b.locked - 0.5) * 1e9) / 1e9;
}

export function noDuplicateOrders(fake: FakePrivateExchange): boolean {
  return [...fake.account.createdByClientId.values()].every((n) => n === 1);
}
