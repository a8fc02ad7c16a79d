// The learning curve as a vega-lite spec (plain data; the CLI renders it with src/report's charts).
import type { TrainingRow } from './train.js';

/** Training (population and elite means) and validation reward per generation. */
export function learningCurveSpec(rows: readonly TrainingRow[], title: string): Record<string, unknown> {
  const values: { generation: number; series: string; reward: number }[] = [];
  for (const r of rows) {
    if (Number.isFinite(r.mean_reward)) values.push({ generation: r.generation, series: 'training (population mean)', reward: r.mean_reward });
    if (Number.isFinite(r.elite_reward)) values.push({ generation: r.generation, series: 'training (elite mean)', reward: r.elite_reward });
    if (Number.isFinite(r.eval_reward)) values.push({ generation: r.generation, series: 'validation (policy)', reward: r.eval_reward });
  }
  return {
    title,
    width: 640,
    height: 320,
    background: 'white',
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'generation', type: 'quantitative', title: 'generation' },
      y: { field: 'reward', type: 'quantitative', title: 'mean episode reward (bps of order notional)' },
      color: { field: 'series', type: 'nominal', title: null, legend: { labelLimit: 400, orient: 'bottom' } },
    },
    config: { font: 'DejaVu Sans' },
  };
}
