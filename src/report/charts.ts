// Charts without a browser: vega-lite specs compiled to vega, rendered to SVG, and to PNG through resvg.

/** A vega-lite spec as plain data (the parts we build are objects and arrays of JSON values). */
export type VlSpec = Record<string, unknown>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export async function renderSvg(spec: VlSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vl.compile({ $schema: SCHEMA, ...spec } as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function svgToPng(svg: string, width = 1200): Promise<Uint8Array> {
  const { Resvg } = await import('@resvg/resvg-js');
  return new Resvg(svg, { fitTo: { mode: 'width', value: width }, background: 'white', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}

/** Keep at most `max` points, evenly spaced (charts need shape, not every bar). */
export function thin<T>(rows: readonly T[], max = 600): T[] {
  if (rows.length <= max) return rows.slice();
  const step = rows.length / max;
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(rows[Math.floor(i * step)]!);
  out.push(rows[rows.length - 1]!);
  return out;
}

/** At most about `max` points, keeping each bucket's lowest and highest value so peaks and troughs survive. */
export function thinMinMax(rows: ReadonlyArray<{ t: number; v: number }>, max = 600): Array<{ t: number; v: number }> {
  if (rows.length <= max) return rows.slice();
  const buckets = Math.max(1, Math.floor(max / 2));
  const size = rows.length / buckets;
  const out: Array<{ t: number; v: number }> = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor(b * size);
    const to = Math.min(rows.length, Math.floor((b + 1) * size));
    let lo = from;
    let hi = from;
    for (let i = from; i < to; i++) {
      if (rows[i]!.v < rows[lo]!.v) lo = i;
      if (rows[i]!.v > rows[hi]!.v) hi = i;
    }
    out.push(rows[Math.min(lo, hi)]!);
    if (lo !== hi) out.push(rows[Math.max(lo, hi)]!);
  }
  const last = rows[rows.length - 1]!;
  if (out[out.length - 1] !== last) out.push(last);
  return out;
}

const W = 760;
const time = { field: 't', type: 'temporal', title: null };

export function lineChart(title: string, rows: Array<{ t: number; v: number }>, yTitle: string, color = '#1f77b4'): VlSpec {
  return { title, width: W, height: 180, data: { values: thinMinMax(rows) }, mark: { type: 'line', color, strokeWidth: 1.2 }, encoding: { x: time, y: { field: 'v', type: 'quantitative', title: yTitle, scale: { zero: false } } } };
}

export function areaChart(title: string, rows: Array<{ t: number; v: number }>, yTitle: string, color: string): VlSpec {
  return { title, width: W, height: 150, data: { values: thinMinMax(rows) }, mark: { type: 'area', color, opacity: 0.6, line: { color } }, encoding: { x: time, y: { field: 'v', type: 'quantitative', title: yTitle } } };
}

/** Mid, our bid and ask, and fills (green buys, red sells) over one stretch of bars. */
export function quotesChart(title: string, rows: Array<{ t: number; mid: number; bid: number | null; ask: number | null }>, fills: Array<{ t: number; price: number; side: string }>): VlSpec {
  const long = rows.flatMap((r) => [
    { t: r.t, series: 'mid', p: r.mid },
    ...(r.bid === null ? [] : [{ t: r.t, series: 'bid', p: r.bid }]),
    ...(r.ask === null ? [] : [{ t: r.t, series: 'ask', p: r.ask }]),
  ]);
  return {
    title,
    width: W,
    height: 240,
    layer: [
      {
        data: { values: long },
        mark: { type: 'line', strokeWidth: 1, interpolate: 'step-after' },
        encoding: { x: time, y: { field: 'p', type: 'quantitative', title: 'price', scale: { zero: false } }, color: { field: 'series', type: 'nominal', scale: { domain: ['mid', 'bid', 'ask'], range: ['#444', '#2ca02c', '#d62728'] }, title: null } },
      },
      {
        data: { values: fills },
        mark: { type: 'point', filled: true, size: 40 },
        encoding: { x: time, y: { field: 'price', type: 'quantitative' }, shape: { field: 'side', type: 'nominal', title: 'fill' }, fill: { field: 'side', type: 'nominal', scale: { domain: ['buy', 'sell'], range: ['#2ca02c', '#d62728'] }, legend: null }, stroke: { value: 'black' } },
      },
    ],
  };
}

export function barChart(title: string, rows: Array<{ label: string; v: number }>, yTitle: string, sortByLabel = false): VlSpec {
  return {
    title,
    width: W,
    height: 180,
    data: { values: rows },
    mark: 'bar',
    encoding: {
      x: { field: 'label', type: 'ordinal', title: null, sort: sortByLabel ? 'ascending' : null },
      y: { field: 'v', type: 'quantitative', title: yTitle },
      color: { condition: { test: 'datum.v < 0', value: '#d62728' }, value: '#2ca02c' },
    },
  };
}

export function heatmap(title: string, rows: Array<{ x: string; y: string; v: number }>, xTitle: string, yTitle: string, vTitle: string): VlSpec {
  return {
    title,
    width: 360,
    height: 240,
    data: { values: rows },
    encoding: { x: { field: 'x', type: 'ordinal', title: xTitle, sort: null }, y: { field: 'y', type: 'ordinal', title: yTitle, sort: null } },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'v', type: 'quantitative', title: vTitle, scale: { scheme: 'redyellowgreen', domainMid: 0 } } } },
      { mark: { type: 'text', fontSize: 10 }, encoding: { text: { field: 'v', type: 'quantitative', format: '.2f' } } },
    ],
  };
}

/** Several series on one time axis, coloured by name. */
export function multiLineChart(title: string, rows: Array<{ t: number; v: number; series: string }>, yTitle: string): VlSpec {
  return { title, width: W, height: 220, data: { values: rows }, mark: { type: 'line', strokeWidth: 1.2 }, encoding: { x: time, y: { field: 'v', type: 'quantitative', title: yTitle, scale: { zero: false } }, color: { field: 'series', type: 'nominal', title: null } } };
}
