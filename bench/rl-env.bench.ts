// RL environment speed on the 1m klines (one core), and the wall time of default training on that file.
// `node --import tsx bench/rl-env.bench.ts [--no-train]`. Prints figures; asserts nothing.
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { Rng } from '../src/core/index.js';
import { loadKlines } from '../src/data/index.js';
import { PolicyNet, STATE_FEATURES, defaultActionDims, paramCount } from '../src/models/index.js';
import { parseTradingConfig } from '../src/engine/index.js';
import { RlEnv, parseRlTrainConfig, trainRl, relativeSigma, type EnvSpec } from '../src/research/rl/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = join(root, '..', 'shared', 'data', 'binance-spot-btcusdt-1m-klines-2024-12', 'BTCUSDT_1m.csv');
const bars = loadKlines(file).bars;
console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const F = STATE_FEATURES.length;
const spec: EnvSpec = {
  backtest: parseTradingConfig({ seed: 7 }),
  rl: { features: [...STATE_FEATURES], sigmaRef: relativeSigma(bars, 0, bars.length), dims: defaultActionDims, decisionSeconds: 60 },
  base: { model: 'as', gamma: 0.001, horizon: 'rolling', horizonSeconds: 600 },
  warmupBars: 300,
  episodeBars: 1440,
  inventoryPenalty: 0.05,
};
const rng = new Rng(1);
const net = new PolicyNet('linear', 0, F, 3, Float64Array.from({ length: paramCount('linear', 0, F, 3) }, () => rng.normal() * 0.5));
const env = new RlEnv(bars, spec);
const starts: number[] = [];
for (let s = 300; s + 1440 <= bars.length; s += 1440) starts.push(s);

// Wall-clock rates, and rates per second of this thread's CPU time (what one core delivers when the
// machine is shared: other jobs' time slices do not count against it).
function timed(label: string, body: () => number, reps: number): void {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const steps = body();
    wall.push(steps / ((performance.now() - t0) / 1000));
    const c = process.cpuUsage(c0);
    cpu.push(steps / ((c.user + c.system) / 1e6));
  }
  const m = (xs: number[], q: 'best' | 'median'): string => {
    const s = [...xs].sort((a, b) => b - a);
    return (s[q === 'best' ? 0 : Math.floor(s.length / 2)]! / 1e6).toFixed(2);
  };
  console.log(`${label}:\n  wall: best ${m(wall, 'best')} M steps/s, median ${m(wall, 'median')}; CPU time: best ${m(cpu, 'best')}, median ${m(cpu, 'median')} M steps/s`);
}

let fills = 0;
timed(`policy inside, ${starts.length} episodes × 1440 bars (+300 warm-up, counted in the time, not as steps)`, () => {
  let steps = 0;
  fills = 0;
  for (const s of starts) {
    env.reset(s, net);
    env.run();
    steps += 1440;
    fills += env.session.core.fills.length;
  }
  return steps;
}, 15);
console.log(`  (${fills} fills over ${starts.length * 1440} steps)`);
const u = new Float64Array(3);
timed('reset/observe/step(u) loop, action from the same policy', () => {
  let steps = 0;
  for (const s of starts) {
    let obs = env.reset(s, null);
    for (;;) {
      net.act(obs, u);
      steps++;
      if (env.step(u).done) break;
      obs = env.observe();
    }
  }
  return steps;
}, 15);

if (!process.argv.includes('--no-train')) {
  const c = parseRlTrainConfig({ data: { path: file }, workers: 2 });
  const r = await trainRl(c);
  console.log(
    `default train-rl on ${bars.length} bars, ${c.workers} workers (${cpus().length} cores): ${r.seconds.toFixed(1)} s, ${r.rows.length - 1} generations, ${r.rows[r.rows.length - 1]!.episode} episodes`,
  );
}
