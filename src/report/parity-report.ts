// The parity page: a session against its own replay on the market it recorded — matching, PnL split, markouts, queue and latency, side by side.
import { esc, page, richTable, type Cell, type Section } from './html.js';
import { renderSvg, thin, type VlSpec } from './charts.js';
import { fixed, pct, signed } from './format.js';
import { spanOf, utcTimeX } from './time-axis.js';
import type { ParityReport } from '../research/parity-run.js';
import type { Stat } from '../research/parity.js';

const W = 760;
const num = (x: number | null | undefined, d: number): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : fixed(x, d));
const st = (s: Stat): string => (s.n === 0 ? '—' : `${num(s.median, 1)} / ${num(s.p90, 1)} (${s.n})`);
const money = (x: number | null | undefined): Cell => (x === null || x === undefined || !Number.isFinite(x) ? '—' : { text: signed(x, 4), cls: x < 0 ? 'neg' : x > 0 ? 'pos' : '' });

/** Fill prices over time, coloured by matched / only live / only replay. */
function fillsChart(r: ParityReport): VlSpec {
  const rows = thin(
    r.comparison.fill_points.map((p) => ({ t: p.ts / 1000, price: p.price, kind: p.kind, side: p.side > 0 ? 'buy' : 'sell' })),
    1500,
  );
  return {
    title: 'Fills: matched, only live, only in replay',
    width: W,
    height: 220,
    data: { values: rows },
    mark: { type: 'point', filled: true, size: 18, opacity: 0.75 },
    encoding: {
      x: utcTimeX(...spanOf(rows)),
      y: { field: 'price', type: 'quantitative', title: 'fill price', scale: { zero: false } },
      color: { field: 'kind', type: 'nominal', title: null, scale: { domain: ['matched', 'only live', 'only replay'], range: ['#2ca02c', '#1f77b4', '#d62728'] } },
      shape: { field: 'side', type: 'nominal', title: null, scale: { domain: ['buy', 'sell'], range: ['triangle-up', 'triangle-down'] } },
    },
  };
}

/** Queue ahead at join against seconds to the first fill, each side's filled orders. */
function queueChart(r: ParityReport, live: string): VlSpec {
  const rows = thin(r.comparison.queue_points.filter((p) => p.time_to_fill_s >= 0).map((p) => ({ ...p, side: p.side === 'live' ? live : 'replay' })), 1500);
  return {
    title: 'Queue ahead at join vs time to first fill (filled orders)',
    width: W,
    height: 220,
    data: { values: rows },
    mark: { type: 'point', filled: true, size: 16, opacity: 0.6 },
    encoding: {
      x: { field: 'queue_ahead', type: 'quantitative', title: 'size ahead at join (base units)' },
      y: { field: 'time_to_fill_s', type: 'quantitative', title: 'seconds to first fill', scale: { type: 'symlog' } },
      color: { field: 'side', type: 'nominal', title: null, scale: { domain: [live, 'replay'], range: ['#1f77b4', '#ff7f0e'] } },
    },
  };
}

/** PnL split, live and replay side by side. */
function pnlChart(r: ParityReport, live: string): VlSpec {
  const c = r.comparison;
  const parts: [string, 'total' | 'spread_capture' | 'inventory' | 'fees', number][] = [
    ['total', 'total', 1],
    ['spread capture', 'spread_capture', 1],
    ['inventory', 'inventory', 1],
    ['− fees', 'fees', -1],
  ];
  const rows = parts.flatMap(([label, k, s]) => [
    { part: label, side: live, v: s * c.live.pnl[k] },
    { part: label, side: 'replay', v: s * c.replay.pnl[k] },
  ]);
  return {
    title: 'PnL split (quote currency): total = spread capture + inventory − fees',
    width: W,
    height: 180,
    data: { values: rows },
    mark: 'bar',
    encoding: {
      x: { field: 'part', type: 'nominal', title: null, sort: parts.map((p) => p[0]), axis: { labelAngle: 0 } },
      xOffset: { field: 'side', type: 'nominal' },
      y: { field: 'v', type: 'quantitative', title: 'quote currency' },
      color: { field: 'side', type: 'nominal', title: null, scale: { domain: [live, 'replay'], range: ['#1f77b4', '#ff7f0e'] } },
    },
  };
}

export interface ParityVerdict {
  maxPnlGap?: { limit: number; relative: boolean; exceeded: boolean };
}

export async function renderParityReport(r: ParityReport, v: ParityVerdict = {}): Promise<string> {
  const c = r.comparison;
  const live = r.session.mode === 'live' ? 'live' : 'session';
  const head: Cell[][] = [
    [{ text: 'fills matched', cls: 'key' }, { text: `${c.fills.matched} of ${c.fills.live} (${pct(c.fills.fill_ratio)})`, cls: 'key', attr: { 'data-figure': 'fill-ratio' } }, `same side, price and quantity, within ${c.tolerance_ms} ms`],
    ['fills only in the session', String(c.fills.only_live), 'the simulator missed them'],
    ['fills only in the replay', String(c.fills.only_replay), 'the simulator invented them'],
    ['orders matched', `${c.orders.matched} of ${c.orders.live} (${pct(c.orders.matched_share)})`, 'same side, price and quantity, sent within the tolerance'],
    [{ text: 'PnL  session / replay', cls: 'key' }, { text: `${signed(c.live.pnl.total, 4)} / ${signed(c.replay.pnl.total, 4)}`, cls: 'key' }, 'fills only, marked at the recording\'s last mid'],
    [
      'PnL gap (replay − session)',
      { text: `${signed(c.pnl_gap, 4)}${c.pnl_gap_share === null ? '' : ` (${pct(c.pnl_gap_share)} of |session PnL|)`}`, attr: { 'data-figure': 'pnl-gap' }, cls: v.maxPnlGap?.exceeded ? 'fail' : '' },
      v.maxPnlGap === undefined ? '' : `limit ${v.maxPnlGap.relative ? pct(v.maxPnlGap.limit) : fixed(v.maxPnlGap.limit, 4)}: ${v.maxPnlGap.exceeded ? 'exceeded' : 'held'}`,
    ],
  ];
  const summary = `<p class="note">${esc(`${r.session.mode} run ${r.session.run_id} (${r.session.exchange} ${r.session.symbol}, clock ${r.session.clock}, ${r.session.status}) from ${r.ledger}, replayed through the tick backtest on ${r.events.path} (${r.events.rows} rows, ${r.events.first_local_utc} → ${r.events.last_local_utc} UTC${r.events.linked ? ', the recording the ledger links' : ''}); sim: ${r.replay.sim_source === 'session' ? "the session's own" : r.replay.sim_source}.`)}</p>
${richTable(['', 'figure', ''], head, 'headline')}
${r.notes.map((n) => `<p class="note">${esc(n)}</p>`).join('\n')}`;
  const sides = (label: string, f: (s: typeof c.live) => Cell): Cell[] => [label, f(c.live), f(c.replay)];
  const sections: Section[] = [];
  sections.push({ title: 'Fills and orders', html: (await renderSvg(fillsChart(r))) + richTable(['', live, 'replay'], [
    sides('orders sent', (s) => String(s.orders)),
    sides('accepted / rejected', (s) => `${s.accepted} / ${s.rejected}`),
    sides('orders filled', (s) => String(s.filled_orders)),
    sides('fills', (s) => String(s.fills)),
    sides('filled quantity', (s) => num(s.filled_qty, 6)),
    sides('traded notional', (s) => num(s.traded_notional, 2)),
    ['|Δt| of matched fills, median / p90 ms', st(c.fills.abs_dt_ms), ''],
  ]) });
  sections.push({ title: 'PnL split', html: (await renderSvg(pnlChart(r, live))) + richTable(['', live, 'replay', 'replay − ' + live], (['total', 'spread_capture', 'inventory', 'fees'] as const).map((k) => [k.replace('_', ' '), money(c.live.pnl[k]), money(c.replay.pnl[k]), money(c.replay.pnl[k] - c.live.pnl[k])])) });
  sections.push({
    title: 'Markouts',
    html: richTable(['horizon', `${live}: fills, mean bps, PnL`, 'replay: fills, mean bps, PnL'], c.live.markouts.map((m, k) => {
      const o = c.replay.markouts[k]!;
      return [`${m.horizon_seconds} s`, `${m.fills}, ${num(m.mean_bps, 3)}, ${signed(m.pnl, 4)}`, `${o.fills}, ${num(o.mean_bps, 3)}, ${signed(o.pnl, 4)}`];
    })) + '<p class="note">side × (mid at fill + horizon − fill price); mids from the recording, on the local clock.</p>',
  });
  sections.push({
    title: 'Queue position at join vs time to fill',
    html: (await renderSvg(queueChart(r, live))) + richTable(['size ahead at join', `${live}: orders, filled, median s to fill`, 'replay: orders, filled, median s to fill'], c.queue_buckets.map((b) => [
      b.queue_to === 0 ? 'none (front of the level)' : `${num(b.queue_from, 6)} – ${num(b.queue_to, 6)}`,
      `${b.live.orders}, ${pct(b.live.filled_share)}, ${num(b.live.median_time_to_fill_s, 3)}`,
      `${b.replay.orders}, ${pct(b.replay.filled_share)}, ${num(b.replay.median_time_to_fill_s, 3)}`,
    ])) + `<p class="note">${esc(`${live}: queue from the ${c.live.queue.source}; replay: from the ${c.replay.queue.source}. Buckets: nothing ahead, then the quartiles of the sizes ahead of both sides' orders.`)}</p>`,
  });
  sections.push({
    title: 'Latency each side saw',
    html: richTable(['local clock, ms: median / p90 (n)', live, 'replay'], [
      sides('order sent → acknowledged', (s) => st(s.latency_ms.ack)),
      sides('cancel asked → cancelled', (s) => st(s.latency_ms.cancel)),
      sides('order sent → first fill', (s) => st(s.latency_ms.order_to_first_fill)),
      ['market data: exchange → local (the recording, both sides)', `${num(r.events.feed_latency_ms.median, 1)} / ${num(r.events.feed_latency_ms.p90, 1)}`, ''],
    ]) + `<p class="note">${esc(`replay sim: ${Object.entries(r.replay.sim).map(([k, x]) => `${k} ${String(x)}`).join(', ')}`)}</p>`,
  });
  return page(`Parity: ${r.session.run_id} against its replay`, summary, sections);
}
