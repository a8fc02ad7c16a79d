// Two builds of the bar engine against each other in one process (A B B A rounds, so load drifts cancel):
// CPU time (process.cpuUsage) of `new BarSession` + `runUntil` on the 1m klines, the bench job of
// bar-engine.bench.mjs. Usage: node bench/bar-ab.probe.mjs DIR_A DIR_B (each a checkout with dist/ built;
// an older checkout's bar config, without parseTradingConfig, is read as it was then). Prints figures only.
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { abRounds, barBenchConfig, distModule, med, quantile as q, sorted } from './ab-rounds.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = join(root, '..', 'shared', 'data', 'binance-spot-btcusdt-1m-klines-2024-12', 'BTCUSDT_1m.csv');
const [a, b] = process.argv.slice(2);
if (a === undefined || b === undefined) {
  console.error('usage: node bench/bar-ab.probe.mjs DIR_A DIR_B');
  process.exit(2);
}
const ROUNDS = Number(process.env.ROUNDS ?? 40);
const model = process.env.MODEL ?? 'as';

async function load(dir) {
  const url = (m) => distModule(dir, m);
  const eng = await import(url('engine'));
  const { bars } = (await import(url('data'))).loadKlines(file);
  const cfg = barBenchConfig(eng, file, model);
  let fills = 0;
  const run = () => {
    const job = eng.prepareBarJob(cfg, { bars, source: {} });
    const c0 = process.cpuUsage();
    const s = new eng.BarSession(bars, job.strategy, job.options);
    s.runUntil(bars.length);
    const c = process.cpuUsage(c0);
    fills = s.core.fills.length;
    return (c.user + c.system) / 1000;
  };
  return { run, fills: () => fills };
}

const A = await load(a);
const B = await load(b);
const { ta, tb, ratios } = abRounds(A, B, ROUNDS, 5);
console.log(
  `${model}: A ${a} min ${sorted(ta)[0].toFixed(1)} median ${med(ta).toFixed(1)} ms CPU (${A.fills()} fills) | ` +
    `B ${b} min ${sorted(tb)[0].toFixed(1)} median ${med(tb).toFixed(1)} ms CPU (${B.fills()} fills) | ` +
    `B/A per round: median ${med(ratios).toFixed(2)}, quartiles ${q(ratios, 0.25).toFixed(2)}–${q(ratios, 0.75).toFixed(2)}; min/min ${(sorted(tb)[0] / sorted(ta)[0]).toFixed(2)}`,
);
