// GLFT quotes with the centre skewed by the order-book imbalance: step away from the side the book says the price will move through.
//
//   marketmakerl backtest --strategy examples/strategies/imbalance-glft.ts --events FILE --param skew=2
//
// The signal is `view.bookImbalance` (src/features/order-flow.ts: depth imbalance of the first
// `features.book_levels` levels, from the book received so far). With skew 0 this is plain GLFT.
import { defineStrategy, glft, emptyQuote, type ModelState } from 'marketmakerl/sdk';

export default defineStrategy({
  name: 'imbalance-glft',
  description: 'GLFT (Guéant, Lehalle & Fernandez-Tapia) with the quote centre moved `skew` ticks per unit of book imbalance.',
  // Reads the book features: the tick backtest keeps a book at local time for it.
  usesBook: true,
  params: {
    skew: { default: 2, min: 0, max: 100, description: 'ticks the quote centre moves per unit of book imbalance (+1 = all bids)', sweep: [0, 1, 2, 4] },
  },
  create(ctx) {
    const tick = ctx.tickSize;
    const qty = ctx.orderQty;
    const maxInv = ctx.maxInventoryQty;
    const q = ctx.quoting;
    const params = { gamma: q.gamma, k: q.k, A: q.A };
    const state: ModelState = { mid: 0, inventory: 0, sigma: 0, timeRemaining: q.horizonSeconds, intensityA: Number.NaN, intensityK: Number.NaN };
    const quote = emptyQuote();
    const minSpread = ctx.minSpreadTicks * tick;
    const skew = ctx.params.skew;
    return {
      decide(view, out) {
        if (!view.warm || !(view.mid > 0) || !(view.sigma >= 0)) return;
        state.mid = view.mid;
        state.inventory = view.position / qty;
        state.sigma = view.sigma;
        state.intensityA = q.calibrate ? view.intensityA : Number.NaN;
        state.intensityK = q.calibrate ? view.intensityK : Number.NaN;
        const g = glft.quote(state, params, quote);
        // More resting bids than asks: the next move is more likely up, so lean both quotes up (the ask
        // steps away from the buyers about to take it; the bid joins closer to the touch), and down for asks.
        const imb = view.bookImbalance === view.bookImbalance ? view.bookImbalance : 0;
        const shift = skew * imb * tick;
        let bid = g.bid + shift;
        let ask = g.ask + shift;
        if (bid === bid && ask === ask && ask - bid < minSpread) {
          const c = (bid + ask) / 2;
          bid = c - minSpread / 2;
          ask = c + minSpread / 2;
        }
        // Post-only: strictly inside our side of the book.
        const bestBid = view.bestBid === view.bestBid ? view.bestBid : view.mid - tick / 2;
        const bestAsk = view.bestAsk === view.bestAsk ? view.bestAsk : view.mid + tick / 2;
        if (bid > bestAsk - tick) bid = bestAsk - tick;
        if (ask < bestBid + tick) ask = bestBid + tick;
        const reducing = view.tradingState === 'reducing';
        if (bid > 0 && view.position + qty <= maxInv && !(reducing && view.position >= 0)) {
          out.bidPrice = bid;
          out.bidQty = qty;
        }
        if (ask > 0 && view.position - qty >= -maxInv && !(reducing && view.position <= 0)) {
          out.askPrice = ask;
          out.askQty = qty;
        }
        out.reservation = g.reservation + shift;
      },
    };
  },
});
