// The simulator fitted to a live session: latencies from the ledger's times, the queue model from its fills on the captured market, as a strict `sim:` section.
import { stringify } from 'yaml';
import { UserError } from '../core/index.js';
import { readEventFile } from '../data/index.js';
import { readOrderHistory } from '../ledger/index.js';
import { sessionEventsPath } from './session-market.js';
import { SimSection } from '../engine/index.js';
import type { EventColumns } from '../market/index.js';
import { fitLatency, type LatencyFit } from './latency-fit.js';
import { fitQueue, type QueueFit } from './queue-fit.js';

export interface CalibrationInput {
  ledger: string;
  /** Default: the recording the ledger links to the run (`realtime --record`). */
  events?: string | undefined;
  session?: string | undefined;
}

export interface Calibration {
  run_id: string;
  ledger: string;
  events: string;
  tick_size: number;
  latency: LatencyFit;
  queue: QueueFit;
  /** The fitted section, valid under the config's strict `sim:` schema; fees and the rest from the run's own config. */
  sim: Record<string, unknown>;
}

/**
 * Read-only on the ledger. Every fault of the inputs (no such run, a paper run, no acknowledged order, no
 * fill receipts, no fill, a capture that does not cover the session) is a `UserError`: one line, exit 2.
 */
export function calibrateSim(input: CalibrationInput): Calibration {
  const h = readOrderHistory(input.ledger, input.session);
  if (h.mode !== 'live') throw new UserError(`--ledger: run ${h.runId} is a ${h.mode} run: its fills come from the simulator itself; calibrate-sim fits the simulator to a live session`);
  if (h.orders.length === 0) throw new UserError(`--ledger: run ${h.runId} has no orders: nothing to calibrate`);
  const latency = fitLatency(h);
  // `--events`, else the recording linked to the run (as far as it was written when the session did not close it).
  const src = sessionEventsPath(input.ledger, input.events, h.runId, h.recording);
  const events = src.path;
  const ev = readEventFile(events, { partial: src.partial }).events;
  if (ev.length === 0) throw new UserError(`--events: ${events} holds no events`);
  const [from, to] = [ev.tsExchange[0]!, ev.tsExchange[ev.length - 1]!];
  const inside = h.orders.filter((o) => o.sentTs >= from && o.sentTs <= to).length;
  if (inside === 0) throw new UserError(`--events: ${events} spans ${iso(from)} to ${iso(to)}; run ${h.runId} sent its orders from ${iso(Math.min(...h.orders.map((o) => o.sentTs)))}: not the session's market`);
  if (!h.orders.some((o) => o.fills.length > 0)) throw new UserError(`--ledger: run ${h.runId} has no fill: the queue model cannot be fitted`);
  const config = (h.config ?? {}) as { market?: { tick_size?: unknown }; sim?: unknown };
  const tick = typeof config.market?.tick_size === 'number' && config.market.tick_size > 0 ? config.market.tick_size : inferTick(ev);
  const queue = fitQueue(ev, h.orders, { entryUs: latency.entry.median_ms * 1000, responseUs: latency.response.median_ms * 1000 }, tick);
  const base = SimSection.safeParse(config.sim ?? {});
  const { latency_file: _dropped, ...kept } = base.success ? base.data : SimSection.parse({});
  const sim = SimSection.parse({ ...kept, queue: queue.queue, entry_latency_ms: latency.entry.median_ms, response_latency_ms: latency.response.median_ms });
  return { run_id: h.runId, ledger: input.ledger, events, tick_size: tick, latency, queue, sim };
}

/** The price step of a capture: the smallest gap between distinct book prices, to a power of ten or its half. */
export function inferTick(ev: EventColumns): number {
  const prices = new Set<number>();
  for (let i = 0; i < ev.length && prices.size < 5_000; i++) prices.add(ev.price[i]!);
  const s = [...prices].sort((a, b) => a - b);
  let gap = Number.POSITIVE_INFINITY;
  for (let i = 1; i < s.length; i++) if (s[i]! - s[i - 1]! < gap) gap = s[i]! - s[i - 1]!;
  if (!(gap > 0 && gap < Number.POSITIVE_INFINITY)) throw new UserError('--events: cannot tell the price step from the capture (fewer than two prices)');
  const p = Math.pow(10, Math.floor(Math.log10(gap) + 1e-9));
  for (const step of [5 * p, 2 * p, p]) if (Math.abs(gap / step - Math.round(gap / step)) < 1e-6) return Number(step.toPrecision(6));
  return Number(p.toPrecision(6));
}

/** The `sim:` section as YAML, the fit and its uncertainty in comments above it (the section itself stays strict). */
export function calibrationYaml(c: Calibration): string {
  const l = c.latency;
  const q = c.queue;
  const best = q.candidates.find((x) => x.queue === q.queue)!;
  const lat = (name: string, e: LatencyFit['entry']): string =>
    `# ${name}: median ${e.median_ms} ms (95% interval ${e.ci95_ms[0]}–${e.ci95_ms[1]} ms), spread ${e.spread_ms} ms, ${e.samples} samples`;
  const lines = [
    `# Simulator calibrated by marketmakerl calibrate-sim from live run ${c.run_id}`,
    `# ledger ${c.ledger}, market ${c.events}`,
    lat('entry latency', l.entry),
    lat('response latency', l.response),
    lat('round trip (send to acknowledgement)', l.round_trip),
    `# queue: ${q.queue}, reproducing ${best.matched} of ${q.orders} resting orders (${q.orders_filled} filled live); 95% set: ${q.ci95.join(', ')}` +
      (q.power_n_ci95 === null ? '' : `; power N in [${q.power_n_ci95[0]}, ${q.power_n_ci95[1]}]`),
    `# candidates (queue: matched / missed / extra, log-likelihood): ${q.candidates.map((x) => `${x.queue} ${x.matched}/${x.missed}/${x.extra} ${x.log_likelihood}`).join('; ')}`,
  ];
  return `${lines.join('\n')}\n${stringify({ sim: c.sim })}`;
}

const iso = (us: number): string => new Date(us / 1000).toISOString();
