// Pre-trade rules beyond the gate's defaults: order notional, reducing-only state, order rate, open-order count.
import type { Micros } from '../core/index.js';
import { namedRule, type OpenCount, type PlaceRule } from './gate.js';
import { RateWindow } from './rate-window.js';

/**
 * Deny an order whose notional (price × qty) exceeds `maxNotional`, or that would take the notional of our
 * orders on its side past it (a ladder's worst case: every order on the side fills at once, a cancel in flight included).
 */
export function maxOrderNotionalRule(maxNotional: number): PlaceRule {
  return namedRule(
    'max_order_notional',
    (_s, price, qty, _v, _l, resting) => {
      const lim = maxNotional * (1 + 1e-9);
      if (price * qty > lim) return `order notional ${round2(price * qty)} above max_order_notional ${maxNotional}`;
      if (resting.notional > 0 && price * qty + resting.notional > lim)
        return `notional on this side would reach ${round2(price * qty + resting.notional)} with the orders resting there, above max_order_notional ${maxNotional}`;
      return undefined;
    },
    { notional: { cap: maxNotional, size: 1, inverse: false } },
  );
}

/** In the reducing state, deny any order whose fill (with every order resting on its side) would increase |position|. */
export const reducingOnlyRule: PlaceRule = namedRule('reducing', (side, _p, qty, v, _l, resting) =>
  v.tradingState === 'reducing' && Math.abs(v.position + side * (qty + resting.qty)) > Math.abs(v.position) + 1e-12
    ? `trading state is reducing: a ${side > 0 ? 'buy' : 'sell'} of ${qty} would increase |position| ${Math.abs(v.position)}`
    : undefined);

/**
 * At most `maxOrders` approved places per `windowMicros` of view time (a sliding window). Put it last
 * in a rule list: it counts an order as sent when every rule before it approved.
 */
export function orderRateRule(maxOrders: number, windowMicros: Micros): PlaceRule {
  const rate = new RateWindow(maxOrders, windowMicros);
  return namedRule('order_rate', (_s, _p, _q, v) => (rate.admit(v.now) ? undefined : rate.reason), { rate });
}

/**
 * Deny a new order while more than `maxOpen` orders (live, pending new or pending cancel) are out:
 * the count includes the order being placed (reconcile records it before the gate sees it). A table
 * (`OpenCount`) is tested inline by the gate; a counting function runs as a plain rule.
 */
export function maxOpenOrdersRule(maxOpen: number, open: OpenCount | (() => number)): PlaceRule {
  if (typeof open === 'function')
    return namedRule('max_open_orders', () => {
      const n = open();
      return n > maxOpen ? `${n - 1} orders already open or in flight (max_open_orders ${maxOpen})` : undefined;
    });
  return namedRule(
    'max_open_orders',
    () => (open.count > maxOpen ? `${open.count - 1} orders already open or in flight (max_open_orders ${maxOpen})` : undefined),
    { openCap: maxOpen, open },
  );
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
