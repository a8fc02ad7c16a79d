// A floor for the bar engine's speed, not a second engine: the same per-bar arithmetic as an AS bar
// backtest (EWMA σ, excursion k, AS quote with ln(1+γ/k), post-only guard, tick rounding, inventory limits,
// traded-through fills, cash and position, trace columns) written as one flat loop with no layers (no
// order tables, risk gate, venue, order events or fill log). It bounds what the layered engine could reach
// on this machine; bench/RESULTS.md compares the two. Prints figures; asserts nothing.
import { loadKlines } from '../dist/data/index.js';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = join(root, '..', 'shared', 'data', 'binance-spot-btcusdt-1m-klines-2024-12', 'BTCUSDT_1m.csv');
const { ts, high, low, close, length: n } = loadKlines(file).bars;

function run() {
  const trBid = new Float64Array(n), trAsk = new Float64Array(n), trInv = new Float64Array(n), trCash = new Float64Array(n), trEq = new Float64Array(n), trRes = new Float64Array(n);
  const fTs = new Float64Array(n * 2), fPx = new Float64Array(n * 2), fQty = new Float64Array(n * 2), fSide = new Int8Array(n * 2);
  let fills = 0;
  const lambda = Math.pow(2, -1 / 30);
  let variance = NaN, changes = 0, warmSum = 0, last = NaN;
  const exc = new Float64Array(480);
  let head = 0, count = 0, sum = 0, prev = NaN;
  let sigma = NaN, k = NaN, pos = 0, cash = 100_000, bid = NaN, ask = NaN, res = NaN;
  const gamma = 0.0005, tau = 600, qty = 0.001, maxInv = 0.01, tick = 0.01, sqrtBar = Math.sqrt(60);
  for (let t = 0; t < n; t++) {
    if (t > 30) {
      const mid = close[t - 1];
      const kk = k > 0 ? k : 1.5;
      const h = Math.log1p(gamma / kk) / gamma;
      const v = sigma * sigma;
      res = mid - (pos / qty) * gamma * v * tau;
      const half = 0.5 * gamma * v * tau + h;
      let b = res - half, a = res + half;
      if (b > mid - tick) b = mid - tick;
      if (a < mid + tick) a = mid + tick;
      b = Math.floor(b / tick + 1e-9) * tick;
      a = Math.ceil(a / tick - 1e-9) * tick;
      bid = pos + qty <= maxInv + 1e-12 ? b : NaN;
      ask = pos - qty >= -maxInv - 1e-12 ? a : NaN;
    }
    const hi = high[t], lo = low[t], c = close[t];
    trBid[t] = bid;
    trAsk[t] = ask;
    trRes[t] = res;
    if (bid === bid && bid <= hi && lo < bid) {
      pos += qty; cash -= bid * qty; fTs[fills] = ts[t]; fPx[fills] = bid; fQty[fills] = qty; fSide[fills++] = 1;
    }
    if (ask === ask && ask >= lo && hi > ask) {
      pos -= qty; cash += ask * qty; fTs[fills] = ts[t]; fPx[fills] = ask; fQty[fills] = qty; fSide[fills++] = -1;
    }
    bid = NaN;
    ask = NaN;
    if (last === last) {
      const d = c - last;
      changes++;
      if (changes <= 30) variance = (warmSum += d * d) / changes;
      else variance = lambda * variance + (1 - lambda) * d * d;
    }
    last = c;
    sigma = changes < 2 ? NaN : Math.sqrt(variance) / sqrtBar;
    if (prev === prev) {
      const down = Math.max(0, prev - lo);
      if (count === 480) sum -= exc[head]; else count++;
      exc[head] = down; sum += down; head = head + 1 === 480 ? 0 : head + 1;
      const up = Math.max(0, hi - prev);
      if (count === 480) sum -= exc[head]; else count++;
      exc[head] = up; sum += up; head = head + 1 === 480 ? 0 : head + 1;
    }
    prev = c;
    k = count < 8 ? NaN : 1 / (sum / count);
    trInv[t] = pos;
    trCash[t] = cash;
    trEq[t] = cash + pos * c;
  }
  return fills;
}

let best = Infinity, fills = 0;
for (let i = 0; i < 60; i++) {
  const t0 = performance.now();
  fills = run();
  best = Math.min(best, performance.now() - t0);
}
console.log(`flat AS loop: best ${(n / best / 1e3).toFixed(2)} M bars/s (${fills} fills; the layered engine: bench/bar-engine.bench.mjs)`);
