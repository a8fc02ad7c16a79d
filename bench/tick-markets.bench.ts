// Two markets in one tick replay (one clock) against the two replayed separately: the shared spot and USD-M captures.
import { cpus, loadavg } from 'node:os';
import { readEvents } from '../src/data/index.js';
import { TradingConfigSchema, marketConfigs, runTickJob, runTickMarketsJob } from '../src/engine/index.js';
import { ensureSharedCaptureArrow } from '../test/fixtures/capture.js';
import { ensureSharedUsdmArrow } from '../test/fixtures/usdm-capture.js';

// CPU time of this process (user + system) per run; runs alternate (separate, together) so load drifts
// hit both alike; the figure is the median of ROUNDS rounds. Events are in memory: the comparison is
// the engine's, not the disk's.
const rounds = Number(process.env['ROUNDS'] ?? 9);
const decisionMs = Number(process.env['DECISION_MS'] ?? 100);
const spot = ensureSharedCaptureArrow();
const usdm = ensureSharedUsdmArrow();
const ev = [readEvents(spot), readEvents(usdm)];
const cfg = TradingConfigSchema.parse({
  capital: 20_000,
  quoting: { gamma: 0.0001, horizon_seconds: 60, order_qty: 0.001, max_inventory_qty: 0.01 },
  sim: { queue: 'power:2', maker_fee_bps: 0, feed_latency_ms: 5, entry_latency_ms: 5, response_latency_ms: 5 },
  loop: { decision_interval_ms: decisionMs },
  markets: [
    { name: 'spot', symbol: 'BTC/USDT', events: spot },
    { name: 'usdm', symbol: 'BTC/USDT:USDT', tick_size: 0.1, lot_size: 0.001, events: usdm },
  ],
});
const ms = marketConfigs(cfg);
const cpu = <T>(f: () => T): { r: T; s: number } => {
  const c0 = process.cpuUsage();
  const r = f();
  const c = process.cpuUsage(c0);
  return { r, s: (c.user + c.system) / 1e6 };
};
const separate = () => ms.map((m, k) => runTickJob(m.config, [ev[k]!]));
const together = () => runTickMarketsJob(ms, {}, {}, ev.map((e) => [e]));
separate();
together(); // warm-up
const load0 = loadavg()[0]!;
const a: number[] = [];
const b: number[] = [];
let same = true;
for (let i = 0; i < rounds; i++) {
  const x = cpu(separate);
  const y = cpu(together);
  a.push(x.s);
  b.push(y.s);
  same &&= x.r.every((r, k) => JSON.stringify(r.metrics) === JSON.stringify(y.r.markets[k]!.metrics));
}
const med = (v: number[]) => [...v].sort((p, q) => p - q)[v.length >> 1]!;
const events = ev[0]!.length + ev[1]!.length;
console.log(
  `two markets (${ev[0]!.length} + ${ev[1]!.length} events, decisions every ${decisionMs} ms), ${rounds} rounds: separately ${med(a).toFixed(3)} CPU-s (best ${Math.min(...a).toFixed(3)}), ` +
    `together ${med(b).toFixed(3)} CPU-s (best ${Math.min(...b).toFixed(3)}); together / separately ${(med(b) / med(a)).toFixed(3)} (median), ${(Math.min(...b) / Math.min(...a)).toFixed(3)} (best); ` +
    `${(events / med(b) / 1e6).toFixed(1)} M events per CPU-s together; each market's metrics identical to its own run: ${same}`,
);
console.log(`machine: ${cpus()[0]?.model ?? '?'} × ${cpus().length}, node ${process.version}, load average ${load0.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}, ${new Date().toISOString()}`);
