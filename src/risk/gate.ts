// The pre-trade risk gate: every command passes here on its way to the venue; denials come back as events.
import type { Micros } from '../core/index.js';
import type { Side } from '../market/index.js';
import { type OpenOrders, type OrderEventHandler, type OrderSink } from '../orders/index.js';
import type { MarketView } from '../strategy/index.js';
import { reducingOnlyRule } from './place-rules.js';
import type { RateWindow } from './rate-window.js';

export interface RiskLimits {
  /** Largest quantity of one order, base units. */
  maxOrderQty: number;
  /** Largest |position| that a fill of this order could produce, base units. */
  maxInventoryQty: number;
  /** Largest distance of an order price from the reference mid, as a fraction (0.05 = 5%). */
  priceBandFraction: number;
}

/**
 * Our other orders on the side of an order being checked (a ladder rests several): their total remaining
 * quantity and notional. Orders whose cancel is in flight are counted: until the venue confirms the cancel
 * they can still fill (under order latency a replaced quote often does), so the worst case is every one
 * of them filling as well. The order itself is not counted (a place is in the table already, an amend
 * replaces its old size).
 */
export interface SideResting {
  qty: number;
  notional: number;
}

/** Nothing else resting: what a rule sees when the gate has no order table. */
export const NOTHING_RESTING: Readonly<SideResting> = Object.freeze({ qty: 0, notional: 0 });

/** What a rule reads. */
export type PlaceRuleFn = (side: Side, price: number, qty: number, view: Readonly<MarketView>, limits: Readonly<RiskLimits>, resting: Readonly<SideResting>) => string | undefined;

/**
 * An order-notional cap as the gate tests it inline: the order's notional `n` and the side's resting
 * notional `s` are computed as the rule computes them (spot: price × qty and the resting notional, size 1;
 * linear perpetual: both × contract size; inverse perpetual: qty × size and resting qty × size), and
 * n > cap or n + s > cap (cap with the rule's 1e-9 slack) is a possible breach.
 */
export interface NotionalMark {
  readonly cap: number;
  readonly size: number;
  readonly inverse: boolean;
}

/** What counts our open orders (the core's `OpenOrders` table). */
export interface OpenCount {
  readonly count: number;
}

/** The marks of a rule whose test the gate also runs inline (it then calls the rule only to explain a breach). */
export interface InlineMarks {
  /** One of the default limits (`RiskLimits`). */
  readonly inline?: boolean;
  /** An order-notional cap (see `NotionalMark`). */
  readonly notional?: NotionalMark;
  /** An open-order cap on `open` (see `maxOpenOrdersRule`). */
  readonly openCap?: number;
  readonly open?: OpenCount;
  /** The order-rate window (`orderRateRule`): called directly when it is the only rule left uncovered. */
  readonly rate?: RateWindow;
}

/**
 * A rule: undefined to approve, or a reason to deny. `rule` names it in the denial counts (metrics,
 * journal); the marks (`InlineMarks`) say which rules the gate's inline test covers.
 */
export type PlaceRule = PlaceRuleFn & { readonly rule?: string } & InlineMarks;

/** `fn` with its name for the denial counts (and the inline marks, see `PlaceRule`). */
export function namedRule(rule: string, fn: PlaceRuleFn, marks: InlineMarks = {}): PlaceRule {
  return Object.assign(fn, { rule, ...marks });
}

export const maxOrderQtyRule: PlaceRule = namedRule(
  'max_order_qty',
  (_s, _p, qty, _v, l) => (qty > l.maxOrderQty * (1 + 1e-9) ? `order qty ${qty} above max_order_qty ${l.maxOrderQty}` : undefined),
  { inline: true },
);

/** The worst case of a ladder: every order on this side fills (those with a cancel in flight too), this one included. */
export const maxInventoryRule: PlaceRule = namedRule('max_inventory_qty', (side, _p, qty, v, l, resting) => {
  const after = v.position + side * (qty + resting.qty);
  return Math.abs(after) > l.maxInventoryQty * (1 + 1e-9) && Math.abs(after) > Math.abs(v.position)
    ? resting.qty > 0
      ? `position would reach ${sig(after)} if this order and our other ${sig(resting.qty)} on its side (resting, or with a cancel in flight) filled, beyond max_inventory_qty ${l.maxInventoryQty}`
      : `position would reach ${sig(after)}, beyond max_inventory_qty ${l.maxInventoryQty}`
    : undefined;
}, { inline: true });

/** A size without the float noise of sums (0.005269999999999996 → 0.00527), for reasons. */
function sig(x: number): number {
  return Number(x.toPrecision(10));
}

export const priceBandRule: PlaceRule = namedRule('price_band', (_s, price, _q, v, l) =>
  v.mid > 0 && Math.abs(price - v.mid) > l.priceBandFraction * v.mid
    ? `price ${price} outside ${l.priceBandFraction * 100}% band around mid ${v.mid}`
    : undefined, { inline: true });

export const defaultRules: readonly PlaceRule[] = [maxOrderQtyRule, maxInventoryRule, priceBandRule];

const NO_ORDERS: OpenCount = { count: 0 };

/**
 * Commands the gate let through to the venue, by kind: a denied place or amend is not counted here (it
 * is a denial: `RiskGate.denials`, the handler's `onDenied`).
 */
export interface CommandCounters {
  /** Places and immediate-or-cancel orders sent on (a place the next sink could not send is taken back: `unsent`). */
  placed: number;
  /** Cancels sent on, the cancel of a denied amend included. */
  canceled: number;
  /** Cancel-replaces in one command (venues that can amend). */
  amended: number;
}

/**
 * Passes approved commands to `next`; a denied place never leaves and comes back to the handler as
 * `onDenied`. Cancels always pass: reducing exposure is never blocked. Counts the commands it lets
 * through (`counters`) and, apart, the denials (`denials`, `denialsByRule`).
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
  /** The default limits as `checkRules` tests them (with their 1e-9 slack), computed once. */
  private readonly qtyCap: number;
  private readonly inventoryCap: number;
  private readonly bandFraction: number;
  /**
   * The usual rule set, tested by `check` itself: the order rate is the only rule the inline test does not
   * cover, and the open-order cap (if any) counts the gate's own table.
   */
  private readonly fast: boolean;
  /** The first order-notional cap among the rules, tested inline (none: an infinite cap). */
  private readonly notionalCap: number;
  private readonly notionalSize: number;
  private readonly notionalInverse: boolean;
  /** The open-order cap and the table it counts (none: an empty table), tested inline. */
  private readonly openCap: number;
  private readonly openCounter: OpenCount;
  /** The rules the inline test does not cover (the order rate, ...), in their order. */
  private readonly uncovered: readonly PlaceRule[];
  /** When the order rate is the only rule the inline test does not cover: its window, its name (else undefined). */
  private readonly rateOnly: RateWindow | undefined;
  private readonly rateRule: string;
  /** Every order-rate window among the rules: a place taken back (`unsent`) is taken out of each. */
  private readonly rates: readonly RateWindow[];

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
    let notional: NotionalMark | undefined;
    let openCap = Number.POSITIVE_INFINITY;
    let counter: OpenCount = NO_ORDERS;
    const uncovered: PlaceRule[] = [];
    // Each marked rule is covered inline, except a second notional cap (other contract terms) or an
    // open-order cap on another table: those run as plain rules.
    for (const r of rules) {
      if (r.notional !== undefined && notional === undefined) notional = r.notional;
      else if (r.openCap !== undefined && r.open !== undefined && (counter === NO_ORDERS || counter === r.open)) {
        openCap = Math.min(openCap, r.openCap);
        counter = r.open;
      } else if (r.inline !== true) uncovered.push(r);
    }
    this.notionalCap = notional === undefined ? Number.POSITIVE_INFINITY : notional.cap * (1 + 1e-9);
    this.notionalSize = notional?.size ?? 1;
    this.notionalInverse = notional?.inverse ?? false;
    this.openCap = openCap;
    this.openCounter = counter;
    this.uncovered = uncovered;
    const only = uncovered.length === 1 ? uncovered[0]! : undefined;
    this.rateOnly = only?.rate;
    this.rateRule = only?.rule ?? 'rule';
    this.rates = rules.flatMap((r) => (r.rate !== undefined ? [r.rate] : []));
    this.qtyCap = limits.maxOrderQty * (1 + 1e-9);
    this.inventoryCap = limits.maxInventoryQty * (1 + 1e-9);
    this.bandFraction = limits.priceBandFraction;
    this.fast = this.rateOnly !== undefined && open !== undefined && (counter === NO_ORDERS || counter === open);
  }

  place(ts: Micros, clientId: number, side: Side, price: number, qty: number): void {
    const reason = this.check(clientId, side, price, qty);
    if (reason !== undefined) return this.deny(ts, clientId, reason);
    this.counters.placed++;
    this.next.place(ts, clientId, side, price, qty);
  }

  /**
   * An immediate-or-cancel order: the same rules as a place (it may fill whole), counted as a place;
   * denied when the venue cannot take one.
   */
  take(ts: Micros, clientId: number, side: Side, price: number, qty: number): void {
    const next = this.next;
    if (next.take === undefined) {
      this.lastRule = 'venue';
      return this.deny(ts, clientId, 'this venue takes no immediate-or-cancel orders');
    }
    const reason = this.check(clientId, side, price, qty);
    if (reason !== undefined) return this.deny(ts, clientId, reason);
    this.counters.placed++;
    next.take(ts, clientId, side, price, qty);
  }

  /**
   * A place this gate approved that the next sink could not send (the journal could not record it): not
   * placed after all, but denied, counted under `rule`, and out of the order-rate window again (each rate
   * rule counted it when it was approved, just before: an unwritable ledger never uses up the rate).
   */
  unsent(ts: Micros, clientId: number, rule: string, reason: string): void {
    this.counters.placed--;
    for (const r of this.rates) r.takeBack();
    this.lastRule = rule;
    this.deny(ts, clientId, reason);
  }

  /** Our other orders on `side`, those with a cancel in flight included (see SideResting), into `this.resting`. */
  private sideResting(clientId: number, side: Side): Readonly<SideResting> {
    const o = this.open;
    const r = this.resting;
    r.qty = 0;
    r.notional = 0;
    if (o === undefined) return r;
    for (let i = 0; i < o.count; i++) {
      if (o.side[i] !== side || o.clientId[i] === clientId) continue;
      r.qty += o.remaining[i]!;
      r.notional += o.remaining[i]! * o.price[i]!;
    }
    return r;
  }

  /**
   * The reason to deny, or undefined. The usual case first, written out here (this runs per command in
   * every backtest, and V8 inlines it into `reconcile` only while it stays small): the usual rule set
   * (`fast`) in the active state, every inline-tested limit clear as `checkRules` tests it (the side's
   * other orders summed here, the caps computed once), and the order rate, the one rule left. Anything
   * else (another state, another rule set, a possible breach) is `checkRules`, from the start: nothing
   * here has changed a count or a table before it.
   */
  protected check(clientId: number, side: Side, price: number, qty: number): string | undefined {
    const v = this.view;
    const o = this.open;
    if (o !== undefined && this.fast && v.tradingState === 'active') {
      const count = o.count;
      let rq = 0;
      let rn = 0;
      for (let i = 0; i < count; i++) {
        if (o.side[i] !== side || o.clientId[i] === clientId) continue;
        rq += o.remaining[i]!;
        rn += o.remaining[i]! * o.price[i]!;
      }
      const pos = v.position;
      const mid = v.mid;
      const after = pos + side * (qty + rq);
      const size = this.notionalSize;
      const inverse = this.notionalInverse;
      const n = inverse ? qty * size : price * qty * size;
      const cap = this.notionalCap;
      if (
        !(
          qty > this.qtyCap ||
          (Math.abs(after) > this.inventoryCap && Math.abs(after) > Math.abs(pos)) ||
          (mid > 0 && Math.abs(price - mid) > this.bandFraction * mid) ||
          n > cap ||
          n + (inverse ? rq * size : rn * size) > cap ||
          count > this.openCap
        )
      ) {
        const rate = this.rateOnly!;
        if (rate.admit(v.now)) return undefined;
        this.lastRule = this.rateRule;
        return rate.reason;
      }
    }
    return this.checkRules(clientId, side, price, qty);
  }

  /** Every rule the gate has, in order (see `check`). */
  private checkRules(clientId: number, side: Side, price: number, qty: number): string | undefined {
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
    // The default limits, the notional cap and the open-order count, tested inline first (this runs per
    // command in every backtest), each as its rule computes it, the orders resting on the side included:
    // when none is breached, only the rules this test does not cover run (each in its order: a counting
    // rule such as the order rate sees exactly the orders every rule before it approved); a possible
    // breach runs every rule in order, and the first that refuses explains it.
    const after = v.position + side * (qty + resting.qty);
    const size = this.notionalSize;
    const n = this.notionalInverse ? qty * size : price * qty * size;
    const sideNotional = this.notionalInverse ? resting.qty * size : resting.notional * size;
    const suspicious =
      qty > this.qtyCap ||
      (Math.abs(after) > this.inventoryCap && Math.abs(after) > Math.abs(v.position)) ||
      (v.mid > 0 && Math.abs(price - v.mid) > this.bandFraction * v.mid) ||
      n > this.notionalCap ||
      n + sideNotional > this.notionalCap ||
      this.openCounter.count > this.openCap;
    if (!suspicious && this.rateOnly !== undefined) {
      // The usual rule set: the order rate is all that is left (the same window the rule itself counts in).
      if (this.rateOnly.admit(v.now)) return undefined;
      this.lastRule = this.rateRule;
      return this.rateOnly.reason;
    }
    const rules = suspicious ? this.rules : this.uncovered;
    if (rules.length > 0) {
      for (let i = 0; i < rules.length; i++) {
        const rule = rules[i]!;
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
    const reason = this.check(clientId, side, price, qty);
    if (reason !== undefined) {
      this.deny(ts, clientId, reason);
      this.counters.canceled++;
      this.next.cancel(ts, clientId);
      return;
    }
    this.counters.amended++;
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
