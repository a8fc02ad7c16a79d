// Tick replay speed: book + queue + latency models + an AS strategy deciding every 100 ms, on the shared capture converted.
import { cpus } from 'node:os';
import { ensureSharedCaptureArrow } from '../test/fixtures/capture.js';
import type * as DataModule from '../src/data/index.js';
import type * as EngineModule from '../src/engine/index.js';

// The engine runs from the built code (`make build` first): tsx would add getter overhead to re-exports.
const dist = (m: string): string => new URL(`../dist/${m}/index.js`, import.meta.url).href;
const { iterateEventBatches, readEvents } = (await import(dist('data'))) as typeof DataModule;
const { parseTickConfig, runTickJob } = (await import(dist('engine'))) as typeof EngineModule;

const path = ensureSharedCaptureArrow();
const events = readEvents(path);
const reps = Number(process.env['REPS'] ?? 21);
const cfg = parseTickConfig({ events: path, model: 'as', gamma: 0.0001, horizon_seconds: 60, queue: 'power:2', feed_latency_ms: 5, order_latency_ms: 5, decision_interval_ms: 100 });
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const best = (xs: number[]): number => Math.max(...xs);
const m = (x: number): string => `${(x / 1e6).toFixed(1)} M`;

for (const stream of [false, true]) {
  const wall: number[] = [];
  const cpu: number[] = [];
  const job: number[] = [];
  let fills = 0;
  let orders = 0;
  for (let i = 0; i <= reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = runTickJob(cfg, stream ? iterateEventBatches(path) : [events]);
    const jobSeconds = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    if (i === 0) continue; // warm-up
    wall.push(r.events / r.engineSeconds);
    cpu.push(r.events / ((c.user + c.system) / 1e6));
    job.push(r.events / jobSeconds);
    fills = r.metrics.fills;
    orders = r.core.counters.placed;
  }
  console.log(
    `${stream ? 'streamed from the Arrow file (64k-row batches)' : 'in memory (one batch)'}: ${events.length} events, ${reps} runs; ` +
      `replay loop ${m(median(wall))} events/s median (best ${m(best(wall))}); whole job incl. ${stream ? 'reading, ' : ''}setup and metrics ` +
      `${m(median(job))} wall, ${m(median(cpu))} per CPU-second (best ${m(best(cpu))}); ${fills} fills, ${orders} orders`,
  );
}
const mem = process.memoryUsage();
console.log(`heap ${(mem.heapUsed / 1e6).toFixed(0)} MB, rss ${(mem.rss / 1e6).toFixed(0)} MB; ${cpus().length} cores ${cpus()[0]?.model ?? '?'}; node ${process.version}`);
