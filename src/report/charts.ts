// Charts without a browser: vega-lite specs compiled to vega, rendered to SVG, and to PNG through resvg.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spanOf, utcTimeX } from './time-axis.js';

/** A vega-lite spec as plain data (the parts we build are objects and arrays of JSON values). */
export type VlSpec = Record<string, unknown>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

interface VegaLibs {
  vega: typeof import('vega');
  vl: typeof import('vega-lite');
}
let vegaLoaded: Promise<VegaLibs> | undefined;

/**
 * vega and vega-lite, loaded once: the build's one-file bundle of both (`dist/vendor/vega.mjs`, made by
 * `scripts/bundle-vendor.mjs`; it loads several times faster than the packages' hundreds of modules), or the
 * packages themselves when running from the sources. Calling it early lets the load overlap other work.
 */
export function vegaLibs(): Promise<VegaLibs> {
  return (vegaLoaded ??= loadVega());
}

async function loadVega(): Promise<VegaLibs> {
  const bundled = new URL('../vendor/vega.mjs', import.meta.url);
  if (existsSync(fileURLToPath(bundled))) return (await import(bundled.href)) as VegaLibs;
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  return { vega, vl };
}

export async function renderSvg(spec: VlSpec): Promise<string> {
  const { vega, vl } = await vegaLibs();
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
/** Every time axis: UTC, 24-hour, ticks over the rows' own span (times in epoch ms). */
const timeOf = (...lists: ReadonlyArray<ReadonlyArray<{ t: number }>>): Record<string, unknown> => utcTimeX(...spanOf(...lists));

export function lineChart(title: string, rows: Array<{ t: number; v: number }>, yTitle: string, color = '#1f77b4'): VlSpec {
  return { title, width: W, height: 180, data: { values: thinMinMax(rows) }, mark: { type: 'line', color, strokeWidth: 1.2 }, encoding: { x: timeOf(rows), y: { field: 'v', type: 'quantitative', title: yTitle, scale: { zero: false } } } };
}

export function areaChart(title: string, rows: Array<{ t: number; v: number }>, yTitle: string, color: string): VlSpec {
  return { title, width: W, height: 150, data: { values: thinMinMax(rows) }, mark: { type: 'area', color, opacity: 0.6, line: { color } }, encoding: { x: timeOf(rows), y: { field: 'v', type: 'quantitative', title: yTitle } } };
}

/** Mid, our bid and ask, and fills (green buys, red sells) over one stretch of bars. */
export function quotesChart(title: string, rows: Array<{ t: number; mid: number; bid: number | null; ask: number | null }>, fills: Array<{ t: number; price: number; side: string }>): VlSpec {
  const time = timeOf(rows, fills);
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
        // Small triangles: a buy points up, a sell down; they mark a fill without hiding the quotes around it.
        mark: { type: 'point', filled: true, size: 28, strokeWidth: 0.5 },
        encoding: {
          x: time,
          y: { field: 'price', type: 'quantitative' },
          shape: { field: 'side', type: 'nominal', title: 'fill', scale: { domain: ['buy', 'sell'], range: ['triangle-up', 'triangle-down'] } },
          fill: { field: 'side', type: 'nominal', scale: { domain: ['buy', 'sell'], range: ['#2ca02c', '#d62728'] }, legend: null },
          stroke: { value: '#222' },
        },
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
      x: { field: 'label', type: 'ordinal', title: null, sort: sortByLabel ? 'ascending' : null, axis: { labelAngle: 0, labelOverlap: 'greedy' } },
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
  return { title, width: W, height: 220, data: { values: rows }, mark: { type: 'line', strokeWidth: 1.2 }, encoding: { x: timeOf(rows), y: { field: 'v', type: 'quantitative', title: yTitle, scale: { zero: false } }, color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', labelLimit: 600 } } } };
}

/**
 * Horizontal bars in the given order, each labelled with its value as `text` says (the same text the page's
 * table prints: one figure per quantity). Negative bars red, positive green, `emphasis` rows dark.
 */
export function horizontalBars(title: string, rows: Array<{ label: string; v: number; text: string; emphasis?: boolean }>, xTitle: string): VlSpec {
  const values = rows.map((r, i) => ({ ...r, order: i, kind: r.emphasis ? 'total' : r.v < 0 ? 'neg' : 'pos' }));
  // Room beyond the longest bars for their value labels.
  const lo = Math.min(0, ...rows.map((r) => r.v));
  const hi = Math.max(0, ...rows.map((r) => r.v));
  const pad = (hi - lo || 1) * 0.18;
  const domain = [lo < 0 ? lo - pad : 0, hi > 0 ? hi + pad : 0];
  const y = { field: 'label', type: 'nominal', title: null, sort: { field: 'order', op: 'min' }, axis: { labelLimit: 220, labelFontSize: 12 } };
  return {
    title,
    width: 560,
    height: { step: 28 },
    data: { values },
    encoding: { y },
    layer: [
      {
        mark: { type: 'bar', height: 18 },
        encoding: {
          x: { field: 'v', type: 'quantitative', title: xTitle, scale: { domain, nice: false } },
          color: { field: 'kind', type: 'nominal', scale: { domain: ['pos', 'neg', 'total'], range: ['#2ca02c', '#d62728', '#1d232b'] }, legend: null },
        },
      },
      {
        mark: { type: 'text', align: { expr: "datum.v < 0 ? 'right' : 'left'" }, dx: { expr: 'datum.v < 0 ? -4 : 4' }, fontSize: 12 },
        encoding: { x: { field: 'v', type: 'quantitative' }, text: { field: 'text' } },
      },
    ],
  };
}

/** The trading state over time as one coloured band: active green, reducing amber, halted red. */
export function stateStrip(title: string, ts: readonly number[], state: readonly string[]): VlSpec {
  const segs: Array<{ t: number; t2: number; state: string }> = [];
  for (let i = 0; i < ts.length; i++) {
    const s = state[i] ?? '';
    const end = ts[i + 1] ?? ts[i]!;
    const last = segs[segs.length - 1];
    if (last !== undefined && last.state === s) last.t2 = end;
    else segs.push({ t: ts[i]!, t2: end, state: s === '' ? 'unknown' : s });
  }
  return {
    title,
    width: W,
    height: 36,
    data: { values: segs },
    mark: { type: 'rect' },
    encoding: {
      x: timeOf(segs, segs.map((s) => ({ t: s.t2 }))),
      x2: { field: 't2' },
      color: { field: 'state', type: 'nominal', title: null, scale: { domain: ['active', 'reducing', 'halted', 'unknown'], range: ['#1f9d55', '#d69e2e', '#c53030', '#a0aec0'] }, legend: { orient: 'bottom' } },
    },
  };
}
