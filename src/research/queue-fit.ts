// The queue model of a live session: each candidate replays the session's own orders on the captured market; the likelihood of what really filled picks one.
import type { Micros } from '../core/index.js';
import { venueOrder, type EventColumns, type Side } from '../market/index.js';
import type { OrderEventHandler } from '../orders/index.js';
import type { OrderRecord } from '../ledger/index.js';
import { BpsFees, L2Exchange, constantLatency, parseQueueModel } from '../sim/index.js';

/** The candidates, as `sim.queue` names them: the risk-averse bound, the logarithmic model and power:N for N = 1…10. */
export const QUEUE_CANDIDATES: readonly string[] = ['risk-averse', 'log', ...Array.from({ length: 10 }, (_, k) => `power:${k + 1}`)];

/** A live fill and a replayed one are the same outcome when their exchange times differ by at most this. */
export const FILL_TOLERANCE_US = 100_000;

export interface CandidateScore {
  queue: string;
  /** Orders whose outcome the replay reproduced (both unfilled, or first fills within the tolerance). */
  matched: number;
  /** Live filled, the replay did not (or much later); the replay filled, live did not (or much earlier). */
  missed: number;
  extra: number;
  log_likelihood: number;
}

export interface QueueFit {
  queue: string;
  /** Every candidate within 1.92 of the best log-likelihood (a 95% likelihood-ratio set), best first. */
  ci95: string[];
  /** power:N: the range of N in that set (null when no power model is in it). */
  power_n_ci95: [number, number] | null;
  orders: number;
  orders_filled: number;
  candidates: CandidateScore[];
}

/**
 * Each order that rested in the live session is placed in the replay at its live send time and cancelled
 * at its live cancel time (an order that filled live is cancelled just after its first fill plus the
 * tolerance, so the replay says whether it would have filled by then). Orders never change the replayed
 * market, so each candidate's replay is the model's prediction for every order at once. The observation
 * model: each order's outcome (unfilled, or first fill at a time) is reproduced with probability 1 − ε,
 * ε fitted per candidate (the misfit rate); log-likelihood = matched·ln(1 − ε) + (missed + extra)·ln ε.
 */
export function fitQueue(ev: EventColumns, orders: readonly OrderRecord[], latency: { entryUs: number; responseUs: number }, tickSize: number): QueueFit {
  const first = ev.tsExchange[0]!;
  const last = ev.tsExchange[ev.length - 1]!;
  const rested = orders.filter((o) => !o.rejected && o.acceptedTs === o.acceptedTs && o.sentTs >= first && o.sentTs <= last);
  const order = venueOrder(ev);
  const candidates = QUEUE_CANDIDATES.map((q) => score(q, replayFirstFills(ev, order, rested, q, latency, tickSize), rested));
  const best = candidates.reduce((a, b) => (b.log_likelihood > a.log_likelihood ? b : a));
  const inSet = candidates.filter((c) => c.log_likelihood >= best.log_likelihood - 1.92).sort((a, b) => b.log_likelihood - a.log_likelihood);
  const ns = inSet.map((c) => /^power:(\d+)$/.exec(c.queue)).filter((m) => m !== null).map((m) => Number(m[1]));
  return {
    queue: best.queue,
    ci95: inSet.map((c) => c.queue),
    power_n_ci95: ns.length > 0 ? [Math.min(...ns), Math.max(...ns)] : null,
    orders: rested.length,
    orders_filled: rested.filter((o) => o.fills.length > 0).length,
    candidates,
  };
}

function score(queue: string, replayed: Map<number, Micros>, orders: readonly OrderRecord[]): CandidateScore {
  let matched = 0;
  let missed = 0;
  let extra = 0;
  for (const o of orders) {
    const live = o.fills.length > 0 ? o.fills[0]!.ts : Number.NaN;
    const sim = replayed.get(o.clientId) ?? Number.NaN;
    if (live !== live && sim !== sim) matched++;
    else if (live === live && sim === sim && Math.abs(sim - live) <= FILL_TOLERANCE_US) matched++;
    else if (live === live && (sim !== sim || sim > live)) missed++;
    else extra++;
  }
  const n = matched + missed + extra;
  const bad = missed + extra;
  const eps = bad / n;
  const ll = bad === 0 ? 0 : matched * Math.log(1 - eps) + bad * Math.log(eps);
  return { queue, matched, missed, extra, log_likelihood: Math.round(ll * 1000) / 1000 };
}

interface Command {
  ts: Micros;
  cancel: boolean;
  o: OrderRecord;
}

/** The replay of one candidate: each order's first fill, at the exchange time of the trade behind it. */
function replayFirstFills(ev: EventColumns, order: Int32Array, orders: readonly OrderRecord[], queue: string, latency: { entryUs: number; responseUs: number }, tickSize: number): Map<number, Micros> {
  const ex = new L2Exchange({ tickSize, partialFills: true }, parseQueueModel(queue), constantLatency(latency.entryUs, latency.responseUs), new BpsFees(0, 0));
  const cmds: Command[] = [];
  for (const o of orders) {
    cmds.push({ ts: o.sentTs, cancel: false, o });
    const cancelAt = o.cancelTs === o.cancelTs ? o.cancelTs : o.fills.length > 0 ? o.fills[0]!.ts + FILL_TOLERANCE_US - latency.entryUs : Number.NaN;
    // An order neither cancelled nor filled stays to the end: cancelled after it, for the venue's bookkeeping.
    cmds.push({ ts: cancelAt === cancelAt ? Math.max(cancelAt, o.sentTs) : Number.POSITIVE_INFINITY, cancel: true, o });
  }
  cmds.sort((a, b) => a.ts - b.ts || Number(a.cancel) - Number(b.cancel));
  const fills = new Map<number, Micros>();
  const h: OrderEventHandler = {
    onAccepted: () => {},
    onRejected: () => {},
    onDenied: () => {},
    onCanceled: () => {},
    onFill: (_ts, id) => {
      if (!fills.has(id)) fills.set(id, ex.last.exchangeTs);
    },
  };
  let k = 0;
  let c = 0;
  let clock = Number.NEGATIVE_INFINITY;
  const n = order.length;
  for (;;) {
    const i = k < n ? order[k]! : -1;
    const tRow = i >= 0 ? Math.max(clock, ev.tsExchange[i]!) : Number.POSITIVE_INFINITY;
    const tIn = ex.nextInboundTs();
    const tOut = ex.nextOutboundTs();
    const tCmd = c < cmds.length ? cmds[c]!.ts : Number.POSITIVE_INFINITY;
    const m = Math.min(tRow, tIn, tOut, tCmd);
    if (m === Number.POSITIVE_INFINITY || (i < 0 && tIn === Number.POSITIVE_INFINITY && tOut === Number.POSITIVE_INFINITY)) break;
    if (tRow === m) {
      clock = tRow;
      ex.onMarket(ev, i, tRow);
      k++;
    } else if (tIn === m) ex.processInbound();
    else if (tOut === m) ex.deliver(h);
    else {
      const x = cmds[c++]!;
      if (x.cancel) ex.cancel(x.ts, x.o.clientId);
      else ex.place(x.ts, x.o.clientId, x.o.side as Side, x.o.price, x.o.qty);
    }
  }
  return fills;
}
