// The tick table against a plain Map over random set / delete sequences (growth, clusters shifted back, zero values).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../core/index.js';
import { TickTable } from './tick-table.js';

test('TickTable holds what a Map holds, through growth, removals that shift clusters back, and zero values', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const rng = new Rng(seed);
    const t = new TickTable();
    const ref = new Map<number, number>();
    // Ticks crowded near a price (as a book's levels are) and a few far apart; removals of absent keys too.
    const base = Math.floor(6_000_000 + rng.next() * 1000);
    const key = (): number => (rng.next() < 0.9 ? base + Math.floor(rng.next() * 3000) : Math.floor(rng.next() * 2 ** 34));
    for (let step = 0; step < 6000; step++) {
      const k = key();
      if (rng.next() < 0.6) {
        const v = rng.next() < 0.2 ? 0 : Math.round(rng.next() * 1e5) / 1e3;
        t.set(k, v);
        ref.set(k, v);
      } else assert.equal(t.delete(k), ref.delete(k), `seed ${seed} step ${step}: delete ${k}`);
      assert.equal(t.size, ref.size);
      if (step % 199 === 0) {
        for (const [kk, v] of ref) assert.equal(t.get(kk), v, `seed ${seed} step ${step} key ${kk}`);
        const seen = new Map<number, number>();
        t.forEach((kk, v) => seen.set(kk, v));
        assert.deepEqual([...seen].sort((a, b) => a[0] - b[0]), [...ref].sort((a, b) => a[0] - b[0]));
      }
    }
    for (const [kk, v] of ref) assert.ok(t.has(kk) && t.get(kk) === v);
    assert.ok(Number.isNaN(t.get(-5)) && !t.has(-5), 'absent: NaN');
    t.clear();
    assert.equal(t.size, 0);
    for (const [kk] of ref) assert.ok(!t.has(kk));
  }
});
