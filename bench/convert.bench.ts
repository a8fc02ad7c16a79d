// Benchmark: capture lines per second converted end to end (gunzip, parse, sync, Arrow write) on the shared Binance capture, and memory over a long capture in many files.
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertCaptureToArrow, forEachLine, loadCaptureSync } from '../src/data/index.js';
import { parseInMemory } from './parse-lines.js';
import { spawnSync } from 'node:child_process';
import { sharedCaptureFiles } from '../test/fixtures/capture.js';
import { writeLongCapture } from '../test/fixtures/long-capture.js';
import { REPO_ROOT } from '../test/fixtures/shared-data.js';

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
  // Where the CPU goes: the streamed reading alone (gunzip in the thread pool, lines split, nothing parsed),
  // and the parser alone on lines decompressed beforehand (no reading, no output). Interleaved, per CPU-second.
  const texts = files.map((f) => gunzipSync(readFileSync(f)));
  const readingCpu: number[] = [];
  const parserCpu: number[] = [];
  for (let r = 0; r < reps; r++) {
    let c = process.cpuUsage();
    let n = 0;
    for (const f of files) await forEachLine(f, () => void n++);
    let cpu = process.cpuUsage(c);
    readingCpu.push(n / ((cpu.user + cpu.system) / 1e6));
    c = process.cpuUsage();
    n = parseInMemory(texts);
    cpu = process.cpuUsage(c);
    parserCpu.push(n / ((cpu.user + cpu.system) / 1e6));
  }
  const inMemory: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    const { report } = loadCaptureSync(files);
    inMemory.push(report.lines / ((performance.now() - t) / 1000));
  }
  // Reference: V8's JSON.parse alone on the same lines (no gunzip, no output).
  const strings = texts.map((b) => b.toString('latin1'));
  const jsonRate: number[] = [];
  for (let r = 0; r < reps; r++) {
    let n = 0;
    const t = performance.now();
    for (const s of strings) {
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
  // A long capture in many files (LONG_FILES × LONG_LINES lines, ids continuing): speed and memory of
  // `convert` over it, in a fresh process so its memory figures are its own.
  const longFiles = Number(process.env['LONG_FILES'] ?? 8);
  const longLines = Number(process.env['LONG_LINES'] ?? 100_000);
  const cap = writeLongCapture(dir, longFiles, longLines);
  const child = (files: string[]): Record<string, number> => {
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(REPO_ROOT, 'test', 'integration', 'convert-rss-child.ts'), join(dir, 'long.arrow'), ...files], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as Record<string, number>;
  };
  // What `convert` runs: the built code (`make build` first) in a plain `node`, as the tick benches measure it,
  // each of REPS conversions after one not counted (V8 compiling the parser). Under tsx (the figures above) the
  // same code is collected more often: two mark-compacts per conversion against a few per ten.
  const builtChild = `
const dist = (m) => new URL('./dist/' + m + '/index.js', 'file://' + process.cwd() + '/').href;
const { convertCaptureToArrow } = await import(dist('data'));
const [out, repsText, ...files] = process.argv.slice(1);
const wall = [], cpu = [];
for (let r = 0; r <= Number(repsText); r++) {
  const t = performance.now();
  const c0 = process.cpuUsage();
  const rep = await convertCaptureToArrow(files, out);
  const c = process.cpuUsage(c0);
  if (r === 0) continue;
  wall.push(rep.lines / ((performance.now() - t) / 1000));
  cpu.push(rep.lines / ((c.user + c.system) / 1e6));
}
console.log(JSON.stringify({ wall, cpu }));
`;
  const built = spawnSync(process.execPath, ['--input-type=module', '-e', builtChild, join(dir, 'built.arrow'), String(reps), ...files], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(built.stderr);
  const builtRates = JSON.parse(built.stdout) as { wall: number[]; cpu: number[] };
  const one = child(cap.paths.slice(0, 1));
  const all = child(cap.paths);
  const k = (x: number): string => `${Math.round(x / 1000)}k`;
  // The child forces a full GC every 50 ms to measure its live set: its speed is not a figure.
  console.log(`long capture, ${longFiles} files × ${k(longLines)} lines (${(all['rows']! / 1e6).toFixed(2)} M rows), 1 file → all: live set at most ${one['liveMaxMb']} → ${all['liveMaxMb']} MB, held at the end ${one['heldMb']} → ${all['heldMb']} MB, peak RSS ${one['peakRssMb']} → ${all['peakRssMb']} MB`);
  console.log(`convert (streamed gunzip → parse → Arrow file), under tsx, lines/s: median ${k(median(streamed))}, best ${k(Math.max(...streamed))} over ${reps} runs`);
  console.log(`  same, lines per CPU-second (all threads):      median ${k(median(streamedCpu))}, best ${k(Math.max(...streamedCpu))}`);
  console.log(`  the built code in plain node (what \`convert\` runs), after one conversion not counted: lines/s median ${k(median(builtRates.wall))}, best ${k(Math.max(...builtRates.wall))} over ${reps} runs; per CPU-s median ${k(median(builtRates.cpu))}`);
  console.log(`  of which: reading alone (streamed gunzip, lines split), per CPU-s: median ${k(median(readingCpu))}, best ${k(Math.max(...readingCpu))}`);
  console.log(`            the parser alone (lines in memory), per CPU-s: median ${k(median(parserCpu))}, best ${k(Math.max(...parserCpu))}`);
  console.log(`convert (in memory, sync gunzip), lines/s:          median ${k(median(inMemory))}, best ${k(Math.max(...inMemory))}`);
  console.log(`reference: JSON.parse alone, lines/s:              median ${k(median(jsonRate))}, best ${k(Math.max(...jsonRate))}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
