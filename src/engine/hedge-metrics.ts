// The PnL of several markets split into quoting, hedging, basis, fees and funding, and the inventory risk of the quoted market alone and hedged.
import { z } from 'zod';
import { baseExposure, type ContractSpec } from '../market/index.js';
import type { FillLog } from './fill-log.js';
import type { Trace } from './trace.js';

/** One market's part in the split: its metrics' PnL figures (quote currency) and what it traded. */
export interface SplitMarket {
  total_pnl: number;
  fees: number;
  pnl_funding: number;
  spec: ContractSpec;
  trace: Trace;
  fills: FillLog;
}

export const PnlSplitSchema = z.object({
  quoting: z.number().describe('Σ over the markets other than the hedge market of (total_pnl + fees − funding): their trading PnL before fees and funding'),
  hedging: z.number().describe("hedge market's (total_pnl + fees − funding) − basis: its execution against its own mid plus its position's PnL as the quoted market's mid moved"),
  basis: z.number().describe("Σ over the hedge market's fills of side × base qty × ((b_end − a_end) − (b_fill − a_fill)): b, a the hedge and quoted markets' trace mids at the last sample at or before the fill reached us, _end at their last samples"),
  fees: z.number().describe('− Σ fees of every market (negative: fees paid)'),
  funding: z.number().describe('Σ funding received by every market (negative: paid)'),
  total: z.number().describe("Σ every market's total_pnl = quoting + hedging + basis + fees + funding"),
});
export type PnlSplit = z.infer<typeof PnlSplitSchema>;

export const InventoryRiskSchema = z.object({
  max_abs: z.number().describe('largest |inventory| over the trace samples, base coin'),
  std: z.number().describe('standard deviation of the sampled inventory, base coin'),
});
export type InventoryRisk = z.infer<typeof InventoryRiskSchema>;

/** The split of a run of several markets; `hedge`: the quoted and hedge markets' indices, when hedged. */
export function pnlSplit(ms: readonly SplitMarket[], hedge?: { quoted: number; hedge: number }): PnlSplit {
  let fees = 0;
  let funding = 0;
  let total = 0;
  let quoting = 0;
  let hedgeGross = 0;
  ms.forEach((m, k) => {
    fees -= m.fees;
    funding += m.pnl_funding;
    total += m.total_pnl;
    const gross = m.total_pnl + m.fees - m.pnl_funding;
    if (k === hedge?.hedge) hedgeGross = gross;
    else quoting += gross;
  });
  const basis = hedge === undefined ? 0 : basisPnl(ms[hedge.hedge]!, ms[hedge.quoted]!);
  return { quoting, hedging: hedgeGross - basis, basis, fees, funding, total };
}

/** Row of the last sample at or before local time `t` (the first row when none is). */
function sampleAt(tr: Trace, t: number): number {
  let lo = 0;
  let hi = tr.length - 1;
  if (hi < 0 || tr.ts[0]! > t) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (tr.ts[mid]! <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Σ over the hedge's fills of side × base qty (at the fill's price) × the change of the basis (hedge mid − quoted mid) from the fill to the end. */
export function basisPnl(h: SplitMarket, q: SplitMarket): number {
  const ht = h.trace;
  const qt = q.trace;
  if (ht.length === 0 || qt.length === 0) return 0;
  const end = ht.mid[ht.length - 1]! - qt.mid[qt.length - 1]!;
  const f = h.fills;
  let s = 0;
  for (let i = 0; i < f.length; i++) {
    const t = f.ts[i]!;
    const at = ht.mid[sampleAt(ht, t)]! - qt.mid[sampleAt(qt, t)]!;
    const d = end - at;
    // The fill's base coin: contracts × size (linear), × size / price (inverse: contracts worth `size` quote each).
    if (d === d) s += f.side[i]! * baseExposure(h.spec, f.price[i]!, f.qty[i]!) * d;
  }
  return s;
}

/** Inventory risk of a sampled series (base coin). */
export function inventoryRisk(x: ArrayLike<number>, n: number): InventoryRisk {
  let maxAbs = 0;
  let sum = 0;
  let sum2 = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    if (Math.abs(v) > maxAbs) maxAbs = Math.abs(v);
    sum += v;
    sum2 += v * v;
  }
  const mean = n > 0 ? sum / n : 0;
  return { max_abs: maxAbs, std: n > 0 ? Math.sqrt(Math.max(0, sum2 / n - mean * mean)) : 0 };
}

/**
 * The quoted market's inventory alone and net of the hedge (base coin; an inverse perpetual's contracts at
 * its own mid of the sample) at each of its trace samples
 * within the span both markets have data (from the later first sample of the two traces to the earlier
 * last one: outside it the hedge cannot trade): its own inventory, and that plus the hedge market's
 * inventory at its last sample at or before.
 */
export function inventoriesOverlap(q: SplitMarket, h: SplitMarket): { quoted: Float64Array; net: Float64Array; from: number; to: number } {
  const qt = q.trace;
  const ht = h.trace;
  if (qt.length === 0 || ht.length === 0) return { quoted: new Float64Array(0), net: new Float64Array(0), from: Number.NaN, to: Number.NaN };
  const from = Math.max(qt.ts[0]!, ht.ts[0]!);
  const to = Math.min(qt.ts[qt.length - 1]!, ht.ts[ht.length - 1]!);
  const quoted: number[] = [];
  const net: number[] = [];
  let j = -1;
  for (let i = 0; i < qt.length; i++) {
    const t = qt.ts[i]!;
    if (t < from || t > to) continue;
    while (j + 1 < ht.length && ht.ts[j + 1]! <= t) j++;
    const a = baseExposure(q.spec, qt.mid[i]!, qt.inventory[i]!);
    quoted.push(a);
    net.push(a + baseExposure(h.spec, ht.mid[j]!, ht.inventory[j]!));
  }
  return { quoted: Float64Array.from(quoted), net: Float64Array.from(net), from, to };
}
