// RL policy files: exact round trip, action mapping, and corrupted or incompatible files refused with one clear line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../core/index.js';
import {
  POLICY_FORMAT,
  POLICY_VERSION,
  STATE_FEATURES,
  actionValue,
  defaultActionDims,
  loadPolicyFile,
  paramCount,
  parsePolicy,
  policyNet,
  serializePolicy,
  type RlPolicy,
} from './index.js';

function policy(kind: 'linear' | 'mlp' = 'mlp', hidden = 4): RlPolicy {
  const n = paramCount(kind, hidden, STATE_FEATURES.length, defaultActionDims.length);
  return {
    format: POLICY_FORMAT,
    version: POLICY_VERSION,
    kind,
    hidden,
    state: { features: [...STATE_FEATURES], sigma_ref: 1.3e-4 },
    action: { dims: defaultActionDims.map((d) => ({ ...d })), decision_seconds: 60 },
    base: { model: 'as', gamma: 0.1, horizon: 'rolling', horizon_seconds: 600 },
    params: Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) / 3 + 1e-17 * i),
    training: { seed: 7 },
  };
}

const tmp = mkdtempSync(join(tmpdir(), 'mm-policy-'));

test('policy.json round-trips exactly: same parameters, same actions', () => {
  for (const kind of ['linear', 'mlp'] as const) {
    const p = policy(kind);
    const path = join(tmp, `${kind}.json`);
    writeFileSync(path, serializePolicy(p));
    const q = loadPolicyFile(path);
    assert.deepEqual(q, p);
    const x = Float64Array.from(STATE_FEATURES, (_, i) => Math.cos(i));
    const a = new Float64Array(3);
    const b = new Float64Array(3);
    policyNet(p).act(x, a);
    policyNet(q).act(x, b);
    assert.deepEqual(a, b);
    for (const u of a) assert.ok(u > -1 && u < 1);
  }
});

test('u = 0 is the identity action; the ends of the range are reached', () => {
  const [g, s, k] = defaultActionDims as [typeof defaultActionDims[0], typeof defaultActionDims[0], typeof defaultActionDims[0]];
  assert.equal(actionValue(g, 0), 1);
  assert.equal(actionValue(s, 0), 1);
  assert.equal(actionValue(k, 0), 0);
  assert.ok(Math.abs(actionValue(g, 1) - 10) < 1e-12 && Math.abs(actionValue(g, -1) - 0.1) < 1e-12);
  assert.equal(actionValue(k, -1), -1);
});

function refused(content: string, pattern: RegExp): void {
  const path = join(tmp, `bad-${Math.abs(content.length)}-${pattern.source.length}.json`);
  writeFileSync(path, content);
  assert.throws(() => loadPolicyFile(path), (e: unknown) => e instanceof UserError && e.exitCode === 2 && pattern.test(e.message) && !e.message.includes('\n'));
}

test('corrupted and incompatible policies are refused with a clear UserError', () => {
  const good = policy();
  refused(serializePolicy(good).slice(0, 200), /not valid JSON/);
  refused(JSON.stringify({ ...good, version: 99 }), /incompatible policy version 99/);
  refused(JSON.stringify({ ...good, format: 'something-else' }), /not a marketmakerl RL policy/);
  refused(JSON.stringify({ ...good, params: good.params.slice(1) }), /params: expected \d+ parameters/);
  refused(JSON.stringify({ ...good, state: { ...good.state, features: ['inventory', 'moon_phase'] } }), /state\.features/);
  refused(JSON.stringify({ ...good, params: [...good.params.slice(1), 'x'] }), /params/);
  refused(JSON.stringify({ ...good, action: { ...good.action, dims: [{ name: 'skew', min: 1, max: -1, scale: 'linear' }] } }), /action/);
  assert.throws(() => loadPolicyFile(join(tmp, 'missing.json')), /cannot read policy file/);
  assert.throws(() => parsePolicy([1, 2], 'p'), UserError);
});
