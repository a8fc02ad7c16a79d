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
    risk: { final_state: 'active', seconds_in_state: { active: 86_400, reducing: 0, halted: 0 }, transitions_total: 0, transitions: [], denials_by_rule: {} },
    ...over,
  } as ExecutionValue['metrics'];
  return { role: 'execution', agent: 'e', metrics, window: { kind: 'test', from: 0, to: 1440, out_of_sample: true }, orderQty: 0.1, maxInventoryQty: 1 };
}
const limits = RiskParamsSchema.parse({});
const verdicts = (ex: ExecutionValue): Record<string, string> => Object.fromEntries(riskChecks(ex, limits).map((c) => [c.check, c.verdict]));

test('a sound result passes every check', () => {
  assert.deepEqual(verdicts(execution({})), {
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
  const risk = { final_state: 'halted' as const, seconds_in_state: { active: 3_600, reducing: 0, halted: 3_600 }, transitions_total: 1, transitions: [], denials_by_rule: {} };
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
