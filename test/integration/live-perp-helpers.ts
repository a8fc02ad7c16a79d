// Live trading of the USD-M BTCUSDT perpetual against the fake: the shared capture replayed into the fake's book, a session built from a linear_perp config.
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventFlag, EventType, type EventColumns } from '../../src/market/index.js';
import { readEvents } from '../../src/data/index.js';
import { LiveSession, type LiveSessionOptions } from '../../src/engine/live-session.js';
import { paperSetup } from '../../src/engine/index.js';
import { Ledger } from '../../src/ledger/index.js';
import { openLiveExchange } from '../../src/venues/ccxt/live-ccxt.js';
import type { LiveExchange } from '../../src/venues/ccxt/live-types.js';
import { startFakePrivateExchange, type FakeAccount, type FakePerp, type FakePrivateExchange } from '../fake-exchange/private/index.js';
import { USDM_MARKET, ensureSharedUsdmArrow } from '../fixtures/usdm-capture.js';
import { FixedSpreadStrategy, TEST_KEY, TEST_SECRET, storedBaseline } from './live-helpers.js';

export const PERP_SYMBOL = USDM_MARKET.symbol;
export const PERP_WALLET = 10_000;
/** One-way, cross margin, leverage 5, flat, 10,000 USDT. */
export const FLAT_PERP: FakePerp = { positionAmt: 0, entryPrice: 0, marginType: 'cross', dualSide: false, leverage: 5, wallet: PERP_WALLET };

let capture: EventColumns | undefined;
/** The shared USD-M capture (BTCUSDT perpetual, 2024-08-08), converted once. */
export function usdmEvents(): EventColumns {
  capture ??= readEvents(ensureSharedUsdmArrow());
  return capture;
}

/**
 * The capture replayed into a fake account on the wall clock, `speed` times its own pace: each BBO
 * message sets the fake's best bid and ask, each trade is a market trade by its aggressor (it fills our
 * resting orders whose price it reaches). `primeTouch` applies rows until the first complete touch.
 */
export class CaptureReplay {
  private i = 0;
  private bid = Number.NaN;
  private ask = Number.NaN;
  private timer: NodeJS.Timeout | undefined;
  private t0Wall = 0;
  private t0Capture = 0;
  trades = 0;

  constructor(
    private readonly account: FakeAccount,
    private readonly ev: EventColumns,
    private readonly speed: number,
  ) {}

  primeTouch(): void {
    while (this.i < this.ev.length && !(this.bid > 0 && this.ask > 0)) this.apply(this.i++);
    this.account.setMarket(this.bid, this.ask);
  }

  start(): void {
    this.t0Wall = Date.now();
    this.t0Capture = this.ev.tsExchange[this.i] ?? 0;
    this.timer = setInterval(() => this.advance(), 10);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  get done(): boolean {
    return this.i >= this.ev.length;
  }

  private advance(): void {
    const until = this.t0Capture + (Date.now() - this.t0Wall) * 1000 * this.speed;
    while (this.i < this.ev.length && this.ev.tsExchange[this.i]! <= until) this.apply(this.i++);
  }

  private apply(i: number): void {
    const ev = this.ev;
    const type = ev.type[i];
    if (type === EventType.Bbo) {
      if (ev.side[i]! > 0) this.bid = ev.price[i]!;
      else this.ask = ev.price[i]!;
      if ((ev.flags[i]! & EventFlag.EndOfMessage) !== 0 && this.bid > 0 && this.ask > this.bid) this.account.setMarket(this.bid, this.ask);
    } else if (type === EventType.Trade) {
      this.trades++;
      this.account.marketTrade(ev.side[i]! > 0 ? 'BUY' : 'SELL', ev.price[i]!, ev.size[i]!);
    }
  }
}

export async function openPerpExchange(fake: FakePrivateExchange, timeoutMs = 2_000): Promise<LiveExchange> {
  return openLiveExchange({ exchange: 'binanceusdm', apiKey: TEST_KEY, secret: TEST_SECRET, url: fake.restUrl.replace(/\/api\/v3$/, ''), rateLimit: false, timeoutMs, perpetuals: true });
}

/** The trading config of the perpetual as a user writes it (resolved at `refPrice` like the CLI does). */
export function perpSetup(refPrice: number) {
  return paperSetup(
    {
      capital: PERP_WALLET,
      market: { ...USDM_MARKET },
      quoting: { order_qty: 0.002, max_inventory_qty: 0.02, calibrate: false },
      risk: { max_order_notional: 1_000, stale_after_ms: 5_000, max_orders_per_window: 100_000, daily_loss_limit: 1_000, max_drawdown: 1_000 },
    },
    refPrice,
  );
}

export interface PerpRig {
  fake: FakePrivateExchange;
  exchange: LiveExchange;
  dir: string;
  ledger: Ledger;
  lines: string[];
  session: LiveSession;
  run: Promise<Awaited<ReturnType<LiveSession['run']>>>;
  close(): Promise<void>;
}

/** A live session on the perpetual (its ledger in `dir`, resumed when it holds earlier runs); `over` replaces any option. */
export async function startPerpRig(fake: FakePrivateExchange, dir: string, over: Partial<LiveSessionOptions> = {}, timeoutMs = 2_000): Promise<PerpRig> {
  const exchange = await openPerpExchange(fake, timeoutMs);
  const ledger = new Ledger(join(dir, 'ledger.sqlite'), { busyTimeoutMs: 20 });
  const lines: string[] = [];
  const log: LiveSessionOptions['log'] = (event, fields) => {
    const line = JSON.stringify({ event, ...fields });
    lines.push(line);
    appendFileSync(join(dir, 'live.jsonl'), `${line}\n`);
  };
  const resume = ledger.resume(PERP_SYMBOL, { canceling: true });
  const runId = `live_perp_${Date.now()}_${Math.random().toString(36).slice(2, 6)}`;
  const { options, resolved } = perpSetup(fake.perp!.markPrice);
  // The run's config says what it trades (the ledger's invariants judge a perpetual's cash by it), as the CLI writes it.
  ledger.startRun({ runId, mode: 'live', exchange: 'binanceusdm', symbol: PERP_SYMBOL, config: resolved.config, initialCash: PERP_WALLET }, new Date());
  const session = new LiveSession({
    exchange,
    symbol: PERP_SYMBOL,
    // At the touch: the capture's trades reach it often; the market moving between a quote and its
    // arrival makes some of them cross (GTX refused).
    strategy: new FixedSpreadStrategy(resolved.quoting.orderQty, 0, 0.1),
    session: { ...options.session, decisionIntervalMicros: 0 },
    idNamespace: 'run_live_perp',
    orderQty: resolved.quoting.orderQty,
    tickSize: 0.1,
    unknownOrders: 'cancel',
    perp: { marginMode: 'cross' },
    positionTolerance: 1e-9,
    haltOnMismatch: true,
    ...storedBaseline(ledger, PERP_SYMBOL),
    resume,
    journal: ledger,
    log,
    pollMs: 40,
    reconcileEveryMs: 500,
    adapter: { attempts: 6, backoffMs: 20, settleMs: 300 },
    ...over,
  });
  const run = session.run();
  run.catch(() => undefined);
  return {
    fake,
    exchange,
    dir,
    ledger,
    lines,
    session,
    run,
    close: async () => {
      await exchange.close();
      ledger.close();
    },
  };
}

export async function startPerpFake(): Promise<FakePrivateExchange> {
  return startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET, perp: FLAT_PERP });
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'mm-live-perp-'));
}
