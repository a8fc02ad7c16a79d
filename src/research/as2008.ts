// The Monte Carlo experiment of Avellaneda & Stoikov (2008), section 3.3: inventory vs symmetric strategy.
import { Rng } from '../core/index.js';
import { avellanedaStoikov, baseHalfSpread, emptyQuote, type ModelState } from '../models/index.js';

export interface As2008Params {
  gamma: number;
  paths: number;
  seed: number;
  s0: number;
  T: number;
  sigma: number;
  dt: number;
  A: number;
  k: number;
}

/** The paper's setting: s0 = 100, T = 1, σ = 2, dt = 0.005, A = 140, k = 1.5, q0 = 0. */
export const as2008Defaults: Omit<As2008Params, 'gamma' | 'paths' | 'seed'> = { s0: 100, T: 1, sigma: 2, dt: 0.005, A: 140, k: 1.5 };

export interface StrategyStats {
  spread: number;
  profit_mean: number;
  profit_std: number;
  final_q_mean: number;
  final_q_std: number;
}

export interface As2008Result {
  gamma: number;
  paths: number;
  inventory: StrategyStats;
  symmetric: StrategyStats;
}

/**
 * Per step of dt: both strategies post their quotes from the mid s_t; then the mid moves ±σ√dt with
 * probability ½ each; then our ask (bid) is lifted (hit) with probability λ(δ)·dt = A·e^{−kδ}·dt, where δ
 * is its distance from the new mid (quotes are a step stale, as resting orders are). The inventory strategy quotes
 * around the reservation price r = s − qγσ²(T−t) with the AS spread; the symmetric strategy quotes the
 * same spread around s. Both strategies see the same price path and the same uniforms (common random
 * numbers), so their difference is not noise. Profit = cash + q·s at T.
 */
export function runAs2008(p: Readonly<As2008Params>): As2008Result {
  const rng = new Rng(p.seed);
  const steps = Math.round(p.T / p.dt);
  const sq = p.sigma * Math.sqrt(p.dt);
  const params = { gamma: p.gamma, k: p.k, horizon: 'finite' as const, maxInventoryLots: 0 };
  const state: ModelState = { mid: 0, inventory: 0, sigma: p.sigma, timeRemaining: 0, intensityA: Number.NaN, intensityK: Number.NaN };
  const quote = emptyQuote();
  const stats = [newAcc(), newAcc()];
  const h = baseHalfSpread(p.gamma, p.k);
  for (let path = 0; path < p.paths; path++) {
    let s = p.s0;
    const q = [0, 0];
    const x = [0, 0];
    for (let i = 0; i < steps; i++) {
      const tau = p.T - i * p.dt;
      const sPrev = s;
      s += rng.next() < 0.5 ? sq : -sq;
      const uAsk = rng.next();
      const uBid = rng.next();
      for (let m = 0; m < 2; m++) {
        let bid: number;
        let ask: number;
        if (m === 0) {
          state.mid = sPrev;
          state.inventory = q[m]!;
          state.timeRemaining = tau;
          avellanedaStoikov.quote(state, params, quote);
          bid = quote.bid;
          ask = quote.ask;
        } else {
          const half = 0.5 * p.gamma * p.sigma * p.sigma * tau + h;
          bid = sPrev - half;
          ask = sPrev + half;
        }
        stats[m]!.spreadSum += ask - bid;
        stats[m]!.spreadN++;
        const pAsk = p.A * Math.exp(-p.k * (ask - s)) * p.dt;
        const pBid = p.A * Math.exp(-p.k * (s - bid)) * p.dt;
        if (uAsk < pAsk) {
          q[m]! -= 1;
          x[m]! += ask;
        }
        if (uBid < pBid) {
          q[m]! += 1;
          x[m]! -= bid;
        }
      }
    }
    for (let m = 0; m < 2; m++) {
      const a = stats[m]!;
      const profit = x[m]! + q[m]! * s;
      a.p += profit;
      a.p2 += profit * profit;
      a.q += q[m]!;
      a.q2 += q[m]! * q[m]!;
    }
  }
  const fin = (a: Acc): StrategyStats => {
    const n = p.paths;
    const pm = a.p / n;
    const qm = a.q / n;
    return {
      spread: a.spreadSum / a.spreadN,
      profit_mean: pm,
      profit_std: Math.sqrt(Math.max(0, (a.p2 - n * pm * pm) / (n - 1))),
      final_q_mean: qm,
      final_q_std: Math.sqrt(Math.max(0, (a.q2 - n * qm * qm) / (n - 1))),
    };
  };
  return { gamma: p.gamma, paths: p.paths, inventory: fin(stats[0]!), symmetric: fin(stats[1]!) };
}

interface Acc {
  spreadSum: number;
  spreadN: number;
  p: number;
  p2: number;
  q: number;
  q2: number;
}
const newAcc = (): Acc => ({ spreadSum: 0, spreadN: 0, p: 0, p2: 0, q: 0, q2: 0 });

/** The paper's reported figures (Tables 1–3), for comparison in tests and the README. */
export const as2008Paper: Record<string, { inventory: StrategyStats; symmetric: StrategyStats }> = {
  '0.1': {
    inventory: { spread: 1.29, profit_mean: 62.94, profit_std: 5.89, final_q_mean: 0.1, final_q_std: 2.8 },
    symmetric: { spread: 1.29, profit_mean: 67.21, profit_std: 13.43, final_q_mean: -0.018, final_q_std: 8.66 },
  },
  '0.01': {
    inventory: { spread: 1.33, profit_mean: 66.78, profit_std: 8.76, final_q_mean: -0.02, final_q_std: 4.7 },
    symmetric: { spread: 1.33, profit_mean: 67.36, profit_std: 13.4, final_q_mean: -0.31, final_q_std: 8.65 },
  },
  '0.5': {
    inventory: { spread: 1.15, profit_mean: 33.92, profit_std: 4.72, final_q_mean: -0.02, final_q_std: 1.88 },
    symmetric: { spread: 1.15, profit_mean: 66.2, profit_std: 14.53, final_q_mean: 0.25, final_q_std: 9.06 },
  },
};
