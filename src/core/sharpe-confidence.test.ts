// The probabilistic Sharpe ratio: known values, pooling, and calibration under the null (with and without autocorrelation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from './rng.js';
import { addReturnSums, emptyReturnSums, expectedMaxSharpe, inverseNormalCdf, normalCdf, returnSumsOf, sharpeStats } from './sharpe-confidence.js';

test('normal CDF: symmetric, and matches tabulated values', () => {
  assert.ok(Math.abs(normalCdf(0) - 0.5) < 1e-7);
  assert.ok(Math.abs(normalCdf(1.959963985) - 0.975) < 1e-6);
  assert.ok(Math.abs(normalCdf(-1.644853627) - 0.05) < 1e-6);
  assert.ok(Math.abs(normalCdf(3) - 0.998650102) < 1e-6);
  for (const x of [0.1, 0.7, 2.2, 4.5]) assert.ok(Math.abs(normalCdf(x) + normalCdf(-x) - 1) < 1e-9);
});

test('sample moments: a known sample gives its Sharpe, skewness, kurtosis and autocorrelation', () => {
  const r = [0.01, -0.02, 0.03, 0.0, 0.015, -0.005];
  const s = sharpeStats(returnSumsOf(r));
  const n = r.length;
  const mu = r.reduce((a, x) => a + x, 0) / n;
  const m2 = r.reduce((a, x) => a + (x - mu) ** 2, 0) / n;
  const m3 = r.reduce((a, x) => a + (x - mu) ** 3, 0) / n;
  const m4 = r.reduce((a, x) => a + (x - mu) ** 4, 0) / n;
  const sd = Math.sqrt((m2 * n) / (n - 1));
  assert.ok(Math.abs(s.perPeriod! - mu / sd) < 1e-12);
  assert.ok(Math.abs(s.skewness! - m3 / m2 ** 1.5) < 1e-9);
  assert.ok(Math.abs(s.kurtosis! - m4 / m2 ** 2) < 1e-9);
  let lag = 0;
  for (let i = 1; i < n; i++) lag += r[i]! * r[i - 1]!;
  assert.ok(Math.abs(s.autocorrelation! - (lag / (n - 1) - mu * mu) / m2) < 1e-12);
});

test('pooling adds samples without pairing the end of one run with the start of the next', () => {
  const a = [0.01, 0.02, -0.01];
  const b = [0.03, -0.02];
  const pooled = emptyReturnSums();
  addReturnSums(pooled, returnSumsOf(a));
  addReturnSums(pooled, returnSumsOf(b));
  assert.equal(pooled.n, 5);
  assert.equal(pooled.lagPairs, 3);
  assert.ok(Math.abs(pooled.lagSum - (0.01 * 0.02 + 0.02 * -0.01 + 0.03 * -0.02)) < 1e-15);
  const whole = returnSumsOf([...a, ...b]);
  assert.ok(Math.abs(pooled.sum2 - whole.sum2) < 1e-15);
});

test('more evidence, more confidence: the same per-period Sharpe over 10 and 1,000 returns', () => {
  const rng = new Rng(3);
  const make = (n: number) => Array.from({ length: n }, (_, i) => 0.001 + 0.01 * (i % 2 === 0 ? 1 : -1) * (1 + 0.1 * rng.next()));
  const short = sharpeStats(returnSumsOf(make(10)));
  const long = sharpeStats(returnSumsOf(make(1000)));
  assert.ok(short.confidence! < 0.7, `short ${short.confidence}`);
  assert.ok(long.confidence! > 0.99, `long ${long.confidence}`);
  assert.equal(sharpeStats(returnSumsOf([0.01, 0.01, 0.01])).confidence, null); // no variance: undefined
});

test('no credit for positive skewness: two winning samples among thousands of flat ones do not make a sure thing', () => {
  const r = new Float64Array(40_000);
  r[10_000] = 1e-5;
  r[30_000] = 1e-5;
  const s = sharpeStats(returnSumsOf(r));
  assert.ok(s.skewness! > 100);
  const plain = normalCdf(s.perPeriod! * Math.sqrt(r.length - 1) / Math.sqrt(1 + ((s.kurtosis! - 1) / 4) * s.perPeriod! ** 2));
  assert.ok(Math.abs(s.confidence! - plain) < 1e-12);
  assert.ok(s.confidence! < 0.95, `confidence ${s.confidence}`);
  // A negatively skewed winner (many small gains, one large loss) is penalised.
  const neg = Array.from({ length: 1000 }, (_, i) => (i === 500 ? -0.05 : 0.0001));
  const sn = sharpeStats(returnSumsOf(neg));
  assert.ok(sn.skewness! < -10);
  const noSkew = normalCdf(sn.perPeriod! * Math.sqrt(999) / Math.sqrt(1 + ((sn.kurtosis! - 1) / 4) * sn.perPeriod! ** 2));
  assert.ok(sn.confidence! < noSkew);
});

/** Share of `runs` zero-mean AR(1) samples whose confidence reaches 0.95: the false-alarm rate. */
function falseAlarms(phi: number, runs: number, n: number, seed: number): number {
  const rng = new Rng(seed);
  let alarms = 0;
  const r = new Float64Array(n);
  for (let k = 0; k < runs; k++) {
    let x = rng.normal() / Math.sqrt(1 - phi * phi);
    for (let i = 0; i < n; i++) {
      x = phi * x + rng.normal();
      r[i] = x * 1e-4;
    }
    const c = sharpeStats(returnSumsOf(r)).confidence;
    if (c !== null && c >= 0.95) alarms++;
  }
  return alarms / runs;
}

test('calibrated under the null: zero-mean returns pass a 0.95 threshold about 5% of the time, autocorrelated or not', () => {
  const iid = falseAlarms(0, 2000, 400, 11);
  assert.ok(iid > 0.03 && iid < 0.075, `iid false alarms ${iid}`);
  // Inventory makes a market maker's returns positively autocorrelated; without the effective-sample
  // correction a ρ = 0.6 series would pass about 20% of the time.
  const ar = falseAlarms(0.6, 2000, 400, 12);
  assert.ok(ar > 0.02 && ar < 0.085, `AR(1) false alarms ${ar}`);
});

test('inverse normal CDF: inverts normalCdf across the range, tails included', () => {
  for (const p of [1e-10, 1e-4, 0.01, 0.02425, 0.1, 0.5, 0.8, 0.975, 0.99, 1 - 1e-6]) {
    const x = inverseNormalCdf(p);
    assert.ok(Math.abs(normalCdf(x) - p) < 1e-7 * Math.max(1e-3, Math.min(p, 1 - p)) + 1e-12, `p ${p}`);
  }
  assert.ok(Math.abs(inverseNormalCdf(0.975) - 1.959963985) < 1e-6);
  assert.equal(inverseNormalCdf(0), Number.NEGATIVE_INFINITY);
});

test('expected maximum Sharpe of N skill-less trials matches a simulation of the maximum', () => {
  // N strategies with no edge: their Sharpe estimates are N(0, V); the mean of the largest over many draws.
  const rng = new Rng(21);
  for (const trials of [10, 100, 1000]) {
    const v = 0.0004;
    let sum = 0;
    const draws = 2000;
    for (let d = 0; d < draws; d++) {
      let best = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < trials; i++) best = Math.max(best, rng.normal() * Math.sqrt(v));
      sum += best;
    }
    const simulated = sum / draws;
    const formula = expectedMaxSharpe(trials, v);
    assert.ok(Math.abs(formula - simulated) / simulated < 0.04, `N ${trials}: formula ${formula}, simulated ${simulated}`);
  }
  assert.equal(expectedMaxSharpe(1, 0.1), 0);
});

test('deflated: the best of many skill-less strategies is not significant once the number of trials is counted', () => {
  const rng = new Rng(5);
  const n = 500;
  const trials = Array.from({ length: 200 }, () => returnSumsOf(Array.from({ length: n }, () => rng.normal() * 1e-4)));
  const srs = trials.map((t) => sharpeStats(t).perPeriod!);
  const best = trials[srs.indexOf(Math.max(...srs))]!;
  assert.ok(sharpeStats(best).confidence! > 0.99, 'alone, the winner looks like a sure thing');
  const mean = srs.reduce((a, x) => a + x, 0) / srs.length;
  const variance = srs.reduce((a, x) => a + (x - mean) ** 2, 0) / (srs.length - 1);
  const deflated = sharpeStats(best, expectedMaxSharpe(srs.length, variance)).confidence!;
  assert.ok(deflated < 0.9, `deflated ${deflated}`);
});
