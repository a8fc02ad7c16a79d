// Converts capture files to an Arrow file and prints the report's counts and its memory: the live set sampled during the run (after a full GC), held at the end, and peak RSS. For the flat-memory test.
import { convertCaptureToArrow } from '../../src/data/index.js';

const [out, ...files] = process.argv.slice(2);
if (out === undefined || files.length === 0) throw new Error('usage: node --expose-gc convert-rss-child <out.arrow> <capture files...>');
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const live = (): number => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
// What the converter keeps reachable while it runs: garbage (decompressed chunks already parsed) is collected first.
const seen: number[] = [];
const timer = setInterval(() => void seen.push(live()), 50);
const rep = await convertCaptureToArrow(files, out);
clearInterval(timer);
// Twice, a turn of the event loop apart: the closed streams' buffers are freed only on the second pass.
gc();
await new Promise((r) => setImmediate(r));
const held = live();
const samples = seen.length;
const liveMax = Math.max(0, ...seen);
const liveMedian = seen.length === 0 ? 0 : [...seen].sort((a, b) => a - b)[Math.floor(seen.length / 2)]!;
const mb = (x: number): number => Math.round((x / 2 ** 20) * 100) / 100;
process.stdout.write(
  JSON.stringify({
    lines: rep.lines,
    rows: rep.rows,
    gaps: rep.gaps.length,
    unapplied: rep.unappliedDiffs,
    stale: rep.staleDiffs,
    samples,
    liveMaxMb: mb(liveMax),
    liveMedianMb: mb(liveMedian),
    heldMb: mb(held),
    peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
  }) + '\n',
);
