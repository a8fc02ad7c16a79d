// Parity: the same capture rows through the tick backtest and through the paper loop (ReplayFeed, PaperSession, a simulated clock).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readEvents } from '../../src/data/index.js';
import { ConstantFunding, EventFlag, EventType, inVenueOrder, makeInstrument, type ContractSpec, type EventColumns, type FundingPayment } from '../../src/market/index.js';
import { CommandLog, type OrderCommand } from '../../src/orders/index.js';
import { watchCommands } from '../fixtures/command-watch.js';
import { BpsFees, ContractFees, constantLatency, powerQueue } from '../../src/sim/index.js';
import { Ledger, checkLedgerInvariants } from '../../src/ledger/index.js';
import { PluginStrategy, QuotingStrategy, defaultQuotingParams, loadStrategyModule, type Strategy } from '../../src/strategy/index.js';
import { PaperSession, TickBacktest, defaultTickLocalParams, runPaperLoop, type TickBacktestOptions, type TradingCore } from '../../src/engine/index.js';
import { join } from 'node:path';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { REPO_ROOT } from '../fixtures/shared-data.js';
import { TouchQuotes } from '../fixtures/tick-strategies.js';
import { looseSession } from '../fixtures/trading-config.js';
import { JumpingFeed } from '../fixtures/jumping-feed.js';

const DECISION_US = 100_000;
const SECONDS = 60;

let capture: EventColumns | undefined;

/**
 * The first 60 s of the shared capture as a feed would deliver them `feedUs` after the exchange: in
 * venue order (trades at their trade time, not where the collector logged them), the few book rows
 * whose exchange time is an estimate raised to keep time non-decreasing, local time = exchange time + `feedUs`,
 * publication time = exchange time (as a recording has it).
 */
function fixture(feedUs: number): EventColumns {
  capture ??= inVenueOrder(readEvents(ensureSharedCaptureArrow()));
  const all = capture;
  let n = 0;
  while (n < all.length && all.tsExchange[n]! < all.tsExchange[0]! + SECONDS * 1e6) n++;
  while (n > 0 && (all.flags[n - 1]! & EventFlag.EndOfMessage) === 0) n--;
  const tsExchange = all.tsExchange.slice(0, n);
  const tsLocal = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (i > 0 && tsExchange[i]! < tsExchange[i - 1]!) tsExchange[i] = tsExchange[i - 1]!;
    tsLocal[i] = tsExchange[i]! + feedUs;
  }
  // A recording: publication time = exchange time (a live feed does not know Binance's E apart from it).
  return { ...all, length: n, tsExchange, tsLocal, publishDelay: new Float64Array(n) };
}

interface Setup {
  entryUs: number;
  responseUs: number;
  /** A linear perpetual paying a constant rate every `everyUs` (each run gets its own schedule). */
  funding?: { rate: number; everyUs: number };
}

const LINEAR: ContractSpec = { kind: 'linear_perp', contractSize: 1 };

function btOptions(s: Setup, feedUs: number): TickBacktestOptions {
  return {
    session: s.funding ? { ...CORE(DECISION_US), contract: LINEAR } : CORE(DECISION_US),
    local: { ...defaultTickLocalParams, intensityWindowMicros: 30e6, intensityRecalibrateMicros: 5e6, sigmaWindow: 30 },
    exchange: { tickSize: 0.01, partialFills: true },
    queue: powerQueue(2),
    latency: constantLatency(s.entryUs, s.responseUs),
    fees: s.funding ? new ContractFees(LINEAR, -0.5, 2) : new BpsFees(-0.5, 2),
    feedLatencyMicros: feedUs,
    decisionIntervalMicros: DECISION_US,
    sampleIntervalMicros: 500_000,
    markoutSeconds: [1, 10],
    ...(s.funding ? { funding: new ConstantFunding(s.funding.rate, s.funding.everyUs) } : {}),
  };
}

/** The same gate limits in both; every other risk limit too loose to act. */
const CORE = (decisionUs: number) =>
  looseSession({ initialCash: 100_000, reconcile: { priceTolerance: 0, qtyTolerance: 0 }, limits: { maxOrderQty: 0.01, maxInventoryQty: 0.05, priceBandFraction: 0.05 } }, decisionUs);

function paperSession(make: () => Strategy, s: Setup, timer: boolean, journal?: Ledger): PaperSession {
  const o = btOptions(s, 0);
  const session = CORE(timer ? DECISION_US : 0);
  return new PaperSession(
    make(),
    {
      session: s.funding ? { ...session, contract: LINEAR } : session,
      local: o.local,
      exchange: o.exchange,
      queue: powerQueue(2),
      latency: constantLatency(s.entryUs, s.responseUs),
      fees: o.fees,
      ...(o.funding ? { funding: o.funding } : {}),
    },
    journal,
  );
}

interface PaperRun {
  session: PaperSession;
  commands: OrderCommand[];
  end: number;
  steps: number;
  transitions: number;
}

/** The paper loop as the CLI runs it, on the jumping clock, until the recording ends. */
async function runPaper(ev: EventColumns, make: () => Strategy, s: Setup, timer: boolean, journal?: Ledger): Promise<PaperRun> {
  const session = paperSession(make, s, timer, journal);
  // Watch the commands the gate approved on their way to the venue, after the journal.
  const log = watchCommands(session.exchange);
  const feed = new JumpingFeed(ev);
  const summary = await runPaperLoop(feed, session, {
    exchange: 'binance',
    symbol: 'BTC/USDT',
    iterations: undefined,
    durationMicros: undefined,
    iterationMicros: 1_000_000,
    idleDecisionMicros: DECISION_US,
    quoteSampleMicros: 250_000,
    clock: () => feed.t,
    emit: () => {},
    stop: { requested: false },
  });
  assert.equal(summary.ended_by, 'feed ended');
  return { session, commands: log.commands, end: feed.t, steps: feed.steps, transitions: session.recentRisk.length };
}

interface BacktestRun {
  bt: TickBacktest;
  commands: OrderCommand[];
  /** Fills and commands before the stop (what `run` returns). */
  fillsAtEnd: number;
  commandsAtEnd: number;
}

/**
 * The tick backtest, then the paper loop's stop at local time `end`: every order canceled and every
 * answer in flight delivered. The backtest itself ends at the last row, with answers still on their way.
 */
function runBacktest(ev: EventColumns, make: () => Strategy, s: Setup, feedUs: number, end: number): BacktestRun {
  const bt = new TickBacktest(make(), btOptions(s, feedUs));
  const log = new CommandLog(bt.exchange);
  bt.core.connect(log);
  bt.run([ev]);
  const fillsAtEnd = bt.core.fills.length;
  const commandsAtEnd = log.commands.length;
  bt.core.cancelAll(end);
  const ex = bt.exchange;
  for (;;) {
    const tin = ex.nextInboundTs();
    const tout = ex.nextOutboundTs();
    if (tin <= tout && tin < Number.POSITIVE_INFINITY) ex.processInbound();
    else if (tout < Number.POSITIVE_INFINITY) bt.deliver();
    else break;
  }
  return { bt, commands: log.commands, fillsAtEnd, commandsAtEnd };
}

function fills(core: TradingCore): (string | number)[][] {
  const f = core.fills;
  return Array.from({ length: f.length }, (_, i) => [f.ts[i]!, f.clientId[i]!, f.side[i]!, f.price[i]!, f.qty[i]!, f.fee[i]!, f.taker[i]!]);
}

function assertSame(a: BacktestRun, p: PaperRun, label: string): void {
  assert.ok(a.commandsAtEnd > 50, `${label}: commands ${a.commandsAtEnd}`);
  assert.ok(a.fillsAtEnd > 10, `${label}: fills ${a.fillsAtEnd}`);
  assert.deepEqual(p.commands, a.commands, `${label}: commands`);
  assert.deepEqual(fills(p.session.core), fills(a.bt.core), `${label}: fills`);
  const pp = p.session.core.portfolio;
  const bp = a.bt.core.portfolio;
  assert.deepEqual([pp.position, pp.cash, pp.fees, pp.realizedPnl], [bp.position, bp.cash, bp.fees, bp.realizedPnl], `${label}: position, cash, fees`);
  // The risk engine never acted: no transition, no denial.
  assert.equal(p.transitions, 0, `${label}: risk transitions`);
  assert.equal(p.session.counters.denials, 0);
  assert.equal(p.session.core.view.tradingState, 'active');
  // Decisions: the backtest's timer, once per 100 ms while rows remain after it.
  const decisions = p.session.counters.decisions;
  assert.ok(Math.abs(decisions - SECONDS * 10) <= 1, `${label}: decisions ${decisions}`);
}

// The tutorial strategy module, loaded as a user's file is: a plug-in passes the same parity test.
const tutorial = await loadStrategyModule(join(REPO_ROOT, 'examples', 'strategies', 'quote-the-touch.ts'));
const btc = makeInstrument('BTC/USDT');
const pluginContext = {
  params: { back: 0, lean: 1 },
  symbol: 'BTC/USDT',
  tickSize: btc.tickSize,
  lotSize: btc.lotSize,
  orderQty: 0.005,
  maxInventoryQty: 0.02,
  minSpreadTicks: 1,
  quoting: { gamma: 0.0001, k: 1.5, A: 1, calibrate: true, horizonSeconds: 30 },
};

// Ladders: several orders per side through the same venues (sizes 0.003, 0.006, 0.009 within the gate's 0.01).
const ladder = await loadStrategyModule(join(REPO_ROOT, 'examples', 'strategies', 'ladder.ts'));
const ladderContext = { ...pluginContext, orderQty: 0.003, params: { levels: 3, step_bps: 0.01, growth: 1, lean: 1 } };

const strategies: [string, () => Strategy][] = [
  ['touch', () => new TouchQuotes(0.005, 0.02)],
  ['strategy module (quote-the-touch)', () => new PluginStrategy(tutorial.definition, pluginContext, btc, 'quote-the-touch.ts', 60_000)],
  ['as', () => new QuotingStrategy({ ...defaultQuotingParams, gamma: 0.0001, horizonSeconds: 30, orderQty: 0.005, maxInventoryQty: 0.02 }, makeInstrument('BTC/USDT'))],
  ['strategy module ladder (3 levels)', () => new PluginStrategy(ladder.definition, ladderContext, btc, 'ladder.ts', 60_000)],
  ['as ladder (3 levels)', () => new QuotingStrategy({ ...defaultQuotingParams, gamma: 0.0001, horizonSeconds: 30, orderQty: 0.005, maxInventoryQty: 0.02, levels: 3, levelSpacingBps: 0.01 }, makeInstrument('BTC/USDT'))],
];

for (const [name, make] of strategies) {
  test(`${name}, zero feed latency: the paper loop on a decision timer sends the backtest's commands and gets its fills, position and cash`, async () => {
    const ev = fixture(0);
    const s = { entryUs: 7_000, responseUs: 4_000 };
    const p = await runPaper(ev, make, s, true);
    const a = runBacktest(ev, make, s, 0, p.end);
    assertSame(a, p, name);
    // What the stop adds on both sides: a cancel per order left open, and the answers still in flight
    // when the rows ended (fills among them arrive after the last row: the backtest alone never sees them).
    const lastRow = ev.tsLocal[ev.length - 1]!;
    assert.ok(a.commands.slice(a.commandsAtEnd).every((c) => c.type === 'cancel' && c.ts === p.end));
    const late = fills(a.bt.core).slice(a.fillsAtEnd);
    assert.ok(late.every((f) => (f[0] as number) > lastRow));
    assert.ok(late.length <= (name.includes('ladder') ? 6 : 2), `fills in flight at the end: ${late.length}`);
    if (name.includes('ladder')) assert.ok(a.bt.core.maxOrdersPerSide >= 3, `${name}: ${a.bt.core.maxOrdersPerSide} orders on a side at most`);
  });
}

/*
 * Funding on: the capture traded as a linear perpetual paying 0.05 % every 7 s (payments inside the
 * 60 s span, on long, short and flat positions). A payment at T is made on the venue's position (fills
 * at or before T) at the venue's mid, once, before the venue takes anything after T: the paper loop
 * pays exactly the backtest's payments, its journal records each with the cash it leaves, and the
 * ledger's invariants replay them.
 */
test('funding on a perpetual, zero feed latency: the paper loop pays the backtest\'s funding payments (times, positions, marks, amounts) and ends with its cash; the ledger journals each', async () => {
  const ev = fixture(0);
  const [name, make] = strategies[0]!;
  const s: Setup = { entryUs: 7_000, responseUs: 4_000, funding: { rate: 0.0005, everyUs: 7_000_000 } };
  const ledger = new Ledger(':memory:');
  ledger.startRun({ runId: 'paper_funding', mode: 'paper', exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', config: { market: { instrument: 'linear_perp', contract_size: 1 } }, initialCash: 100_000 }, new Date(0));
  try {
    const p = await runPaper(ev, make, s, true, ledger);
    const a = runBacktest(ev, make, s, 0, p.end);
    assertSame(a, p, `${name} (perpetual, funding)`);
    const paid = (x: readonly FundingPayment[]): number[][] => x.map((f) => [f.ts, f.rate, f.position, f.mark, f.amount]);
    const bt = a.bt.fundingPaid;
    // Every 7 s of a 60 s span: 8 or 9 payments, on the venue's position (not flat at every one), marked at its mid.
    assert.ok(bt.length >= 8, `payments ${bt.length}`);
    assert.ok(bt.some((f) => f.position > 0) && bt.some((f) => f.position < 0) && bt.some((f) => f.amount !== 0), `positions ${bt.map((f) => f.position).join(' ')}`);
    assert.ok(bt.every((f) => f.ts % 7_000_000 === 0 && f.ts >= ev.tsExchange[0]! && f.ts <= ev.tsExchange[ev.length - 1]!));
    assert.deepEqual(paid(p.session.fundingPaid), paid(bt), 'the same payments');
    const pp = p.session.core.portfolio;
    const bp = a.bt.core.portfolio;
    assert.deepEqual([pp.funding, pp.balance, pp.cash], [bp.funding, bp.balance, bp.cash], 'the same funding, margin balance and cash');
    assert.ok(pp.funding !== 0);
    // The journal: one row per payment, the position row's cash and funding those of the portfolio; the invariants replay them.
    const rows = ledger.db.prepare<[], { ts: number; rate: number; position: number; mark: number; amount: number; source: string }>('SELECT ts, rate, position, mark, amount, source FROM funding ORDER BY id').all();
    assert.deepEqual(rows.map((r) => [r.ts, r.rate, r.position, r.mark, r.amount]), paid(bt));
    assert.ok(rows.every((r) => r.source === 'sim'));
    const pos = ledger.db.prepare<[], { cash: number; funding: number }>('SELECT cash, funding FROM positions').get()!;
    assert.ok(Math.abs(pos.funding - pp.funding) < 1e-12 && Math.abs(pos.cash - pp.cash) < 1e-9, `ledger ${JSON.stringify(pos)}`);
    assert.deepEqual(checkLedgerInvariants(ledger.db), []);
  } finally {
    ledger.close();
  }
});

/*
 * Feed latency f > 0. The backtest's venue has each row at its exchange time, f before we do; the
 * paper venue can only know the market when we receive it, so it runs on the local clock, f behind
 * the backtest's. Shift the backtest's venue by f onto the local clock and nothing else changes but
 * the latencies: a command sent at local t reaches the backtest's venue when it holds the market up
 * to exchange time t + E, which the paper venue holds at local t + E + f; an answer produced there at
 * exchange time x (local x + f) is due at local x + R. So
 *
 *   backtest (E, R) at feed latency f  ≡  paper venue with (E + f, R − f)        (needs R ≥ f)
 *   paper with (E, R)                  ≡  backtest (E − f, R + f) at latency f  (needs E ≥ f)
 *
 * exactly: same commands, same fills. Same round trip E + R, split differently: with equal settings
 * the paper run sees its orders' arrival f earlier in the market (less adverse selection than the
 * backtest) and its fills f later. The realtime driver runs its venue the same way (tick-parity).
 */
test('feed latency 5 ms: the paper venue is the backtest shifted onto the local clock; with equal latencies the fills come f later', async () => {
  const f = 5_000;
  const ev = fixture(f);
  const [, make] = strategies[0]!;

  const p = await runPaper(ev, make, { entryUs: 7_000, responseUs: 4_000 }, true);
  assertSame(runBacktest(ev, make, { entryUs: 7_000 - f, responseUs: 4_000 + f }, f, p.end), p, 'paper (E, R) = backtest (E - f, R + f)');

  const q = await runPaper(ev, make, { entryUs: 7_000 + f, responseUs: 6_000 - f }, true);
  assertSame(runBacktest(ev, make, { entryUs: 7_000, responseUs: 6_000 }, f, q.end), q, 'backtest (E, R) = paper (E + f, R - f)');

  // Equal settings: the first order is the same, its fill reaches us exactly f later, and from there on the runs part.
  const a = runBacktest(ev, make, { entryUs: 7_000, responseUs: 4_000 }, f, p.end);
  const pf = fills(p.session.core);
  const bf = fills(a.bt.core);
  assert.deepEqual(p.commands[0], a.commands[0]);
  assert.deepEqual(pf[0]!.slice(1), bf[0]!.slice(1));
  assert.equal((pf[0]![0] as number) - (bf[0]![0] as number), f);
  assert.notDeepEqual(pf, bf);
});

test('without a decision timer the paper loop decides at every feed step: more decisions, and fills only at prices that traded after the order arrived', async (t) => {
  const ev = fixture(0);
  const [, make] = strategies[0]!;
  const s = { entryUs: 7_000, responseUs: 4_000 };
  const p = await runPaper(ev, make, s, false);
  const a = runBacktest(ev, make, s, 0, p.end);
  // One decision per step of the loop (every message here, and every idle wait), against one per 100 ms.
  const decisions = p.session.counters.decisions;
  assert.ok(decisions > 5 * SECONDS * 10, `decisions ${decisions}`);
  assert.ok(decisions <= p.steps, `decisions ${decisions}, steps ${p.steps}`);
  t.diagnostic(JSON.stringify({ decisions, steps: p.steps, paperCommands: p.commands.length, btCommands: a.commands.length, paperFills: p.session.core.fills.length, btFills: a.bt.core.fills.length, paperPos: p.session.core.portfolio.position, btPos: a.bt.core.portfolio.position, paperCash: p.session.core.portfolio.cash, btCash: a.bt.core.portfolio.cash }));
  // Each fill is at its order's price, which a trade reached after the order reached the venue.
  const sent = new Map<number, number>();
  for (const c of p.commands) if (c.type === 'place') sent.set(c.clientId, c.ts);
  for (const [ts, id, side, price] of fills(p.session.core) as number[][]) {
    const arrive = sent.get(id!)! + s.entryUs;
    let ok = false;
    for (let i = 0; i < ev.length && ev.tsLocal[i]! <= ts! - s.responseUs && !ok; i++) {
      if (ev.type[i] !== EventType.Trade || ev.tsLocal[i]! <= arrive) continue;
      ok = side! > 0 ? ev.price[i]! <= price! && ev.side[i] === -1 : ev.price[i]! >= price! && ev.side[i] === 1;
    }
    assert.ok(ok, `fill of order ${id} at ${price}: no trade reached it after ${arrive}`);
  }
});
