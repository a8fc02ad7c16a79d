// The seeded live fault suite: lost creates, lagging lookups, 5xx/429 bursts, stream and ledger outages, kills; zero tolerance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyFigures, runFaultScenario, warmUp } from './live-fault-scenario.js';

/** 200 scenarios in CI; LIVE_FAULT_SCENARIOS=N runs more (LIVE_FAULT_SEED moves the first seed). */
const SCENARIOS = Number(process.env['LIVE_FAULT_SCENARIOS'] ?? 200);
const FIRST_SEED = Number(process.env['LIVE_FAULT_SEED'] ?? 1);
/** Scenarios at once (each has its own fake exchange, client and ledger). */
const CONCURRENCY = Number(process.env['LIVE_FAULT_CONCURRENCY'] ?? 6);

test(`${SCENARIOS} seeded live fault scenarios: no orphan order, no duplicate, no invented or lost fill, ledger equals exchange`, { timeout: 900_000 }, async () => {
  await warmUp();
  const fig = emptyFigures();
  const t0 = Date.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < SCENARIOS) {
      const seed = FIRST_SEED + next++;
      await runFaultScenario(seed, fig);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, SCENARIOS) }, worker));
  const seconds = (Date.now() - t0) / 1000;
  const faults = Object.entries(fig.faults)
    .sort()
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  process.stdout.write(
    `# live fault suite: ${fig.scenarios} scenarios (seeds ${FIRST_SEED}-${FIRST_SEED + SCENARIOS - 1}) in ${seconds.toFixed(1)} s; ` +
      `orphan orders ${fig.orphanOrders}, duplicates ${fig.duplicates}, invented fills ${fig.inventedFills}, lost fills ${fig.lostFills} ` +
      `(of ${fig.fillsChecked} exchange fills), position mismatches ${fig.positionMismatches}, invariant violations ${fig.invariantViolations}, runs left running ${fig.runsLeftRunning}\n` +
      `# faults injected: ${faults}\n`,
  );
  if (fig.failures.length > 0) process.stdout.write(`# failures:\n${fig.failures.slice(0, 40).map((f) => `#   ${f}`).join('\n')}\n`);
  assert.deepEqual(fig.failures.slice(0, 20), []);
  assert.equal(fig.scenarios, SCENARIOS);
  for (const k of ['orphanOrders', 'duplicates', 'inventedFills', 'lostFills', 'positionMismatches', 'invariantViolations', 'runsLeftRunning'] as const) assert.equal(fig[k], 0, k);
  assert.ok(fig.fillsChecked > SCENARIOS / 2, 'the scenarios produced fills to check');
});
