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
  const sections0: Section[] = [];
  const o = r.order_level;
  const gapCell = (gap: number, share: number | null, figure: string): Cell => ({ text: `${signed(gap, 4)}${share === null ? '' : ` (${pct(share)} of |session PnL|)`}`, attr: { 'data-figure': figure }, cls: v.maxPnlGap?.exceeded && figure === 'pnl-gap' ? 'fail' : '' });
  const head: Cell[][] = [
    [
      { text: 'fills matched', cls: 'key' },
      { text: `${o.fills.matched} of ${o.fills.live} (${pct(o.fills.fill_ratio)})`, cls: 'key', attr: { 'data-figure': 'order-fill-ratio' } },
      { text: `${c.fills.matched} of ${c.fills.live} (${pct(c.fills.fill_ratio)})`, cls: 'key', attr: { 'data-figure': 'fill-ratio' } },
    ],
    ['fills only in the session (the simulator missed them)', String(o.fills.only_live), String(c.fills.only_live)],
    ['fills only in the replay (the simulator invented them)', String(o.fills.only_replay), String(c.fills.only_replay)],
    ['orders', `${o.orders.same_fate} of ${o.orders.sent} met the same fate (${pct(o.orders.same_fate_share)})`, `${c.orders.matched} of ${c.orders.live} sent alike (${pct(c.orders.matched_share)})`],
    [{ text: 'PnL  session / replay', cls: 'key' }, { text: `${signed(c.live.pnl.total, 4)} / ${signed(o.replay.pnl.total, 4)}`, cls: 'key' }, { text: `${signed(c.live.pnl.total, 4)} / ${signed(c.replay.pnl.total, 4)}`, cls: 'key' }],
    ['PnL gap (replay − session)', gapCell(o.pnl_gap, o.pnl_gap_share, 'order-pnl-gap'), gapCell(c.pnl_gap, c.pnl_gap_share, 'pnl-gap')],
  ];
  const d = r.divergence;
  const t = (us: number): string => new Date(us / 1000).toISOString().slice(11, 23);
  const fate = (qty: number, rejected: boolean): string => (rejected ? 'was rejected' : qty > 0 ? `filled ${fixed(qty, 8)}` : 'did not fill');
  const parted =
    d.first_difference_ts === null
      ? `The strategy's replay sent every order as the session did (${d.orders_alike} of ${d.orders_live}).`
      : `The strategy's replay sent the session's first ${d.orders_alike} of ${d.orders_live} orders alike and parted from it at ${t(d.first_difference_ts)} UTC` +
        (d.fill_difference === null
          ? ' (no fill differed before: the decisions differ for another reason, such as timing).'
          : `, after order ${d.fill_difference.client_id} ${fate(d.fill_difference.live_qty, d.fill_difference.live_rejected)} in the session and ${fate(d.fill_difference.replay_qty, d.fill_difference.replay_rejected)} in the replay (${t(d.fill_difference.ts)} UTC): from then the two held different inventories, and the strategy quoted differently.`);
  const summary = `<p class="note">${esc(`${r.session.mode} run ${r.session.run_id} (${r.session.exchange} ${r.session.symbol}, clock ${r.session.clock}, ${r.session.status}) from ${r.ledger}, against the market it recorded, ${r.events.path} (${r.events.rows} rows, ${r.events.first_local_utc} → ${r.events.last_local_utc} UTC${r.events.linked ? ', the recording the ledger links' : ''}); sim: ${r.replay.sim_source === 'session' ? "the session's own" : r.replay.sim_source}.`)}</p>
<p class="note" data-figure="what"><b>Two comparisons.</b> ${esc(`Order-level (the simulator): ${o.what}. Strategy-level (the strategy): the session's config and strategy run again through the tick backtest on the recording, deciding for themselves; a strategy whose quotes depend on its inventory parts from the session at the first fill that differs, so these figures add the strategy's path dependence to the simulator's error. Fills are matched when they are of the same order (order-level) or the same side and price (strategy-level), of the same quantity, within ${c.tolerance_ms} ms.`)}</p>
${richTable(['', 'order-level: the session\'s orders replayed as sent', 'strategy-level: the strategy replayed'], head, 'headline')}
${v.maxPnlGap === undefined ? '' : `<p class="note">--max-pnl-gap ${esc(v.maxPnlGap.relative ? pct(v.maxPnlGap.limit) : fixed(v.maxPnlGap.limit, 4))} on the strategy-level gap: ${v.maxPnlGap.exceeded ? 'exceeded' : 'held'}.</p>`}
<p class="note" data-figure="divergence">${esc(parted)}</p>
${r.notes.map((n) => `<p class="note">${esc(n)}</p>`).join('\n')}`;
  const so = o.replay;
  const x = r.order_level_at_exchange_time;
  sections0.push({
    title: 'Order-level: the session\'s orders replayed as sent',
    html: richTable(['', live, 'replay of its orders'], [
      ['orders filled', `${c.live.filled_orders}`, `${so.filled_orders}`],
      ['filled in both / only the session / only the replay', `${o.orders.filled_both} / ${o.orders.filled_only_live} / ${o.orders.filled_only_replay}`, ''],
      ['rejected (post-only would cross)', `${o.orders.rejected_live}`, `${o.orders.rejected_replay}`],
      ['fills', `${c.live.fills}`, `${so.fills}`],
      ['filled quantity', num(c.live.filled_qty, 6), num(so.filled_qty, 6)],
      ['filled quantity matched per order', '', o.fills.qty_matched_share === null ? '—' : pct(o.fills.qty_matched_share)],
      ['|Δt| of matched fills, median / p90 ms', '', st(o.fills.abs_dt_ms)],
      ...(['total', 'spread_capture', 'inventory', 'fees'] as const).map((k): Cell[] => [`PnL: ${k.replace('_', ' ')}`, money(c.live.pnl[k]), money(so.pnl[k])]),
      ['order sent → first fill, median / p90 ms', st(c.live.latency_ms.order_to_first_fill), st(so.latency_ms.order_to_first_fill)],
      ...(x === undefined
        ? []
        : ([
            ['the venue at exchange time instead: fills matched', '', { text: `${x.fills.matched} of ${x.fills.live} (${pct(x.fills.fill_ratio)})`, attr: { 'data-figure': 'order-fill-ratio-exchange-time' } }],
            ['the venue at exchange time instead: PnL (gap)', '', `${signed(x.replay.pnl.total, 4)} (${signed(x.pnl_gap, 4)})`],
          ] as Cell[][])),
    ]) + `<p class="note">${esc(`The replay's venue saw each recorded row at its ${o.venue_clock === 'local' ? "local receive time, as the paper session's simulated venue did" : 'exchange time, as an exchange (and the tick backtest) does'}.`)}</p>` + '<p class="note">Each order lives in the replay as long as it lived in the session: until the session asked to cancel it, or, when the session saw it filled in full or rejected, until a replayed fill could no longer match (the tolerance after).</p>',
  });
  const sides = (label: string, f: (s: typeof c.live) => Cell): Cell[] => [label, f(c.live), f(c.replay)];
  const sections: Section[] = [...sections0];
  sections.push({ title: 'Strategy-level: fills and orders', html: (await renderSvg(fillsChart(r))) + richTable(['', live, 'replay'], [
    sides('orders sent', (s) => String(s.orders)),
    sides('accepted / rejected', (s) => `${s.accepted} / ${s.rejected}`),
    sides('orders filled', (s) => String(s.filled_orders)),
    sides('fills', (s) => String(s.fills)),
    sides('filled quantity', (s) => num(s.filled_qty, 6)),
    sides('traded notional', (s) => num(s.traded_notional, 2)),
    ['|Δt| of matched fills, median / p90 ms', st(c.fills.abs_dt_ms), ''],
  ]) });
  sections.push({ title: 'Strategy-level: PnL split', html: (await renderSvg(pnlChart(r, live))) + richTable(['', live, 'replay', 'replay − ' + live], (['total', 'spread_capture', 'inventory', 'fees'] as const).map((k) => [k.replace('_', ' '), money(c.live.pnl[k]), money(c.replay.pnl[k]), money(c.replay.pnl[k] - c.live.pnl[k])])) });
  sections.push({
    title: 'Strategy-level: markouts',
    html: richTable(['horizon', `${live}: fills, mean bps, PnL`, 'replay: fills, mean bps, PnL'], c.live.markouts.map((m, k) => {
      const o = c.replay.markouts[k]!;
      return [`${m.horizon_seconds} s`, `${m.fills}, ${num(m.mean_bps, 3)}, ${signed(m.pnl, 4)}`, `${o.fills}, ${num(o.mean_bps, 3)}, ${signed(o.pnl, 4)}`];
    })) + '<p class="note">side × (mid at fill + horizon − fill price); mids from the recording, on the local clock.</p>',
  });
  sections.push({
    title: 'Strategy-level: queue position at join vs time to fill',
    html: (await renderSvg(queueChart(r, live))) + richTable(['size ahead at join', `${live}: orders, filled, median s to fill`, 'replay: orders, filled, median s to fill'], c.queue_buckets.map((b) => [
      b.queue_to === 0 ? 'none (front of the level)' : `${num(b.queue_from, 6)} – ${num(b.queue_to, 6)}`,
      `${b.live.orders}, ${pct(b.live.filled_share)}, ${num(b.live.median_time_to_fill_s, 3)}`,
      `${b.replay.orders}, ${pct(b.replay.filled_share)}, ${num(b.replay.median_time_to_fill_s, 3)}`,
    ])) + `<p class="note">${esc(`${live}: queue from the ${c.live.queue.source}; replay: from the ${c.replay.queue.source}. Buckets: nothing ahead, then the quartiles of the sizes ahead of both sides' orders.`)}</p>`,
  });
  sections.push({
    title: 'Strategy-level: latency each side saw',
    html: richTable(['local clock, ms: median / p90 (n)', live, 'replay'], [
      sides('order sent → acknowledged', (s) => st(s.latency_ms.ack)),
      sides('cancel asked → cancelled', (s) => st(s.latency_ms.cancel)),
      sides('order sent → first fill', (s) => st(s.latency_ms.order_to_first_fill)),
      ['market data: exchange → local (the recording, both sides)', `${num(r.events.feed_latency_ms.median, 1)} / ${num(r.events.feed_latency_ms.p90, 1)}`, ''],
    ]) + `<p class="note">${esc(`replay sim: ${Object.entries(r.replay.sim).map(([k, x]) => `${k} ${String(x)}`).join(', ')}`)}</p>`,
  });
  return page(`Parity: ${r.session.run_id} against its replay`, summary, sections);
}
