// Last-month analysis speed: 30 days of 5m bars, 64 combinations, walk-forward, report; built CLI, 1 vs 2 workers.
// Prints figures (wall time measured around the process, the evaluation phase as the CLI reports it); asserts nothing.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, KLINES_5M } from '../test/fixtures/shared-data.js';

const reps = Number(process.env['REPS'] ?? 5);
const out = mkdtempSync(join(tmpdir(), 'mm-bench-analysis-'));
const args = (w: number): string[] => ['analyze', '--data', KLINES_5M, '--days', '30', '--max-combinations', '64', '--workers', String(w), '--seed', '7', '--quiet', '--out', out];

interface Sample {
  wall: number;
  evaluate: number;
}
function once(workers: number): Sample {
  const t0 = performance.now();
  // BENCH_CLI_JS: a private build of the CLI (a shared tree may be rebuilding dist/ meanwhile).
  const js = process.env['BENCH_CLI_JS'];
  const stdout = js ? execFileSync(process.execPath, [js, ...args(workers)], { encoding: 'utf8' }) : execFileSync(CLI, args(workers), { encoding: 'utf8' });
  const wall = (performance.now() - t0) / 1000;
  const s = (JSON.parse(stdout) as { seconds: { evaluate: number } }).seconds;
  return { wall, evaluate: s.evaluate };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load0 = loadavg()[0]!;
once(1); // warm the file cache
const runs: Record<number, Sample[]> = { 1: [], 2: [] };
for (let i = 0; i < reps; i++) for (const w of [1, 2]) runs[w]!.push(once(w));
const load1 = loadavg()[0]!;
rmSync(out, { recursive: true, force: true });

for (const w of [1, 2]) {
  const r = runs[w]!;
  console.log(`workers ${w}: wall median ${median(r.map((x) => x.wall)).toFixed(3)} s (best ${Math.min(...r.map((x) => x.wall)).toFixed(3)}), evaluation phase median ${median(r.map((x) => x.evaluate)).toFixed(3)} s (best ${Math.min(...r.map((x) => x.evaluate)).toFixed(3)})`);
}
const sp = (f: (x: Sample) => number): string => (median(runs[1]!.map(f)) / median(runs[2]!.map(f))).toFixed(2);
console.log(`speed-up 1 → 2 workers: end to end ${sp((x) => x.wall)}x, evaluation phase ${sp((x) => x.evaluate)}x (${reps} runs each, alternating)`);
console.log(`machine: ${availableParallelism()} cores, node ${process.version}, load average ${load0.toFixed(2)} before, ${load1.toFixed(2)} after`);
