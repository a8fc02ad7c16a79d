// Charts of one trading path (a run's trace and fills): quotes vs mid with fills, inventory, PnL over time, drawdown.
import { areaChart, lineChart, quotesChart, renderSvg } from './charts.js';
import type { Section } from './html.js';

/** A trace as parsed from a run folder (times in epoch ms; NaN = no quote). */
export interface PathSeries {
  ts: number[];
  mid: number[];
  bid: number[];
  ask: number[];
  inventory: number[];
  equity: number[];
}

export interface FillPoint {
  ts: number;
  side: 'buy' | 'sell';
  price: number;
}

/** `quoteBars`: how many of the last rows the quotes chart shows; `rowUnit` names them (bars, or samples of a tick trace). */
export async function pathSections(p: PathSeries, fills: readonly FillPoint[], initial: number, quoteBars = 300, label = '', rowUnit = 'bars'): Promise<Section[]> {
  const n = p.ts.length;
  const pnl = p.ts.map((t, i) => ({ t, v: p.equity[i]! - initial }));
  const inventory = p.ts.map((t, i) => ({ t, v: p.inventory[i]! }));
  let peak = initial;
  const dd = p.ts.map((t, i) => {
    peak = Math.max(peak, p.equity[i]!);
    return { t, v: p.equity[i]! - peak };
  });
  const from = Math.max(0, n - quoteBars);
  const t0 = n > 0 ? p.ts[from]! : 0;
  const q = p.ts.slice(from).map((t, j) => {
    const i = from + j;
    return { t, mid: p.mid[i]!, bid: Number.isFinite(p.bid[i]!) ? p.bid[i]! : null, ask: Number.isFinite(p.ask[i]!) ? p.ask[i]! : null };
  });
  const f = fills.filter((x) => x.ts >= t0).map((x) => ({ t: x.ts, price: x.price, side: x.side }));
  const svgs = await Promise.all([
    renderSvg(quotesChart(`Quotes vs mid with fills (last ${n - from} ${rowUnit})`, q, f)),
    renderSvg(areaChart(`Inventory${label}`, inventory, 'base units', '#9467bd')),
    renderSvg(lineChart(`PnL over time (equity − initial capital)${label}`, pnl, 'quote currency')),
    renderSvg(areaChart(`Drawdown from the running peak${label}`, dd, 'quote currency', '#d62728')),
  ]);
  return [
    { title: 'Quotes vs mid with fills', html: svgs[0] },
    { title: 'Inventory', html: svgs[1] },
    { title: 'PnL over time', html: svgs[2] },
    { title: 'Drawdown', html: svgs[3] },
  ];
}
