// A ladder in live trading through the real ccxt client against the fake exchange: three orders rest per side, a sweep fills two levels, everything is cancelled at the end and the ledger equals the exchange.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLedgerInvariants } from '../../src/ledger/index.js';
import { roundDown, roundUp } from '../../src/market/index.js';
import { parseRiskConfig } from '../../src/risk/index.js';
import type { MarketView, QuoteLevel, QuoteTarget, Strategy } from '../../src/strategy/index.js';
import { exchangeBaseDelta, ledgerCount, ledgerPosition, noDuplicateOrders, startRig, waitFor, type LiveRig } from './live-helpers.js';

/** Three orders a side, 10, 20 and 30 outside the best bid and ask, 0.001 each. */
class LadderStrategy implements Strategy {
  readonly name = 'fixed-ladder';
  private readonly bids: QuoteLevel[] = [{ price: 0, qty: 0 }, { price: 0, qty: 0 }];
  private readonly asks: QuoteLevel[] = [{ price: 0, qty: 0 }, { price: 0, qty: 0 }];
  decide(v: Readonly<MarketView>, out: QuoteTarget): void {
    if (!(v.bestBid > 0) || !(v.bestAsk > 0)) {
      out.bidPrice = out.askPrice = Number.NaN;
      out.bidQty = out.askQty = 0;
      out.bids = out.asks = undefined;
      return;
    }
    out.bidPrice = roundDown(v.bestBid - 10, 0.01);
    out.askPrice = roundUp(v.bestAsk + 10, 0.01);
    out.bidQty = out.askQty = 0.001;
    for (let i = 0; i < 2; i++) {
      Object.assign(this.bids[i]!, { price: roundDown(v.bestBid - 10 * (i + 2), 0.01), qty: 0.001 });
      Object.assign(this.asks[i]!, { price: roundUp(v.bestAsk + 10 * (i + 2), 0.01), qty: 0.001 });
    }
    out.bids = this.bids;
    out.asks = this.asks;
  }
}

const open = (rig: LiveRig, side: 'BUY' | 'SELL'): number[] => rig.fake.account.openOrders().filter((o) => o.side === side).map((o) => o.price).sort((a, b) => b - a);

test('live: a three-level ladder rests on the exchange, a sweep through two bid levels fills both, the ladder is rebuilt and cancelled at the end', async () => {
  const risk = parseRiskConfig(
    { max_order_qty: 0.001, max_inventory_qty: 0.01, max_order_notional: 1_000, stale_after_ms: 5_000, max_orders_per_window: 50, max_open_orders: 16, daily_loss_limit: 100, max_drawdown: 150 },
    { orderQty: 0.001, maxInventoryQty: 0.01, capital: 10_000 },
  );
  const rig = await startRig({
    strategy: new LadderStrategy(),
    session: { initialCash: 10_000, reconcile: { priceTolerance: 0.5, qtyTolerance: 0.1 }, risk, decisionIntervalMicros: 0 },
  });
  try {
    const full = (): boolean => open(rig, 'BUY').length === 3 && open(rig, 'SELL').length === 3 && rig.session.adapter.live().filter((t) => t.state === 'open').length === 6;
    await waitFor('three orders a side', full);
    const bids = open(rig, 'BUY');
    assert.ok(bids[0]! - bids[1]! > 9 && bids[1]! - bids[2]! > 9, `levels 10 apart: ${bids}`);
    // A seller sweeps down to the second bid: the first two levels fill, the third does not.
    rig.fake.account.marketTrade('SELL', bids[1]!, 0.005);
    await waitFor('two fills', () => rig.session.core.fills.length === 2);
    const prices = Array.from({ length: 2 }, (_, i) => rig.session.core.fills.price[i]!).sort((a, b) => b - a);
    assert.deepEqual(prices, bids.slice(0, 2), 'each level filled at its own price');
    await waitFor('the ladder rebuilt', full);
    rig.session.stop();
    const summary = await rig.run;
    assert.equal(summary.cancelVerified, true);
    assert.equal(rig.fake.account.openOrders().length, 0);
    assert.ok(Math.abs(summary.position - 0.002) < 1e-12);
    assert.ok(Math.abs(ledgerPosition(rig.ledger) - exchangeBaseDelta(rig.fake)) < 1e-12, 'ledger position = exchange holding change');
    assert.equal(ledgerCount(rig.ledger, 'SELECT count(*) AS n FROM fills'), rig.fake.account.trades.length);
    assert.deepEqual(checkLedgerInvariants(rig.ledger.db), []);
    assert.ok(noDuplicateOrders(rig.fake));
    assert.ok(rig.session.core.maxOrdersPerSide >= 3);
  } finally {
    await rig.close();
    await rig.fake.close();
  }
});
