// The order latencies of a live session from its ledger: entry and response as constants, each with its spread and a 95% interval.
import { UserError } from '../core/index.js';
import type { OrderHistory } from '../ledger/index.js';

/** A fitted latency, ms: the median, a robust spread (IQR / 1.349: σ for a normal), a 95% interval of the median, and the sample count. */
export interface LatencyEstimate {
  median_ms: number;
  spread_ms: number;
  ci95_ms: [number, number];
  samples: number;
}

export interface LatencyFit {
  entry: LatencyEstimate;
  response: LatencyEstimate;
  /** Send → acknowledgement, the measured sum of both. */
  round_trip: LatencyEstimate;
}

const ms = (us: number): number => Math.round(us) / 1000;

/** Median, robust spread and the distribution-free 95% interval of the median (order statistics n/2 ± 0.98√n). */
export function medianEstimate(xsMicros: readonly number[]): LatencyEstimate {
  const s = [...xsMicros].sort((a, b) => a - b);
  const n = s.length;
  const at = (q: number): number => {
    const x = q * (n - 1);
    const i = Math.floor(x);
    return i + 1 < n ? s[i]! + (x - i) * (s[i + 1]! - s[i]!) : s[i]!;
  };
  const half = 0.98 * Math.sqrt(n);
  const lo = s[Math.max(0, Math.floor(n / 2 - half))]!;
  const hi = s[Math.min(n - 1, Math.ceil(n / 2 + half))]!;
  return { median_ms: ms(at(0.5)), spread_ms: ms((at(0.75) - at(0.25)) / 1.349), ci95_ms: [ms(lo), ms(hi)], samples: n };
}

/**
 * The ledger times of each order: sent (local, before it left), acknowledged (local, when the answer came
 * back) and each fill (at the exchange's time) with the local time it reached us. Acknowledgement − send
 * is entry + response (orders sent alone at their instant: one sent with another queues behind it); fill receipt − fill time is the response alone (with the offset between the
 * exchange's clock and ours, which the simulator's response latency stands for as well). Entry is their
 * difference of medians; its spread the difference of variances; its interval the two intervals combined.
 */
export function fitLatency(h: OrderHistory): LatencyFit {
  // Commands travel on one ordered connection: one sent at the same instant as another waits for it, so its
  // round trip says more about the other's. The orders sent alone at their instant measure the link (all
  // of them when too few were).
  const sends = new Map<number, number>();
  const count = (t: number): void => void (t === t && sends.set(t, (sends.get(t) ?? 0) + 1));
  for (const o of h.orders) {
    count(o.sentTs);
    count(o.cancelTs);
  }
  const acked = h.orders.filter((o) => o.acceptedTs >= o.sentTs);
  const alone = acked.filter((o) => sends.get(o.sentTs) === 1);
  const trips = (alone.length >= 20 ? alone : acked).map((o) => o.acceptedTs - o.sentTs);
  if (trips.length === 0) throw new UserError(`--ledger: run ${h.runId} has no acknowledged order: no latency to measure`);
  const back = h.receipts.map((r) => r.localTs - r.exchangeTs);
  if (back.length === 0)
    throw new UserError(`--ledger: run ${h.runId} has no fill receipts (order events 'fill-received', journaled by live sessions): the response latency cannot be told from the entry`);
  const rt = medianEstimate(trips);
  const response = medianEstimate(back);
  const entryMedian = Math.max(0, rt.median_ms - response.median_ms);
  const entrySpread = Math.sqrt(Math.max(0, rt.spread_ms ** 2 - response.spread_ms ** 2));
  const entry: LatencyEstimate = {
    median_ms: Math.round(entryMedian * 1000) / 1000,
    spread_ms: Math.round(entrySpread * 1000) / 1000,
    ci95_ms: [Math.max(0, Math.round((rt.ci95_ms[0] - response.ci95_ms[1]) * 1000) / 1000), Math.round((rt.ci95_ms[1] - response.ci95_ms[0]) * 1000) / 1000],
    samples: rt.samples,
  };
  return { entry, response, round_trip: rt };
}
