// A live session on the event clock against the fake exchange's own matching engine (hidden queue and latencies), journaled to a ledger file; and the capture it saw.
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { readEvents, writeEvents } from '../../src/data/index.js';
import { EventFlag, type EventColumns } from '../../src/market/index.js';
import { Ledger } from '../../src/ledger/index.js';
import { LiveSession, TickLocal, defaultTickLocalParams } from '../../src/engine/index.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { TouchQuotes } from '../fixtures/tick-strategies.js';
import { looseSession } from '../fixtures/trading-config.js';
import { MatchingEngine, type HiddenLatency, type HiddenQueue } from '../fake-exchange/matching-engine.js';
import { ReplayVenueFeed, SimLiveExchange, type EventClock } from '../fake-exchange/sim-live-exchange.js';

/**
 * The shared capture's first `seconds` as a feed at zero latency delivers them (local = exchange time,
 * non-decreasing): what the session sees and what `realtime --record` would have written.
 */
export function sessionMarket(seconds = Number.POSITIVE_INFINITY): EventColumns {
  const all = readEvents(ensureSharedCaptureArrow());
  let n = 0;
  while (n < all.length && all.tsExchange[n]! < all.tsExchange[0]! + seconds * 1e6) n++;
  while (n > 0 && (all.flags[n - 1]! & EventFlag.EndOfMessage) === 0) n--;
  const ts = all.tsExchange.slice(0, n);
  for (let i = 1; i < n; i++) if (ts[i]! < ts[i - 1]!) ts[i] = ts[i - 1]!;
  return { ...all, length: n, tsExchange: ts, tsLocal: ts, type: all.type.subarray(0, n), side: all.side.subarray(0, n), flags: all.flags.subarray(0, n), price: all.price.subarray(0, n), size: all.size.subarray(0, n), id: all.id.subarray(0, n) };
}

/** `ev` as an event file in `dir` (the session's recording). */
export function recordingOf(ev: EventColumns, dir: string): string {
  const path = join(dir, 'session.arrow');
  if (!existsSync(path)) writeEvents(path, ev, { meta: { venue: 'binance', symbol: 'BTCUSDT', source: 'calibration test' } });
  return path;
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
  const market = { symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', active: true, tickSize: 0.01, lotSize: 0.00001, minQty: 0.00001, minNotional: 5 };
  const exchange = new SimLiveExchange(engine, clock, market, { bid: ev.price[0]! - 0.01, ask: ev.price[0]! + 0.01 }, { BTC: 10, USDT: 1_000_000 });
  const feed = new ReplayVenueFeed(ev, exchange, clock);
  const session = new LiveSession({
    exchange,
    symbol: 'BTC/USDT',
    strategy: new TouchQuotes(0.005, 0.05),
    session: looseSession({ initialCash: 100_000, reconcile: { priceTolerance: 0.02, qtyTolerance: 0 }, limits: { maxOrderQty: 0.005, maxInventoryQty: 0.05, priceBandFraction: 0.01 } }, 100_000),
    idNamespace: runId,
    orderQty: 0.005,
    tickSize: 0.01,
    unknownOrders: 'cancel',
    positionTolerance: 1e-9,
    haltOnMismatch: true,
    baseline: undefined,
    journal: ledger,
    log: () => {},
    pollMs: 1_000,
    reconcileEveryMs: 1e12,
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
