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
const reps = Number(process.env['REPS'] ?? 15);
const cfg = parseTickConfig({ events: path, model: 'as', gamma: 0.0001, horizon_seconds: 60, queue: 'power:2', feed_latency_ms: 5, order_latency_ms: 5, decision_interval_ms: 100 });

function once(stream: boolean): { rate: number; seconds: number; decisions: number; fills: number } {
  const r = runTickJob(cfg, stream ? iterateEventBatches(path) : [events]);
  return { rate: r.events / r.engineSeconds, seconds: r.engineSeconds, decisions: r.core.counters.placed, fills: r.metrics.fills };
}

for (const stream of [false, true]) {
  const rates: number[] = [];
  let last = once(stream);
  for (let i = 0; i < reps; i++) {
    last = once(stream);
    rates.push(last.rate);
  }
  rates.sort((a, b) => a - b);
  const med = rates[Math.floor(rates.length / 2)]!;
  console.log(
    `${stream ? 'streamed from file (batches of 64k rows)' : 'in memory'}: ${events.length} events, median ${(med / 1e6).toFixed(1)} M events/s, best ${(rates[rates.length - 1]! / 1e6).toFixed(1)} M events/s (${reps} runs; ${last.fills} fills, ${last.decisions} orders)`,
  );
}
console.log(`heap used ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB, rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB; ${cpus()[0]?.model ?? '?'}; node ${process.version}`);
