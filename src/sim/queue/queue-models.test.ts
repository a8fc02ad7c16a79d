// Queue models: the shared conformance suite for each, then known answers on hand-made queues.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { riskAverseQueue, powerQueue, logQueue, parseQueueModel } from './index.js';
import { queueModelConformance } from './queue-model.case.js';

for (const m of [riskAverseQueue, powerQueue(1), powerQueue(2), powerQueue(3), logQueue]) queueModelConformance(m);

test('risk-averse: cancels move us only when the level shrinks below our position', () => {
  assert.equal(riskAverseQueue.afterCancel(4, 10, 5), 4);
  assert.equal(riskAverseQueue.afterCancel(4, 10, 7), 3);
});

test('power:1 is uniform: ahead 4 of 10, 5 cancelled → 2 of them ahead', () => {
  assert.ok(Math.abs(powerQueue(1).afterCancel(4, 10, 5) - 2) < 1e-12);
});

test('power:2: ahead 2, behind 8 → p = 4/68; Δ = 1 moves us by 1/17', () => {
  assert.ok(Math.abs(powerQueue(2).afterCancel(2, 10, 1) - (2 - 4 / 68)) < 1e-12);
});

test('power:N: a cancel larger than what is behind us must partly be ahead', () => {
  // ahead 8, behind 2, Δ 5: at least 3 came from ahead.
  assert.ok(powerQueue(3).afterCancel(8, 10, 5) <= 5 + 1e-12);
});

test('log: ahead 1, behind 1 → half of the decrease', () => {
  assert.ok(Math.abs(logQueue.afterCancel(1, 2, 1) - 0.5) < 1e-12);
});

test('parse: names from the command line', () => {
  assert.equal(parseQueueModel('risk-averse').name, 'risk-averse');
  assert.equal(parseQueueModel('power:3').name, 'power:3');
  assert.equal(parseQueueModel('log').name, 'log');
  assert.throws(() => parseQueueModel('power:x'), /--queue/);
});
