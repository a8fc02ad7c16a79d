// Two or more builds of the bar engine, each in processes of its own, alternating (A B A B ...): the bar-engine
// bench's job (`new BarSession` + `runUntil` on the 1m klines, AS or GLFT) run RUNS times per process, the first
// WARM dropped. One process per build and round keeps a build's collector state (how full the young
// generation is, when a mark-compact comes) out of the other's figures, which a single process shared by two
// builds (bar-ab.probe.mjs) cannot. Wall time of each run; per process its min and first quartile; per build the
// median of those over ROUNDS processes, and the ratio of each build's to the first's.
// Usage: [ROUNDS=5] [RUNS=80] [MODEL=as|glft] [NODE_FLAGS=...] node bench/bar-procs.probe.mjs DIR_A DIR_B [DIR_C ...]
// (each a checkout with dist/ built; an older checkout's bar config, without parseTradingConfig, is read as it
// was then). Prints figures only.
import { execFileSync } from 'node:child_process';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { barBenchConfig, distModule, med } from './ab-rounds.mjs';

const here = fileURLToPath(import.meta.url);
const file = join(dirname(here), '..', '..', 'shared', 'data', 'binance-spot-btcusdt-1m-klines-2024-12', 'BTCUSDT_1m.csv');
const RUNS = Number(process.env.RUNS ?? 80);
const WARM = 20;
const model = process.env.MODEL ?? 'as';

if (process.env.BAR_PROCS_CHILD !== undefined) {
  const dir = process.env.BAR_PROCS_CHILD;
  const eng = await import(distModule(dir, 'engine'));
  const { bars } = (await import(distModule(dir, 'data'))).loadKlines(file);
  const cfg = barBenchConfig(eng, file, model);
  const t = [];
  let fills = 0;
  for (let i = 0; i < RUNS; i++) {
    const job = eng.prepareBarJob(cfg, { bars, source: {} });
    const w0 = performance.now();
    const s = new eng.BarSession(bars, job.strategy, job.options);
    s.runUntil(bars.length);
    const w = performance.now() - w0;
    fills = s.core.fills.length;
    if (i >= WARM) t.push(w);
  }
  t.sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({ min: t[0], p25: t[t.length >> 2], fills }));
  process.exit(0);
}

const dirs = process.argv.slice(2).map((d) => resolve(d));
if (dirs.length < 2) {
  console.error('usage: node bench/bar-procs.probe.mjs DIR_A DIR_B [DIR_C ...]');
  process.exit(2);
}
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const flags = (process.env.NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
const res = dirs.map(() => ({ min: [], p25: [], fills: 0 }));
for (let r = 0; r < ROUNDS; r++) {
  for (let k = 0; k < dirs.length; k++) {
    const out = execFileSync(process.execPath, [...flags, here], { env: { ...process.env, BAR_PROCS_CHILD: dirs[k] }, encoding: 'utf8' });
    const o = JSON.parse(out);
    res[k].min.push(o.min);
    res[k].p25.push(o.p25);
    res[k].fills = o.fills;
  }
}
const base = res[0];
for (let k = 0; k < dirs.length; k++) {
  const x = res[k];
  const ratio = k === 0 ? '' : ` | ×${(med(x.min) / med(base.min)).toFixed(3)} (min), ×${(med(x.p25) / med(base.p25)).toFixed(3)} (p25)`;
  console.log(`${model} ${dirs[k]}: median over ${ROUNDS} processes of min ${med(x.min).toFixed(2)} ms, of p25 ${med(x.p25).toFixed(2)} ms (${x.fills} fills)${ratio}`);
}
