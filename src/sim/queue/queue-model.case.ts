// The conformance suite every QueueModel runs: bounds, extremes and monotonicity on hand-made queues.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QueueModel } from './queue-model.js';

export function queueModelConformance(model: QueueModel): void {
  const grid = [0, 0.5, 1, 2, 5, 10];
  test(`${model.name}: result stays within [max(0, ahead − Δ), min(ahead, level − Δ)]`, () => {
    for (const level of grid) {
      for (const ahead of grid) {
        if (ahead > level) continue;
        for (const d of grid) {
          if (d > level) continue;
          const r = model.afterCancel(ahead, level, d);
          assert.ok(r >= Math.max(0, ahead - d) - 1e-12, `${ahead},${level},${d} → ${r}`);
          assert.ok(r <= Math.min(ahead, level - d) + 1e-12, `${ahead},${level},${d} → ${r}`);
        }
      }
    }
  });
  test(`${model.name}: no decrease keeps the position; front stays front; back moves by the whole decrease`, () => {
    assert.equal(model.afterCancel(3, 10, 0), 3);
    assert.equal(model.afterCancel(0, 10, 4), 0);
    assert.equal(model.afterCancel(10, 10, 4), 6, 'at the back everything cancelled was ahead');
  });
  test(`${model.name}: more ahead before never means less ahead after`, () => {
    for (const d of [0.5, 1, 3]) {
      let prev = -1;
      for (let ahead = 0; ahead <= 10; ahead += 0.25) {
        const r = model.afterCancel(ahead, 10, d);
        assert.ok(r >= prev - 1e-12, `ahead ${ahead}, Δ ${d}`);
        prev = r;
      }
    }
  });
}
