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
  });
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
