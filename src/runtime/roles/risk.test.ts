// Risk checks: each limit breaches on its own, undefined values are n/a, and the status follows the verdicts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RiskParamsSchema } from '../config.js';
import type { ExecutionValue } from '../agent-task.js';
import { riskChecks } from './risk.js';

function execution(over: Partial<ExecutionValue['metrics']>): ExecutionValue {
  const metrics = {
    samples: 1440,
    sample_seconds: 60,
    return_pct: 1,
    max_drawdown_pct: 0.5,
    max_abs_inventory: 1,
    fills: 100,
    realized_pnl: 100,
    inventory_pnl: 0,
    fees: 10,
    total_pnl: 90,
    risk: { final_state: 'active', seconds_in_state: { active: 86_400, reducing: 0, halted: 0 }, transitions_total: 0, state_changes_total: 0, transitions: [], denials_by_rule: {}, halts: [] },
    ...over,
  } as ExecutionValue['metrics'];
  return { role: 'execution', agent: 'e', metrics, window: { kind: 'test', from: 0, to: 1440, out_of_sample: true }, orderQty: 0.1, maxInventoryQty: 1 };
}
const limits = RiskParamsSchema.parse({});
const verdicts = (ex: ExecutionValue): Record<string, string> => Object.fromEntries(riskChecks(ex, limits).map((c) => [c.check, c.verdict]));

test('a sound result passes every check', () => {
  assert.deepEqual(verdicts(execution({})), {
    risk_halt: 'pass',
    max_drawdown_pct: 'pass',
    max_abs_inventory: 'pass',
    min_fills: 'pass',
    max_daily_return_pct: 'pass',
    max_fee_share: 'pass',
    min_total_pnl: 'pass',
    max_halted_share: 'pass',
  });
});

test('a losing run is a breach unless the limit allows the loss; the report states the PnL', () => {
  assert.equal(verdicts(execution({ total_pnl: -542 }))['min_total_pnl'], 'breach');
  const allowed = riskChecks(execution({ total_pnl: -542 }), RiskParamsSchema.parse({ min_total_pnl: -1_000 })).find((c) => c.check === 'min_total_pnl')!;
  assert.deepEqual([allowed.value, allowed.verdict], [-542, 'pass']);
});

test('a run the risk engine held halted longer than allowed is a breach', () => {
  const risk = { final_state: 'halted' as const, seconds_in_state: { active: 3_600, reducing: 0, halted: 3_600 }, transitions_total: 1, state_changes_total: 1, transitions: [], denials_by_rule: {}, halts: [] };
  const c = riskChecks(execution({ risk }), RiskParamsSchema.parse({ max_halted_share: 0.25 })).find((x) => x.check === 'max_halted_share')!;
  assert.deepEqual([c.value, c.verdict], [0.5, 'breach']);
});

test('each limit breaches on its own', () => {
  assert.equal(verdicts(execution({ max_drawdown_pct: 2.5 }))['max_drawdown_pct'], 'breach');
  assert.equal(verdicts(execution({ max_abs_inventory: 1.2 }))['max_abs_inventory'], 'breach');
  assert.equal(verdicts(execution({ fills: 9 }))['min_fills'], 'breach');
  // 6% over one day of 1m bars is implausible at the default 5%/day; over two days it is 3%/day.
  assert.equal(verdicts(execution({ return_pct: 6 }))['max_daily_return_pct'], 'breach');
  assert.equal(verdicts(execution({ return_pct: 6, samples: 2880 }))['max_daily_return_pct'], 'pass');
  assert.equal(verdicts(execution({ fees: 60 }))['max_fee_share'], 'breach');
});

test('fee share is n/a without a gross profit', () => {
  const c = riskChecks(execution({ realized_pnl: -5, fees: 1 }), limits).find((x) => x.check === 'max_fee_share')!;
  assert.deepEqual([c.value, c.verdict], [null, 'n/a']);
});

const halted = (condition: string, reason: string): ExecutionValue['metrics']['risk'] => ({
  final_state: 'halted',
  seconds_in_state: { active: 240, reducing: 0, halted: 86_160 },
  transitions_total: 1,
  state_changes_total: 1,
  transitions: [{ ts: '2024-12-15T12:04:00.000Z', condition, raised: true, from: 'active', to: 'halted', reason }],
  denials_by_rule: {},
  halts: [{ ts: '2024-12-15T12:04:00.000Z', condition, reason }],
});

test('a run the session halted for a loss limit, a kill switch or a strategy error is a breach naming the reason; allow_halt lets it pass', () => {
  for (const [condition, reason] of [
    ['drawdown', 'drawdown 2.06 reached max_drawdown 2'],
    ['daily-loss', 'daily loss 3.1 reached daily_loss_limit 3'],
    ['kill-switch', 'kill switch file present'],
    ['strategy-error', 'strategy threw: boom'],
  ] as const) {
    const c = riskChecks(execution({ risk: halted(condition, reason) }), limits).find((x) => x.check === 'risk_halt')!;
    assert.deepEqual([c.value, c.verdict], [1, 'breach'], condition);
    assert.equal(c.reason, `${condition} at 2024-12-15T12:04:00.000Z: ${reason}`);
  }
  const allowed = riskChecks(execution({ risk: halted('drawdown', 'drawdown 2.06 reached max_drawdown 2') }), RiskParamsSchema.parse({ allow_halt: true })).find((x) => x.check === 'risk_halt')!;
  assert.equal(allowed.verdict, 'pass');
});

test("the drawdown limit in quote currency (the file's risk.max_drawdown) replaces the default % check", () => {
  const checks = riskChecks(execution({ max_drawdown: 30, max_drawdown_pct: 0.3 }), RiskParamsSchema.parse({ max_drawdown: 2 }));
  const dd = checks.find((x) => x.check === 'max_drawdown')!;
  assert.deepEqual([dd.value, dd.limit, dd.verdict], [30, 2, 'breach']);
  assert.equal(checks.find((x) => x.check === 'max_drawdown_pct'), undefined);
  // Without it, 2% of capital as before.
  assert.deepEqual(riskChecks(execution({ max_drawdown_pct: 0.3 }), limits).find((x) => x.check === 'max_drawdown_pct')!.limit, 2);
});

test('a run shorter than a day is judged on its own return, not projected to a day', () => {
  // 0.5% in 5 minutes: 144%/day projected; the run's return is 0.5%, under the daily 5%.
  const c = riskChecks(execution({ return_pct: 0.5, samples: 5, sample_seconds: 60 }), limits).find((x) => x.check === 'max_daily_return_pct')!;
  assert.deepEqual([c.value, c.verdict], [0.5, 'pass']);
  assert.equal(verdicts(execution({ return_pct: 6, samples: 5, sample_seconds: 60 }))['max_daily_return_pct'], 'breach');
});
