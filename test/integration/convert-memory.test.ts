// convert over a capture split into many gzip files: every row arrives, ids continue across files, and memory does not grow with the capture's length.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeLongCapture } from '../fixtures/long-capture.js';
import { REPO_ROOT } from '../fixtures/shared-data.js';
import { readEvents } from '../../src/data/index.js';

interface ChildReport {
  lines: number;
  rows: number;
  gaps: number;
  unapplied: number;
  stale: number;
  /** Timer ticks at which the live set was measured. */
  samples: number;
  /** Largest live set (heap and array buffers after a full GC) measured while converting. */
  liveMaxMb: number;
  /** The median of the live-set samples: unlike the largest, it does not rise with the number of samples taken. */
  liveMedianMb: number;
  /** The live set after the conversion. */
  heldMb: number;
  peakRssMb: number;
}

/** Convert in a fresh process (its peak RSS is its own) and read its report. */
function convertInChild(out: string, files: string[]): ChildReport {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(REPO_ROOT, 'test', 'integration', 'convert-rss-child.ts'), out, ...files], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim()) as ChildReport;
}

test('a capture in 12 files converts in the memory of 3: every row written, no gap across file boundaries, nothing kept per line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-long-capture-'));
  try {
    const cap = writeLongCapture(dir, 12, 30_000);
    const short = convertInChild(join(dir, 'short.arrow'), cap.paths.slice(0, 3));
    const long = convertInChild(join(dir, 'long.arrow'), cap.paths);
    // Ids continue across files: the book stays in sync from the one snapshot at the start of file 1.
    for (const [rep, k] of [[short, 3], [long, 12]] as const) {
      assert.equal(rep.lines, k * cap.linesPerFile);
      assert.equal(rep.rows, cap.rowsUpTo[k]);
      assert.deepEqual([rep.gaps, rep.unapplied, rep.stale], [0, 0, 0]);
    }
    const events = readEvents(join(dir, 'long.arrow'));
    assert.equal(events.length, cap.rowsUpTo[12]);
    for (let i = 1; i < events.length; i++) if (events.tsLocal[i]! < events.tsLocal[i - 1]!) assert.fail(`row ${i}: local time goes back`);
    const grownMb = (statSync(join(dir, 'long.arrow')).size - statSync(join(dir, 'short.arrow')).size) / 2 ** 20;
    assert.ok(grownMb > 30, `the output grew by ${grownMb.toFixed(1)} MB`);
    const figures = `live set median ${short.liveMedianMb} / ${long.liveMedianMb} MB, at most ${short.liveMaxMb} MB for 3 files, ${long.liveMaxMb} MB for 12 (${short.samples} and ${long.samples} samples); held at the end ${short.heldMb} / ${long.heldMb} MB; peak RSS ${short.peakRssMb} / ${long.peakRssMb} MB; output +${grownMb.toFixed(1)} MB`;
    assert.ok(long.samples >= 1, figures);
    // What the converter keeps reachable does not grow with the capture. Keeping the rows would add the output's
    // growth (33 MB, about half of it at the median sample); keeping half of them still fails here. The live set is sampled on a timer, so the
    // largest sample moves by a few MB with the moment it lands on (a half-built batch, a gzip chunk in flight):
    // a fixed 4 MB bound failed under load at 4.5 MB while 1 MB is typical on a quiet machine. The largest of 13
    // samples also tends to exceed the largest of 7 by chance alone (seen: 20.6 → 30.0 MB with the same end state),
    // so growth is judged on the medians, and the largest sample only against a fixed ceiling.
    assert.ok(long.liveMedianMb - short.liveMedianMb < grownMb / 8, figures);
    assert.ok(long.liveMaxMb < 48, figures);
    assert.ok(long.heldMb - short.heldMb < 2, figures);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
