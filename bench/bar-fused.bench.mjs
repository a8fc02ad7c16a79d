// A second bound for the bar engine's speed, not a second engine: the AS bar backtest with the order
// layers fused into the loop. It keeps what a bar run must do for its results — the feature frame, the
// unchanged `QuotingStrategy`, the gate's default rules, traded-through fills with gap-through expiry,
// `Portfolio`, `FillLog`, `Trace` — and drops what makes the engine one engine for every mode: the
// `TradingCore` with its order table and state machine, `reconcile`, the `RiskGate` object and the venue
// with its own table and order events. A second variant also inlines the strategy's AS arithmetic, so
// the three figures (layered engine, fused, fused + inlined strategy) show what each layer costs.
// It checks that it reproduces the engine's fills and PnL. Prints figures; asserts nothing.
import { loadKlines } from '../dist/data/index.js';
import { BarFeatureFrame, defaultBarFeatureParams } from '../dist/features/index.js';
import { QuotingStrategy, emptyTarget, emptyView } from '../dist/strategy/index.js';
import { makeInstrument } from '../dist/market/index.js';
import { Portfolio } from '../dist/portfolio/index.js';
import { FillLog } from '../dist/engine/fill-log.js';
import { Trace } from '../dist/engine/trace.js';
import { BpsFees } from '../dist/sim/index.js';
import { parseTradingConfig, runBarJob } from '../dist/engine/index.js';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = join(root, '..', 'shared', 'data', 'binance-spot-btcusdt-1m-klines-2024-12', 'BTCUSDT_1m.csv');
const bars = loadKlines(file).bars;
const n = bars.length;

// The bench case of bench/bar-engine.bench.mjs, as the engine resolves it.
const cfg = parseTradingConfig({ data: { path: file }, quoting: { model: 'as', gamma: 0.0005, A: 1 / 60 }, sim: { maker_fee_bps: 0 } });
const engine = runBarJob(cfg, { bars, source: {} });
const qty = engine.resolved.quoting.order_qty;
const maxInv = engine.resolved.quoting.max_inventory_qty;
const q = cfg.quoting;
const params = { model: 'as', gamma: q.gamma, k: q.k, A: q.A, calibrate: q.calibrate, horizon: q.horizon, horizonSeconds: q.horizon_seconds, orderQty: qty, maxInventoryQty: maxInv, minSpreadTicks: q.min_spread_ticks };
const instrument = makeInstrument(cfg.market.symbol, cfg.market.tick_size, cfg.market.lot_size);
const limits = { maxOrderQty: qty, maxInventoryQty: maxInv, priceBandFraction: cfg.risk.price_band_fraction };

/** The gate's default rules (risk/gate.ts), inline: true to approve. */
function approve(v, side, price, q) {
  const after = v.position + side * q;
  return !(
    q > limits.maxOrderQty * (1 + 1e-9) ||
    (Math.abs(after) > limits.maxInventoryQty * (1 + 1e-9) && Math.abs(after) > Math.abs(v.position)) ||
    (v.mid > 0 && Math.abs(price - v.mid) > limits.priceBandFraction * v.mid)
  );
}

/** AS rolling horizon, as QuotingStrategy + avellanedaStoikov compute it, written inline. */
function inlineDecide(view, out) {
  const mid = view.mid;
  if (!view.warm || !(mid > 0) || !(view.sigma >= 0)) {
    out.bidPrice = out.askPrice = Number.NaN;
    out.bidQty = out.askQty = 0;
    return;
  }
  const g = params.gamma, tick = instrument.tickSize;
  const kk = view.intensityK > 0 && view.intensityK < Infinity ? view.intensityK : params.k;
  const x = g / kk;
  const h = x < 1e-12 ? 1 / kk : Math.log1p(x) / g;
  const v = view.sigma * view.sigma;
  const r = mid - (view.position / qty) * g * v * params.horizonSeconds;
  const half = 0.5 * g * v * params.horizonSeconds + h;
  let b = r - half, a = r + half;
  if (a - b < tick * params.minSpreadTicks) { const c = (a + b) / 2; b = c - (tick * params.minSpreadTicks) / 2; a = c + (tick * params.minSpreadTicks) / 2; }
  if (b > mid + tick / 2 - tick) b = mid + tick / 2 - tick;
  if (a < mid - tick / 2 + tick) a = mid - tick / 2 + tick;
  b = Math.round(Math.floor(b / tick + 1e-9) * tick * 100) / 100;
  a = Math.round(Math.ceil(a / tick - 1e-9) * tick * 100) / 100;
  const eps = qty * 1e-9;
  const canBuy = view.position + qty <= maxInv + eps && b > 0;
  const canSell = view.position - qty >= -maxInv - eps && a > 0;
  out.bidPrice = canBuy ? b : Number.NaN;
  out.bidQty = canBuy ? qty : 0;
  out.askPrice = canSell ? a : Number.NaN;
  out.askQty = canSell ? qty : 0;
  out.reservation = r;
}

function makeRun(inline) {
  return function run() {
    const t0 = performance.now();
    const strategy = new QuotingStrategy(params, instrument);
    const f = new BarFeatureFrame(bars, defaultBarFeatureParams, bars.intervalMicros / 1e6);
    const view = emptyView();
    const target = emptyTarget();
    const pf = new Portfolio(cfg.capital);
    view.cash = view.equity = cfg.capital;
    const fills = new FillLog(n); // sized for the worst case up front: no growth inside the loop
    const trace = new Trace(n, { ts: bars.ts, mid: bars.close });
    const fees = new BpsFees(cfg.sim.maker_fee_bps, 0);
    const { ts, high, low, close } = bars;
    const sigma = f.sigmaPerSecond, kCol = f.intensityK, warmFrom = f.warmBars - 1;
    view.intensityA = f.intensityA;
    let bid = NaN, ask = NaN, bidQty = 0, askQty = 0, bidId = 0, askId = 0, lastId = 0;
    for (let t = 0; t < n; t++) {
      if (t > 0) {
        const p = t - 1;
        view.sigma = sigma[p];
        view.intensityK = kCol[p];
        view.warm = p >= warmFrom;
      }
      const now = ts[t];
      view.now = now;
      if (inline) inlineDecide(view, target);
      else strategy.decide(view, target);
      // Place, amend or cancel each side against the one order it may hold.
      const tb = target.bidPrice;
      if (tb === tb && target.bidQty > 0) {
        if (tb !== bid || target.bidQty !== bidQty) {
          if (bid !== bid) bidId = ++lastId;
          if (approve(view, 1, tb, target.bidQty)) { bid = tb; bidQty = target.bidQty; } else bid = NaN;
        }
      } else bid = NaN;
      const ta = target.askPrice;
      if (ta === ta && target.askQty > 0) {
        if (ta !== ask || target.askQty !== askQty) {
          if (ask !== ask) askId = ++lastId;
          if (approve(view, -1, ta, target.askQty)) { ask = ta; askQty = target.askQty; } else ask = NaN;
        }
      } else ask = NaN;
      const restBid = bid, restAsk = ask, hi = high[t], lo = low[t];
      if (ask === ask) {
        if (ask < lo) ask = NaN; // gapped through: expired, not filled
        else if (hi > ask) {
          const fee = fees.fee(ask, askQty, 'maker');
          pf.apply(-1, ask, askQty, fee);
          fills.push(now, askId, -1, ask, askQty, fee, 'maker', t);
          ask = NaN;
        }
      }
      if (bid === bid) {
        if (bid > hi) bid = NaN;
        else if (lo < bid) {
          const fee = fees.fee(bid, bidQty, 'maker');
          pf.apply(1, bid, bidQty, fee);
          fills.push(now, bidId, 1, bid, bidQty, fee, 'maker', t);
          bid = NaN;
        }
      }
      const c = close[t];
      view.mid = c;
      view.position = pf.position;
      view.cash = pf.cash;
      view.equity = pf.cash + pf.position * c;
      trace.pushState(restBid, restAsk, target.reservation, view.position, view.cash, view.equity);
    }
    return { seconds: (performance.now() - t0) / 1000, fills: fills.length, pnl: view.equity - cfg.capital };
  };
}

const REPS = 40;
for (const [label, run] of [['fused, QuotingStrategy unchanged', makeRun(false)], ['fused, AS arithmetic inlined', makeRun(true)]]) {
  let best = Infinity;
  const times = [];
  let r;
  for (let i = 0; i < REPS; i++) {
    r = run();
    times.push(r.seconds);
    best = Math.min(best, r.seconds);
  }
  times.sort((a, b) => a - b);
  const same = r.fills === engine.metrics.fills && Math.abs(r.pnl - engine.metrics.total_pnl) < 1e-6 * cfg.capital;
  console.log(
    `${label}: best ${(n / best / 1e6).toFixed(2)} M bars/s, median ${(n / times[REPS >> 1] / 1e6).toFixed(2)} M (${r.fills} fills, PnL ${r.pnl.toFixed(2)}; engine ${engine.metrics.fills} fills, PnL ${engine.metrics.total_pnl.toFixed(2)}: ${same ? 'same' : 'DIFFERENT'})`,
  );
}
