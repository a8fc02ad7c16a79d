// The Avellaneda–Stoikov (2008) Monte Carlo against the paper's Tables 1–2, within sampling error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAs2008, as2008Defaults, as2008Paper } from './as2008.js';

// Standard errors of the mean with 1000 paths: profit ≈ 0.2–0.45, final q ≈ 0.1–0.3. Allow 4 SE of the
// paper's and ours combined for means; the dispersions (std) within 12%.
for (const gamma of [0.1, 0.01]) {
  test(`gamma ${gamma}: profits, dispersions and final inventories agree with the paper`, () => {
    const r = runAs2008({ ...as2008Defaults, gamma, paths: 1000, seed: 11 });
    const paper = as2008Paper[String(gamma)]!;
    for (const s of ['inventory', 'symmetric'] as const) {
      const ours = r[s];
      const ref = paper[s];
      const se = (Math.SQRT2 * ours.profit_std) / Math.sqrt(1000);
      assert.ok(Math.abs(ours.profit_mean - ref.profit_mean) < 4 * se, `${s} profit ${ours.profit_mean} vs ${ref.profit_mean} (se ${se})`);
      assert.ok(Math.abs(ours.profit_std / ref.profit_std - 1) < 0.12, `${s} profit std ${ours.profit_std} vs ${ref.profit_std}`);
      assert.ok(Math.abs(ours.final_q_std / ref.final_q_std - 1) < 0.12, `${s} q std ${ours.final_q_std} vs ${ref.final_q_std}`);
      const seQ = (Math.SQRT2 * ours.final_q_std) / Math.sqrt(1000);
      assert.ok(Math.abs(ours.final_q_mean - ref.final_q_mean) < 4 * seQ, `${s} q mean ${ours.final_q_mean}`);
    }
  });
}

test('gamma 0.5: the inventory strategy has far less PnL and inventory dispersion than the symmetric one', () => {
  const r = runAs2008({ ...as2008Defaults, gamma: 0.5, paths: 1000, seed: 11 });
  assert.ok(r.inventory.profit_std < 0.6 * r.symmetric.profit_std);
  assert.ok(r.inventory.final_q_std < 0.4 * r.symmetric.final_q_std);
});

test('the average spread follows the formula γσ²(T−t) + (2/γ)ln(1+γ/k) averaged over t', () => {
  const r = runAs2008({ ...as2008Defaults, gamma: 0.1, paths: 10, seed: 1 });
  // Mean of (T − t) over t = 0, dt, …, T − dt is (T + dt)/2.
  const expected = 0.1 * 4 * ((1 + 0.005) / 2) + 20 * Math.log(1 + 0.1 / 1.5);
  assert.ok(Math.abs(r.inventory.spread - expected) < 1e-9);
});

test('same seed, same numbers', () => {
  const a = runAs2008({ ...as2008Defaults, gamma: 0.1, paths: 50, seed: 3 });
  const b = runAs2008({ ...as2008Defaults, gamma: 0.1, paths: 50, seed: 3 });
  assert.deepEqual(a, b);
});
