// defineStrategy: the typed identity a strategy module wraps its definition in.
import type { ParamSpecs, StrategyDefinition } from '../strategy/index.js';

/**
 * Declare a strategy. Returns its argument unchanged; it exists so that TypeScript infers the parameter
 * names and types `ctx.params` carries from `params`, and checks `create` and `decide` against the port.
 *
 * ```ts
 * import { defineStrategy } from 'marketmakerl/sdk';
 * export default defineStrategy({
 *   name: 'quote-the-touch',
 *   params: { ticks: { default: 0, min: 0, integer: true } },
 *   create(ctx) {
 *     return { decide(view, out) { ... } };
 *   },
 * });
 * ```
 */
export function defineStrategy<const S extends ParamSpecs = {}>(definition: StrategyDefinition<S>): StrategyDefinition<S> {
  return definition;
}
