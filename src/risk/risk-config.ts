// The `risk:` section of the one config (every mode): its schema and defaults, and the absolute limits it resolves to.
import { z } from 'zod';
import type { RiskLimits } from './gate.js';

const positive = z.number().positive();
const int = z.number().int();

/**
 * Limits that follow the strategy or the capital are optional here and resolved by `resolveRiskConfig`:
 * order size and inventory default to the quoting section's, order notional to the capital, the loss
 * limits to 5% (daily) and 10% (drawdown) of capital.
 */
export const riskSectionSchema = z
  .object({
    max_order_qty: positive.max(1e9).optional().describe('largest quantity of one order, base units; default: quoting.order_qty'),
    max_order_notional: positive.max(1e12).optional().describe('largest price × qty of one order, and of our orders on one side together (all of them filling, those with a cancel in flight too), quote currency; default: capital'),
    max_inventory_qty: positive.max(1e12).optional().describe('largest |position| a fill may produce, base units; default: quoting.max_inventory_qty'),
    reduce_at_inventory_fraction: positive.max(1).default(1).describe('at |position| ≥ this × max_inventory_qty only inventory-reducing orders go out'),
    price_band_fraction: positive.max(1).default(0.05).describe('largest distance of an order price from mid, fraction (0.01 = 1%)'),
    max_orders_per_window: int.positive().max(1_000_000).default(20).describe('at most this many new orders per order_rate_window_ms'),
    order_rate_window_ms: positive.max(86_400_000).default(1_000),
    max_open_orders: int.positive().max(10_000).default(16).describe('at most this many of our orders open or in flight at once'),
    daily_loss_limit: positive.max(1e12).optional().describe('loss since the start of the UTC day that halts trading, quote currency; default: 5% of capital'),
    max_drawdown: positive.max(1e12).optional().describe('fall from the peak equity that halts trading, quote currency; default: 10% of capital'),
    warn_fraction: positive.max(1).default(0.8).describe('fraction of a loss limit at which trading moves to reducing'),
    stale_after_ms: positive.max(86_400_000).default(5_000).describe('no market data for this long halts trading until fresh data arrives'),
  })
  .strict();
export type RiskSection = z.output<typeof riskSectionSchema>;

/** Every limit as an absolute number: what the risk engine and the gate read. */
export type RiskConfig = { [K in keyof RiskSection]-?: NonNullable<RiskSection[K]> };

/** What the derived limits follow. */
export interface RiskBase {
  orderQty: number;
  maxInventoryQty: number;
  capital: number;
}

export const DEFAULT_DAILY_LOSS_FRACTION = 0.05;
export const DEFAULT_DRAWDOWN_FRACTION = 0.1;

export function resolveRiskConfig(s: Readonly<RiskSection>, base: Readonly<RiskBase>): RiskConfig {
  return {
    ...s,
    max_order_qty: s.max_order_qty ?? base.orderQty,
    max_order_notional: s.max_order_notional ?? base.capital,
    max_inventory_qty: s.max_inventory_qty ?? base.maxInventoryQty,
    daily_loss_limit: s.daily_loss_limit ?? DEFAULT_DAILY_LOSS_FRACTION * base.capital,
    max_drawdown: s.max_drawdown ?? DEFAULT_DRAWDOWN_FRACTION * base.capital,
  };
}

/** A `risk:` section parsed and resolved against `base` (tests and tools; commands go through the whole config). */
export function parseRiskConfig(input: unknown, base: Readonly<RiskBase>): RiskConfig {
  return resolveRiskConfig(riskSectionSchema.parse(input ?? {}), base);
}

/** The limits the stateless gate rules read. */
export function gateLimitsOf(c: Readonly<RiskConfig>): RiskLimits {
  return { maxOrderQty: c.max_order_qty, maxInventoryQty: c.max_inventory_qty, priceBandFraction: c.price_band_fraction };
}
