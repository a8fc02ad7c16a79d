// Benchmark: capture lines per second converted end to end (gunzip, parse, sync, Arrow write) on the shared Binance capture.
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertCaptureToArrow, loadCaptureSync } from '../src/data/index.js';
import { sharedCaptureFiles } from '../test/fixtures/capture.js';

const files = sharedCaptureFiles();
const dir = mkdtempSync(join(tmpdir(), 'convert-bench-'));
const reps = Number(process.env['REPS'] ?? 7);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

try {
  const streamed: number[] = [];
  const streamedCpu: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    const c = process.cpuUsage();
    const rep = await convertCaptureToArrow(files, join(dir, 'out.arrow'));
    const cpu = process.cpuUsage(c);
    streamed.push(rep.lines / ((performance.now() - t) / 1000));
    // All threads of the process (zlib inflates in the thread pool).
    streamedCpu.push(rep.lines / ((cpu.user + cpu.system) / 1e6));
  }
  const inMemory: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    const { report } = loadCaptureSync(files);
    inMemory.push(report.lines / ((performance.now() - t) / 1000));
  }
  // Reference: V8's JSON.parse alone on the same lines (no gunzip, no output).
  const texts = files.map((f) => gunzipSync(readFileSync(f)).toString('latin1'));
  const jsonRate: number[] = [];
  for (let r = 0; r < reps; r++) {
    let n = 0;
    const t = performance.now();
    for (const s of texts) {
      let p = 0;
      for (;;) {
        const nl = s.indexOf('\n', p);
        if (nl < 0) break;
        JSON.parse(s.slice(s.indexOf(' ', p) + 1, nl));
        n++;
        p = nl + 1;
      }
    }
    jsonRate.push(n / ((performance.now() - t) / 1000));
  }
  const k = (x: number): string => `${Math.round(x / 1000)}k`;
  console.log(`convert (streamed gunzip → parse → Arrow file), lines/s: median ${k(median(streamed))}, best ${k(Math.max(...streamed))} over ${reps} runs`);
  console.log(`  same, lines per CPU-second (all threads):      median ${k(median(streamedCpu))}, best ${k(Math.max(...streamedCpu))}`);
  console.log(`convert (in memory, sync gunzip), lines/s:          median ${k(median(inMemory))}, best ${k(Math.max(...inMemory))}`);
  console.log(`reference: JSON.parse alone, lines/s:              median ${k(median(jsonRate))}, best ${k(Math.max(...jsonRate))}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
