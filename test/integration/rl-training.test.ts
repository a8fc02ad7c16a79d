// RL training on a market where the better action is known: strong trends, where leaning quotes with the trend pays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/index.js';
import { PolicyNet, policyNet } from '../../src/models/index.js';
import { RlEnv, dataSpecOf, loadSpec, meanEpisodeReward, parseRlTrainConfig, trainRl, type EnvSpec, type RlTrainConfigInput } from '../../src/research/rl/index.js';

const input = (over: Partial<RlTrainConfigInput> = {}): RlTrainConfigInput => ({
  seed: 1,
  episodes: 16 * 4 * 12,
  workers: 1,
  base_gamma: 0.1,
  episode_bars: 500,
  warmup_bars: 100,
  data: { simulate: { bars: 20_000, trend_drift_in_vols: 0.5, regime_switch_prob: 0.01 } },
  cem: { population: 16, windows: 4 },
  ...over,
});

test('training lifts the held-out reward well above the untrained and random policies; the policy leans with momentum', async () => {
  const c = parseRlTrainConfig(input());
  const r = await trainRl(c);
  const bars = loadSpec(dataSpecOf(c));
  const p = r.policy;
  const spec: EnvSpec = {
    backtest: (await import('../../src/research/rl/index.js')).envBacktestConfig(c),
    rl: { features: p.state.features, sigmaRef: p.state.sigma_ref, dims: p.action.dims, decisionSeconds: p.action.decision_seconds },
    base: { model: p.base.model, gamma: p.base.gamma, horizon: p.base.horizon, horizonSeconds: p.base.horizon_seconds },
    warmupBars: c.warmup_bars,
    episodeBars: c.episode_bars,
    inventoryPenalty: c.inventory_penalty,
  };
  const env = new RlEnv(bars, spec);
  const heldout: number[] = [];
  for (let s = r.split.holdoutStart; s + c.episode_bars <= bars.length; s += c.episode_bars) heldout.push(s);
  assert.ok(heldout.length >= 10);
  const F = p.state.features.length;
  const A = p.action.dims.length;
  const trained = meanEpisodeReward(env, policyNet(p), heldout);
  const untrained = meanEpisodeReward(env, new PolicyNet('linear', 0, F, A, new Float64Array(p.params.length)), heldout);
  const rng = new Rng(99);
  const random: number[] = [];
  for (let i = 0; i < 8; i++) {
    const params = Float64Array.from(p.params, () => rng.normal() * c.cem.init_std);
    random.push(meanEpisodeReward(env, new PolicyNet('linear', 0, F, A, params), heldout));
  }
  const randomMean = random.reduce((a, b) => a + b, 0) / random.length;
  assert.ok(untrained < 0, `symmetric quoting loses in trends (${untrained})`);
  assert.ok(trained - untrained > 0.5 * Math.abs(untrained), `trained ${trained} vs untrained ${untrained}`);
  assert.ok(trained > Math.max(...random), `trained ${trained} vs random ${random.map((x) => x.toFixed(0)).join(' ')}`);
  assert.ok(trained > randomMean + 0.5 * Math.abs(randomMean));
  // The known good action: skew in the direction of momentum (weight of 'momentum' on the skew output).
  const skewRow = p.action.dims.findIndex((d) => d.name === 'skew');
  const wMomentum = p.params[skewRow * (F + 1) + p.state.features.indexOf('momentum')]!;
  const wSigned = p.params[skewRow * (F + 1) + p.state.features.indexOf('signed_trend')]!;
  assert.ok(wMomentum + wSigned > 0, `skew weights: momentum ${wMomentum}, signed trend ${wSigned}`);
});

test('the same seed gives the same policy, with 1 or 2 worker threads', async () => {
  const small = input({ episodes: 8 * 2 * 3, cem: { population: 8, windows: 2 }, data: { simulate: { bars: 8000, trend_drift_in_vols: 0.5 } } });
  const a = await trainRl(parseRlTrainConfig(small));
  const b = await trainRl(parseRlTrainConfig(small));
  const w = await trainRl(parseRlTrainConfig({ ...small, workers: 2 }));
  assert.deepEqual(a.policy.params, b.policy.params);
  assert.deepEqual(a.rows, b.rows);
  assert.deepEqual(w.policy.params, a.policy.params);
  assert.deepEqual(w.rows, a.rows);
  const other = await trainRl(parseRlTrainConfig({ ...small, seed: 2 }));
  assert.notDeepEqual(other.rows, a.rows);
});

test('an MLP policy trains the same way and reproduces through policy.json', async () => {
  const { serializePolicy, parsePolicy, paramCount } = await import('../../src/models/index.js');
  const small = input({
    episodes: 8 * 2 * 2,
    cem: { population: 8, windows: 2 },
    data: { simulate: { bars: 8000, trend_drift_in_vols: 0.5 } },
    policy: { kind: 'mlp', hidden: 4 },
  });
  const a = await trainRl(parseRlTrainConfig(small));
  const w = await trainRl(parseRlTrainConfig({ ...small, workers: 2 }));
  assert.equal(a.policy.kind, 'mlp');
  assert.equal(a.policy.params.length, paramCount('mlp', 4, a.policy.state.features.length, a.policy.action.dims.length));
  assert.deepEqual(w.policy.params, a.policy.params);
  const back = parsePolicy(JSON.parse(serializePolicy(a.policy)), 'policy');
  assert.deepEqual(back, a.policy);
});
