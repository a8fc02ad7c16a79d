// A multi-level ladder: several orders per side, `step_bps` apart from the touch outwards, bigger the deeper they rest.
//
//   marketmakerl backtest --strategy examples/strategies/ladder.ts --events FILE --param levels=4 --param step_bps=0.2
//   marketmakerl backtest --strategy examples/strategies/ladder.ts --data KLINES.csv --param step_bps=5
//
// Level 0 goes in `bidPrice` / `askPrice` as in any strategy; the deeper levels go in `out.bids` / `out.asks`
// (lists of { price, qty }). The core keeps an order that already rests on a level, and cancels or places
// only what changed. Sweeps that take several levels of the book fill the deeper orders at better prices.
import { defineStrategy, type QuoteLevel } from 'marketmakerl/sdk';

export default defineStrategy({
  name: 'ladder',
  description: 'Quote `levels` orders per side from the touch outwards, `step_bps` apart, level i sized order_qty × (1 + growth × i).',
  params: {
    levels: { default: 3, min: 1, max: 16, integer: true, description: 'orders per side', sweep: [2, 3, 5] },
    step_bps: { default: 0.5, min: 0, max: 1000, description: 'distance between two levels, bps of the mid (at least one tick)', sweep: [0.2, 0.5, 2] },
    growth: { default: 0, min: 0, max: 10, description: 'level i rests order_qty × (1 + growth × i): more size deeper, where fills are rarer and better (raise risk.max_order_qty to match)' },
    lean: { default: 1, min: 0, max: 100, description: 'ticks the whole ladder moves against each order_qty of inventory' },
  },
  create(ctx) {
    const tick = ctx.tickSize;
    const lot = ctx.lotSize;
    const qty = ctx.orderQty;
    const maxInv = ctx.maxInventoryQty;
    const { levels, step_bps, growth, lean } = ctx.params;
    // The deeper levels, made once and rewritten in place at every decision (no garbage per decision).
    const bids: QuoteLevel[] = [];
    const asks: QuoteLevel[] = [];
    const size: number[] = [];
    for (let i = 0; i < levels; i++) size.push(Math.max(lot, Math.floor((qty * (1 + growth * i)) / lot + 1e-9) * lot));
    for (let i = 1; i < levels; i++) {
      bids.push({ price: Number.NaN, qty: 0 });
      asks.push({ price: Number.NaN, qty: 0 });
    }
    return {
      decide(view, out) {
        if (!view.warm || !(view.mid > 0)) return;
        const bestBid = view.bestBid === view.bestBid ? view.bestBid : view.mid - tick / 2;
        const bestAsk = view.bestAsk === view.bestAsk ? view.bestAsk : view.mid + tick / 2;
        const step = Math.max(tick, Math.round((step_bps * view.mid) / 1e4 / tick) * tick);
        const shift = Math.round((lean * view.position) / qty) * tick;
        const pos = view.position;
        const reducing = view.tradingState === 'reducing';
        // Post-only: level 0 never at or through the other side.
        const bid0 = Math.min(bestBid - shift, bestAsk - tick);
        const ask0 = Math.max(bestAsk - shift, bestBid + tick);
        // Walk each side outwards; stop where a fill of every level so far would breach max_inventory_qty
        // (the gate checks the same worst case) or, when reducing, would flip the position.
        let buy = 0;
        let sell = 0;
        for (let i = 0; i < levels; i++) {
          const q = size[i]!;
          const okBuy = pos + buy + q <= maxInv + 1e-12 && !(reducing && buy + q > -pos + 1e-12);
          const okSell = pos - sell - q >= -maxInv - 1e-12 && !(reducing && sell + q > pos + 1e-12);
          if (okBuy) buy += q;
          if (okSell) sell += q;
          const bp = okBuy ? bid0 - i * step : Number.NaN;
          const ap = okSell ? ask0 + i * step : Number.NaN;
          if (i === 0) {
            out.bidPrice = bp;
            out.bidQty = okBuy ? q : 0;
            out.askPrice = ap;
            out.askQty = okSell ? q : 0;
          } else {
            const b = bids[i - 1]!;
            const a = asks[i - 1]!;
            b.price = bp;
            b.qty = okBuy ? q : 0;
            a.price = ap;
            a.qty = okSell ? q : 0;
          }
        }
        out.bids = bids;
        out.asks = asks;
        out.reservation = (bid0 + ask0) / 2;
      },
    };
  },
});
