// The probability of backtest overfitting: about one half for a sweep of pure noise, near zero when one combo really is better.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, returnSumsOf, type ReturnSums } from '../core/index.js';
import { groupCount, probabilityOfBacktestOverfitting } from './overfitting.js';

/** combos × blocks of `perBlock` normal returns; `edge[c]` is combo c's mean in sd units. */
function sweep(seed: number, combos: number, blocks: number, perBlock: number, edge: (c: number) => number): ReturnSums[][] {
  const rng = new Rng(seed);
  return Array.from({ length: combos }, (_, c) =>
    Array.from({ length: blocks }, () => returnSumsOf(Float64Array.from({ length: perBlock }, () => (rng.normal() + edge(c)) * 1e-4))),
  );
}

test('groups: the largest even count up to twelve', () => {
  assert.equal(groupCount(30), 12);
  assert.equal(groupCount(7), 6);
  assert.equal(groupCount(1), 0);
  assert.equal(probabilityOfBacktestOverfitting(sweep(1, 5, 1, 50, () => 0)), null);
  assert.equal(probabilityOfBacktestOverfitting(sweep(1, 1, 10, 50, () => 0)), null);
});

test('a sweep of pure noise: the in-sample winner is a random pick out of sample', () => {
  const e = probabilityOfBacktestOverfitting(sweep(2, 40, 24, 100, () => 0))!;
  assert.equal(e.groups, 12);
  assert.equal(e.splits, 924);
  assert.ok(e.pbo > 0.25 && e.pbo < 0.75, `pbo ${e.pbo}`);
  assert.ok(Math.abs(e.mean_oos_rank - 0.5) < 0.15, `rank ${e.mean_oos_rank}`);
});

test('one combo with a real edge: it wins in sample and stays on top out of sample', () => {
  const e = probabilityOfBacktestOverfitting(sweep(3, 40, 24, 100, (c) => (c === 17 ? 0.15 : 0)))!;
  assert.ok(e.pbo < 0.05, `pbo ${e.pbo}`);
  assert.ok(e.mean_oos_rank > 0.9, `rank ${e.mean_oos_rank}`);
  assert.ok(e.median_logit > 2);
});
