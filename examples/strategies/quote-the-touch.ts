// Tutorial strategy: rest one order at the best bid and one at the best ask (or a few ticks behind), leaning against inventory.
//
//   marketmakerl backtest --strategy examples/strategies/quote-the-touch.ts --events FILE
//   marketmakerl backtest --strategy examples/strategies/quote-the-touch.ts --data KLINES.csv --param back=1
//
// README, "Write your own strategy", walks through this file.
import { defineStrategy } from 'marketmakerl/sdk';

export default defineStrategy({
  name: 'quote-the-touch',
  description: 'Join the touch on both sides, `back` ticks behind it, shifted `lean` ticks per order of inventory.',
  // Declared parameters: defaults and ranges are checked; `--param back=2` or `quoting.params.back` sets
  // them; `analyze --strategy` sweeps the `sweep` levels.
  params: {
    back: { default: 0, min: 0, max: 1000, integer: true, description: 'ticks behind the best bid / ask', sweep: [0, 1, 3] },
    lean: { default: 1, min: 0, max: 100, description: 'ticks both quotes move against each order of inventory', sweep: [0, 1] },
  },
  // Called once per run with the resolved market and sizes (and once more to check the module).
  create(ctx) {
    const tick = ctx.tickSize;
    const qty = ctx.orderQty;
    const maxInv = ctx.maxInventoryQty;
    const { back, lean } = ctx.params;
    return {
      // Called at every decision with what is known now; `out` starts cleared (nothing resting).
      decide(view, out) {
        if (!view.warm || !(view.mid > 0)) return;
        // Tick modes know the touch; a bar backtest knows only the mid: the touch is then half a tick away.
        const bestBid = view.bestBid === view.bestBid ? view.bestBid : view.mid - tick / 2;
        const bestAsk = view.bestAsk === view.bestAsk ? view.bestAsk : view.mid + tick / 2;
        // Long → both quotes lower (sell sooner, buy later); short → higher.
        const shift = Math.round((lean * view.position) / qty) * tick;
        // Post-only: never at or through the other side of the book.
        const bid = Math.min(bestBid - back * tick - shift, bestAsk - tick);
        const ask = Math.max(bestAsk + back * tick - shift, bestBid + tick);
        const reducing = view.tradingState === 'reducing';
        if (view.position + qty <= maxInv && !(reducing && view.position >= 0)) {
          out.bidPrice = bid; // rounded down to the tick by the SDK
          out.bidQty = qty;
        }
        if (view.position - qty >= -maxInv && !(reducing && view.position <= 0)) {
          out.askPrice = ask; // rounded up to the tick
          out.askQty = qty;
        }
        out.reservation = (bid + ask) / 2;
      },
    };
  },
});
