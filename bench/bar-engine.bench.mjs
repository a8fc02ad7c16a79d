// Bar engine speed: loading the 41,761-row 1m klines file, and the AS / GLFT bar backtest loop over it.
// Runs the built code (dist/): `make bench` builds first. Prints figures; it asserts nothing.
import { loadKlines } from '../dist/data/index.js';
import { parseTradingConfig, runBarJob } from '../dist/engine/index.js';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = join(root, '..', 'shared', 'data', 'binance-spot-btcusdt-1m-klines-2024-12', 'BTCUSDT_1m.csv');
const REPS = 30;

let bestLoad = Infinity;
let bars;
for (let i = 0; i < 10; i++) {
  const t0 = performance.now();
  bars = loadKlines(file).bars;
  bestLoad = Math.min(bestLoad, performance.now() - t0);
}
console.log(`load ${bars.length} rows: best ${bestLoad.toFixed(1)} ms = ${((bars.length / bestLoad) * 1000 / 1e6).toFixed(2)} M rows/s`);

for (const model of ['as', 'glft']) {
  const cfg = parseTradingConfig({ data: { path: file }, quoting: { model, gamma: 0.0005, A: 1 / 60 }, sim: { maker_fee_bps: 0 } });
  const times = [];
  let fills = 0;
  for (let i = 0; i < REPS; i++) {
    const r = runBarJob(cfg, { bars, source: {} });
    times.push(r.engineSeconds);
    fills = r.metrics.fills;
  }
  times.sort((a, b) => a - b);
  const best = times[0];
  const median = times[Math.floor(times.length / 2)];
  console.log(`${model} engine: best ${(bars.length / best / 1e6).toFixed(2)} M bars/s, median ${(bars.length / median / 1e6).toFixed(2)} M bars/s (${fills} fills)`);
}

const helpTimes = [];
for (let i = 0; i < 10; i++) {
  const t0 = performance.now();
  execFileSync(join(root, 'bin', 'marketmakerl'), ['--help'], { stdio: 'ignore' });
  helpTimes.push(performance.now() - t0);
}
helpTimes.sort((a, b) => a - b);
console.log(`--help: median ${helpTimes[5].toFixed(0)} ms, best ${helpTimes[0].toFixed(0)} ms`);
