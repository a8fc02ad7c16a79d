// The k-way merge of event files: ordered by time with the documented tie rule, streamed in bounded memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allocEvents, EventType, type EventColumns } from '../market/index.js';
import { Rng } from '../core/index.js';
import { writeEvents } from './event-store.js';
import { mergeEventFiles, mergeEventStreams } from './event-merge.js';

/** A stream whose local times advance by 0..3 µs steps (many equal times within and across streams). */
function stream(n: number, seed: number, t0: number): EventColumns {
  const r = new Rng(seed);
  const c = allocEvents(n);
  let t = t0;
  for (let i = 0; i < n; i++) {
    t += Math.floor(r.next() * 4);
    c.type[i] = i % 5 === 0 ? EventType.Trade : EventType.Delta;
    c.side[i] = i % 2 === 0 ? 1 : -1;
    c.tsLocal[i] = t;
    c.tsExchange[i] = t - 1000 - (i % 7);
    c.price[i] = 100 + seed + (i % 50) * 0.01;
    c.size[i] = 1 + (i % 3);
    c.id[i] = seed * 1e6 + i;
  }
  c.length = n;
  return c;
}

/** The merged order by the stated rule, computed independently: a stable sort on (time, source, row). */
function reference(srcs: readonly EventColumns[]): { s: number; r: number }[] {
  const all: { t: number; s: number; r: number }[] = [];
  srcs.forEach((c, s) => {
    for (let r = 0; r < c.length; r++) all.push({ t: c.tsLocal[r]!, s, r });
  });
  return all.sort((a, b) => a.t - b.t || a.s - b.s || a.r - b.r).map(({ s, r }) => ({ s, r }));
}

test('the merge orders rows by local time, then source order, then row order, whatever the batch sizes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-merge-'));
  try {
    const srcs = [stream(3000, 1, 1_000_000), stream(2000, 2, 1_000_500), stream(2500, 3, 999_000)];
    const paths = srcs.map((c, k) => {
      const p = join(dir, `m${k}.arrow`);
      writeEvents(p, c, { batchRows: 97 + k * 31 });
      return p;
    });
    const want = reference(srcs);
    for (const batchRows of [1, 7, 64, 1 << 16]) {
      const got: { s: number; r: number }[] = [];
      let prev = Number.NEGATIVE_INFINITY;
      for (const b of mergeEventFiles(paths, { batchRows })) {
        assert.ok(b.length <= batchRows);
        for (let i = 0; i < b.length; i++) {
          const s = b.source[i]!;
          const r = b.row[i]!;
          got.push({ s, r });
          // Every column is the source row's own.
          const c = srcs[s]!;
          assert.equal(b.tsLocal[i], c.tsLocal[r]);
          assert.equal(b.id[i], c.id[r]);
          assert.equal(b.price[i], c.price[r]);
          assert.ok(b.tsLocal[i]! >= prev, 'local time never goes back in the merged stream');
          prev = b.tsLocal[i]!;
        }
      }
      assert.equal(got.length, 7500, `batchRows ${batchRows}: every row once`);
      assert.deepEqual(got, want, `batchRows ${batchRows}: the stated order`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a source whose local clock steps back keeps its own order; the exchange clock can order the merge instead', () => {
  const a = stream(6, 5, 100);
  a.tsLocal.set([10, 20, 15, 30, 40, 50]);
  const b = stream(3, 6, 100);
  b.tsLocal.set([15, 15, 35]);
  const got: string[] = [];
  for (const m of mergeEventStreams([[a], [b]], { batchRows: 4 })) for (let i = 0; i < m.length; i++) got.push(`${m.source[i]}:${m.row[i]}`);
  // a0 (10); heads a1 = 20, b0 = 15: b0, b1; a1 (20), a2 (15: a keeps its order), a3 (30); b2 (35); a4, a5.
  assert.deepEqual(got, ['0:0', '1:0', '1:1', '0:1', '0:2', '0:3', '1:2', '0:4', '0:5']);
  const ex: number[] = [];
  for (const m of mergeEventStreams([[a], [b]], { clock: 'exchange' })) for (let i = 0; i < m.length; i++) ex.push(m.tsExchange[i]!);
  assert.deepEqual(ex, [...ex].sort((x, y) => x - y));
});

test('memory stays flat: rows held at once are bounded by the batches, not by the length of the files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-merge-'));
  try {
    const held = (n: number): number => {
      const paths = [stream(n, 1, 0), stream(n, 2, 0)].map((c, k) => {
        const p = join(dir, `${n}-${k}.arrow`);
        writeEvents(p, c, { batchRows: 500 });
        return p;
      });
      const stats = { maxRowsHeld: 0 };
      let rows = 0;
      for (const b of mergeEventFiles(paths, { batchRows: 256 }, stats)) rows += b.length;
      assert.equal(rows, 2 * n);
      return stats.maxRowsHeld;
    };
    const small = held(5_000);
    const large = held(200_000);
    assert.ok(large <= 2 * 500 + 256, `held ${large} rows`);
    assert.equal(large, small, 'forty times longer files, the same rows held');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
