// The scheduler: inputs before consumers, at most N agents at once, failures skip everything downstream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from './load-config.js';
import { runGraph } from './scheduler.js';
import type { AgentTask } from './agent-task.js';
import type { TimedResult } from './worker-pool.js';

const chain = (p: string): unknown[] => [
  { name: `${p}d`, role: 'data' },
  { name: `${p}m`, role: 'ml', inputs: [`${p}d`] },
  { name: `${p}e`, role: 'execution', inputs: [`${p}m`] },
  { name: `${p}r`, role: 'risk', inputs: [`${p}e`] },
];
const agents = validateConfig({ agents: [...chain('a'), ...chain('b'), ...chain('c')] }).agents;

function fakeRun(maxConcurrent: number, failing: ReadonlySet<string>) {
  let running = 0;
  let peak = 0;
  const order: string[] = [];
  const execute = async (t: AgentTask): Promise<TimedResult> => {
    running++;
    peak = Math.max(peak, running);
    order.push(t.agent.name);
    for (const v of t.inputs) assert.ok(order.includes(v.agent), 'an input ran before its consumer');
    await new Promise((r) => setTimeout(r, 1 + (t.agent.name.charCodeAt(0) % 3)));
    running--;
    if (failing.has(t.agent.name)) return { result: { ok: false, error: 'boom' }, ms: 1 };
    return { result: { ok: true, outputs: [], value: { role: 'risk', agent: t.agent.name, status: 'ok', breaches: [], totalPnl: 0 } }, ms: 1 };
  };
  const makeTask = (a: (typeof agents)[number], inputs: AgentTask['inputs']): AgentTask => ({
    runId: 'x',
    mode: 'backtest',
    artifactsDir: '/nowhere',
    agent: a,
    seed: 1,
    market: { exchange: 'binance', symbol: 'S', tick_size: 0.01, lot_size: 0.01, instrument: 'spot', contract_size: 1 },
    inputs,
  });
  const events: string[] = [];
  const done = runGraph(agents, maxConcurrent, makeTask, execute, {
    started: (a) => events.push(`start ${a.name}`),
    finished: (a, o) => events.push(`${o.status} ${a.name}`),
  });
  return { done, peak: () => peak, events };
}

test('at most N agents run at once, and all complete', async () => {
  for (const n of [1, 2, 3]) {
    const r = fakeRun(n, new Set());
    const outcomes = await r.done;
    assert.ok(r.peak() <= n && r.peak() >= 1);
    assert.ok(outcomes.every((o) => o.status === 'completed'));
  }
});

test('a failure skips its downstream agents only, with the reason, and they never start', async () => {
  const r = fakeRun(2, new Set(['bm']));
  const outcomes = await r.done;
  const by = new Map(outcomes.map((o) => [o.agent, o]));
  assert.equal(by.get('bm')!.status, 'failed');
  assert.equal(by.get('bm')!.error, 'boom');
  assert.equal(by.get('be')!.reason, "input 'bm' failed");
  assert.equal(by.get('br')!.reason, "input 'be' was skipped");
  assert.ok(['ad', 'am', 'ae', 'ar', 'bd', 'cd', 'cm', 'ce', 'cr'].every((n) => by.get(n)!.status === 'completed'));
  assert.ok(!r.events.includes('start be') && !r.events.includes('start br'));
  assert.deepEqual(
    outcomes.map((o) => o.agent),
    agents.map((a) => a.name),
  );
});
