// Benchmark: normalized events per second read from an Arrow file into typed arrays (whole file and streamed by batch).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBuffer, EventFileReader, readEventFile, readEvents, writeEvents } from '../src/data/index.js';
import { ensureSharedCaptureArrow } from '../test/fixtures/capture.js';

const copies = Number(process.env['COPIES'] ?? 9);
const reps = Number(process.env['REPS'] ?? 7);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const m = (x: number): string => `${(x / 1e6).toFixed(0)}M`;

const capture = readEvents(ensureSharedCaptureArrow());
const big = new EventBuffer(capture.length * copies);
for (let c = 0; c < copies; c++) big.append(capture);
const rows = big.length;
const dir = mkdtempSync(join(tmpdir(), 'event-read-bench-'));
try {
  const single = join(dir, 'single.arrow');
  const multi = join(dir, 'multi.arrow');
  writeEvents(single, big.view(), { batchRows: rows });
  writeEvents(multi, big.view(), { batchRows: 1 << 18 });
  const reader = new EventFileReader();
  for (const [name, path, fresh] of [
    ['one batch, fresh memory', single, true],
    ['256k-row batches, fresh memory', multi, true],
    ['one batch, reused reader', single, false],
    ['256k-row batches, reused reader', multi, false],
  ] as const) {
    const rates: number[] = [];
    const cpuRates: number[] = [];
    let check = 0;
    for (let r = 0; r < reps; r++) {
      const t = performance.now();
      const c = process.cpuUsage();
      const f = fresh ? readEventFile(path) : reader.read(path);
      // Touch the columns so the figure includes getting at the data, not just mapping it.
      check += f.events.price[f.events.length - 1]! + f.events.length;
      const cpu = process.cpuUsage(c);
      rates.push(f.events.length / ((performance.now() - t) / 1000));
      cpuRates.push(f.events.length / Math.max(1e-6, (cpu.user + cpu.system) / 1e6));
    }
    console.log(`readEvents (${name}, ${rows} events): median ${m(median(rates))} events/s, best ${m(Math.max(...rates))}; per CPU-second median ${m(median(cpuRates))} (${check > 0 ? 'ok' : ''})`);
  }
  const rates: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    let n = 0;
    let sum = 0;
    for (const b of reader.batches(multi)) {
      n += b.length;
      const size = b.size;
      for (let i = 0; i < b.length; i++) sum += size[i]!;
    }
    rates.push(n / ((performance.now() - t) / 1000));
    if (!(sum > 0)) throw new Error('no data');
  }
  console.log(`iterateEventBatches (256k-row batches, summing size): median ${m(median(rates))} events/s, best ${m(Math.max(...rates))}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
