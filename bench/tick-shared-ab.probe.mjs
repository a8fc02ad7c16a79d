// Two builds of the tick shared pass against each other in one process (A B B A rounds, so load drifts
// cancel): CPU time (process.cpuUsage) of `runTickJobsShared` over the shared capture for the grid of
// tick-shared-pass.bench.ts (K combinations, decisions every DECISION_MS). Usage: K=16 DECISION_MS=100
// node bench/tick-shared-ab.probe.mjs CAPTURE.arrow DIR_A DIR_B (each a checkout with dist/ built; the
// capture as tick-shared-pass.bench.ts converts it, test/fixtures/capture.ts). SEPARATE=1: the K replays
// one by one (`runTickJob`) instead of the shared pass; K=1 SEPARATE=1 is a single tick replay (AS every
// DECISION_MS, power:2, 5 ms latencies). Prints figures only.
import { abRounds, distModule, med, sorted } from './ab-rounds.mjs';

const [path, a, b] = process.argv.slice(2);
if (path === undefined || a === undefined || b === undefined) {
  console.error('usage: node bench/tick-shared-ab.probe.mjs CAPTURE.arrow DIR_A DIR_B');
  process.exit(2);
}
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const K = Number(process.env.K ?? 16);
const decisionMs = Number(process.env.DECISION_MS ?? 100);
const separate = process.env.SEPARATE === '1';

async function load(dir) {
  const url = (m) => distModule(dir, m);
  const eng = await import(url('engine'));
  const events = (await import(url('data'))).readEvents(path);
  const cfgs = [];
  for (let i = 0; i < K; i++) {
    cfgs.push(eng.parseTradingConfig({
      data: { events: path },
      quoting: { model: i % 2 ? 'glft' : 'as', gamma: [0.0001, 0.001, 0.01, 0.1][(i >> 1) % 4], horizon_seconds: 60, order_qty: [0.001, 0.01][(i >> 3) % 2] },
      sim: { queue: ['power:2', 'risk-averse'][(i >> 4) % 2], feed_latency_ms: 5, entry_latency_ms: [5, 50][(i >> 5) % 2], response_latency_ms: 5, maker_fee_bps: 0, taker_fee_bps: 0 },
      loop: { decision_interval_ms: decisionMs },
    }));
  }
  let out = '';
  const run = () => {
    const c0 = process.cpuUsage();
    const r = separate ? cfgs.map((c) => eng.runTickJob(c, [events])) : eng.runTickJobsShared(cfgs, [events]);
    const c = process.cpuUsage(c0);
    out = JSON.stringify(r.map((x) => x.metrics));
    return (c.user + c.system) / 1000;
  };
  return { run, out: () => out };
}

const A = await load(a);
const B = await load(b);
const { ta, tb, ratios } = abRounds(A, B, ROUNDS);
console.log(
  `K ${K}${separate ? ' separate replays' : ' shared pass'}, decisions every ${decisionMs} ms: A ${a} min ${sorted(ta)[0].toFixed(0)} median ${med(ta).toFixed(0)} ms CPU | B ${b} min ${sorted(tb)[0].toFixed(0)} median ${med(tb).toFixed(0)} ms CPU | ` +
    `B/A per round: median ${med(ratios).toFixed(2)}, range ${sorted(ratios)[0].toFixed(2)}–${sorted(ratios)[ratios.length - 1].toFixed(2)}; min/min ${(sorted(tb)[0] / sorted(ta)[0]).toFixed(2)}; metrics identical: ${A.out() === B.out()}`,
);
