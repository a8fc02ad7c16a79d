// Tick shared pass vs separate replays: K sweep combinations over the shared capture, side by side in one run.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { ensureSharedCaptureArrow } from '../test/fixtures/capture.js';

// The capture is converted here (test fixture, cached); the measurement runs the built code (`make build`
// first) in a plain `node` child. CPU time (user + system of the process) is the figure: it is what a
// sweep costs, and it moves less than wall time on a shared machine.
const path = ensureSharedCaptureArrow();
const ks = (process.env['K'] ?? '16,64').split(',').map(Number);
const decisionMs = Number(process.env['DECISION_MS'] ?? 100);
// Rounds per K, separate and shared alternating; the medians are the figures (a shared machine moves single runs by ±30 %).
const rounds = Number(process.env['ROUNDS'] ?? 3);

const child = `
const dist = (m) => new URL('./dist/' + m + '/index.js', 'file://' + process.cwd() + '/').href;
const { readEvents } = await import(dist('data'));
const { parseTradingConfig, runTickJob, runTickJobsShared } = await import(dist('engine'));
const [path, decisionText, roundsText, ...kText] = process.argv.slice(1);
const rounds = Number(roundsText);
const decisionMs = Number(decisionText);
const events = readEvents(path);
// A sweep grid as analyze builds one: model × γ × queue × order latency × order size.
function grid(k) {
  const out = [];
  for (let i = 0; i < k; i++) {
    out.push(parseTradingConfig({
      data: { events: path },
      quoting: { model: i % 2 ? 'glft' : 'as', gamma: [0.0001, 0.001, 0.01, 0.1][(i >> 1) % 4], horizon_seconds: 60, order_qty: [0.001, 0.01][(i >> 3) % 2] },
      sim: { queue: ['power:2', 'risk-averse'][(i >> 4) % 2], feed_latency_ms: 5, entry_latency_ms: [5, 50][(i >> 5) % 2], response_latency_ms: 5, maker_fee_bps: 0, taker_fee_bps: 0 },
      loop: { decision_interval_ms: decisionMs },
    }));
  }
  return out;
}
const cpu = (f) => { const c0 = process.cpuUsage(); const t0 = performance.now(); const r = f(); const c = process.cpuUsage(c0); return { r, cpu: (c.user + c.system) / 1e6, wall: (performance.now() - t0) / 1000 }; };
// Warm-up of both paths alike (the separate replay and the shared pass), so neither round 1 measures V8
// compiling it: a sweep runs the pass block after block, warm after the first.
// Two passes of each: after one, the shared pass's first measured round still ran about a quarter slower
// than the rest (V8 was still optimizing it).
for (let w = 0; w < 2; w++) {
  runTickJob(grid(1)[0], [events]);
  runTickJobsShared(grid(64), [events]); // every model, queue and latency of the grid
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const k of kText.map(Number)) {
  const cfgs = grid(k);
  const sepCpu = [], shCpu = [], sepWall = [], shWall = [];
  let same = true;
  let fills = 0;
  for (let round = 0; round < rounds; round++) {
    const sep = cpu(() => cfgs.map((c) => runTickJob(c, [events])));
    const sh = cpu(() => runTickJobsShared(cfgs, [events]));
    same &&= sep.r.every((r, i) => JSON.stringify(r.metrics) === JSON.stringify(sh.r[i].metrics));
    fills = sh.r.reduce((s, r) => s + r.metrics.fills, 0);
    sepCpu.push(sep.cpu), shCpu.push(sh.cpu), sepWall.push(sep.wall), shWall.push(sh.wall);
  }
  const ce = k * events.length;
  const m = (x) => (x / 1e6).toFixed(1) + ' M';
  const f = (xs) => xs.map((x) => x.toFixed(2)).join(' / ');
  const ratios = sepCpu.map((x, i) => x / shCpu[i]);
  console.log('K = ' + k + ', decisions every ' + decisionMs + ' ms, ' + rounds + ' rounds: ' + events.length + ' events; ' + k + ' separate replays ' + f(sepCpu) + ' CPU-s (median ' + m(ce / median(sepCpu)) + ' combination-events per CPU-s), shared pass ' +
    f(shCpu) + ' CPU-s (median ' + m(ce / median(shCpu)) + '); speed-up ' + ratios.map((x) => x.toFixed(2)).join(' / ') + '× CPU (median ' + median(ratios).toFixed(2) + '×), wall median ' + (median(sepWall) / median(shWall)).toFixed(2) + '×; fills ' +
    fills + '; metrics identical: ' + same);
}
`;
const r = spawnSync(process.execPath, ['--input-type=module', '-e', child, path, String(decisionMs), String(rounds), ...ks.map(String)], { stdio: 'inherit' });
console.log(`machine: ${cpus()[0]?.model ?? '?'} × ${cpus().length}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
process.exit(r.status ?? 1);
