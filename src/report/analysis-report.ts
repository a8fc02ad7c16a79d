// The analysis report: verdict and checks, out-of-sample path, per-window bars, PnL decomposition, parameter heatmap.
import type { AnalysisResult, BudgetOutcome } from '../research/analysis.js';
import type { TrialTally } from '../research/trial-ledger.js';
import { heatmap, renderSvg } from './charts.js';
import { utcTimeX } from './time-axis.js';
import { fixed, money, pct } from './format.js';
import { esc, page, richTable, table, type Cell } from './html.js';
import { pathSections } from './path-charts.js';
import { signCell } from './run-report.js';

export async function renderAnalysisReport(r: AnalysisResult): Promise<string> {
  const b = r.budgets[0]!;
  const rd = b.readiness;
  const verdict = `<p class="verdict ${rd.ready_for_live_keys ? 'go' : 'nogo'}">${rd.ready_for_live_keys ? 'Ready for live keys' : 'Not ready for live keys'} — budget ${b.budget}, ${b.windows.length} out-of-sample windows</p>`;
  const checks = table(
    ['check', 'value', 'limit', 'result'],
    Object.entries(rd.checks).map(([k, c]) => [k, c.value, c.limit, c.pass ? 'pass' : 'FAIL']),
  ).replace(/<td>pass<\/td>/g, '<td class="pass">pass</td>').replace(/<td>FAIL<\/td>/g, '<td class="fail">FAIL</td>');
  const meta = `<p>${esc(`${r.engine === 'tick' ? 'Tick engine: ' : ''}${r.dataLine}; ${r.combos.length} combinations (${r.samplingMethod}, grid ${r.gridSize}); objective ${r.cfg.objective}; maker fee ${r.base.sim.maker_fee_bps} bps.`)}</p>`;

  const p = b.path;
  const series = { ts: p.ts.map((t) => t / 1000), mid: p.mid, bid: p.bid, ask: p.ask, inventory: p.inventory, equity: p.equity };
  const fills = p.fills.map((f) => ({ ts: f.ts / 1000, side: f.side > 0 ? ('buy' as const) : ('sell' as const), price: f.price }));
  const quoteBars = r.plan.blockBars;
  const tick = r.engine === 'tick';
  const sections = await pathSections(series, fills, b.budget, quoteBars, ' (out of sample, test windows back to back)', tick ? 'samples' : 'bars');

  // Per test window, on the data's own UTC time axis: each bar spans its window.
  const span = (w: (typeof b.windows)[number]): { t: number; t2: number } => ({ t: Date.parse(w.test_from), t2: Date.parse(w.test_to) });
  const from = b.windows.length > 0 ? span(b.windows[0]!).t : Number.NaN;
  const to = b.windows.length > 0 ? span(b.windows[b.windows.length - 1]!).t2 : Number.NaN;
  // No explicit domain: x and x2 share the scale, which then spans the windows by itself.
  const x = { ...utcTimeX(from, to), scale: { type: 'utc' } };
  const perWindowSpec = {
    title: 'Out-of-sample PnL per test window',
    width: 760,
    height: 180,
    data: { values: b.windows.map((w) => ({ ...span(w), v: w.test.pnl, zero: 0, window: w.index })) },
    mark: { type: 'rect', stroke: 'white', strokeWidth: 0.5 },
    encoding: { x, x2: { field: 't2' }, y: { field: 'v', type: 'quantitative', title: 'quote currency' }, y2: { field: 'zero' }, color: { condition: { test: 'datum.v < 0', value: '#d62728' }, value: '#2ca02c' } },
  };
  // Stacked by sign within each window: positive parts upward from 0, negative parts downward.
  const decomp = b.windows.flatMap((w) => {
    let up = 0;
    let down = 0;
    return (
      [
        ['realized', w.test.realized_pnl],
        ['inventory', w.test.inventory_pnl],
        ['fees', -w.test.fees],
      ] as const
    ).map(([part, v]) => {
      const lo = v >= 0 ? up : down + v;
      const hi = v >= 0 ? up + v : down;
      if (v >= 0) up += v;
      else down += v;
      return { ...span(w), part, v, lo, hi };
    });
  });
  const decompSpec = {
    title: 'PnL decomposition per test window (realized + inventory − fees)',
    width: 760,
    height: 200,
    data: { values: decomp },
    mark: { type: 'rect', stroke: 'white', strokeWidth: 0.5 },
    encoding: {
      x,
      x2: { field: 't2' },
      y: { field: 'lo', type: 'quantitative', title: 'quote currency' },
      y2: { field: 'hi' },
      color: { field: 'part', type: 'nominal', scale: { domain: ['realized', 'inventory', 'fees'], range: ['#2ca02c', '#1f77b4', '#d62728'] }, title: null, legend: { orient: 'bottom' } },
    },
  };
  // Heatmap: in-sample PnL averaged over the other dimensions, γ·S0 against spread floor.
  const cells = new Map<string, { x: string; y: string; s: number; n: number }>();
  r.combos.forEach((c, i) => {
    const key = `${c.gamma_s}|${c.spread_floor_bps}`;
    const cell = cells.get(key) ?? { x: String(c.gamma_s), y: String(c.spread_floor_bps), s: 0, n: 0 };
    cell.s += b.inSample[i]!.pnl;
    cell.n++;
    cells.set(key, cell);
  });
  const heat = [...cells.values()].sort((a, z) => Number(a.x) - Number(z.x) || Number(a.y) - Number(z.y)).map((c) => ({ x: c.x, y: c.y, v: c.s / c.n }));
  const [windowsSvg, decompSvg, heatSvg] = await Promise.all([
    renderSvg(perWindowSpec),
    renderSvg(decompSpec),
    renderSvg(heatmap('In-sample mean PnL by γ·S0 and spread floor (all blocks)', heat, 'γ·S0', 'spread floor, bps', 'mean PnL')),
  ]);
  sections.push({ title: 'Per-window results', html: windowsSvg }, { title: 'PnL decomposition', html: decompSvg }, { title: 'Parameter heatmap (in sample, for orientation only)', html: heatSvg });
  const wf = table(
    ['window', 'test from', 'combo', 'model', 'γ·S0', 'k', 'floor bps', 'size %', 'inv lots', 'test PnL', 'fills', 'markout bps'],
    b.windows.map((w) => [w.index, w.test_from.slice(0, tick ? 19 : 16), w.combo_index, w.params.model, w.params.gamma_s, String(w.params.k_mode), w.params.spread_floor_bps, w.params.order_pct, w.params.inventory_lots, w.test.pnl, w.test.fills, w.test.markout_bps]),
  );
  sections.push({ title: 'Walk-forward windows', html: wf });
  // The in-sample leaders with the selection discounted: what picking the best of many combos is worth.
  const order = b.inSample.map((_, i) => i).sort((x, y) => (b.inSample[y]!.sharpe ?? -Infinity) - (b.inSample[x]!.sharpe ?? -Infinity) || x - y);
  const d = b.inSampleDeflation;
  const leaders = table(
    ['combo', 'model', 'γ·S0', 'floor bps', 'PnL', 'Sharpe', 'confidence', `deflated (best of ${d.trials})`],
    order.slice(0, 5).map((i) => {
      const p = b.inSample[i]!;
      const c = r.combos[i]!;
      const f = (x: number | null | undefined, k: number): string => (x === null || x === undefined ? '' : x.toFixed(k));
      return [i, c.model, c.gamma_s, c.spread_floor_bps, f(p.pnl, 2), f(p.sharpe, 2), f(p.sharpe_confidence, 3), f(d.confidence[i], 3)];
    }),
  );
  sections.push({
    title: 'In-sample leaders, deflated for the selection',
    html: `<p>${esc('Ranked by in-sample Sharpe over all blocks. "confidence" is the probability that the true Sharpe is above 0; "deflated" the probability that it beats what the best of every trial counted on this data would reach by chance (Bailey & López de Prado, 2014). The readiness gate reads the out-of-sample windows, and judges the selection by the deflated Sharpe of the strategy that would trade next and by the PBO.')}</p>${leaders}${
      b.overfitting
        ? `<p>${esc(`Probability of backtest overfitting (Bailey et al., 2017; ${b.overfitting.trials} trials, ${b.overfitting.groups} groups of blocks, ${b.overfitting.splits} in/out splits): ${b.overfitting.pbo.toFixed(3)}. The in-sample winner's mean out-of-sample rank is ${b.overfitting.mean_oos_rank.toFixed(3)} (0.5 = a random pick, 1 = always the best).`)}</p>`
        : ''
    }${trialsLine(b.trials)}`,
  });
  return page('Last-month analysis', verdict + meta + oosHeadline(b, tick ? 'samples' : 'bars') + checks, sections);
}

/**
 * What a market maker reads first, out of sample (the test windows back to back, each traded with the
 * parameters chosen before it): the PnL and its parts, the fills and their markouts, the time quoted on both
 * sides, the inventory carried and the drawdown.
 */
function oosHeadline(b: BudgetOutcome, unit: string): string {
  const o = b.oos;
  const p = b.path;
  let both = 0;
  for (let i = 0; i < p.ts.length; i++) if (Number.isFinite(p.bid[i]) && Number.isFinite(p.ask[i])) both++;
  const scale = Math.max(Math.abs(o.pnl), Math.abs(o.realized_pnl), Math.abs(o.inventory_pnl), Math.abs(o.fees));
  const d = scale > 0 && scale < 1 ? 4 : 2;
  const part = (x: number, label: string, key = false): Cell => {
    const c = signCell(x, d) as Exclude<Cell, string>;
    return { text: c.text, cls: key ? `key ${c.cls ?? ''}`.trim() : (c.cls ?? ''), attr: { 'data-part': label } };
  };
  const rows: Array<[Cell, Cell, Cell]> = [
    [{ text: 'PnL out of sample', cls: 'key' }, part(o.pnl, 'total PnL', true), `${fixed((o.pnl / b.budget) * 100, 4)}% of the budget ${b.budget}, ${o.windows} test windows`],
    [{ text: '  realized', cls: 'sub' }, part(o.realized_pnl, 'realized'), 'closed round trips at our fill prices'],
    [{ text: '  inventory', cls: 'sub' }, part(o.inventory_pnl, 'inventory'), 'what the mid did to the position held'],
    [{ text: '  fees paid', cls: 'sub' }, part(-o.fees, 'fees paid'), o.fees < 0 ? 'a net rebate' : 'exchange fees on our fills'],
    ['fills', String(o.fills), `${o.buy_fills} buys, ${o.sell_fills} sells; volume traded ${money(o.turnover)}`],
    ...o.markouts.map((m): [Cell, Cell, Cell] => [`markout at ${m.horizon} ${m.horizon === 1 ? unit.replace(/s$/, '') : unit}`, signCell(m.mean_bps, 2, ' bps'), m.mean_bps === null ? 'no fill that far from a window end' : `${m.mean_bps >= 0 ? 'price moved our way' : 'adverse: price moved against the fill'} (${m.fills} fills)`]),
    ['time two-sided', pct(p.ts.length > 0 ? both / p.ts.length : null, 1), `of ${p.ts.length} ${unit} with a bid and an ask resting`],
    ['max |inventory|', fixed(o.max_abs_inventory, 6), 'base units, largest in any window'],
    ['max drawdown', money(-o.max_drawdown), `${fixed((o.max_drawdown / b.budget) * 100, 4)}% of the budget, over the windows back to back`],
    ['Sharpe (annualised)', fixed(o.sharpe, 2), o.sharpe_confidence === null ? '' : `probability the true Sharpe is above 0: ${fixed(o.sharpe_confidence, 3)}`],
  ];
  return richTable(['', 'value', ''], rows, 'headline');
}

/** The ledger's count of trials on this data, and the reason it was last started afresh. */
function trialsLine(t: TrialTally): string {
  const counted = t.ledger ? `Trials counted on this data: ${t.counted} (this run ${t.thisRun}, earlier runs ${t.counted - t.thisRun}).` : `Trials counted: ${t.counted} (this run only: no results store).`;
  const fresh = t.freshReason === null ? '' : ` The count was started afresh (--fresh-trials): "${t.freshReason}".`;
  return `<p>${esc(counted + fresh)}</p>`;
}
