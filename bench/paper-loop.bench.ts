// Paper-loop benchmark: book updates per second without backlog growth, and decision latency (rows in → commands out).
import { join } from 'node:path';
import { loadCaptureSync } from '../src/data/index.js';
import { PaperSession, ReplayFeed, acceleratedClock, paperSetup, runPaperLoop, type IterationRow } from '../src/engine/index.js';
import { EventFlag, EventType } from '../src/market/index.js';
import { CAPTURE_DIR } from '../test/fixtures/shared-data.js';

const { events } = loadCaptureSync([join(CAPTURE_DIR, 'btcusdt_20240808.gz'), join(CAPTURE_DIR, 'btcusdt_20240809.gz')]);
// decision_interval_ms 0: a decision after every step (the worst case; paper runs decide every 100 ms by default).
// The paper sizes of config/examples (0.001 BTC quotes, 0.01 BTC inventory, requote at 50 ticks).
const cfg = {
  capital: 10_000,
  quoting: { gamma: 0.01, order_qty: 0.001, max_inventory_qty: 0.01, requote_ticks: 50, calibrate: false, horizon_seconds: 10 },
  risk: { max_orders_per_window: 100_000, stale_after_ms: 60_000 },
  features: { sigma_sample_ms: 1_000, sigma_window: 60, intensity_window_s: 60 },
  loop: { decision_interval_ms: 0 },
};
let bookRows = 0;
for (let i = 0; i < events.length; i++) if (events.type[i] !== EventType.Trade) bookRows++;
const spanSeconds = (events.tsLocal[events.length - 1]! - events.tsLocal[0]!) / 1e6;
console.log(`capture: ${events.length} rows (${bookRows} book rows, ${events.length - bookRows} trades) over ${spanSeconds.toFixed(0)} s`);

// 1. Capacity: every message straight into the session, a decision after each, on a clock that follows the data.
{
  const { strategy, options } = paperSetup(cfg, events.price[0]!);
  const s = new PaperSession(strategy, options);
  const lat = new Float64Array(events.length);
  let nLat = 0;
  const t0 = performance.now();
  let from = 0;
  for (let i = 0; i < events.length; i++) {
    if ((events.flags[i]! & EventFlag.EndOfMessage) === 0 && i !== events.length - 1) continue;
    const a = performance.now();
    s.onRows(events, from, i + 1);
    s.decide(events.tsLocal[i]!, { lastDataLocal: events.tsLocal[i]!, connected: true });
    lat[nLat++] = (performance.now() - a) * 1000;
    from = i + 1;
  }
  const sec = (performance.now() - t0) / 1000;
  const l = lat.subarray(0, nLat).sort();
  const q = (x: number): string => l[Math.min(nLat - 1, Math.floor(x * nLat))]!.toFixed(1);
  console.log(
    `capacity: ${(bookRows / sec / 1e3).toFixed(0)} k book updates/s (${(events.length / sec / 1e3).toFixed(0)} k rows/s), ${nLat} messages, ` +
      `decision latency per message p50 ${q(0.5)} µs, p99 ${q(0.99)} µs, max ${l[nLat - 1]!.toFixed(0)} µs; fills ${s.counters.fills}, commands ${s.counters.commands}`,
  );
}

// 2. Paced: the real loop (feed → session → decision → journal-free) on a wall clock running `speed` times faster than the
//    capture, so that book updates arrive at a chosen rate; the backlog (rows due but not yet taken) must not grow.
for (const target of [10_000, 20_000, 40_000]) {
  const speed = target / (bookRows / spanSeconds);
  const { strategy, options } = paperSetup(cfg, events.price[0]!);
  const s = new PaperSession(strategy, options);
  const clock = acceleratedClock(speed, Date.now() * 1000);
  const feed = new ReplayFeed(events, { clock, speed: 1, pollMs: 1 });
  const rows: IterationRow[] = [];
  const wall = performance.now();
  const sum = await runPaperLoop(feed, s, {
    exchange: 'binance',
    symbol: 'BTC/USDT',
    iterations: undefined,
    durationMicros: 8 * speed * 1e6, // 8 s of real time
    iterationMicros: speed * 1e6, // one line per real second
    idleDecisionMicros: 100_000 * speed,
    quoteSampleMicros: 1e9,
    clock,
    emit: (r) => void rows.push(r),
    stop: { requested: false },
  });
  const realSec = (performance.now() - wall) / 1000;
  const p99s = rows.map((r) => r.decision_latency_p99_us ?? 0);
  console.log(
    `paced ${(target / 1e3).toFixed(0)} k book updates/s (speed ${speed.toFixed(1)}x): ${(sum.book_updates / realSec / 1e3).toFixed(1)} k/s taken over ${realSec.toFixed(1)} s, ` +
      `max backlog ${sum.max_backlog_rows} rows, decision latency p99 ${sum.decision_latency_p99_us} µs (per-second p99 median ${median(p99s).toFixed(0)} µs), fills ${sum.fills}`,
  );
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.floor(s.length / 2)]!;
}
