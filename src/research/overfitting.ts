// The probability that a parameter sweep's in-sample winner is an artefact of the selection (CSCV).
import type { ReturnSums } from '../core/index.js';

export interface OverfittingEstimate {
  /** Candidates ranked (combos, or trials of the ledger with results on these blocks). */
  trials: number;
  /** Groups of consecutive blocks the span was cut into (even). */
  groups: number;
  /** In-sample / out-of-sample splits evaluated: C(groups, groups / 2). */
  splits: number;
  /** Share of splits where the in-sample best combo ranks at or below the out-of-sample median. */
  pbo: number;
  /** Median over splits of λ = ln(ω / (1 − ω)), ω the winner's out-of-sample rank in (0, 1). */
  median_logit: number;
  /** Mean out-of-sample rank ω of the in-sample winner (0.5 = no better than a random pick). */
  mean_oos_rank: number;
}

/** Mean over standard deviation (n − 1) of n returns with sum s1 and sum of squares s2; −∞ when undefined (as `sharpeStats`). */
function perSampleSharpe(n: number, s1: number, s2: number): number {
  if (n < 3) return Number.NEGATIVE_INFINITY;
  const mu = s1 / n;
  const m2 = s2 / n - mu * mu;
  if (!(m2 > 1e-30)) return Number.NEGATIVE_INFINITY;
  return mu / Math.sqrt((m2 * n) / (n - 1));
}

/** Largest even number of groups ≤ min(blocks, maxGroups). */
export function groupCount(blocks: number, maxGroups = 12): number {
  const g = Math.min(blocks, maxGroups);
  return g - (g % 2);
}

/**
 * Combinatorially symmetric cross-validation of Bailey, Borwein, López de Prado & Zhu (2017), "The
 * probability of backtest overfitting", Journal of Computational Finance 20(4). The blocks are cut into
 * S groups; for each of the C(S, S/2) ways to call half of them in-sample, the combo with the best
 * in-sample Sharpe (per sample, pooled returns) is located among all combos on the other half:
 * ω = rank / (N + 1), λ = ln(ω / (1 − ω)). PBO is the share of splits with λ ≤ 0 — the winner does no better
 * out of sample than the median combo. Near 0: the sweep finds something that persists; near 0.5 or above:
 * choosing by in-sample performance is no better than choosing at random.
 *
 * `sums[c][b]`: combo c's per-sample return sums on block b. Null when there are fewer than two combos or
 * two blocks.
 */
export function probabilityOfBacktestOverfitting(sums: ReadonlyArray<ReadonlyArray<ReturnSums>>, maxGroups = 12): OverfittingEstimate | null {
  const combos = sums.length;
  const blocks = combos > 0 ? sums[0]!.length : 0;
  const S = groupCount(blocks, maxGroups);
  if (combos < 2 || S < 2) return null;
  // Group g holds blocks [edge[g], edge[g + 1]): consecutive, sizes differing by at most one. Only n, Σr and
  // Σr² enter the per-sample Sharpe, so each combo keeps those per group (and their totals) in flat arrays.
  const edge = Array.from({ length: S + 1 }, (_, g) => Math.round((g * blocks) / S));
  const gn = new Float64Array(combos * S);
  const g1 = new Float64Array(combos * S);
  const g2 = new Float64Array(combos * S);
  const tn = new Float64Array(combos);
  const t1 = new Float64Array(combos);
  const t2 = new Float64Array(combos);
  for (let c = 0; c < combos; c++) {
    for (let g = 0; g < S; g++) {
      for (let b = edge[g]!; b < edge[g + 1]!; b++) {
        const r = sums[c]![b]!;
        gn[c * S + g]! += r.n;
        g1[c * S + g]! += r.sum;
        g2[c * S + g]! += r.sum2;
      }
      tn[c]! += gn[c * S + g]!;
      t1[c]! += g1[c * S + g]!;
      t2[c]! += g2[c * S + g]!;
    }
  }
  const logits: number[] = [];
  let overfit = 0;
  let rankSum = 0;
  const oos = new Float64Array(combos);
  for (let mask = 0; mask < 1 << S; mask++) {
    let bits = 0;
    for (let m = mask; m; m &= m - 1) bits++;
    if (bits !== S / 2) continue;
    let best = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < combos; c++) {
      // Out of sample: the groups whose bit is 0; in sample: the rest (totals minus out of sample).
      let n = 0;
      let s1 = 0;
      let s2 = 0;
      for (let g = 0; g < S; g++) {
        if ((mask >> g) & 1) continue;
        n += gn[c * S + g]!;
        s1 += g1[c * S + g]!;
        s2 += g2[c * S + g]!;
      }
      oos[c] = perSampleSharpe(n, s1, s2);
      const is = perSampleSharpe(tn[c]! - n, t1[c]! - s1, t2[c]! - s2);
      if (is > bestScore) {
        bestScore = is;
        best = c;
      }
    }
    // Rank of the winner out of sample, 1 = worst; ties share the average rank.
    let below = 0;
    let equal = 0;
    for (let c = 0; c < combos; c++) {
      if (oos[c]! < oos[best]!) below++;
      else if (oos[c] === oos[best]) equal++;
    }
    const rank = below + (equal + 1) / 2;
    const omega = rank / (combos + 1);
    const lambda = Math.log(omega / (1 - omega));
    logits.push(lambda);
    rankSum += omega;
    if (lambda <= 0) overfit++;
  }
  logits.sort((a, b) => a - b);
  const h = logits.length >> 1;
  return {
    trials: combos,
    groups: S,
    splits: logits.length,
    pbo: overfit / logits.length,
    median_logit: logits.length % 2 ? logits[h]! : (logits[h - 1]! + logits[h]!) / 2,
    mean_oos_rank: rankSum / logits.length,
  };
}
