// JIT warm-up of an evaluation thread: a small analysis-shaped workload on simulated bars, results dropped.
import { defaultSimulateParams, simulateBars } from '../data/index.js';
import { parseTradingConfig } from '../engine/index.js';
import { evaluateTask, type EvalTask } from './cases.js';
import type { Combo } from './param-space.js';

/**
 * A new thread runs the engine's code cold (interpreted, then compiled as it gets hot): its first bar
 * cases cost several times what later ones do. A pool thread started before the data is loaded has an
 * idle core meanwhile, so it spends it here: both models, calibrated and fixed k, on a few blocks of
 * simulated bars. Nothing of it is kept (every run builds its own state), so results do not depend on
 * whether or how long a thread warmed up. Returns the number of bar steps run.
 */
export function warmUpBarEngine(): number {
  const bars = simulateBars({ ...defaultSimulateParams, seed: 1, bars: 1_200, barSeconds: 300 }).bars;
  const base = parseTradingConfig({ seed: 1 });
  const blocks: Array<[number, number]> = [
    [0, 300],
    [300, 600],
    [600, 900],
    [900, 1_200],
  ];
  const combos: Combo[] = [
    { model: 'as', gamma_s: 10, k_mode: 'calibrated', spread_floor_bps: 0, order_pct: 1, inventory_lots: 10, requote_bps: 0, strategy_params: '', levels: 1, level_spacing_bps: 1 },
    { model: 'glft', gamma_s: 30, k_mode: 15, spread_floor_bps: 5, order_pct: 1, inventory_lots: 3, requote_bps: 2, strategy_params: '', levels: 1, level_spacing_bps: 1 },
  ];
  let steps = 0;
  for (let rep = 0; rep < 3; rep++) {
    // Both paths: each case alone, and the cases of a block in one shared pass.
    const task: EvalTask = { index: 0, base, refPrice: bars.open[0]!, sharedPass: rep > 0, cases: combos.flatMap((combo) => blocks.map(([from, to]) => ({ combo, budget: 10_000, from, to }))) };
    evaluateTask(task, bars);
    steps += bars.length * combos.length;
  }
  return steps;
}
