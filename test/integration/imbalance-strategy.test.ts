// The imbalance-skewed GLFT example against plain GLFT on simulated markets (it wins out of sample where imbalance predicts the move, not where it does not); the features are causal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pairedDifference, returnsOnCapital } from '../../src/core/index.js';
import { parseTradingConfig, runTickJob } from '../../src/engine/index.js';
import { clearTarget, loadStrategyModule, type Strategy } from '../../src/strategy/index.js';
import { EventType, L2Book } from '../../src/market/index.js';
import { imbalanceMarket } from '../fixtures/imbalance-market.js';
import { orderFlowPower } from '../../src/research/order-flow-study.js';
import { REPO_ROOT } from '../fixtures/shared-data.js';

const MODULE = join(REPO_ROOT, 'examples', 'strategies', 'imbalance-glft.ts');
await loadStrategyModule(MODULE);
const CAPITAL = 100_000;
const STEPS = 6000;
const SKEWS = [1, 2, 4];

/** One tick backtest of the example at `skew` (0 = plain GLFT) on a simulated market. */
function run(events: ReturnType<typeof imbalanceMarket>, skew: number) {
  const cfg = parseTradingConfig({
    capital: CAPITAL,
    market: { tick_size: 0.01, lot_size: 0.001 },
    // k = 400 per price unit: GLFT's half-spread is a quarter tick, so plain GLFT quotes the touch.
    quoting: { strategy: MODULE, params: { skew }, gamma: 0.01, k: 400, A: 1, calibrate: false, order_qty: 1, max_inventory_qty: 1 },
    features: { book_levels: 1, sigma_sample_ms: 200, sigma_window: 20 },
    sim: { maker_fee_bps: 0, feed_latency_ms: 5, entry_latency_ms: 10, response_latency_ms: 10 },
    loop: { decision_interval_ms: 50, sample_interval_ms: 200 },
  });
  const job = runTickJob(cfg, [events], { checkGate: true });
  assert.equal(job.metrics.risk.final_state === 'halted', false, 'never halted');
  return { pnl: job.metrics.total_pnl, fills: job.metrics.fills, returns: returnsOnCapital(job.trace.equity, CAPITAL, job.trace.length) };
}

/** Choose the skew on a training market, then compare it with plain GLFT on a fresh market: the paired confidence that skewed is better. */
function outOfSample(beta: number, trainSeed = 101, testSeed = 202): { skew: number; confidence: number; plain: number; skewed: number } {
  const train = imbalanceMarket({ seed: trainSeed, steps: STEPS, beta });
  let best = SKEWS[0]!;
  let bestPnl = -Infinity;
  for (const s of SKEWS) {
    const r = run(train, s);
    if (r.pnl > bestPnl) (bestPnl = r.pnl), (best = s);
  }
  const testMarket = imbalanceMarket({ seed: testSeed, steps: STEPS, beta });
  const plain = run(testMarket, 0);
  const skewed = run(testMarket, best);
  assert.ok(plain.fills > 200 && skewed.fills > 100, `both trade: ${plain.fills}, ${skewed.fills}`);
  assert.equal(plain.returns.length, skewed.returns.length, 'paired samples');
  const { stats } = pairedDifference(skewed.returns, plain.returns);
  return { skew: best, confidence: stats.confidence ?? Number.NaN, plain: plain.pnl, skewed: skewed.pnl };
}

test('where touch imbalance predicts the next move, the skewed GLFT beats plain GLFT out of sample (paired confidence ≥ 0.95)', (t) => {
  const r = outOfSample(1);
  t.diagnostic(JSON.stringify(r));
  assert.ok(r.skewed > r.plain, JSON.stringify(r));
  assert.ok(r.confidence >= 0.95, JSON.stringify(r));
});

if (process.env['IMBALANCE_SEEDS'] !== undefined) {
  // Robustness (by hand): IMBALANCE_SEEDS=5 runs more train/test seed pairs and prints each result.
  test('more seeds', (t) => {
    for (let i = 1; i <= Number(process.env['IMBALANCE_SEEDS']); i++) for (const beta of [1, 0]) t.diagnostic(`beta ${beta} seeds ${1000 + i}/${2000 + i}: ${JSON.stringify(outOfSample(beta, 1000 + i, 2000 + i))}`);
  });
}

test('where imbalance says nothing about the move, the skewed GLFT does not beat plain GLFT (confidence < 0.95)', (t) => {
  const r = outOfSample(0);
  t.diagnostic(JSON.stringify(r));
  assert.ok(r.confidence < 0.95, JSON.stringify(r));
});

test('the order-flow features a tick backtest hands a strategy use only the rows received by the decision (feed latency 5 ms)', () => {
  const events = imbalanceMarket({ seed: 7, steps: 400, beta: 1 });
  const seen: { now: number; imb: number; micro: number; flow: number }[] = [];
  const recorder: Strategy = {
    name: 'recorder',
    usesBook: true,
    decide(v, out) {
      seen.push({ now: v.now, imb: v.bookImbalance, micro: v.microprice, flow: v.tradeFlow });
      clearTarget(out);
    },
  };
  const cfg = parseTradingConfig({ capital: CAPITAL, market: { tick_size: 0.01, lot_size: 0.001 }, quoting: { order_qty: 1 }, features: { book_levels: 2, flow_window_ms: 1000 }, sim: { feed_latency_ms: 5 }, loop: { decision_interval_ms: 50 } });
  runTickJob(cfg, [events], { strategy: recorder });
  assert.ok(seen.length > 1000);
  // Rebuild independently: a book of the rows whose local time (publication + 5 ms) is at or before each decision.
  const book = new L2Book(0.01, 1 << 12);
  const trades: [number, number, number][] = [];
  let i = 0;
  let checked = 0;
  for (const s of seen) {
    while (i < events.length && events.tsExchange[i]! + events.publishDelay[i]! + 5_000 <= s.now) {
      if (events.type[i] === EventType.Trade) trades.push([events.tsExchange[i]! + events.publishDelay[i]! + 5_000, events.side[i]!, events.size[i]!]);
      else book.apply(events, i);
      i++;
    }
    const sum = (side: number) => book.levels(side, 2).reduce((a, [, q]) => a + q, 0);
    const b = sum(1);
    const a = sum(-1);
    if (b + a === 0) continue;
    assert.ok(Math.abs(s.imb - (b - a) / (b + a)) < 1e-12, `imbalance at ${s.now}`);
    const [[bp, bq]] = book.levels(1, 1) as [[number, number]];
    const [[ap, aq]] = book.levels(-1, 1) as [[number, number]];
    assert.ok(Math.abs(s.micro - (bp * aq + ap * bq) / (bq + aq)) < 1e-9, `microprice at ${s.now}`);
    let buy = 0;
    let sell = 0;
    for (const [t, side, q] of trades) if (t > s.now - 1_000_000 && t <= s.now) side > 0 ? (buy += q) : (sell += q);
    assert.ok(Math.abs(s.flow - (buy + sell > 0 ? (buy - sell) / (buy + sell) : 0)) < 1e-9, `trade flow at ${s.now}`);
    checked++;
  }
  assert.ok(checked > 1000, `checked ${checked}`);
});

test('study: book imbalance predicts the next second where the market says so, and not where it does not', () => {
  const power = (beta: number) => orderFlowPower(imbalanceMarket({ seed: 5, steps: 6000, beta }), 0.01).find((p) => p.feature === 'book_imbalance_1')!;
  const yes = power(1);
  const no = power(0);
  assert.ok(yes.samples > 1000 && yes.correlation > 0.1 && yes.p_value < 0.001, JSON.stringify(yes));
  assert.ok(Math.abs(no.t_stat) < 3, JSON.stringify(no));
});
