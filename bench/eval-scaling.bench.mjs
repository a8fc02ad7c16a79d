// How the analysis' bar evaluation scales on this machine: one worker thread, two worker threads in one
// process, and two separate processes, each evaluating its share of the 5m case with 1,024 combinations.
// Runs the built code (dist/). Prints figures; asserts nothing.
import { Worker, isMainThread, workerData, parentPort } from 'node:worker_threads';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => join(root, 'dist', p);
const KLINES_5M = join(root, '..', 'shared', 'data', 'binance-spot-btcusdt-5m-klines', 'BTCUSDT-5m-2024-08.csv');
const COMBOS = 1024;

async function evaluateShare(part, parts) {
  const { loadKlines } = await import(dist('data/index.js'));
  const { sliceBars } = await import(dist('market/index.js'));
  const { evaluateTask } = await import(dist('research/cases.js'));
  const { planWalkForward } = await import(dist('research/walk-forward.js'));
  const { parseTradingConfig } = await import(dist('engine/index.js'));
  const { defaultParamSpace } = await import(dist('research/param-space.js'));
  const { sampleSpace } = await import(dist('research/sampling.js'));
  const all = loadKlines(KLINES_5M).bars;
  const bars = sliceBars(all, all.length - 8640, all.length);
  const plan = planWalkForward(bars.length, 288, 5);
  const base = parseTradingConfig({ seed: 7 });
  const combos = sampleSpace(defaultParamSpace, COMBOS, 'auto', 7).combos;
  const from = Math.floor((part * combos.length) / parts);
  const to = Math.floor(((part + 1) * combos.length) / parts);
  const t0 = performance.now();
  const cases = (i) => plan.blocks.map(([f, t]) => ({ combo: combos[i], budget: 10_000, from: f, to: t }));
  for (let i = from; i < to; i++) evaluateTask({ index: i, base, refPrice: bars.open[0], sharedPass: false, cases: cases(i) }, bars);
  return { cases: (to - from) * plan.blocks.length, ms: performance.now() - t0 };
}

const self = fileURLToPath(import.meta.url);
if (!isMainThread) {
  parentPort.postMessage(await evaluateShare(workerData.part, workerData.parts));
} else if (process.argv[2] === '--share') {
  process.stdout.write(JSON.stringify(await evaluateShare(Number(process.argv[3]), Number(process.argv[4]))));
} else {
  const threads = (n) =>
    Promise.all(Array.from({ length: n }, (_, part) => new Promise((res, rej) => {
      const w = new Worker(self, { workerData: { part, parts: n } });
      w.once('message', res);
      w.once('error', rej);
    })));
  const processes = (n) =>
    Promise.all(Array.from({ length: n }, (_, part) => new Promise((res, rej) => {
      const c = spawn(process.execPath, [self, '--share', String(part), String(n)]);
      let out = '';
      c.stdout.on('data', (d) => (out += d));
      c.on('exit', (code) => (code === 0 ? res(JSON.parse(out)) : rej(new Error(`exit ${code}`))));
    })));
  const show = (name, t0, rs) => {
    const wall = performance.now() - t0;
    console.log(`${name.padEnd(22)} wall ${(wall / 1000).toFixed(2)} s; per share: ${rs.map((r) => `${r.cases} cases in ${(r.ms / 1000).toFixed(2)} s`).join(', ')}`);
    return wall;
  };
  for (let rep = 0; rep < 2; rep++) {
    let t0 = performance.now();
    const one = show('1 worker thread', t0, await threads(1));
    t0 = performance.now();
    const two = show('2 worker threads', t0, await threads(2));
    t0 = performance.now();
    const twoP = show('2 processes', t0, await processes(2));
    console.log(`speed-up: 2 threads ${(one / two).toFixed(2)}x, 2 processes ${(one / twoP).toFixed(2)}x (wall, start-up included)`);
  }
}
