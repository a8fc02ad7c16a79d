// The pre-trade risk gate: every command passes here on its way to the venue; denials come back as events.
import type { Micros } from '../core/index.js';
import type { Side } from '../market/index.js';
import { OrderState, type OpenOrders, type OrderEventHandler, type OrderSink } from '../orders/index.js';
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

/**
 * Our other live orders on the side of an order being checked (a ladder rests several): their total
 * remaining quantity and notional. Orders whose cancel is in flight are not counted (they are being
 * replaced), nor the order itself (a place is in the table already, an amend replaces its old size).
 */
export interface SideResting {
  qty: number;
  notional: number;
}

/** Nothing else resting: what a rule sees when the gate has no order table. */
export const NOTHING_RESTING: Readonly<SideResting> = Object.freeze({ qty: 0, notional: 0 });

/** What a rule reads. */
export type PlaceRuleFn = (side: Side, price: number, qty: number, view: Readonly<MarketView>, limits: Readonly<RiskLimits>, resting: Readonly<SideResting>) => string | undefined;

/** A rule: undefined to approve, or a reason to deny. `rule` names it in the denial counts (metrics, journal). */
export type PlaceRule = PlaceRuleFn & { readonly rule?: string };

/** `fn` with its name for the denial counts. */
export function namedRule(rule: string, fn: PlaceRuleFn): PlaceRule {
  return Object.assign(fn, { rule });
}

export const maxOrderQtyRule: PlaceRule = namedRule('max_order_qty', (_s, _p, qty, _v, l) =>
  qty > l.maxOrderQty * (1 + 1e-9) ? `order qty ${qty} above max_order_qty ${l.maxOrderQty}` : undefined);

/** The worst case of a ladder: every live order on this side fills, this one included. */
export const maxInventoryRule: PlaceRule = namedRule('max_inventory_qty', (side, _p, qty, v, l, resting) => {
  const after = v.position + side * (qty + resting.qty);
  return Math.abs(after) > l.maxInventoryQty * (1 + 1e-9) && Math.abs(after) > Math.abs(v.position)
    ? resting.qty > 0
      ? `position would reach ${after} if this order and the ${resting.qty} resting on its side filled, beyond max_inventory_qty ${l.maxInventoryQty}`
      : `position would reach ${after}, beyond max_inventory_qty ${l.maxInventoryQty}`
    : undefined;
});

export const priceBandRule: PlaceRule = namedRule('price_band', (_s, price, _q, v, l) =>
  v.mid > 0 && Math.abs(price - v.mid) > l.priceBandFraction * v.mid
    ? `price ${price} outside ${l.priceBandFraction * 100}% band around mid ${v.mid}`
    : undefined);

export const defaultRules: readonly PlaceRule[] = [maxOrderQtyRule, maxInventoryRule, priceBandRule];

/** Commands that reached the gate, by kind (denied ones included). */
export interface CommandCounters {
  placed: number;
  canceled: number;
  /** Cancel-replaces in one command (venues that can amend). */
  amended: number;
}

/**
 * Passes approved commands to `next`; a denied place never leaves and comes back to the handler as
 * `onDenied`. Cancels always pass: reducing exposure is never blocked. Counts the commands it sees
 * and the denials.
 *
 * `riskGate` builds the right class for the venue: `AmendingRiskGate` (with `amend`) when the venue
 * can amend, this one otherwise, so `reconcile` sees whether amending is possible from the sink alone.
 * Both are plain classes with prototype methods: the gate sits on the path of every command of every
 * backtest.
 */
export class RiskGate implements OrderSink {
  denials = 0;
  /** Denials by the rule that refused (`halted`, `reducing`, or a rule's name). */
  readonly denialsByRule = new Map<string, number>();
  readonly counters: CommandCounters;
  /** The rule behind the last reason `check` returned. */
  private lastRule = '';
  /** Scratch for the rules' view of the side (no allocation per command). */
  private readonly resting: SideResting = { qty: 0, notional: 0 };

  constructor(
    protected readonly next: OrderSink,
    protected readonly handler: OrderEventHandler,
    protected readonly view: Readonly<MarketView>,
    readonly limits: Readonly<RiskLimits>,
    protected readonly rules: readonly PlaceRule[] = defaultRules,
    counters?: CommandCounters,
    /** Our open orders (the core's table), so rules see every order resting on a side; without it, none. */
    protected readonly open?: OpenOrders,
  ) {
    this.counters = counters ?? { placed: 0, canceled: 0, amended: 0 };
  }

  place(ts: Micros, clientId: number, side: Side, price: number, qty: number): void {
    this.counters.placed++;
    const reason = this.check(clientId, side, price, qty);
    if (reason !== undefined) return this.deny(ts, clientId, reason);
    this.next.place(ts, clientId, side, price, qty);
  }

  /**
   * An immediate-or-cancel order: the same rules as a place (it may fill whole), counted as a place;
   * denied when the venue cannot take one.
   */
  take(ts: Micros, clientId: number, side: Side, price: number, qty: number): void {
    this.counters.placed++;
    const next = this.next;
    if (next.take === undefined) {
      this.lastRule = 'venue';
      return this.deny(ts, clientId, 'this venue takes no immediate-or-cancel orders');
    }
    const reason = this.check(clientId, side, price, qty);
    if (reason !== undefined) return this.deny(ts, clientId, reason);
    next.take(ts, clientId, side, price, qty);
  }

  /** Our other live orders on `side` (see SideResting), into `this.resting`. */
  private sideResting(clientId: number, side: Side): Readonly<SideResting> {
    const o = this.open;
    const r = this.resting;
    r.qty = 0;
    r.notional = 0;
    if (o === undefined) return r;
    for (let i = 0; i < o.count; i++) {
      if (o.side[i] !== side || o.state[i] === OrderState.PendingCancel || o.clientId[i] === clientId) continue;
      r.qty += o.remaining[i]!;
      r.notional += o.remaining[i]! * o.price[i]!;
    }
    return r;
  }

  /** The reason to deny, or undefined. */
  protected check(clientId: number, side: Side, price: number, qty: number): string | undefined {
    const v = this.view;
    const l = this.limits;
    const resting = this.sideResting(clientId, side);
    if (v.tradingState !== 'active') {
      if (v.tradingState === 'halted') {
        this.lastRule = 'halted';
        return 'trading state is halted';
      }
      const r = reducingOnlyRule(side, price, qty, v, l, resting);
      if (r !== undefined) {
        this.lastRule = 'reducing';
        return r;
      }
    }
    // The default rules, checked inline first (this runs per command in every backtest); a breach is
    // then explained by the rule itself.
    const after = v.position + side * (qty + resting.qty);
    const suspicious =
      qty > l.maxOrderQty * (1 + 1e-9) ||
      (Math.abs(after) > l.maxInventoryQty * (1 + 1e-9) && Math.abs(after) > Math.abs(v.position)) ||
      (v.mid > 0 && Math.abs(price - v.mid) > l.priceBandFraction * v.mid);
    if (suspicious || this.rules !== defaultRules) {
      for (let i = 0; i < this.rules.length; i++) {
        const rule = this.rules[i]!;
        const reason = rule(side, price, qty, v, l, resting);
        if (reason !== undefined) {
          this.lastRule = rule.rule ?? 'rule';
          return reason;
        }
      }
    }
    return undefined;
  }

  cancel(ts: Micros, clientId: number): void {
    this.counters.canceled++;
    this.next.cancel(ts, clientId);
  }

  protected deny(ts: Micros, clientId: number, reason: string): void {
    this.denials++;
    this.denialsByRule.set(this.lastRule, (this.denialsByRule.get(this.lastRule) ?? 0) + 1);
    this.handler.onDenied(ts, clientId, reason);
  }
}

/** The gate in front of a venue that can amend. A denied amend cancels the order instead of leaving it stale. */
export class AmendingRiskGate extends RiskGate {
  amend(ts: Micros, clientId: number, side: Side, price: number, qty: number): void {
    this.counters.amended++;
    const reason = this.check(clientId, side, price, qty);
    if (reason !== undefined) {
      this.deny(ts, clientId, reason);
      this.next.cancel(ts, clientId);
      return;
    }
    this.next.amend!(ts, clientId, side, price, qty);
  }
}

/** The gate for `next`: amending when `next` can amend. */
export function riskGate(
  next: OrderSink,
  handler: OrderEventHandler,
  view: Readonly<MarketView>,
  limits: Readonly<RiskLimits>,
  rules: readonly PlaceRule[] = defaultRules,
  counters?: CommandCounters,
  open?: OpenOrders,
): RiskGate {
  return next.amend !== undefined ? new AmendingRiskGate(next, handler, view, limits, rules, counters, open) : new RiskGate(next, handler, view, limits, rules, counters, open);
}
