// The RL environment: stepping with outside actions equals the policy inside the strategy; rewards add up to PnL; rl backtests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/index.js';
import { simulateBars, defaultSimulateParams } from '../../src/data/index.js';
import { PolicyNet, STATE_FEATURES, defaultActionDims, paramCount } from '../../src/models/index.js';
import { runBarJob } from '../../src/engine/index.js';
import { flatConfig } from '../fixtures/trading-config.js';
import { RlEnv, type EnvSpec } from '../../src/research/rl/index.js';
import { linearPolicy } from '../fixtures/policy.js';

const bars = simulateBars({ ...defaultSimulateParams, seed: 11, bars: 4000, regimeSwitchProb: 0.01 }).bars;
const backtest = flatConfig({ seed: 11 });
const spec = (eta: number, decisionBars = 1): EnvSpec => ({
  backtest,
  rl: { features: [...STATE_FEATURES], sigmaRef: 1.3e-4, dims: defaultActionDims, decisionSeconds: 60 * decisionBars },
  base: { model: 'as', gamma: 0.1, horizon: 'rolling', horizonSeconds: 600 },
  warmupBars: 100,
  episodeBars: 600,
  inventoryPenalty: eta,
});
const F = STATE_FEATURES.length;
const randomNet = (seed: number): PolicyNet => {
  const rng = new Rng(seed);
  return new PolicyNet('linear', 0, F, 3, Float64Array.from({ length: paramCount('linear', 0, F, 3) }, () => rng.normal() * 0.7));
};

test('reset/step with the policy outside gives the same episode as the policy inside the strategy', () => {
  for (const decisionBars of [1, 5]) {
    const env = new RlEnv(bars, spec(0.05, decisionBars));
    const net = randomNet(3);
    env.reset(1000, net);
    const inside = env.run();
    const fillsInside = env.session.core.fills.length;
    let obs = env.reset(1000, null);
    const u = new Float64Array(3);
    let total = 0;
    let steps = 0;
    for (;;) {
      net.act(obs, u);
      const r = env.step(u);
      total += r.reward;
      steps++;
      if (r.done) break;
      obs = env.observe();
    }
    assert.equal(env.episodeReward, inside, 'bar by bar, the same rewards');
    assert.ok(Math.abs(total - inside) < 1e-9 * Math.abs(inside));
    assert.equal(env.session.core.fills.length, fillsInside);
    assert.ok(fillsInside > 10, 'the episode trades');
    assert.equal(steps, Math.ceil(600 / decisionBars));
  }
});

test('with no inventory penalty the rewards add up to the PnL in bps of one order notional', () => {
  const env = new RlEnv(bars, spec(0));
  env.reset(2000, randomNet(5));
  const start = env.session.core.view.equity;
  const total = env.run();
  const pnl = env.session.core.view.equity - start;
  const unit = env.strategy.inner.params.orderQty * env.session.bars.open[100]! * 1e-4;
  assert.ok(Math.abs(total - pnl / unit) < 1e-6 * Math.max(1, Math.abs(total)), `${total} vs ${pnl / unit}`);
});

test('backtest with model rl: a zero policy reproduces AS exactly, a trained-looking one differs', () => {
  const loaded = { bars, source: { kind: 'test' } };
  const cfg = flatConfig({ seed: 11, gamma: 0.1 });
  const policy = linearPolicy({ features: STATE_FEATURES, sigmaRef: 1.3e-4, decisionSeconds: 60, base: { model: 'as', gamma: 0.1, horizon: 'rolling', horizon_seconds: 600 } });
  const as = runBarJob(cfg, loaded);
  const rl = runBarJob(flatConfig({ seed: 11, model: 'rl' }), loaded, policy);
  assert.deepEqual(rl.metrics, as.metrics);
  policy.params[paramCount('linear', 0, F, 3) - 1] = 0.8; // a constant upward skew
  const skewed = runBarJob(flatConfig({ seed: 11, model: 'rl' }), loaded, policy);
  const meanInventory = (r: typeof as): number => r.trace.inventory.subarray(0, r.trace.length).reduce((x, y) => x + y, 0) / r.trace.length;
  assert.ok(meanInventory(skewed) > meanInventory(as), `${meanInventory(skewed)} vs ${meanInventory(as)}`);
});

test('causal: an RL backtest up to bar t is unchanged when every bar after t changes', async () => {
  const { cloneBars } = await import('../../src/market/index.js');
  const rng = new Rng(8);
  const policy = linearPolicy({
    features: STATE_FEATURES,
    sigmaRef: 1.3e-4,
    decisionSeconds: 60,
    base: { model: 'glft', gamma: 0.1, horizon: 'rolling', horizon_seconds: 600 },
    weight: () => rng.normal() * 0.7, // drawn in parameter order
  });
  assert.equal(policy.params.length, paramCount('linear', 0, F, 3));
  const cfg = flatConfig({ seed: 11, model: 'rl' });
  const a = runBarJob(cfg, { bars, source: {} }, policy);
  const changed = cloneBars(bars);
  const t = 2500;
  for (let i = t + 1; i < changed.length; i++) {
    const f = 1 + 0.05 * Math.sin(i);
    changed.open[i]! *= f;
    changed.high[i]! *= f * 1.01;
    changed.low[i]! *= f * 0.99;
    changed.close[i]! *= f;
  }
  const b = runBarJob(cfg, { bars: changed, source: {} }, policy);
  for (const k of ['bid', 'ask', 'inventory', 'equity'] as const) {
    assert.deepEqual(b.trace[k].subarray(0, t + 1), a.trace[k].subarray(0, t + 1), k);
  }
  assert.ok(a.metrics.fills > 0);
});
