// The `markets:` section (several markets traded at once) and `portfolio:` (limits over all of them), and each market's own config.
import { z } from 'zod';
import { riskSectionSchema } from '../risk/index.js';

/** Instrument types a market may be (the perpetual types join this list with their contract fields). */
export const MarketInstrument = z.enum(['spot']);
export type MarketInstrumentType = z.output<typeof MarketInstrument>;

/** The most markets one run trades. */
export const MAX_MARKETS = 64;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const positive = z.number().positive();

/**
 * A section's fields as overrides: every field optional and without its default, so a market's own
 * section holds only what it sets, and the top-level section fills the rest (`marketConfigs`).
 */
function overridesOf<S extends z.ZodRawShape>(section: z.ZodObject<S>) {
  const shape: Record<string, z.ZodType> = {};
  for (const [k, v] of Object.entries(section.shape)) {
    const t = v as z.ZodType;
    shape[k] = (t instanceof z.ZodDefault ? (t.unwrap() as z.ZodType) : t).optional();
  }
  return z.object(shape).strict();
}

/**
 * One market of `markets:`: every field of `market:` (so what that section gains, each market has), and
 * its name, capital share, event file and its own quoting / sim / risk fields.
 */
export function marketEntrySchema(market: z.ZodObject<z.ZodRawShape>, quoting: z.ZodObject<z.ZodRawShape>, sim: z.ZodObject<z.ZodRawShape>) {
  return market
    .extend({
      name: z.string().regex(NAME, "expected letters, digits, '.', '_' or '-' (it names the market's files and metrics)").optional().describe("default: the symbol with '/' and ':' as '-'"),
      ...('instrument' in market.shape ? {} : { instrument: MarketInstrument.default('spot').describe('instrument type') }),
      capital: positive.max(1e12).optional().describe("this market's share of the capital, quote currency; default: capital / number of markets"),
      events: z.string().min(1).optional().describe("this market's event file (else the files of --events, in the order of markets)"),
      quoting: overridesOf(quoting).optional().describe('fields of quoting: for this market (the top-level quoting: gives the others)'),
      sim: overridesOf(sim).optional().describe('fields of sim: for this market (its fees, queue and latencies)'),
      risk: overridesOf(riskSectionSchema).optional().describe("fields of risk: for this market's own limits"),
    })
    .strict();
}

/** Limits over the whole book (every market together), quote currency. */
export const PortfolioSection = z
  .object({
    max_notional: positive.max(1e15).optional().describe('Σ |position × mid| over the markets above which every market only reduces'),
    max_loss: positive.max(1e15).optional().describe('loss of the whole book since the start that halts every market'),
    max_drawdown: positive.max(1e15).optional().describe("fall of the whole book's equity from its peak that halts every market"),
  })
  .strict();
export type PortfolioLimits = z.output<typeof PortfolioSection>;

/**
 * Hedged market making: the inventory of one market (`quoted`) hedged on another (`market`), each a
 * market of `markets:` by name. The hedge market quotes nothing: its strategy keeps its position near
 * −ratio × the quoted inventory (base coin), through its own session (risk, gate, venue, latency, fees).
 */
export const HedgeSection = z
  .object({
    market: z.string().regex(NAME, 'expected the name of a market of markets:').describe('the hedge market (a name in markets:)'),
    quoted: z.string().regex(NAME, 'expected the name of a market of markets:').optional().describe('the market whose inventory is hedged; default: the first other market of markets:'),
    mode: z.enum(['taker', 'passive']).default('taker').describe('taker: an immediate-or-cancel order at the hedge market\'s touch, filled against its book when it arrives; passive: a post-only order resting at its touch, filled by the queue'),
    band: positive.max(1e9).describe('hedge when |hedge position + ratio × quoted inventory| (base coin) exceeds this; it then trades back to the target'),
    ratio: positive.max(10).default(1).describe('target hedge position = −ratio × quoted inventory (base coin)'),
    slippage_ticks: z.number().int().nonnegative().max(1_000_000).default(0).describe("taker: the order's limit this many ticks beyond the touch (it takes the levels up to it)"),
  })
  .strict();
export type HedgeConfig = z.output<typeof HedgeSection>;

/** The `markets:` list: names unique once defaulted. */
export function marketsListSchema(entry: ReturnType<typeof marketEntrySchema>) {
  return z
    .array(entry)
    .min(1)
    .max(MAX_MARKETS)
    .superRefine((ms, ctx) => {
      const seen = new Set<string>();
      ms.forEach((m, i) => {
        const n = marketName(m as unknown as MarketEntry);
        if (seen.has(n)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `two markets are named '${n}'; give each a name of its own` });
        seen.add(n);
      });
    });
}

/** A market's name: its own, or its symbol with '/' as '-'. */
export function marketName(m: { name?: string | undefined; symbol: string }): string {
  return m.name ?? m.symbol.replace(/[^A-Za-z0-9._-]/g, '-');
}

/** A parsed market of `markets:` (its `market:` fields are read by name: that section may gain fields). */
export interface MarketEntry {
  [field: string]: unknown;
  name?: string | undefined;
  symbol: string;
  capital?: number | undefined;
  events?: string | undefined;
  quoting?: Record<string, unknown> | undefined;
  sim?: Record<string, unknown> | undefined;
  risk?: Record<string, unknown> | undefined;
}
