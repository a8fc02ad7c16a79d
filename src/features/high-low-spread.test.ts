// Corwin–Schultz: a pure bid–ask bounce around a constant price is recovered exactly; noise floors at 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corwinSchultzSpread } from './high-low-spread.js';

test('a constant price quoted with spread S (high = ask, low = bid in both bars) gives back S', () => {
  for (const S of [0.0001, 0.001, 0.02]) {
    const h = 100 * (1 + S / 2);
    const l = 100 * (1 - S / 2);
    assert.ok(Math.abs(corwinSchultzSpread(h, l, h, l) - S) < 1e-12);
  }
});

test('a move between bars larger than the ranges makes the estimate negative, reported as 0; bad prices give NaN', () => {
  assert.equal(corwinSchultzSpread(100.1, 100, 110.1, 110), 0);
  assert.ok(Number.isNaN(corwinSchultzSpread(0, 1, 1, 1)));
});
