// Hedged market making from a strategy module: quote the touch on the quoted market and send the hedge's orders on the hedge market yourself.
//
//   marketmakerl backtest --config config/examples/hedged.yaml --strategy examples/strategies/hedged-touch.ts \
//     --events artifacts/capture/btcusdt-20240808.arrow artifacts/capture/btcusdt-usdm.arrow
//
// With `hedge:` in a config of several markets, the quoted market's strategy sees the hedge market in its
// view (`hedgePosition` in that market's unit, `hedgeBid`, `hedgeAsk`, as known now) and may write
// `out.hedge = { qty, mode?, price? }`: trade `qty` there now (+ buys, − sells), as an immediate-or-cancel
// order at its touch (`taker`) or a post-only order resting at its touch (`passive`). The orders go through
// the hedge market's own risk engine, gate and venue. Leave `out.hedge` unset and the config's band rule
// hedges instead. README, "Hedged market making", has the details.
import { defineStrategy } from 'marketmakerl/sdk';

export default defineStrategy({
  name: 'hedged-touch',
  description: 'Join the touch on both sides; hedge the whole inventory on the hedge market once it passes `band` orders.',
  params: {
    band: { default: 2, min: 0, max: 1000, description: 'orders of inventory (net of the hedge) tolerated before hedging' },
    passive: { default: 0, min: 0, max: 1, integer: true, description: '1: rest the hedge at the touch instead of taking it' },
  },
  create(ctx) {
    const qty = ctx.orderQty;
    const maxInv = ctx.maxInventoryQty;
    const tick = ctx.tickSize;
    const { band, passive } = ctx.params;
    return {
      decide(view, out) {
        if (!(view.mid > 0) || !(view.bestBid > 0) || !(view.bestAsk > 0)) return;
        if (view.position + qty <= maxInv) {
          out.bidPrice = Math.min(view.bestBid, view.bestAsk - tick);
          out.bidQty = qty;
        }
        if (view.position - qty >= -maxInv) {
          out.askPrice = Math.max(view.bestAsk, view.bestBid + tick);
          out.askQty = qty;
        }
        out.reservation = view.mid;
        // No hedge market in this run (a single-market config): nothing to hedge on.
        if (view.hedgePosition !== view.hedgePosition) return;
        // Here both legs count in BTC (spot, and a linear perpetual of 1 BTC per contract).
        const net = view.position + view.hedgePosition;
        if (Math.abs(net) > band * qty) out.hedge = { qty: -net, mode: passive === 1 ? 'passive' : 'taker' };
      },
    };
  },
});
