// Parity with risk on: one config and strategy through the tick backtest, the paper replay on the event clock and live trading against a fake exchange replaying the same capture (in process, and through the real ccxt client over HTTP and websocket to it on 127.0.0.1), at zero feed latency and at 5 ms (where the paper loop on a live feed needs the latency shift).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readEvents } from '../../src/data/index.js';
import { EventFlag, type EventColumns } from '../../src/market/index.js';
import type { OrderCommand } from '../../src/orders/index.js';
import { watchCommands } from '../fixtures/command-watch.js';
import { BpsFees, L2Exchange, constantLatency, powerQueue } from '../../src/sim/index.js';
import type { RiskTransition } from '../../src/risk/index.js';
import { Ledger, checkLedgerInvariants } from '../../src/ledger/index.js';
import { LiveSession, PaperSession, TickBacktest, TickLocal, defaultTickLocalParams, runPaperLoop, type TickBacktestOptions, type TradingCore, type TradingSession } from '../../src/engine/index.js';
import { ClientOrderIds, type LiveExchange } from '../../src/venues/index.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { TouchQuotes } from '../fixtures/tick-strategies.js';
import { looseSession } from '../fixtures/trading-config.js';
import { ReplayVenueFeed, SimLiveExchange, type EventClock } from '../fake-exchange/sim-live-exchange.js';
import { startReplayBinance, watchCcxtTraffic, type ReplayBinance } from '../fake-exchange/replay-binance.js';
import { openLiveExchange } from '../../src/venues/ccxt/live-ccxt.js';
import { JumpingFeed } from '../fixtures/jumping-feed.js';

const SECONDS = 120;
const ENTRY_US = 20_000;
const RESPONSE_US = 20_000;
const NAMESPACE = 'parity';

/**
 * The first two minutes of the shared capture as a feed delivers them `feedUs` after the exchange (exchange time
 * non-decreasing, local = exchange + feedUs, publication time = exchange time as a recording has it).
 */
function fixture(feedUs = 0): EventColumns {
  const all = readEvents(ensureSharedCaptureArrow());
  let n = 0;
  while (n < all.length && all.tsExchange[n]! < all.tsExchange[0]! + SECONDS * 1e6) n++;
  while (n > 0 && (all.flags[n - 1]! & EventFlag.EndOfMessage) === 0) n--;
  const ts = all.tsExchange.slice(0, n);
  for (let i = 1; i < n; i++) if (ts[i]! < ts[i - 1]!) ts[i] = ts[i - 1]!;
  return { ...all, length: n, tsExchange: ts, tsLocal: feedUs === 0 ? ts : ts.map((t) => t + feedUs), publishDelay: new Float64Array(n) };
}

/**
 * The risk scenario: the gate holds |position| to 0.01 BTC while the strategy would go to 0.02, so
 * inventory reaches 80 % of the limit (reducing) and orders are denied by rule; a drawdown of 1.5 USDT halts
 * trading (latched) about halfway through, every order is cancelled and nothing trades after.
 */
function options(feedUs = 0, entryUs = ENTRY_US, responseUs = RESPONSE_US): TickBacktestOptions {
  return {
    session: looseSession({ initialCash: 10_000, reconcile: { priceTolerance: 0, qtyTolerance: 0 }, limits: { maxOrderQty: 0.005, maxInventoryQty: 0.01, priceBandFraction: 0.01 } }, 100_000, {
      max_drawdown: 1.5,
      warn_fraction: 1,
      max_orders_per_window: 20,
      max_open_orders: 16,
      reduce_at_inventory_fraction: 0.8,
    }),
    local: { ...defaultTickLocalParams, intensityWindowMicros: 30e6, intensityRecalibrateMicros: 5e6, sigmaWindow: 30 },
    exchange: { tickSize: 0.01, partialFills: true },
    queue: powerQueue(2),
    latency: constantLatency(entryUs, responseUs),
    fees: new BpsFees(1, 2),
    feedLatencyMicros: feedUs,
    decisionIntervalMicros: 100_000,
    sampleIntervalMicros: 500_000,
    markoutSeconds: [1],
  };
}

const strategy = () => new TouchQuotes(0.005, 0.02);

interface Run {
  core: TradingCore;
  session: TradingSession;
  commands: OrderCommand[];
  /** Fills as (local arrival, id, side, price, qty, fee, taker). */
  fills: (number | string)[][];
}

function fillsOf(core: TradingCore, shift = 0): (number | string)[][] {
  const f = core.fills;
  return Array.from({ length: f.length }, (_, i) => [f.ts[i]! + shift, f.clientId[i]!, f.side[i]!, f.price[i]!, f.qty[i]!, f.fee[i]!, f.taker[i]!]);
}

/** The tick backtest, with a journal when given (the paper replay on the event clock is exactly this). */
function backtest(ev: EventColumns, feedUs: number, journal?: Ledger): Run {
  const bt = new TickBacktest(strategy(), options(feedUs), journal !== undefined ? { journal } : {});
  // Watch the commands the gate approved on their way to the venue, after the journal.
  const log = watchCommands(bt.exchange);
  bt.run([ev]);
  return { core: bt.core, session: bt.session, commands: log.commands, fills: fillsOf(bt.core) };
}

const KEY = 'tk-PARITY-3c9e0b7a';
const SECRET = 'ts-PARITY-51d2f8e6';

/** What the live leg's session reported besides its core: the fake's record and the session's log. */
interface LiveRun extends Run {
  exchange: SimLiveExchange;
  summary: Awaited<ReturnType<LiveSession['run']>>;
  /** The session's log lines' event names. */
  events: string[];
  /** Over ccxt: the fake's requests. */
  server?: ReplayBinance;
}

/**
 * Live trading: the live session, its adapter and client ids, against the fake exchange replaying the
 * capture on its clock — `port`: the fake behind the `LiveExchange` port in this process; `ccxt`: the
 * real ccxt client of the live path (`openLiveExchange` with `--exchange-url`'s rewrite) over HTTP and the
 * websocket user stream to the fake served on 127.0.0.1, time moving only once nothing is in flight.
 */
async function live(ev: EventColumns, feedUs: number, ledger: Ledger, via: 'port' | 'ccxt'): Promise<LiveRun> {
  const o = options(feedUs);
  const clock: EventClock = { t: ev.tsExchange[0]! };
  const venue = new L2Exchange(o.exchange, o.queue, o.latency, o.fees);
  const market = { symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', active: true, tickSize: 0.01, lotSize: 0.00001, minQty: 0.00001, minNotional: 5 };
  const sim = new SimLiveExchange(venue, clock, market, { bid: ev.price[0]! - 0.01, ask: ev.price[0]! + 0.01 }, { BTC: 1, USDT: 100_000 });
  let exchange: LiveExchange = sim;
  let server: ReplayBinance | undefined;
  if (via === 'ccxt') {
    server = await startReplayBinance({ apiKey: KEY, secret: SECRET, exchange: sim, makerFee: 0.0001 });
    // As the live CLI opens it against --exchange-url: ccxt's rate limiter off on a loopback URL, the
    // request timeout of live.request_timeout_ms (10 s), recvWindow 5 s, requests stamped by the wall clock.
    exchange = await openLiveExchange({ exchange: 'binance', apiKey: KEY, secret: SECRET, url: server.url, timeoutMs: 10_000 });
    sim.settle = server.settleWith(watchCcxtTraffic(exchange));
  }
  // The exchange holds each row at its exchange time; it reaches the session feedUs later.
  const feed = new ReplayVenueFeed(ev, sim, clock, feedUs);
  const events: string[] = [];
  const session = new LiveSession({
    exchange,
    symbol: 'BTC/USDT',
    strategy: strategy(),
    session: o.session,
    idNamespace: NAMESPACE,
    orderQty: 0.005,
    tickSize: 0.01,
    unknownOrders: 'cancel',
    positionTolerance: 1e-9,
    haltOnMismatch: true,
    baseline: undefined,
    journal: ledger,
    log: (event) => events.push(event),
    pollMs: 1_000,
    reconcileEveryMs: 1e12,
    market: { feed, local: new TickLocal(o.local) },
    clock: () => clock.t,
    // The adapter's waits (a halt's settle window, backoffs) on the replay's clock too.
    adapter: { sleep: sim.timers.sleep },
  });
  let summary: LiveRun['summary'];
  try {
    summary = await session.run();
  } finally {
    if (via === 'ccxt') {
      await exchange.close();
      await server!.close();
    }
  }
  const ids = new ClientOrderIds(NAMESPACE);
  const commands: OrderCommand[] = sim.commands.map((c) =>
    c.type === 'place' ? { type: 'place', ts: c.ts, clientId: ids.parse(c.clientOrderId)!, side: c.side!, price: c.price!, qty: c.qty! } : { type: 'cancel', ts: c.ts, clientId: ids.parse(c.clientOrderId)! },
  );
  // A real exchange stamps a fill with its own time; the backtest books it when the answer arrives, R later.
  return { core: session.core, session: session.session, commands, fills: fillsOf(session.core, RESPONSE_US), exchange: sim, summary, events, ...(server !== undefined ? { server } : {}) };
}

/**
 * A fill as it comes through ccxt: Binance writes a trade's time in whole milliseconds and ccxt's trade
 * `timestamp` is an integer of them, while the replay venue stamps a fill with its row's exchange time in
 * µs (rows without an exchange time of their own carry an estimated one, and the fixture keeps exchange
 * time non-decreasing, so a trade may take a µs time). The fill's exchange time, truncated to the
 * millisecond, then R later; every other field is exact.
 */
function wholeMs(f: (number | string)[]): (number | string)[] {
  const ex = (f[0] as number) - RESPONSE_US;
  return [Math.floor(ex / 1000) * 1000 + RESPONSE_US, ...f.slice(1)];
}

/** Commands of one instant reach the venue in one step: compare them as a set per instant. */
const canonical = (cs: readonly OrderCommand[]): string[] => cs.map((c) => JSON.stringify(c)).sort();

const transitions = (s: TradingSession): Omit<RiskTransition, never>[] => s.record.transitions.map((t) => ({ ...t }));

/** The three modes on one capture at feed latency `feedUs`, with the same order latencies (E, R): see ARCHITECTURE.md, "Latency shift". */
async function threeModes(feedUs: number): Promise<void> {
  const ev = fixture(feedUs);
  const last = ev.tsLocal[ev.length - 1]!;

  const a = backtest(ev, feedUs);
  const paperLedger = new Ledger(':memory:');
  paperLedger.startRun({ runId: 'paper', mode: 'paper', exchange: 'sim', symbol: 'BTC/USDT', config: {}, initialCash: 10_000 }, new Date(0));
  const p = backtest(ev, feedUs, paperLedger);
  const liveLedger = new Ledger(':memory:');
  liveLedger.startRun({ runId: 'live', mode: 'live', exchange: 'sim', symbol: 'BTC/USDT', config: {}, initialCash: 10_000 }, new Date(0));
  const l = await live(ev, feedUs, liveLedger, 'port');
  const ccxtLedger = new Ledger(':memory:');
  ccxtLedger.startRun({ runId: 'live-ccxt', mode: 'live', exchange: 'binance', symbol: 'BTC/USDT', config: {}, initialCash: 10_000 }, new Date(0));
  const cx = await live(ev, feedUs, ccxtLedger, 'ccxt');

  // The scenario happened: reducing at the inventory limit, denials by rule, then a latched halt.
  const states = a.session.record.transitions.map((t) => `${t.condition}:${t.to}`);
  assert.ok(states.includes('inventory:reducing'), `transitions ${states.join(', ')}`);
  assert.ok(states.includes('drawdown:halted'), `transitions ${states.join(', ')}`);
  const denials = Object.fromEntries(a.core.gate.denialsByRule);
  assert.ok((denials['max_inventory_qty'] ?? 0) > 0 && (denials['reducing'] ?? 0) > 0, JSON.stringify(denials));
  assert.equal(a.core.view.tradingState, 'halted');
  const haltAt = a.session.record.transitions.find((t) => t.to === 'halted')!.ts;
  assert.ok(haltAt > ev.tsLocal[0]! + 30e6 && haltAt < last - 30e6, 'the halt falls inside the run');
  assert.ok(a.fills.length > 20, `fills ${a.fills.length}`);
  assert.ok(a.fills.every((f) => (f[0] as number) <= haltAt + ENTRY_US + RESPONSE_US), 'nothing fills after the halt (beyond what was in flight)');
  assert.equal(a.core.open.count, 0, 'halted: nothing rests');

  for (const [name, r] of [
    ['paper replay (event clock)', p],
    ['live (fake exchange, in process)', l],
    ['live (ccxt over HTTP and websocket to the fake exchange)', cx],
  ] as const) {
    assert.deepEqual(canonical(r.commands.filter((c) => c.ts <= last)), canonical(a.commands), `${name}: commands`);
    assert.deepEqual(r.fills, r === cx ? a.fills.map(wholeMs) : a.fills, `${name}: fills`);
    assert.deepEqual(transitions(r.session), transitions(a.session), `${name}: trading-state transitions`);
    assert.deepEqual(Object.fromEntries(r.core.gate.denialsByRule), denials, `${name}: denials by rule`);
    const [x, y] = [r.core.portfolio, a.core.portfolio];
    assert.deepEqual([x.position, x.cash, x.fees, x.realizedPnl], [y.position, y.cash, y.fees, y.realizedPnl], `${name}: position, cash, fees`);
  }

  // The journals hold the same story: every approved order, every fill, every transition.
  const count = (led: Ledger, sql: string): number => (led.db.prepare(sql).get() as { n: number }).n;
  const riskEvents = "SELECT count(*) AS n FROM risk_events WHERE kind = 'raised' OR kind = 'cleared'";
  for (const led of [paperLedger, liveLedger, ccxtLedger]) {
    assert.deepEqual(checkLedgerInvariants(led.db), []);
    assert.equal(count(led, 'SELECT count(*) AS n FROM fills'), a.fills.length);
    assert.equal(count(led, 'SELECT count(*) AS n FROM orders'), a.commands.filter((c) => c.type === 'place').length);
    assert.equal(count(led, riskEvents), count(paperLedger, riskEvents));
  }

  for (const [name, r] of [
    ['in process', l],
    ['over ccxt', cx],
  ] as const) {
    // Live ended as live ends: every order cancelled at the exchange and verified; its holding equals the ledger's.
    assert.equal(r.summary.cancelVerified, true, `${name}: cancel-all verified`);
    assert.equal((await r.exchange.openOrders()).length, 0, `${name}: nothing open at the exchange`);
    assert.equal(r.summary.mismatches, 0, `${name}: no mismatch`);
    // Nothing went the fault paths: no retry, lost answer, timeout, dropped stream or unattributed fill.
    const faults = r.events.filter((e) => /retry|failed|error|uncertain|dropped|fatal|ignored|recovered|absent|unattributed/.test(e));
    assert.deepEqual(faults, [], `${name}: fault paths taken`);
  }
  // Over ccxt every order went out as a create on the REST API and every fill came on the user stream; every
  // request the live path made is one the fake serves.
  const routes = cx.server!.requests;
  assert.equal(routes.filter((q) => q.route === 'POST order').length, a.commands.filter((x) => x.type === 'place').length);
  assert.equal(cx.server!.reports.TRADE, a.fills.length);
  assert.deepEqual(routes.filter((q) => q.status === 404), []);
  paperLedger.close();
  liveLedger.close();
  ccxtLedger.close();
}

test('tick backtest, paper replay on the event clock and live against the fake exchange (in process, and through ccxt over HTTP: fill times to the millisecond): the same commands, fills, risk transitions, position and cash, through reducing and a halt', async () => {
  await threeModes(0);
});

test('feed latency 5 ms, the same order latencies: the three modes still agree exactly (live through ccxt too, its fill times to the millisecond as Binance writes them), through reducing and a halt (the exchange holds the market at exchange time in all three)', async () => {
  await threeModes(5_000);
});

/** The paper loop as `realtime --mode paper` runs it on a live feed: its simulated venue on the local clock, order latencies (E, R). */
async function paperLoop(ev: EventColumns, entryUs: number, responseUs: number, journal: Ledger): Promise<Run> {
  const o = options(0, entryUs, responseUs);
  const session = new PaperSession(strategy(), { session: o.session, local: o.local, exchange: o.exchange, queue: o.queue, latency: o.latency, fees: o.fees }, journal);
  // Watch the commands the gate approved on their way to the venue, after the journal.
  const log = watchCommands(session.exchange);
  const feed = new JumpingFeed(ev);
  const summary = await runPaperLoop(feed, session, {
    exchange: 'binance',
    symbol: 'BTC/USDT',
    iterations: undefined,
    durationMicros: undefined,
    iterationMicros: 1_000_000,
    idleDecisionMicros: 100_000,
    quoteSampleMicros: 250_000,
    clock: () => feed.t,
    emit: () => {},
    stop: { requested: false },
  });
  assert.equal(summary.ended_by, 'feed ended');
  return { core: session.core, session: session.session, commands: log.commands, fills: fillsOf(session.core) };
}

test('feed latency 5 ms, paper trading on a live feed: its venue sees the market on receipt, so its (E + f, R - f) is the backtest\'s (E, R) exactly, through reducing and a halt (the latency shift)', async () => {
  const f = 5_000;
  const ev = fixture(f);
  const a = backtest(ev, f);
  const ledger = new Ledger(':memory:');
  ledger.startRun({ runId: 'paper-loop', mode: 'paper', exchange: 'sim', symbol: 'BTC/USDT', config: {}, initialCash: 10_000 }, new Date(0));
  const p = await paperLoop(ev, ENTRY_US + f, RESPONSE_US - f, ledger);
  const states = a.session.record.transitions.map((t) => `${t.condition}:${t.to}`);
  assert.ok(states.includes('inventory:reducing') && states.includes('drawdown:halted'), `transitions ${states.join(', ')}`);
  assert.equal(p.core.view.tradingState, 'halted');
  // Halted: nothing rests, so the loop's stop adds no command.
  assert.deepEqual(canonical(p.commands), canonical(a.commands), 'commands');
  assert.deepEqual(p.fills, a.fills, 'fills');
  assert.deepEqual(transitions(p.session), transitions(a.session), 'trading-state transitions');
  assert.deepEqual(Object.fromEntries(p.core.gate.denialsByRule), Object.fromEntries(a.core.gate.denialsByRule), 'denials by rule');
  const [x, y] = [p.core.portfolio, a.core.portfolio];
  assert.deepEqual([x.position, x.cash, x.fees, x.realizedPnl], [y.position, y.cash, y.fees, y.realizedPnl], 'position, cash, fees');
  assert.deepEqual(checkLedgerInvariants(ledger.db), []);
  // Unshifted, the same settings part ways: the paper venue meets each order f earlier in the market.
  const ledger2 = new Ledger(':memory:');
  ledger2.startRun({ runId: 'paper-loop-2', mode: 'paper', exchange: 'sim', symbol: 'BTC/USDT', config: {}, initialCash: 10_000 }, new Date(0));
  const q = await paperLoop(ev, ENTRY_US, RESPONSE_US, ledger2);
  assert.notDeepEqual(q.fills, a.fills);
  ledger.close();
  ledger2.close();
});
