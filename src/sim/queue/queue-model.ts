// The QueueModel port: how much of our price level stays ahead of our order when the level shrinks without a trade.

/**
 * Queue position in a replayed book. An order joins behind the displayed size of its level. Trades
 * at its price consume the queue from the front (handled by the venue, identically for every model).
 * A decrease of the level that no trade explains is a cancellation somewhere in the queue; where it
 * happened is unknown, and that is what a queue model decides.
 *
 * `ahead`: size ahead of us before the decrease; `level`: the level's size (others only) before it;
 * `decrease`: how much left without trading. Returns the size ahead after. Every implementation keeps
 * max(0, ahead − decrease) ≤ result ≤ min(ahead, level − decrease) (see queue-model.case.ts).
 */
export interface QueueModel {
  readonly name: string;
  afterCancel(ahead: number, level: number, decrease: number): number;
}

/**
 * Probabilistic queue models (Rigtorp, 2013, "Estimating order queue position"; see also Moallemi &
 * Yuan, 2017, "A model for queue position valuation in a limit order book"): a cancellation of
 * size Δ falls ahead of us with probability p = f(ahead) / (f(ahead) + f(behind)), behind = level − ahead.
 * f(x) = x is a cancel anywhere in the queue with equal chance; a convex f puts cancels mostly in the
 * larger part of the queue. The expected advance is max(p·Δ, Δ − behind): what cannot have come from
 * behind us came from ahead.
 */
export function probabilisticAfterCancel(f: (x: number) => number, ahead: number, level: number, decrease: number): number {
  if (!(decrease > 0)) return Math.min(ahead, Math.max(0, level));
  const behind = level > ahead ? level - ahead : 0;
  const fa = f(ahead);
  const fb = f(behind);
  const p = fa + fb > 0 ? fa / (fa + fb) : 1;
  const advance = Math.max(p * decrease, decrease - behind);
  const after = ahead - advance;
  const cap = level - decrease;
  return after < 0 ? 0 : after > cap ? (cap > 0 ? cap : 0) : after;
}
