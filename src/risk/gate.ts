// The pre-trade risk gate: every command passes here on its way to the venue; denials come back as events.
import type { Micros } from '../core/index.js';
import type { Side } from '../market/index.js';
import type { OrderEventHandler, OrderSink } from '../orders/index.js';
import type { MarketView } from '../strategy/index.js';
import { reducingOnlyRule } from './place-rules.js';

export interface RiskLimits {
  /** Largest quantity of one order, base units. */
  maxOrderQty: number;
  /** Largest |position| that a fill of this order could produce, base units. */
  maxInventoryQty: number;
  /** Largest distance of an order price from the reference mid, as a fraction (0.05 = 5%). */
  priceBandFraction: number;
}

/** A rule: undefined to approve, or a reason to deny. */
export type PlaceRule = (side: Side, price: number, qty: number, view: Readonly<MarketView>, limits: Readonly<RiskLimits>) => string | undefined;

export const maxOrderQtyRule: PlaceRule = (_s, _p, qty, _v, l) =>
  qty > l.maxOrderQty * (1 + 1e-9) ? `order qty ${qty} above max_order_qty ${l.maxOrderQty}` : undefined;

export const maxInventoryRule: PlaceRule = (side, _p, qty, v, l) => {
  const after = v.position + side * qty;
  return Math.abs(after) > l.maxInventoryQty * (1 + 1e-9) && Math.abs(after) > Math.abs(v.position)
    ? `position would reach ${after}, beyond max_inventory_qty ${l.maxInventoryQty}`
    : undefined;
};

export const priceBandRule: PlaceRule = (_s, price, _q, v, l) =>
  v.mid > 0 && Math.abs(price - v.mid) > l.priceBandFraction * v.mid
    ? `price ${price} outside ${l.priceBandFraction * 100}% band around mid ${v.mid}`
    : undefined;

export const defaultRules: readonly PlaceRule[] = [maxOrderQtyRule, maxInventoryRule, priceBandRule];

/**
 * Passes approved commands to `next`; a denied place never leaves and comes back to the handler as
 * `onDenied`. Cancels always pass: reducing exposure is never blocked. Counts denials by reason.
 */
export class RiskGate implements OrderSink {
  denials = 0;
  constructor(
    private readonly next: OrderSink,
    private readonly handler: OrderEventHandler,
    private readonly view: Readonly<MarketView>,
    readonly limits: Readonly<RiskLimits>,
    private readonly rules: readonly PlaceRule[] = defaultRules,
  ) {
    if (next.amend !== undefined) this.amend = this.amendChecked.bind(this);
  }

  place(ts: Micros, clientId: number, side: Side, price: number, qty: number): void {
    const reason = this.check(side, price, qty);
    if (reason !== undefined) return this.deny(ts, clientId, reason);
    this.next.place(ts, clientId, side, price, qty);
  }

  /** Present only when the venue can amend. A denied amend cancels the order instead of leaving it stale. */
  readonly amend?: (ts: Micros, clientId: number, side: Side, price: number, qty: number) => void;

  private amendChecked(ts: Micros, clientId: number, side: Side, price: number, qty: number): void {
    const reason = this.check(side, price, qty);
    if (reason !== undefined) {
      this.deny(ts, clientId, reason);
      this.next.cancel(ts, clientId);
      return;
    }
    this.next.amend!(ts, clientId, side, price, qty);
  }

  /** The reason to deny, or undefined. */
  private check(side: Side, price: number, qty: number): string | undefined {
    const v = this.view;
    const l = this.limits;
    if (v.tradingState === 'halted') return 'trading state is halted';
    if (v.tradingState === 'reducing') {
      const r = reducingOnlyRule(side, price, qty, v, l);
      if (r !== undefined) return r;
    }
    // The default rules, checked inline first (this runs per command in every backtest); a breach is
    // then explained by the rule itself.
    const after = v.position + side * qty;
    const suspicious =
      qty > l.maxOrderQty * (1 + 1e-9) ||
      (Math.abs(after) > l.maxInventoryQty * (1 + 1e-9) && Math.abs(after) > Math.abs(v.position)) ||
      (v.mid > 0 && Math.abs(price - v.mid) > l.priceBandFraction * v.mid);
    if (suspicious || this.rules !== defaultRules) {
      for (let i = 0; i < this.rules.length; i++) {
        const reason = this.rules[i]!(side, price, qty, v, l);
        if (reason !== undefined) return reason;
      }
    }
    return undefined;
  }

  cancel(ts: Micros, clientId: number): void {
    this.next.cancel(ts, clientId);
  }

  private deny(ts: Micros, clientId: number, reason: string): void {
    this.denials++;
    this.handler.onDenied(ts, clientId, reason);
  }
}
