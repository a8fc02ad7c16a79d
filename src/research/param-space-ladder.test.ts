// Ladders as analyze dimensions: levels and level_spacing_bps reach the quoting section; a space that leaves them at one level samples as before they existed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleSpace } from './sampling.js';
import { DIM_NAMES, comboConfig, defaultParamSpace, gridSize, type ParamSpace } from './param-space.js';
import { AnalysisSection } from './analysis-config.js';
import { parseTradingConfig } from '../engine/index.js';

test('levels and level_spacing_bps are swept and set quoting.levels / quoting.level_spacing_bps', () => {
  const space: ParamSpace = { ...defaultParamSpace, model: ['as'], gamma_s: [10], k_mode: ['calibrated'], spread_floor_bps: [0], order_pct: [1], inventory_lots: [10], requote_bps: [0], levels: [1, 3], level_spacing_bps: [1, 4] };
  assert.equal(gridSize(space), 4);
  const combos = sampleSpace(space, 10, 'auto', 1).combos;
  assert.deepEqual(combos.map((c) => [c.levels, c.level_spacing_bps]), [[1, 1], [1, 4], [3, 1], [3, 4]]);
  const base = parseTradingConfig({ capital: 10_000 });
  const cfg = comboConfig(base, combos[3]!, 10_000, 100, 100);
  assert.equal(cfg.quoting.levels, 3);
  assert.equal(cfg.quoting.level_spacing_bps, 4);
  // The analysis section takes them as lists, strictly.
  assert.deepEqual(AnalysisSection.parse({ space: { levels: [1, 2], level_spacing_bps: [0.5] } }).space, { levels: [1, 2], level_spacing_bps: [0.5] });
  assert.throws(() => AnalysisSection.parse({ space: { levels: [0] } }));
  assert.ok(DIM_NAMES.includes('levels') && DIM_NAMES.includes('level_spacing_bps'));
});

// The first combos of the default space (seed 3) as the sampler drew them before the ladder dimensions existed.
const BEFORE: Record<'random' | 'lhs', string[]> = {
  "random": [
    "glft 100 40 5 1 30 5",
    "as 100 calibrated 0 2 10 5",
    "glft 100 5 20 2 3 2",
    "as 10 15 20 2 3 0",
    "as 10 calibrated 0 1 3 2",
    "as 30 40 0 2 3 0",
    "as 100 15 5 1 3 0",
    "glft 30 5 10 0.5 3 0",
    "glft 300 15 20 2 10 2",
    "glft 30 15 5 1 3 5",
    "glft 100 40 10 0.5 30 2",
    "as 300 15 0 1 3 2"
  ],
  "lhs": [
    "as 300 15 20 1 30 2",
    "glft 300 40 0 2 10 2",
    "glft 3 5 20 2 3 0",
    "as 30 40 20 2 10 0",
    "as 100 calibrated 5 1 30 5",
    "glft 100 15 5 2 3 0",
    "as 3 5 10 1 30 2",
    "as 30 40 0 0.5 3 2",
    "glft 100 calibrated 10 0.5 10 0",
    "as 10 5 10 1 3 5",
    "glft 30 15 5 0.5 30 5",
    "glft 10 calibrated 0 0.5 10 5"
  ]
};

test('one-level spaces sample the same combos on the other dimensions as before the ladder dimensions existed', () => {
  for (const method of ['random', 'lhs'] as const) {
    const s = sampleSpace(defaultParamSpace, 12, method, 3).combos;
    assert.ok(s.every((c) => c.levels === 1 && c.level_spacing_bps === 1));
    assert.deepEqual(s.map((c) => [c.model, c.gamma_s, c.k_mode, c.spread_floor_bps, c.order_pct, c.inventory_lots, c.requote_bps].join(' ')), BEFORE[method], method);
  }
  // Latin hypercube draws the new columns after the old ones: sweeping levels leaves the old columns as they were.
  const t = sampleSpace({ ...defaultParamSpace, levels: [1, 2] }, 12, 'lhs', 3).combos;
  assert.deepEqual(t.map((c) => [c.model, c.gamma_s, c.k_mode, c.spread_floor_bps, c.order_pct, c.inventory_lots, c.requote_bps].join(' ')), BEFORE.lhs);
  assert.ok(t.some((c) => c.levels === 2));
});
