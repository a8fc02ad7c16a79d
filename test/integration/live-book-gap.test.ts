// Live trading on a book whose depth stream breaks: the gap row halts the session (every order cancelled at the exchange), nothing is placed until the resync snapshot, then quoting resumes; one market's gap halts that market alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventFlag, EventType, type EventColumns } from '../../src/market/index.js';
import { EventBuffer } from '../../src/data/index.js';
import { LiveBook, LiveSession, TickLocal, defaultTickLocalParams, emptyFeedStats, runLiveMarkets, type FeedNote, type MarketFeed } from '../../src/engine/index.js';
import { Ledger, checkLedgerInvariants } from '../../src/ledger/index.js';
import { parseRiskConfig } from '../../src/risk/index.js';
import { FakeAccount, ETHUSDT_RULES, startFakePrivateExchange, type FakePrivateExchange } from '../fake-exchange/private/index.js';
import { FixedSpreadStrategy, TEST_KEY, TEST_SECRET, bothQuotesOpen, openExchange, sessionOptions, startRig, waitFor, type LiveRig } from './live-helpers.js';

/**
 * A market feed the test writes: a snapshot around a price, a gap row (the depth stream broke), a book
 * update. Rows are stamped with the wall clock when written, as `CcxtFeed` stamps what it receives.
 */
class ScriptedFeed implements MarketFeed {
  readonly kind = 'scripted';
  readonly connected = true;
  readonly stats = emptyFeedStats();
  private buf = new EventBuffer(256);
  private wake: (() => void) | undefined;
  private closed = false;
  private seq = 0;
  constructor(
    private mid: number,
    private readonly half = 0.01,
  ) {}
  start(): Promise<void> {
    return Promise.resolve();
  }
  snapshot(mid = this.mid): void {
    this.mid = mid;
    const t = Date.now() * 1000;
    const id = ++this.seq;
    this.buf.push(EventType.Snapshot, 1, EventFlag.SnapshotStart, t, t, mid - this.half, 1, id);
    this.buf.push(EventType.Snapshot, -1, EventFlag.EndOfMessage, t, t, mid + this.half, 1, id);
    this.wake?.();
  }
  /** The depth stream broke: the book is unknown until the next snapshot. */
  gap(): void {
    const t = Date.now() * 1000;
    this.stats.gaps++;
    this.stats.resyncs++;
    this.buf.push(EventType.Gap, 0, EventFlag.EndOfMessage, t, t, 0, 0, this.seq);
    this.wake?.();
  }
  /** A book update (the ask's size): keeps the data fresh. */
  delta(): void {
    const t = Date.now() * 1000;
    this.buf.push(EventType.Delta, -1, EventFlag.EndOfMessage, t, t, this.mid + this.half, 2, ++this.seq);
    this.wake?.();
  }
  async next(timeoutMs: number): Promise<EventColumns | undefined> {
    if (this.closed) return undefined;
    if (this.buf.length === 0 && timeoutMs > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
    const out = this.buf;
    this.buf = new EventBuffer(256);
    return out.view();
  }
  drainNotes(): FeedNote[] {
    return [];
  }
  close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    return Promise.resolve();
  }
}

/** The live test session's risk with a stale limit no test step can reach: only the book's gap halts here. */
const risk = parseRiskConfig(
  { max_order_qty: 0.001, max_inventory_qty: 0.01, max_order_notional: 1_000, stale_after_ms: 600_000, max_orders_per_window: 1_000, daily_loss_limit: 100, max_drawdown: 150 },
  { orderQty: 0.001, maxInventoryQty: 0.01, capital: 10_000 },
);
const session = { initialCash: 10_000, reconcile: { priceTolerance: 0.5, qtyTolerance: 0.1 }, risk, decisionIntervalMicros: 0 };

function bookGapEvents(ledger: Ledger): { kind: string; to_state: string }[] {
  return ledger.db.prepare<[], { kind: string; to_state: string }>("SELECT kind, to_state FROM risk_events WHERE condition = 'book-gap' ORDER BY id").all();
}

function creates(fake: FakePrivateExchange, symbol = 'BTCUSDT'): number {
  return fake.requests.filter((r) => r.method === 'POST' && r.path === 'order' && r.params['symbol'] === symbol).length;
}

function iterations(rig: LiveRig): number {
  return rig.lines.filter((l) => l.includes('"event":"live_iteration"')).length;
}

test('a live session halts on a gap row of its feed: its orders are cancelled at the exchange, none is placed until the snapshot resyncs the book, then it quotes again; the ledger holds the raise and the clear', async () => {
  const feed = new ScriptedFeed(100_000.005, 0.005);
  feed.snapshot();
  const rig = await startRig({ session, market: { feed, local: new TickLocal(defaultTickLocalParams) } });
  try {
    await waitFor('both quotes open', () => bothQuotesOpen(rig));
    assert.deepEqual(bookGapEvents(rig.ledger), []);

    feed.gap();
    await waitFor('every order cancelled at the exchange', () => rig.fake.account.openOrders().length === 0);
    assert.equal(rig.session.risk.state, 'halted');
    assert.ok(rig.session.risk.machine.isRaised('book-gap'));
    await waitFor('the halt cancel verified', () => rig.ledger.db.prepare<[], { n: number }>("SELECT count(*) AS n FROM risk_events WHERE kind = 'halt-cancel'").get()!.n > 0);
    // Decisions go on in the gap (book updates keep coming, iterations pass): none of them places an order.
    const sent = creates(rig.fake);
    const from = iterations(rig);
    for (let k = 0; k < 5; k++) {
      feed.delta();
      const at = iterations(rig);
      await waitFor('an iteration in the gap', () => iterations(rig) > at);
    }
    assert.ok(iterations(rig) >= from + 5);
    assert.equal(creates(rig.fake), sent, 'no order placed while the book is unknown');
    assert.equal(rig.fake.account.openOrders().length, 0);
    assert.equal(rig.session.risk.state, 'halted');

    feed.snapshot();
    await waitFor('quoting again after the resync', () => bothQuotesOpen(rig));
    assert.equal(rig.session.risk.state, 'active');
    assert.deepEqual(bookGapEvents(rig.ledger), [
      { kind: 'raised', to_state: 'halted' },
      { kind: 'cleared', to_state: 'active' },
    ]);
    assert.ok(rig.lines.some((l) => l.includes('"event":"live_risk"') && l.includes('"condition":"book-gap"') && l.includes('"raised":true')));

    rig.session.stop();
    const summary = await rig.run;
    assert.equal(summary.cancelVerified, true);
    assert.equal(summary.gaps, 1, 'the summary counts the break of the depth stream as paper does');
    assert.equal(summary.resyncs, 1);
    assert.equal(summary.reconnects, 0);
    assert.deepEqual(checkLedgerInvariants(rig.ledger.db), []);
  } finally {
    await rig.close();
    await rig.fake.close();
  }
});

test('several live markets: a gap in one market\'s book halts that market alone (its orders cancelled at the exchange) until its resync; the other keeps its quotes', async () => {
  const btc = new FakeAccount(undefined, { BTC: 0.5, ETH: 5, USDT: 50_000 });
  const eth = new FakeAccount(ETHUSDT_RULES, {}, btc);
  btc.setMarket(60_000, 60_000.5);
  eth.setMarket(3_000, 3_000.05);
  const fake = await startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET, account: btc, more: [eth] });
  const dir = mkdtempSync(join(tmpdir(), 'mm-live-gap-'));
  const feeds = { btc: new ScriptedFeed(60_000.25, 0.25), eth: new ScriptedFeed(3_000.025, 0.025) };
  feeds.btc.snapshot();
  feeds.eth.snapshot();
  const ledgers: Ledger[] = [];
  const steps = { btc: 0, eth: 0 };
  const exchanges = [await openExchange(fake), await openExchange(fake)];
  const sessionOf = (name: 'btc' | 'eth', symbol: string, qty: number, i: number): LiveSession => {
    const ledger = new Ledger(join(dir, `${name}.sqlite`));
    ledgers.push(ledger);
    ledger.startRun({ runId: `live_gap_${name}`, mode: 'live', exchange: 'binance', symbol, config: { test: true }, initialCash: 10_000 }, new Date());
    const r = parseRiskConfig({ max_order_qty: qty, max_inventory_qty: qty * 10, max_order_notional: 1_000, stale_after_ms: 600_000, max_orders_per_window: 1_000 }, { orderQty: qty, maxInventoryQty: qty * 10, capital: 10_000 });
    return new LiveSession(
      sessionOptions(exchanges[i]!, ledger, () => {}, {
        symbol,
        strategy: new FixedSpreadStrategy(qty, name === 'btc' ? 10 : 1),
        session: { ...session, risk: r },
        idNamespace: `run_gap_${name}`,
        orderQty: qty,
        market: { feed: feeds[name], local: new TickLocal(defaultTickLocalParams) },
        onStep: () => void steps[name]++,
      }),
    );
  };
  const markets = [
    { name: 'btc', symbol: 'BTC/USDT', session: sessionOf('btc', 'BTC/USDT', 0.001, 0) },
    { name: 'eth', symbol: 'ETH/USDT', session: sessionOf('eth', 'ETH/USDT', 0.02, 1) },
  ];
  const both = (a: FakeAccount): boolean => a.openOrders().length === 2;
  const run = runLiveMarkets(markets, new LiveBook({}));
  run.catch(() => undefined);
  try {
    await waitFor('both markets quoting', () => both(btc) && both(eth));
    const ethOrders = eth.openOrders().map((o) => o.orderId);
    feeds.btc.gap();
    await waitFor('btc orders cancelled at the exchange', () => btc.openOrders().length === 0);
    assert.equal(markets[0]!.session.risk.state, 'halted');
    assert.equal(markets[1]!.session.risk.state, 'active');
    const sent = creates(fake);
    for (let k = 0; k < 5; k++) {
      feeds.btc.delta();
      feeds.eth.delta();
      const at = { ...steps };
      await waitFor('steps of both markets in the gap', () => steps.btc > at.btc && steps.eth > at.eth);
    }
    assert.equal(creates(fake), sent, 'btc places nothing while its book is unknown');
    assert.deepEqual(
      eth.openOrders().map((o) => o.orderId),
      ethOrders,
      'eth kept its quotes',
    );
    feeds.btc.snapshot();
    await waitFor('btc quoting again after its resync', () => both(btc));
    assert.deepEqual(bookGapEvents(ledgers[0]!), [
      { kind: 'raised', to_state: 'halted' },
      { kind: 'cleared', to_state: 'active' },
    ]);
    assert.deepEqual(bookGapEvents(ledgers[1]!), []);
    for (const m of markets) m.session.stop();
    const r = await run;
    assert.deepEqual(
      r.summaries.map((s) => [s.market, s.gaps, s.cancelVerified]),
      [
        ['btc', 1, true],
        ['eth', 0, true],
      ],
    );
    assert.equal(btc.openOrders().length + eth.openOrders().length, 0);
  } finally {
    for (const e of exchanges) await e.close();
    for (const l of ledgers) l.close();
    await fake.close();
  }
});
