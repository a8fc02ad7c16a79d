// Trade-id jumps: counted with the ids missing and the span, a late id inside the newest jump fills it in, no ids no gaps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TradeGaps } from './trade-gaps.js';

test('a jump in the trade ids is a gap: the ids missing and the exchange times either side', () => {
  const g = new TradeGaps();
  for (const [id, t] of [[10, 1], [11, 2], [15, 3], [16, 4], [20, 5]] as const) g.onTrade(id, t);
  assert.equal(g.count, 2);
  assert.equal(g.missed, 3 + 3);
  assert.deepEqual([g.from, g.to], [[2, 4], [3, 5]]);
});

test('a late id inside the newest gap fills it in; one before it, or a repeat, changes nothing', () => {
  const g = new TradeGaps();
  for (const [id, t] of [[1, 1], [3, 2], [2, 2]] as const) g.onTrade(id, t);
  assert.deepEqual([g.count, g.missed, g.from.length], [0, 0, 0], '3 then 2 at one instant: nothing missed');
  for (const [id, t] of [[6, 3], [5, 3], [3, 3], [6, 3]] as const) g.onTrade(id, t);
  assert.deepEqual([g.count, g.missed], [1, 1], '4 is still missing');
  g.onTrade(7, 4);
  assert.deepEqual([g.count, g.missed], [1, 1]);
});

test('trades without ids (0 or NaN, a venue that gives none) have no gaps', () => {
  const g = new TradeGaps();
  for (const id of [0, 0, Number.NaN, 0]) g.onTrade(id, 1);
  assert.deepEqual([g.count, g.missed], [0, 0]);
});
