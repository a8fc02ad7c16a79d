// The seeded live fault suite, on spot and on the USD-M perpetual: lost creates, lagging lookups, 5xx/429 bursts, stream and ledger outages, kills; zero tolerance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAULT_VENUES, emptyFigures, runFaultScenario, warmUp, type FaultVenue } from './live-fault-scenario.js';

/**
 * 200 spot and 100 perpetual scenarios in CI; LIVE_FAULT_SCENARIOS=N runs N of each, LIVE_FAULT_VENUES=spot
 * (or perp) one market only; LIVE_FAULT_SEED moves the first seed.
 */
const SCENARIOS: Record<FaultVenue['name'], number> = process.env['LIVE_FAULT_SCENARIOS'] !== undefined
  ? { spot: Number(process.env['LIVE_FAULT_SCENARIOS']), perp: Number(process.env['LIVE_FAULT_SCENARIOS']) }
  : { spot: 200, perp: 100 };
const VENUES = (process.env['LIVE_FAULT_VENUES'] ?? 'spot,perp').split(',').map((v) => FAULT_VENUES[v as FaultVenue['name']]);
const FIRST_SEED = Number(process.env['LIVE_FAULT_SEED'] ?? 1);
/** Scenarios at once (each has its own fake exchange, client and ledger). */
const CONCURRENCY = Number(process.env['LIVE_FAULT_CONCURRENCY'] ?? 6);

for (const venue of VENUES) {
  if (venue === undefined) throw new Error(`LIVE_FAULT_VENUES: expected spot and/or perp, got ${process.env['LIVE_FAULT_VENUES']}`);
  const n = SCENARIOS[venue.name];
  test(`${n} seeded live fault scenarios on ${venue.symbol} (${venue.exchange}): no orphan order, no duplicate, no invented or lost fill, ledger equals exchange`, { timeout: 900_000 }, async () => {
    await warmUp(venue);
    const fig = emptyFigures();
    const t0 = Date.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < n) {
        const seed = FIRST_SEED + next++;
        await runFaultScenario(seed, fig, venue);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, n) }, worker));
    const seconds = (Date.now() - t0) / 1000;
    const faults = Object.entries(fig.faults)
      .sort()
      .map(([k, c]) => `${k} ${c}`)
      .join(', ');
    process.stdout.write(
      `# live fault suite (${venue.name}): ${fig.scenarios} scenarios (seeds ${FIRST_SEED}-${FIRST_SEED + n - 1}) in ${seconds.toFixed(1)} s; ` +
        `orphan orders ${fig.orphanOrders}, duplicates ${fig.duplicates}, invented fills ${fig.inventedFills}, lost fills ${fig.lostFills} ` +
        `(of ${fig.fillsChecked} exchange fills), position mismatches ${fig.positionMismatches}, invariant violations ${fig.invariantViolations}, runs left running ${fig.runsLeftRunning}, stuck halted ${fig.stuckHalted}\n` +
        `# faults injected: ${faults}\n`,
    );
    if (fig.failures.length > 0) process.stdout.write(`# failures:\n${fig.failures.slice(0, 40).map((f) => `#   ${f}`).join('\n')}\n`);
    assert.deepEqual(fig.failures.slice(0, 20), []);
    assert.equal(fig.scenarios, n);
    for (const k of ['orphanOrders', 'duplicates', 'inventedFills', 'lostFills', 'positionMismatches', 'invariantViolations', 'runsLeftRunning', 'stuckHalted'] as const) assert.equal(fig[k], 0, k);
    assert.ok(fig.fillsChecked > n / 2, 'the scenarios produced fills to check');
  });
}
