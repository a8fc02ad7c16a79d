// The learning curve as a PNG: vega-lite → SVG (headless vega) → PNG (resvg), no browser.
import type { TrainingRow } from './train.js';

/** Training (population mean) and validation reward per generation. */
export async function learningCurvePng(rows: readonly TrainingRow[], title: string): Promise<Uint8Array> {
  const [{ compile }, vega, { Resvg }] = await Promise.all([import('vega-lite'), import('vega'), import('@resvg/resvg-js')]);
  const values: { generation: number; series: string; reward: number }[] = [];
  for (const r of rows) {
    if (Number.isFinite(r.mean_reward)) values.push({ generation: r.generation, series: 'training (population mean)', reward: r.mean_reward });
    if (Number.isFinite(r.elite_reward)) values.push({ generation: r.generation, series: 'training (elite mean)', reward: r.elite_reward });
    if (Number.isFinite(r.eval_reward)) values.push({ generation: r.generation, series: 'validation (policy)', reward: r.eval_reward });
  }
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 640,
    height: 320,
    background: 'white',
    data: { values },
    mark: { type: 'line' as const, point: true },
    encoding: {
      x: { field: 'generation', type: 'quantitative' as const, title: 'generation' },
      y: { field: 'reward', type: 'quantitative' as const, title: 'mean episode reward (bps of order notional)' },
      color: { field: 'series', type: 'nominal' as const, title: null, legend: { labelLimit: 400, orient: 'bottom' as const } },
    },
    config: { font: 'DejaVu Sans' },
  };
  const compiled = compile(spec as Parameters<typeof compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
  return new Uint8Array(png);
}
