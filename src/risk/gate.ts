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

/**
 * A rule: undefined to approve, or a reason to deny. `rule` names it in the denial counts (metrics,
 * journal). `inline` (the default limits) and `notionalCap` (an order-notional cap) mark rules whose
 * test the gate also runs inline: it calls them only to explain a breach.
 */
export type PlaceRule = ((side: Side, price: number, qty: number, view: Readonly<MarketView>, limits: Readonly<RiskLimits>) => string | undefined) & {
  readonly rule?: string;
  readonly inline?: boolean;
  readonly notionalCap?: number;
  /** An open-order cap on `open` (see `maxOpenOrdersRule`). */
  readonly openCap?: number;
  readonly open?: OpenCount;
};

/** What counts our open orders (the core's `OpenOrders` table). */
export interface OpenCount {
  readonly count: number;
}

type RuleFn = (side: Side, price: number, qty: number, view: Readonly<MarketView>, limits: Readonly<RiskLimits>) => string | undefined;

/** `fn` with its name for the denial counts (and the inline marks, see `PlaceRule`). */
export function namedRule(rule: string, fn: RuleFn, marks: { inline?: boolean; notionalCap?: number; openCap?: number; open?: OpenCount } = {}): PlaceRule {
  return Object.assign(fn, { rule, ...marks });
}

export const maxOrderQtyRule: PlaceRule = namedRule(
  'max_order_qty',
  (_s, _p, qty, _v, l) => (qty > l.maxOrderQty * (1 + 1e-9) ? `order qty ${qty} above max_order_qty ${l.maxOrderQty}` : undefined),
  { inline: true },
);

export const maxInventoryRule: PlaceRule = namedRule('max_inventory_qty', (side, _p, qty, v, l) => {
  const after = v.position + side * qty;
  return Math.abs(after) > l.maxInventoryQty * (1 + 1e-9) && Math.abs(after) > Math.abs(v.position)
    ? `position would reach ${after}, beyond max_inventory_qty ${l.maxInventoryQty}`
    : undefined;
}, { inline: true });

export const priceBandRule: PlaceRule = namedRule('price_band', (_s, price, _q, v, l) =>
  v.mid > 0 && Math.abs(price - v.mid) > l.priceBandFraction * v.mid
    ? `price ${price} outside ${l.priceBandFraction * 100}% band around mid ${v.mid}`
    : undefined, { inline: true });

export const defaultRules: readonly PlaceRule[] = [maxOrderQtyRule, maxInventoryRule, priceBandRule];

const NO_ORDERS: OpenCount = { count: 0 };

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
  /** The smallest order-notional cap among the rules (Infinity: none), tested inline. */
  private readonly notionalCap: number;
  /** The open-order cap and the table it counts (none: an empty table), tested inline. */
  private readonly openCap: number;
  private readonly open: OpenCount;
  /** The rules the inline test does not cover (the order rate, ...), in their order. */
  private readonly uncovered: readonly PlaceRule[];

  constructor(
    protected readonly next: OrderSink,
    protected readonly handler: OrderEventHandler,
    protected readonly view: Readonly<MarketView>,
    readonly limits: Readonly<RiskLimits>,
    protected readonly rules: readonly PlaceRule[] = defaultRules,
    counters?: CommandCounters,
  ) {
    this.counters = counters ?? { placed: 0, canceled: 0, amended: 0 };
    let cap = Number.POSITIVE_INFINITY;
    let openCap = Number.POSITIVE_INFINITY;
    let open: OpenCount = NO_ORDERS;
    const uncovered: PlaceRule[] = [];
    for (const r of rules) {
      if (r.notionalCap !== undefined) cap = Math.min(cap, r.notionalCap);
      else if (r.openCap !== undefined && r.open !== undefined && (open === NO_ORDERS || open === r.open)) {
        openCap = Math.min(openCap, r.openCap);
        open = r.open;
      } else if (r.inline !== true) uncovered.push(r);
    }
    this.notionalCap = cap;
    this.openCap = openCap;
    this.open = open;
    this.uncovered = uncovered;
  }

  place(ts: Micros, clientId: number, side: Side, price: number, qty: number): void {
    this.counters.placed++;
    const reason = this.check(side, price, qty);
    if (reason !== undefined) return this.deny(ts, clientId, reason);
    this.next.place(ts, clientId, side, price, qty);
  }

  /** The reason to deny, or undefined. */
  protected check(side: Side, price: number, qty: number): string | undefined {
    const v = this.view;
    const l = this.limits;
    if (v.tradingState !== 'active') {
      if (v.tradingState === 'halted') {
        this.lastRule = 'halted';
        return 'trading state is halted';
      }
      const r = reducingOnlyRule(side, price, qty, v, l);
      if (r !== undefined) {
        this.lastRule = 'reducing';
        return r;
      }
    }
    // The default limits and the notional cap, tested inline first (this runs per command in every
    // backtest): when none is breached, only the rules this test does not cover run (each in its
    // order: a counting rule such as the order rate sees exactly the orders every rule before it
    // approved); a breach runs every rule in order, and the first that refuses explains it.
    const after = v.position + side * qty;
    const suspicious =
      qty > l.maxOrderQty * (1 + 1e-9) ||
      (Math.abs(after) > l.maxInventoryQty * (1 + 1e-9) && Math.abs(after) > Math.abs(v.position)) ||
      (v.mid > 0 && Math.abs(price - v.mid) > l.priceBandFraction * v.mid) ||
      price * qty > this.notionalCap * (1 + 1e-9) ||
      this.open.count > this.openCap;
    const rules = suspicious ? this.rules : this.uncovered;
    if (rules.length > 0) {
      for (let i = 0; i < rules.length; i++) {
        const rule = rules[i]!;
        const reason = rule(side, price, qty, v, l);
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
    const reason = this.check(side, price, qty);
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
): RiskGate {
  return next.amend !== undefined ? new AmendingRiskGate(next, handler, view, limits, rules, counters) : new RiskGate(next, handler, view, limits, rules, counters);
}
