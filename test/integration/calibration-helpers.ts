// A live session on the event clock against the fake exchange's own matching engine (hidden queue and latencies), journaled to a ledger file; and the capture it saw.
import { dirname, join } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { fileSha256, readEvents, writeEvents } from '../../src/data/index.js';
import { EventFlag, type EventColumns } from '../../src/market/index.js';
import { Ledger, linkRecording, recordingWritten } from '../../src/ledger/index.js';
import { LiveSession, TickLocal, defaultTickLocalParams, paperSetup } from '../../src/engine/index.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { TouchQuotes } from '../fixtures/tick-strategies.js';
import { looseSession } from '../fixtures/trading-config.js';
import { MatchingEngine, type HiddenLatency, type HiddenQueue } from '../fake-exchange/matching-engine.js';
import { ReplayVenueFeed, SimLiveExchange, type EventClock } from '../fake-exchange/sim-live-exchange.js';

/**
 * The shared capture's first `seconds` as a feed at zero latency delivers them (local = exchange time,
 * non-decreasing, publication time = exchange time): what the session sees and what `realtime --record` would have written.
 */
export function sessionMarket(seconds = Number.POSITIVE_INFINITY): EventColumns {
  const all = readEvents(ensureSharedCaptureArrow());
  let n = 0;
  while (n < all.length && all.tsExchange[n]! < all.tsExchange[0]! + seconds * 1e6) n++;
  while (n > 0 && (all.flags[n - 1]! & EventFlag.EndOfMessage) === 0) n--;
  const ts = all.tsExchange.slice(0, n);
  for (let i = 1; i < n; i++) if (ts[i]! < ts[i - 1]!) ts[i] = ts[i - 1]!;
  return { ...all, length: n, tsExchange: ts, tsLocal: ts, publishDelay: new Float64Array(n), type: all.type.subarray(0, n), side: all.side.subarray(0, n), flags: all.flags.subarray(0, n), price: all.price.subarray(0, n), size: all.size.subarray(0, n), id: all.id.subarray(0, n) };
}

/** `ev` as an event file in `dir` (the session's recording). */
export function recordingOf(ev: EventColumns, dir: string): string {
  const path = join(dir, 'session.arrow');
  if (!existsSync(path)) writeEvents(path, ev, { meta: { venue: 'binance', symbol: 'BTCUSDT', source: 'calibration test' } });
  return path;
}

/** The fake exchange's adapter on `engine`, the touch one tick either side of `ref`, a funded account. */
function engineExchange(engine: MatchingEngine, clock: EventClock, ref: number): SimLiveExchange {
  const market = { symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', active: true, tickSize: 0.01, lotSize: 0.00001, minQty: 0.00001, minNotional: 5 };
  return new SimLiveExchange(engine, clock, market, { bid: ref - 0.01, ask: ref + 0.01 }, { BTC: 10, USDT: 1_000_000 });
}

/** What every session here shares: one BTC/USDT market, ids in the run's namespace, journaled, no periodic reconciliation. */
function onEngine(ledger: Ledger, runId: string) {
  return {
    symbol: 'BTC/USDT',
    idNamespace: runId,
    tickSize: 0.01,
    unknownOrders: 'cancel' as const,
    positionTolerance: 1e-9,
    haltOnMismatch: true,
    baseline: undefined,
    journal: ledger,
    log: () => {},
    pollMs: 1_000,
    reconcileEveryMs: 1e12,
  };
}

export interface Hidden {
  queue: HiddenQueue;
  entry: HiddenLatency;
  response: HiddenLatency;
}

/** The sim section the session's config claimed (deliberately not the hidden truth): what calibration replaces. */
export const CLAIMED_SIM = { maker_fee_bps: 1, taker_fee_bps: 2, queue: 'risk-averse', entry_latency_ms: 5, response_latency_ms: 5 };

/**
 * A live session (the live session, its adapter and client ids) quoting at the touch, its orders sticky
 * within 2 ticks, against the matching engine replaying `ev` on its clock; journaled to `ledgerPath`.
 */
export async function liveOnHiddenEngine(ev: EventColumns, hidden: Hidden, ledgerPath: string, runId = 'live_calibration'): Promise<{ fills: number; orders: number; engine: MatchingEngine }> {
  const ledger = new Ledger(ledgerPath);
  ledger.startRun({ runId, mode: 'live', exchange: 'binance', symbol: 'BTC/USDT', config: { market: { tick_size: 0.01 }, sim: CLAIMED_SIM }, initialCash: 100_000 }, new Date(0));
  const clock: EventClock = { t: ev.tsExchange[0]! };
  const engine = new MatchingEngine({ tickSize: 0.01, queue: hidden.queue, entry: hidden.entry, response: hidden.response, makerFee: 0.0001, seed: 11 });
  const exchange = engineExchange(engine, clock, ev.price[0]!);
  const feed = new ReplayVenueFeed(ev, exchange, clock);
  const session = new LiveSession({
    exchange,
    strategy: new TouchQuotes(0.005, 0.05),
    session: looseSession({ initialCash: 100_000, reconcile: { priceTolerance: 0.02, qtyTolerance: 0 }, limits: { maxOrderQty: 0.005, maxInventoryQty: 0.05, priceBandFraction: 0.01 } }, 100_000),
    orderQty: 0.005,
    ...onEngine(ledger, runId),
    market: { feed, local: new TickLocal({ ...defaultTickLocalParams, intensityWindowMicros: 30e6, intensityRecalibrateMicros: 5e6, sigmaWindow: 30 }) },
    clock: () => clock.t,
  });
  try {
    const summary = await session.run();
    return { fills: summary.fills, orders: exchange.commands.filter((c) => c.type === 'place').length, engine };
  } finally {
    ledger.close();
  }
}

/**
 * A live session built from a trading config as `realtime --mode live` builds it (strategy, risk, loop
 * and estimators from the config), against the matching engine replaying `ev`; the config is journaled
 * with the run, so `parity` can replay the session from its ledger.
 */
export async function liveFromConfig(ev: EventColumns, hidden: Hidden, ledgerPath: string, input: Record<string, unknown>, runId = 'live_config'): Promise<{ fills: number }> {
  const ref = ev.price[0]!;
  const { strategy, options, resolved } = paperSetup(input, ref);
  const ledger = new Ledger(ledgerPath);
  ledger.startRun({ runId, mode: 'live', exchange: 'binance', symbol: 'BTC/USDT', config: input, initialCash: resolved.config.capital }, new Date(0));
  const clock: EventClock = { t: ev.tsExchange[0]! };
  const engine = new MatchingEngine({ tickSize: 0.01, queue: hidden.queue, entry: hidden.entry, response: hidden.response, seed: 11 });
  const exchange = engineExchange(engine, clock, ref);
  const session = new LiveSession({
    exchange,
    strategy,
    session: options.session,
    orderQty: resolved.quoting.orderQty,
    ...onEngine(ledger, runId),
    market: { feed: new ReplayVenueFeed(ev, exchange, clock), local: new TickLocal(options.local) },
    clock: () => clock.t,
  });
  try {
    const fills = (await session.run()).fills;
    // The session's market, linked to its run as `realtime --record` links it.
    const path = recordingOf(ev, dirname(ledgerPath));
    linkRecording(ledger.db, ledgerPath, runId, path);
    recordingWritten(ledger.db, runId, { rows: ev.length, firstLocalUs: ev.tsLocal[0]!, lastLocalUs: ev.tsLocal[ev.length - 1]!, bytes: statSync(path).size, sha256: fileSha256(path) }, new Date(0));
    return { fills };
  } finally {
    ledger.close();
  }
}
