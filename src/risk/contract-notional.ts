// The order-notional rule of a perpetual: contracts valued in quote by their contract terms, not price × qty.
import { notionalQuote, type ContractSpec } from '../market/index.js';
import { namedRule, type PlaceRule } from './gate.js';

/**
 * Deny an order whose quote notional exceeds `maxNotional`: price × contracts × size (linear), or
 * contracts × size (inverse: a contract is worth `size` quote whatever the price). Same name as the
 * spot rule, so denials count under `max_order_notional`.
 */
export function maxContractNotionalRule(maxNotional: number, spec: ContractSpec): PlaceRule {
  return namedRule('max_order_notional', (_s, price, qty) => {
    const n = notionalQuote(spec, price, qty);
    return n > maxNotional * (1 + 1e-9) ? `order notional ${Math.round(n * 100) / 100} above max_order_notional ${maxNotional}` : undefined;
  });
}
