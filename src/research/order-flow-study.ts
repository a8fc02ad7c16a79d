// The order-flow features' predictive power on an event file: each feature at a second boundary against the next second's mid change.
import { normalCdf } from '../core/index.js';
import { EventFlag, EventType, L2Book, type EventColumns } from '../market/index.js';
import { SweepDetector, WindowTradeFlow, bookImbalance, microprice } from '../features/index.js';

export interface FeaturePower {
  feature: string;
  /** Boundaries where the feature, the mid and the next mid were all defined. */
  samples: number;
  /** Pearson correlation of the feature with the next 1 s mid change (ticks). */
  correlation: number;
  /** t = r·√((n − 2)/(1 − r²)); |t| > 1.96 ≈ significant at 5% (serial correlation of the samples ignored). */
  t_stat: number;
  /** Two-sided p-value of t under the normal approximation. */
  p_value: number;
}

const FEATURES = ['book_imbalance_1', 'book_imbalance_5', 'microprice_minus_mid_ticks', 'trade_flow_5s', 'sweep_1s'] as const;

/**
 * Replay the file in order into a book and the trade estimators; at each 1-second boundary of exchange
 * time take the features as they stood before it (consistent book: after a complete message, uncrossed)
 * and the mid, then correlate each feature at boundary b with mid(b + 1) − mid(b) in ticks. Only rows
 * before a boundary reach its features: the change they are judged on is entirely after it.
 */
export function orderFlowPower(ev: EventColumns, tickSize: number): FeaturePower[] {
  const n = ev.length;
  if (n === 0) return [];
  const book = new L2Book(tickSize);
  const flow = new WindowTradeFlow(5_000_000);
  const sweeps = new SweepDetector(1_000_000);
  const first = ev.tsExchange[0]!;
  const seconds = Math.max(1, Math.ceil((ev.tsExchange[n - 1]! - first) / 1e6));
  const cols = FEATURES.map(() => new Float64Array(seconds + 1).fill(Number.NaN));
  const mids = new Float64Array(seconds + 1).fill(Number.NaN);
  const now = new Float64Array(FEATURES.length).fill(Number.NaN);
  let mid = Number.NaN;
  let next = 0;
  const take = (b: number): void => {
    const t = first + b * 1e6;
    mids[b] = mid;
    now[3] = flow.value(t - 1);
    now[4] = sweeps.value(t - 1);
    for (let f = 0; f < FEATURES.length; f++) cols[f]![b] = now[f]!;
  };
  for (let i = 0; i < n; i++) {
    const sec = Math.floor((ev.tsExchange[i]! - first) / 1e6);
    if (sec >= next) {
      for (let b = next; b <= Math.min(sec, seconds); b++) take(b);
      next = sec + 1;
    }
    if (ev.type[i] === EventType.Trade) {
      flow.onTrade(ev.tsExchange[i]!, ev.side[i]!, ev.size[i]!);
      sweeps.onTrade(ev.tsExchange[i]!, ev.side[i]!, ev.price[i]!);
      continue;
    }
    book.apply(ev, i);
    if ((ev.flags[i]! & EventFlag.EndOfMessage) === 0) continue;
    if (book.gapOpen) {
      // A gap of the depth stream: the book is unknown until the next snapshot; no second is sampled in it.
      mid = now[0] = now[1] = now[2] = Number.NaN;
      continue;
    }
    const bb = book.bestBid();
    const ba = book.bestAsk();
    if (!(bb > 0 && ba > bb)) continue;
    mid = (bb + ba) / 2;
    now[0] = bookImbalance(book, 1);
    now[1] = bookImbalance(book, 5);
    now[2] = (microprice(book) - mid) / tickSize;
  }
  return FEATURES.map((feature, f) => power(feature, cols[f]!, mids, tickSize));
}

function power(feature: string, x: Float64Array, mids: Float64Array, tick: number): FeaturePower {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let b = 0; b + 1 < mids.length; b++) {
    const xv = x[b]!;
    const y = (mids[b + 1]! - mids[b]!) / tick;
    if (!(xv === xv && y === y)) continue;
    n++;
    sx += xv;
    sy += y;
    sxx += xv * xv;
    syy += y * y;
    sxy += xv * y;
  }
  const cov = sxy - (sx * sy) / n;
  const vx = sxx - (sx * sx) / n;
  const vy = syy - (sy * sy) / n;
  const r = n > 2 && vx > 0 && vy > 0 ? cov / Math.sqrt(vx * vy) : Number.NaN;
  const t = r === r && Math.abs(r) < 1 ? r * Math.sqrt((n - 2) / (1 - r * r)) : Number.NaN;
  return { feature, samples: n, correlation: r, t_stat: t, p_value: t === t ? 2 * (1 - normalCdf(Math.abs(t))) : Number.NaN };
}
