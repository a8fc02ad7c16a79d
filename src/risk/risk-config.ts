// Risk limits of a paper or live run: the schema, its defaults, and the gate limits derived from it.
import { z } from 'zod';
import type { RiskLimits } from './gate.js';

export const riskConfigSchema = z.object({
  /** Largest quantity of one order, base units. */
  max_order_qty: z.number().positive().default(0.01),
  /** Largest notional of one order (price × qty), quote currency. */
  max_order_notional: z.number().positive().default(2_000),
  /** Largest |position| a fill may produce, base units. */
  max_inventory_qty: z.number().positive().default(0.05),
  /** At |position| ≥ this fraction of max_inventory_qty, only inventory-reducing orders go out. */
  reduce_at_inventory_fraction: z.number().positive().max(1).default(1),
  /** Largest distance of an order price from mid, fraction (0.01 = 1%). */
  price_band_fraction: z.number().positive().default(0.01),
  /** At most this many new orders per `order_rate_window_ms`. */
  max_orders_per_window: z.number().int().positive().default(20),
  order_rate_window_ms: z.number().positive().default(1_000),
  /** At most this many of our orders open or in flight at once. */
  max_open_orders: z.number().int().positive().default(16),
  /** Loss since the start of the UTC day that halts trading, quote currency. */
  daily_loss_limit: z.number().positive().default(100),
  /** Fall from the run's peak equity that halts trading, quote currency. */
  max_drawdown: z.number().positive().default(150),
  /** Fraction of a loss limit at which the state moves to reducing. */
  warn_fraction: z.number().positive().max(1).default(0.8),
  /** No market data for this long → halted until fresh data arrives. */
  stale_after_ms: z.number().positive().default(5_000),
});

export type RiskConfig = z.infer<typeof riskConfigSchema>;

export const defaultRiskConfig: RiskConfig = riskConfigSchema.parse({});

/** Parse a `risk:` section (snake_case, partial); throws a zod error naming the field. */
export function parseRiskConfig(input: unknown): RiskConfig {
  return riskConfigSchema.parse(input ?? {});
}

/** The limits the stateless gate rules read. */
export function gateLimitsOf(c: Readonly<RiskConfig>): RiskLimits {
  return { maxOrderQty: c.max_order_qty, maxInventoryQty: c.max_inventory_qty, priceBandFraction: c.price_band_fraction };
}
