// The paper loop on the fake Binance (real capture, real ccxt client): N iterations, N lines; fills only where trades reach our orders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLedgerInvariants } from '../../src/ledger/index.js';
import { paperRig } from './paper-harness.js';

const FIELDS = ['ts_utc', 'iteration', 'exchange', 'symbol', 'mid_price', 'volatility', 'inventory', 'bid', 'ask', 'spread', 'regime', 'open_orders', 'fills', 'realized_pnl', 'unrealized_pnl', 'trading_state'];

test('N iterations give N lines with every field; paper fills only where captured trades reach the resting order', async () => {
  const rig = await paperRig({ stepMs: 5 });
  try {
    const summary = await rig.run(20, 250);
    assert.equal(rig.rows.length, 20);
    rig.rows.forEach((r, i) => {
      for (const f of FIELDS) assert.ok(f in r, `field ${f} in line ${i + 1}`);
      assert.equal(r.iteration, i + 1);
      assert.equal(r.exchange, 'binance');
      assert.equal(r.symbol, 'BTC/USDT');
      assert.ok(Number.isFinite(Date.parse(r.ts_utc)));
    });
    const late = rig.rows[rig.rows.length - 1]!;
    assert.ok(late.mid_price !== null && late.mid_price > 10_000, 'the live book reached the loop');
    assert.ok(summary.book_updates > 100 && summary.trades > 10, `market data flowed: ${JSON.stringify(summary)}`);
    assert.ok(summary.fills > 0, `quotes near the touch on a moving market get filled: ${JSON.stringify(summary)} ${JSON.stringify(rig.session.recentRisk.slice(-5))}`);
    assert.equal(late.trading_state, 'active');
    assert.equal(rig.rows.reduce((s, r) => s + r.fills, 0) <= summary.fills, true);

    // Every fill: an opposite-side trade at or through the order's price, after the order was placed.
    const fills = rig.ledger.db
      .prepare<[], { ts: number; side: number; price: number; created: number }>(
        'SELECT f.ts, f.side, f.price, o.created_ts AS created FROM fills f JOIN orders o ON o.client_id = f.client_id',
      )
      .all();
    assert.equal(fills.length, summary.fills);
    for (const f of fills) {
      const reached = rig.trades.some((t) => t.t > f.created && t.t <= f.ts && t.side === -f.side && (f.side > 0 ? t.price <= f.price : t.price >= f.price));
      assert.ok(reached, `fill ${JSON.stringify(f)} has a trade that reached it`);
    }
    assert.deepEqual(checkLedgerInvariants(rig.ledger.db), []);
    assert.equal(summary.trading_state, 'active');
    const open = rig.ledger.db.prepare<[], { n: number }>("SELECT count(*) AS n FROM orders WHERE status IN ('open', 'pending-new')").get();
    assert.equal(open?.n, 0, 'the end of the run cancels every paper order');
  } finally {
    await rig.close();
  }
});
