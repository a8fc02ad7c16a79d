// The venue book's count of our resting orders by level, against a plain Map over random add / remove sequences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../core/index.js';
import { LevelCounts } from './venue-book.js';

test('LevelCounts gives the counts a Map gives, through growth and removals that shift clusters back', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const rng = new Rng(seed);
    const counts = new LevelCounts();
    const ref = new Map<number, number>();
    // Keys crowded near a price (as resting levels are) and a few far apart; some removals of absent keys.
    const base = 2 * Math.floor(6_000_000 + rng.next() * 1000);
    const key = (): number => (rng.next() < 0.9 ? base + Math.floor(rng.next() * 300) : Math.floor(rng.next() * 2 ** 34));
    const live: number[] = [];
    for (let step = 0; step < 4000; step++) {
      const r = rng.next();
      let k: number;
      if (r < 0.5 || live.length === 0) {
        k = key();
        counts.add(k, 1);
        ref.set(k, (ref.get(k) ?? 0) + 1);
        live.push(k);
      } else if (r < 0.95) {
        k = live.splice(Math.floor(rng.next() * live.length), 1)[0]!;
        counts.add(k, -1);
        const n = ref.get(k)! - 1;
        if (n > 0) ref.set(k, n);
        else ref.delete(k);
      } else {
        k = key() + 1e9; // never added
        counts.add(k, -1);
      }
      assert.equal(counts.get(k), ref.get(k) ?? 0, `seed ${seed} step ${step}`);
      if (step % 97 === 0) for (const [kk, n] of ref) assert.equal(counts.get(kk), n, `seed ${seed} step ${step} key ${kk}`);
    }
    for (const [kk, n] of ref) assert.equal(counts.get(kk), n);
    for (const kk of live.slice(0, 50)) assert.ok(counts.get(kk) > 0);
  }
});

test('LevelCounts: a NaN key (an order without a level) is neither counted nor breaks the table', () => {
  const c = new LevelCounts();
  c.add(Number.NaN, 1);
  c.add(10, 1);
  assert.equal(c.get(Number.NaN), 0);
  assert.equal(c.get(10), 1);
  for (let k = 0; k < 200; k++) c.add(1000 + k, 1); // growth re-inserts what is there
  assert.equal(c.get(10), 1);
  assert.equal(c.get(1199), 1);
  c.add(Number.NaN, -1);
  c.add(10, -1);
  assert.equal(c.get(10), 0);
});
