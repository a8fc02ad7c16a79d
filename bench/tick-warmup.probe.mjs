// Where a tick replay's warm-up CPU goes, run by run: the bench job of tick-replay.bench.ts (AS every 100 ms,
// power:2, 5 ms latencies) replayed N times in one fresh `node`, each run's events per CPU-second next to the
// optimizing compiler's time spent during it (V8's --trace-opt, which runs on a background thread and counts in
// the process's CPU) and the functions that took more than 3 ms of it. Usage: node bench/tick-warmup.probe.mjs
// CAPTURE.arrow [DIR] (DIR: a checkout with dist/ built, default this one; the capture as tick-replay.bench.ts
// converts it, test/fixtures/capture.ts). N=25 by default. Prints figures only.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { distModule } from './ab-rounds.mjs';

const [path, dirArg] = process.argv.slice(2);
if (path === undefined) {
  console.error('usage: node bench/tick-warmup.probe.mjs CAPTURE.arrow [DIR]');
  process.exit(2);
}
const dir = resolve(dirArg ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
const n = Number(process.env.N ?? 25);

const child = `
const { readEvents } = await import(${JSON.stringify(distModule(dir, 'data'))});
const eng = await import(${JSON.stringify(distModule(dir, 'engine'))});
const [path, n] = process.argv.slice(1);
const events = readEvents(path);
if (eng.parseTradingConfig === undefined) {
  console.error('this build has no parseTradingConfig (the one config came with b84bcc7): nothing to measure');
  process.exit(2);
}
const cfg = eng.parseTradingConfig({
  data: { events: path },
  quoting: { model: 'as', gamma: 0.0001, horizon_seconds: 60 },
  sim: { queue: 'power:2', feed_latency_ms: 5, entry_latency_ms: 5, response_latency_ms: 5, maker_fee_bps: 0, taker_fee_bps: 0 },
  loop: { decision_interval_ms: 100 },
});
for (let i = 0; i < Number(n); i++) {
  const c0 = process.cpuUsage();
  const r = eng.runTickJob(cfg, [events]);
  const c = process.cpuUsage(c0);
  console.log('@run ' + i + ' ' + (r.events / ((c.user + c.system) / 1e6) / 1e6).toFixed(1));
}
`;

const r = spawnSync(process.execPath, ['--trace-opt', '--input-type=module', '-e', child, path, String(n)], { encoding: 'utf8', maxBuffer: 1 << 28 });
if (r.status !== 0) {
  process.stderr.write(r.stderr);
  process.exit(r.status === 2 ? 2 : 1);
}
// A compile finishing during run i is logged before that run's line.
let ms = 0;
let big = [];
const speeds = [];
for (const line of r.stdout.split('\n')) {
  const run = /^@run (\d+) ([\d.]+)/.exec(line);
  if (run !== null) {
    speeds.push(Number(run[2]));
    console.log(`run ${run[1].padStart(2)}: ${run[2].padStart(5)} M events per CPU-s; optimizing compiler ${ms.toFixed(0).padStart(3)} ms${big.length > 0 ? ' (' + big.join(', ') + ')' : ''}`);
    ms = 0;
    big = [];
    continue;
  }
  const done = /completed compiling.*<JSFunction (\S+).*took [\d.]+, ([\d.]+)/.exec(line);
  if (done !== null) {
    const t = Number(done[2]);
    ms += t;
    if (t > 3) big.push(`${done[1]} ${t.toFixed(0)}`);
  }
}
const s = speeds.slice(1, 22).sort((a, b) => a - b);
console.log(`median of runs 1–${s.length} (the bench's in-memory figure): ${s[s.length >> 1]} M events per CPU-s`);
