// The hedge market's strategy: keep its position near −ratio × the quoted market's inventory, by immediate-or-cancel or resting orders at its touch.
import { baseExposure, roundDown, roundNearest, roundUp, type ContractSpec } from '../market/index.js';
import { type MarketView, type QuoteTarget, type Strategy, type TakeOrder, clearTarget } from './strategy.js';

/** One leg's terms: what a unit of its quantity is in the base coin, and its steps. */
export interface HedgeLeg {
  spec: ContractSpec;
  tickSize: number;
  lotSize: number;
}

export interface HedgeParams {
  /** `taker`: an immediate-or-cancel order at the touch; `passive`: an order resting at the touch. */
  mode: 'taker' | 'passive';
  /** |hedge position + ratio × quoted inventory| (base coin) beyond which the hedge trades back to the target. */
  band: number;
  /** The target: hedge position (base coin) = −ratio × quoted inventory (base coin). */
  ratio: number;
  /** Taker: the order's limit this many ticks beyond the touch (it takes the levels up to it). */
  slippageTicks: number;
  quoted: HedgeLeg;
  hedge: HedgeLeg;
}

/** What the hedge reads of the quoted market: its view and its latest answer (as of the same decision time). */
export interface HedgeSource {
  readonly view: Readonly<MarketView>;
  readonly target: Readonly<QuoteTarget>;
}

/**
 * Runs as the hedge market's strategy in its own session, so every hedge order passes that market's risk
 * engine, gate and venue like any quote. At each decision it reads the quoted market's view at the same
 * time (its position counts the fills that reached us by then; the markets' timers share one grid and the
 * quoted market decides first): the quoted strategy's `hedge` request when it wrote one at this decision,
 * else the band rule — when the deviation d = hedge position + ratio × quoted inventory (base coin) is
 * beyond `band`, trade −d (rounded to the hedge market's lot). Taker: an immediate-or-cancel order at the
 * touch known now (± `slippageTicks`), one in flight at a time; passive: a post-only order at the touch,
 * kept while the answer stays, cancelled once the deviation is back inside the band.
 */
export class HedgeStrategy implements Strategy {
  readonly name = 'hedge';
  /** The quoted market (set once every market is built). */
  source: HedgeSource | undefined;
  /** Decisions at which the hedge asked for an order (band crossed or requested). */
  triggers = 0;
  private readonly take: TakeOrder = { side: 1, price: Number.NaN, qty: 0 };
  /**
   * Live: the markets decide on loops of their own, so a request of the quoted strategy is acted on once,
   * at the hedge's next decision after the quoted decision that wrote it (replays: at the same decision
   * time only, the quoted market deciding first).
   */
  requestOnce = false;
  private requestAt = Number.NaN;

  constructor(readonly params: Readonly<HedgeParams>) {}

  decide(view: Readonly<MarketView>, out: QuoteTarget): void {
    clearTarget(out);
    const src = this.source;
    if (src === undefined) return;
    const p = this.params;
    const a = src.view;
    let req = a.now === view.now ? src.target.hedge : undefined;
    if (this.requestOnce) {
      req = src.target.hedge !== undefined && a.now !== this.requestAt ? src.target.hedge : undefined;
      if (req !== undefined) this.requestAt = a.now;
    }
    let q: number;
    let mode = p.mode;
    let price = Number.NaN;
    if (req !== undefined) {
      q = req.qty;
      if (req.mode !== undefined) mode = req.mode;
      if (req.price !== undefined) price = req.price;
    } else {
      if (!(a.mid > 0) || !(view.mid > 0)) return;
      const d = baseExposure(p.hedge.spec, view.mid, view.position) + p.ratio * baseExposure(p.quoted.spec, a.mid, a.position);
      if (!(Math.abs(d) > p.band)) return;
      // −d in the hedge market's unit (contracts of a linear perpetual: base / size).
      q = -d / baseExposure(p.hedge.spec, view.mid, 1);
    }
    const lot = p.hedge.lotSize;
    q = roundNearest(q, lot);
    if (!(Math.abs(q) >= lot * (1 - 1e-9))) return;
    this.triggers++;
    const side = q > 0 ? 1 : -1;
    const qty = Math.abs(q);
    const tick = p.hedge.tickSize;
    if (mode === 'taker') {
      const px = price === price ? price : side > 0 ? view.bestAsk + p.slippageTicks * tick : view.bestBid - p.slippageTicks * tick;
      if (!(px > 0)) return;
      const t = this.take;
      t.side = side;
      t.price = side > 0 ? roundUp(px, tick) : roundDown(px, tick);
      t.qty = qty;
      out.take = t;
    } else if (side > 0) {
      out.bidPrice = roundDown(price === price ? price : view.bestBid, tick);
      out.bidQty = out.bidPrice > 0 ? qty : 0;
    } else {
      out.askPrice = roundUp(price === price ? price : view.bestAsk, tick);
      out.askQty = out.askPrice > 0 ? qty : 0;
    }
  }
}
