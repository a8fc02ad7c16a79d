// The order-notional rule of a perpetual: contracts valued in quote by their contract terms, not price × qty.
import type { ContractSpec } from '../market/index.js';
import { namedRule, type PlaceRule } from './gate.js';

/**
 * Deny an order whose quote notional exceeds `maxNotional`, or that would take the notional of our live
 * orders on its side past it (as the spot rule does): price × contracts × size (linear), contracts × size
 * (inverse: a contract is worth `size` quote whatever the price). Same name as the spot rule, so denials
 * count under `max_order_notional`. The gate tests the same sums inline (`NotionalMark`).
 */
export function maxContractNotionalRule(maxNotional: number, spec: ContractSpec): PlaceRule {
  const inverse = spec.kind === 'inverse_perp';
  const size = spec.contractSize;
  return namedRule('max_order_notional', (_s, price, qty, _v, _l, resting) => {
    const lim = maxNotional * (1 + 1e-9);
    const n = inverse ? qty * size : price * qty * size;
    if (n > lim) return `order notional ${round2(n)} above max_order_notional ${maxNotional}`;
    const side = inverse ? resting.qty * size : resting.notional * size;
    if (side > 0 && n + side > lim) return `notional on this side would reach ${round2(n + side)} with the orders resting there, above max_order_notional ${maxNotional}`;
    return undefined;
  }, { notional: { cap: maxNotional, size, inverse } });
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
