// Last-month analysis speed on the built CLI, 1 vs 2 workers: the reference case (30 days of 5m bars, 64
// combinations, walk-forward, report), a 5x larger one (29 days of 1m bars) and a 16x larger one (1,024
// combinations) where the evaluation dominates. Prints figures; asserts nothing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, KLINES_1M, KLINES_5M } from '../test/fixtures/shared-data.js';

const reps = Number(process.env['REPS'] ?? 5);
const root = mkdtempSync(join(tmpdir(), 'mm-bench-analysis-'));
const only = process.env['SCENARIOS'];
const allScenarios = [
  { name: '5m, 30 days, 64 combinations', args: ['--data', KLINES_5M, '--days', '30'], combos: 64 },
  { name: '1m, 29 days, 64 combinations', args: ['--data', KLINES_1M, '--days', '29'], combos: 64 },
  // A job large enough for the evaluation to dominate: how the parallel part itself scales.
  { name: '5m, 30 days, 1024 combinations', args: ['--data', KLINES_5M, '--days', '30'], combos: 1024 },
];
// SCENARIOS=0 runs the reference case only (indices into the list above).
const scenarios = only === undefined ? allScenarios : only.split(',').map((i) => allScenarios[Number(i)]!);

interface Sample {
  wall: number;
  evaluate: number;
  cpu: number;
}
let runNo = 0;
function once(extra: string[], workers: number, combos: number): Sample {
  // A fresh folder per run: the results store beside an analysis would let a re-run skip every stored case.
  const out = join(root, `run-${runNo++}`);
  const args = ['analyze', ...extra, '--max-combinations', String(combos), '--workers', String(workers), '--seed', '7', '--quiet', '--out', out];
  const t0 = performance.now();
  // BENCH_CLI_JS: a private build of the CLI (a shared tree may be rebuilding dist/ meanwhile).
  const js = process.env['BENCH_CLI_JS'];
  const cmd = js ? [process.execPath, js, ...args] : [CLI, ...args];
  // /usr/bin/time adds the CPU seconds of the process and its threads (user + system) on stderr.
  const r = spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', ...cmd], { encoding: 'utf8' });
  const wall = (performance.now() - t0) / 1000;
  rmSync(out, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(r.stderr);
  const m = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  const s = (JSON.parse(r.stdout) as { seconds: { evaluate: number } }).seconds;
  return { wall, evaluate: s.evaluate, cpu: m ? Number(m[1]) + Number(m[2]) : Number.NaN };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const sc of scenarios) {
  const load0 = loadavg()[0]!;
  once(sc.args, 1, sc.combos); // warm the file cache
  const runs: Record<number, Sample[]> = { 1: [], 2: [] };
  for (let i = 0; i < reps; i++) for (const w of [1, 2]) runs[w]!.push(once(sc.args, w, sc.combos));
  const load1 = loadavg()[0]!;
  console.log(`== ${sc.name} (${reps} runs per worker count, alternating; load average ${load0.toFixed(2)} before, ${load1.toFixed(2)} after)`);
  for (const w of [1, 2]) {
    const r = runs[w]!;
    console.log(`workers ${w}: wall median ${median(r.map((x) => x.wall)).toFixed(3)} s (best ${Math.min(...r.map((x) => x.wall)).toFixed(3)}), evaluation phase median ${median(r.map((x) => x.evaluate)).toFixed(3)} s (best ${Math.min(...r.map((x) => x.evaluate)).toFixed(3)}), CPU median ${median(r.map((x) => x.cpu)).toFixed(2)} s`);
  }
  const sp = (f: (x: Sample) => number, pick: (xs: number[]) => number): string => (pick(runs[1]!.map(f)) / pick(runs[2]!.map(f))).toFixed(2);
  const best = (xs: number[]): number => Math.min(...xs);
  console.log(`speed-up 1 → 2 workers: end to end ${sp((x) => x.wall, median)}x median, ${sp((x) => x.wall, best)}x best; evaluation phase ${sp((x) => x.evaluate, median)}x median, ${sp((x) => x.evaluate, best)}x best`);
}
rmSync(root, { recursive: true, force: true });
console.log(`machine: ${availableParallelism()} cores, node ${process.version}`);
