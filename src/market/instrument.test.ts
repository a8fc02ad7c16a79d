// Tick rounding: bids round down, asks up, exact multiples stay put despite binary floating point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roundDown, roundUp, roundNearest, decimalsOf } from './instrument.js';

test('bids round down and asks round up to the tick', () => {
  assert.equal(roundDown(100.037, 0.01), 100.03);
  assert.equal(roundUp(100.031, 0.01), 100.04);
  assert.equal(roundDown(97123.456, 0.1), 97123.4);
  assert.equal(roundUp(97123.401, 0.5), 97123.5);
});

test('prices already on the tick are unchanged (no 100.03 → 100.02 float slip)', () => {
  for (const p of [100.03, 0.07, 1.1, 97000.01, 64999.99, 0.3]) {
    assert.equal(roundDown(p, 0.01), p);
    assert.equal(roundUp(p, 0.01), p);
  }
});

test('results print exactly with the tick decimals', () => {
  assert.equal(decimalsOf(0.01), 2);
  assert.equal(decimalsOf(0.00001), 5);
  assert.equal(decimalsOf(1), 0);
  assert.equal(String(roundNearest(0.1 + 0.2, 0.01)), '0.3');
});
