// Test harness for the paper loop on the fake Binance through the real ccxt client (127.0.0.1 only).
import { FakeBinance } from '../fake-exchange/index.js';
import { createExchange, loadMarkets, resolveSymbol, closeExchange } from '../../src/venues/ccxt/exchange.js';
import { marketData } from '../../src/venues/ccxt/market-data.js';
import { CcxtFeed, defaultCcxtFeedOptions } from '../../src/engine/ccxt-feed.js';
import { PaperSession, paperSetup, runPaperLoop, wallClock, type IterationRow, type PaperSummary } from '../../src/engine/index.js';
import { Ledger } from '../../src/ledger/index.js';
import { EventType, type EventColumns } from '../../src/market/index.js';
import { USDM_MARKET } from '../fixtures/usdm-capture.js';

export interface PaperRig {
  fake: FakeBinance;
  feed: CcxtFeed;
  session: PaperSession;
  ledger: Ledger;
  rows: IterationRow[];
  /** Every trade row the loop received: local time, price, aggressor side. */
  trades: { t: number; price: number; side: number }[];
  /**
   * Iterate `iterations` times, or fewer: with `until`, the loop stops at the first line after which it holds
   * (a scenario ends when its state is reached, not after a count that a slow machine may not reach it in).
   */
  run: (iterations: number, iterationMs: number, until?: () => boolean) => Promise<PaperSummary>;
  close: () => Promise<void>;
}

/** A paper session on the fake's spot BTC/USDT, or with `usdm` on its USD-M perpetual BTC/USDT:USDT. */
export async function paperRig(o: { mode?: 'ws' | 'rest'; stepMs?: number; config?: Record<string, unknown>; ledgerPath?: string; usdm?: boolean } = {}): Promise<PaperRig> {
  const usdm = o.usdm === true;
  const fake = new FakeBinance({ stepMs: o.stepMs ?? 10, usdm });
  const url = await fake.start();
  const exchange = usdm ? USDM_MARKET.exchange : 'binance';
  const ex = await createExchange({ exchange, exchangeUrl: url, websocket: true, perpetuals: usdm });
  await loadMarkets(ex);
  const symbol = resolveSymbol(ex, usdm ? USDM_MARKET.symbol : 'BTC/USDT');
  const clock = wallClock();
  const feed = new CcxtFeed(marketData(ex), { ...defaultCcxtFeedOptions, symbol, clock, mode: o.mode ?? 'ws', pollMs: 50, backoffBaseMs: 50, backoffMaxMs: 500, rateLimitMs: 300, random: () => 0.5 });
  const input = {
    capital: 10_000,
    ...(usdm ? { market: { ...USDM_MARKET } } : {}),
    // Quotes a few ticks from the mid (k = 10 per USDT, no calibration), so that the replayed trades reach them often.
    quoting: { gamma: 0.01, k: 10, calibrate: false, horizon_seconds: 2, order_qty: 0.001, max_inventory_qty: 0.05, requote_ticks: 20 },
    risk: { max_order_qty: 0.01, max_inventory_qty: 0.06, max_orders_per_window: 1000, stale_after_ms: 600, max_order_notional: 2_000, daily_loss_limit: 100, max_drawdown: 150 },
    sim: { entry_latency_ms: 2, response_latency_ms: 2, maker_fee_bps: 1 },
    features: { sigma_sample_ms: 100, sigma_window: 10, intensity_window_s: 60 },
    loop: { idle_decision_ms: 20, quote_sample_ms: 50 },
    ...o.config,
  };
  const { strategy, options, resolved } = paperSetup(input, 100_000);
  const cfg = resolved.config;
  const ledger = new Ledger(o.ledgerPath ?? ':memory:');
  ledger.startRun({ runId: 'test', mode: 'paper', exchange, symbol, config: cfg, initialCash: cfg.capital }, new Date());
  const session = new PaperSession(strategy, options, ledger);
  const rows: IterationRow[] = [];
  const trades: PaperRig['trades'] = [];
  // Watch what the loop receives, without changing it.
  const next = feed.next.bind(feed);
  feed.next = async (ms: number): Promise<EventColumns | undefined> => {
    const ev = await next(ms);
    if (ev) for (let i = 0; i < ev.length; i++) if (ev.type[i] === EventType.Trade) trades.push({ t: ev.tsLocal[i]!, price: ev.price[i]!, side: ev.side[i]! });
    return ev;
  };
  return {
    fake,
    feed,
    session,
    ledger,
    rows,
    trades,
    run: (iterations, iterationMs, until) => {
      const stop: { requested: boolean; reason?: string } = { requested: false };
      return runPaperLoop(feed, session, {
        exchange,
        symbol,
        iterations,
        durationMicros: undefined,
        iterationMicros: iterationMs * 1000,
        idleDecisionMicros: cfg.loop.idle_decision_ms * 1000,
        quoteSampleMicros: cfg.loop.quote_sample_ms * 1000,
        clock,
        emit: (r) => {
          rows.push(r);
          if (until?.()) Object.assign(stop, { requested: true, reason: 'scenario complete' });
        },
        journal: ledger,
        stop,
      });
    },
    close: async () => {
      await closeExchange(ex);
      await fake.stop();
      ledger.close();
    },
  };
}
