// Tick replay speed: book + queue + latency models + an AS strategy deciding every 100 ms, on the shared capture converted.
// PROCS (default 3): fresh processes the job runs in; the last line gives the medians across them.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { ensureSharedCaptureArrow } from '../test/fixtures/capture.js';
import { cliNodeFlags } from './cli-node-flags.mjs';

// The capture is converted here (test fixture, cached); the measurement runs the built code (`make build`
// first) in a plain `node` child, so neither tsx's loader nor its getters on re-exports are measured.
// PARTIAL=0: whole-order fills only (the job as measured before partial fills became the default: 406 fills
// instead of 2,201). BENCH_DIR: the checkout whose dist/ is measured (another build, same job).
const path = ensureSharedCaptureArrow();
const reps = Number(process.env['REPS'] ?? 21);

const child = `
const dist = (m) => new URL('./dist/' + m + '/index.js', 'file://' + process.cwd() + '/').href;
const { iterateEventBatches, readEvents } = await import(dist('data'));
const { parseTradingConfig, runTickJob } = await import(dist('engine'));
const [path, repsText] = process.argv.slice(1);
const reps = Number(repsText);
const events = readEvents(path);
const cfg = parseTradingConfig({
  data: { events: path },
  quoting: { model: 'as', gamma: 0.0001, horizon_seconds: 60 },
  sim: { queue: 'power:2', feed_latency_ms: 5, entry_latency_ms: 5, response_latency_ms: 5, maker_fee_bps: 0, taker_fee_bps: 0, partial_fills: process.env.PARTIAL !== '0' },
  loop: { decision_interval_ms: 100 },
});
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const best = (xs) => Math.max(...xs);
const m = (x) => (x / 1e6).toFixed(1) + ' M';
for (const stream of [false, true]) {
  const wall = [], cpu = [], job = [];
  let fills = 0, orders = 0, held = 0;
  for (let i = 0; i <= reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = runTickJob(cfg, stream ? iterateEventBatches(path) : [events]);
    const jobSeconds = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    // The first run of a fresh process is what a single CLI run pays: V8 compiles the replay while it runs.
    if (i === 0 && !stream) {
      console.log('@figure firstRun ' + r.events / ((c.user + c.system) / 1e6));
      console.log('@figure firstRunWall ' + r.events / jobSeconds);
    }
    if (i === 0) continue;
    wall.push(r.events / r.engineSeconds);
    cpu.push(r.events / ((c.user + c.system) / 1e6));
    job.push(r.events / jobSeconds);
    fills = r.metrics.fills;
    orders = r.core.counters.placed;
    held = r.maxBatchesHeld;
  }
  console.log((stream ? 'streamed from the Arrow file (64k-row batches, at most ' + held + ' held)' : 'in memory (one batch)') + ': ' + events.length + ' events, ' + reps + ' runs; ' +
    'replay loop ' + m(median(wall)) + ' events/s wall median (best ' + m(best(wall)) + '); whole job incl. ' + (stream ? 'reading, ' : '') + 'setup and metrics ' +
    m(median(job)) + ' wall, ' + m(median(cpu)) + ' per CPU-second (best ' + m(best(cpu)) + '); ' + fills + ' fills, ' + orders + ' orders');
  if (!stream) console.log('@figure inMemory ' + median(cpu));
}
// A longer replay, where per-run setup is amortised: the capture 10 times back to back (times shifted).
{
  const { allocEvents } = await import(dist('market'));
  const copies = 10;
  const span = events.tsExchange[events.length - 1] - events.tsExchange[0] + 1e6;
  const big = allocEvents(events.length * copies);
  for (let c = 0; c < copies; c++) {
    const at = c * events.length;
    for (const k of ['type', 'side', 'flags', 'price', 'size', 'id']) big[k].set(events[k].subarray(0, events.length), at);
    for (const k of ['tsExchange', 'tsLocal']) for (let i = 0; i < events.length; i++) big[k][at + i] = events[k][i] + c * span;
  }
  big.length = events.length * copies;
  const cpu = [], wall = [];
  for (let i = 0; i <= 5; i++) {
    const c0 = process.cpuUsage();
    const r = runTickJob(cfg, [big]);
    const c = process.cpuUsage(c0);
    if (i === 0) continue;
    cpu.push(r.events / ((c.user + c.system) / 1e6));
    wall.push(r.events / r.engineSeconds);
  }
  console.log('@figure tenTimes ' + median(cpu));
  console.log('the capture 10 times back to back (' + big.length + ' events), 5 runs: whole job ' + m(median(cpu)) + ' events per CPU-second (best ' + m(best(cpu)) + '), replay loop ' + m(median(wall)) + ' wall (best ' + m(best(wall)) + ')');
}
const mem = process.memoryUsage();
console.log('heap ' + (mem.heapUsed / 1e6).toFixed(0) + ' MB, rss ' + (mem.rss / 1e6).toFixed(0) + ' MB');
`;

// The child runs with V8's flags as bin/marketmakerl sets them (`cliNodeFlags`; NODE_FLAGS= measures plain node).
// The same build varies from one process to the next (which calls V8 inlines into the replay loop depends on the
// feedback it had when it compiled it: bench/RESULTS.md), so the job runs in PROCS fresh processes and the figures
// to read are the medians across them.
const procs = Number(process.env['PROCS'] ?? 3);
const flags = cliNodeFlags();
console.log(`node flags: ${flags.length > 0 ? flags.join(' ') : '(none)'}`);
const figures: Record<string, number[]> = { inMemory: [], tenTimes: [], firstRun: [], firstRunWall: [] };
for (let k = 0; k < procs; k++) {
  const r = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', child, path, String(reps)], { cwd: process.env['BENCH_DIR'] ?? new URL('..', import.meta.url).pathname, encoding: 'utf8' });
  if (r.status !== 0) {
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    process.exit(1);
  }
  console.log(`process ${k + 1} of ${procs}:`);
  for (const line of r.stdout.split('\n')) {
    const f = /^@figure (\w+) ([\d.]+)/.exec(line);
    if (f !== null) figures[f[1]!]!.push(Number(f[2]));
    else if (line !== '') console.log('  ' + line);
  }
}
const across = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  return `${(s[s.length >> 1]! / 1e6).toFixed(1)} M (processes: ${xs.map((x) => (x / 1e6).toFixed(1)).join(', ')})`;
};
console.log(`median across ${procs} processes, whole job per CPU-second: in memory ${across(figures['inMemory']!)}; the capture 10 times back to back ${across(figures['tenTimes']!)}`);
console.log(`the first run of each process (compiling as it goes, as a single CLI run does): per CPU-second ${across(figures['firstRun']!)}; wall ${across(figures['firstRunWall']!)}`);
console.log(`${cpus().length} cores ${cpus()[0]?.model ?? '?'}; node ${process.version}`);
