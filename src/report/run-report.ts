// `report RUN`: one backtest run (a run folder or the runtime's artifacts) rendered to a self-contained report.html.
import { readFileSync } from 'node:fs';
import { UserError } from '../core/index.js';
import { horizontalBars, renderSvg, stateStrip } from './charts.js';
import { duration, fixed, money, pct, signed, stepDecimals } from './format.js';
import { esc, page, richTable, type Cell } from './html.js';
import { pathSections } from './path-charts.js';
import { configField, readJson, resolveRuns, type RunFiles } from './run-files.js';
import { headline, type FillRow, type Headline, type TraceColumns } from './run-headline.js';
import { orderAuditSection, riskEvents, riskSection, type RiskEvents } from './run-audit.js';

export { readJson };

/** Rows of a headed CSV as column arrays of text. */
export function readCsvColumns(path: string): Map<string, string[]> {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
  const header = (lines[0] ?? '').split(',');
  const cols = new Map<string, string[]>(header.map((h) => [h, []]));
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i]!.split(',');
    header.forEach((h, j) => cols.get(h)!.push(cells[j] ?? ''));
  }
  return cols;
}

const num = (s: string): number => (s === '' ? Number.NaN : Number(s));

export function parseTrace(path: string): TraceColumns {
  const c = readCsvColumns(path);
  for (const need of ['ts', 'mid', 'bid', 'ask', 'inventory', 'equity']) {
    if (!c.has(need)) throw new UserError(`${path}: trace lacks column ${need}`);
  }
  const col = (k: string): number[] => c.get(k)!.map(num);
  const state = c.get('trading_state');
  return { ts: col('ts'), mid: col('mid'), bid: col('bid'), ask: col('ask'), inventory: col('inventory'), equity: col('equity'), ...(state !== undefined ? { state } : {}) };
}

export function parseFills(path: string): FillRow[] {
  const c = readCsvColumns(path);
  const get = (k: string): string[] => c.get(k) ?? [];
  const [ts, side, price, qty, fee, sample] = ['ts', 'side', 'price', 'qty', 'fee', 'sample'].map(get) as [string[], string[], string[], string[], string[], string[]];
  return ts.map((t, i) => ({
    ts: Number(t),
    side: side[i] === 'sell' ? 'sell' : 'buy',
    price: Number(price[i]),
    qty: num(qty[i] ?? ''),
    fee: num(fee[i] ?? '') || 0,
    sample: num(sample[i] ?? ''),
  }));
}

/** `queue_ahead` of every order in a tick run's orders.csv (size ahead when it joined its level). */
export function parseQueueAhead(path: string | undefined): number[] | undefined {
  if (path === undefined) return undefined;
  const q = readCsvColumns(path).get('queue_ahead');
  return q === undefined ? undefined : q.map(num).filter((x) => Number.isFinite(x));
}

/** Price and size decimals of the run's instrument (its tick and lot), from its config. */
function decimals(config: Record<string, unknown>): { price: number; qty: number; symbol: string } {
  const market = (config['market'] ?? {}) as Record<string, unknown>;
  const tick = typeof market['tick_size'] === 'number' ? market['tick_size'] : 0.01;
  const lot = typeof market['lot_size'] === 'number' ? market['lot_size'] : 0.00001;
  return { price: stepDecimals(tick), qty: stepDecimals(lot), symbol: typeof market['symbol'] === 'string' ? market['symbol'] : '' };
}

/** A signed figure coloured by its sign (PnL parts, markouts). */
export const signCell = (x: number | null, d: number, suffix = ''): Cell => ({ text: x === null ? '—' : signed(x, d) + suffix, cls: x === null || Math.round(x * 10 ** d) === 0 ? '' : x > 0 ? 'pos' : 'neg' });

/** The PnL parts as the table and the decomposition chart both print them. */
export function pnlParts(h: Headline): Array<{ label: string; v: number; text: string; emphasis?: boolean }> {
  const p = h.pnl;
  const scale = Math.max(Math.abs(p.total), Math.abs(p.spread_capture), Math.abs(p.inventory), p.fees_paid, p.rebates);
  const t = (x: number): string => (scale < 1 && scale > 0 ? signed(x, 4) : signed(x, 2));
  return [
    { label: 'spread capture', v: p.spread_capture, text: t(p.spread_capture) },
    { label: 'inventory', v: p.inventory, text: t(p.inventory) },
    { label: 'fees paid', v: -p.fees_paid, text: t(-p.fees_paid) },
    { label: 'rebates', v: p.rebates, text: t(p.rebates) },
    { label: 'total PnL', v: p.total, text: t(p.total), emphasis: true },
  ];
}

export function headlineTable(h: Headline, d: { qty: number }, ccy: string, risk: RiskEvents | null = null): string {
  const parts = pnlParts(h);
  const rows: Array<[Cell, Cell, Cell]> = [];
  const total = parts[4]!;
  rows.push([{ text: 'PnL', cls: 'key' }, { text: `${total.text} ${ccy}`.trim(), cls: `key ${total.v > 0 ? 'pos' : total.v < 0 ? 'neg' : ''}`, attr: { 'data-part': 'total PnL' } }, `${h.return_pct === null ? '' : `${signed(h.return_pct, 4)}% of capital`}`]);
  const note: Record<string, string> = {
    'spread capture': `edge against ${h.pnl.capture_basis}`,
    inventory: 'what the mid did to the position held',
    'fees paid': 'exchange fees on our fills',
    rebates: 'maker rebates received',
  };
  for (const p of parts.slice(0, 4)) rows.push([{ text: `  ${p.label}`, cls: 'sub' }, { text: p.text, cls: p.v > 0 ? 'pos' : p.v < 0 ? 'neg' : '', attr: { 'data-part': p.label } }, note[p.label] ?? '']);
  rows.push(['fills', String(h.fills), `${h.buys} buys, ${h.sells} sells`]);
  rows.push(['fill ratio', pct(h.fill_ratio.value, 2), h.fill_ratio.basis]);
  for (const mk of h.markouts) rows.push([`markout at ${mk.label}`, signCell(mk.bps, 2, ' bps'), mk.bps === null ? 'no fill that far from the end' : `${mk.bps >= 0 ? 'price moved our way' : 'adverse: price moved against the fill'} (${mk.fills} fills)`]);
  rows.push([
    'queue ahead at join',
    h.queue_at_join === null ? '—' : `${fixed(h.queue_at_join.median, d.qty)} (p90 ${fixed(h.queue_at_join.p90, d.qty)})`,
    h.queue_at_join === null ? (h.engine === 'bar' ? 'bar engine: no order book queue' : 'not recorded') : `median size ahead, ${h.queue_at_join.basis}`,
  ]);
  rows.push(['time two-sided', pct(h.two_sided.share, 1), duration(h.two_sided.seconds)]);
  if (h.states !== null) {
    const total = Object.values(h.states).reduce((a, b) => a + b, 0);
    rows.push(['time in each trading state', Object.entries(h.states).map(([s, v]) => `${s} ${pct(total > 0 ? v / total : null, 1)}`).join(' · '), Object.entries(h.states).filter(([, v]) => v > 0).map(([s, v]) => `${s} ${duration(v)}`).join(', ')]);
  } else {
    rows.push(['time in each trading state', '—', 'not recorded by this run']);
  }
  if (risk !== null) {
    const denied = Object.values(risk.denials).reduce((a, b) => a + b, 0);
    rows.push(['risk events', { text: `${risk.total} changes · ${denied} denied`, cls: risk.total > 0 || denied > 0 ? 'neg' : '' }, `final state ${risk.finalState}; see Risk events below`]);
  }
  rows.push(['max |inventory|', fixed(h.max_abs_inventory, d.qty), `final ${fixed(h.final_inventory, d.qty)}`]);
  rows.push(['max drawdown', money(h.max_drawdown === null ? null : -h.max_drawdown), h.max_drawdown_pct === null ? '' : `${fixed(h.max_drawdown_pct, 4)}% of capital`]);
  rows.push(['Sharpe (annualised)', fixed(h.sharpe, 2), h.sharpe_confidence === null ? '' : `probability the true Sharpe is above 0: ${fixed(h.sharpe_confidence, 3)}`]);
  const legend = '<p class="note">Markout = side × (mid after the horizon − fill price), in bps of the fill price: <span class="pos">+</span> the price moved our way after the fill, <span class="neg">−</span> we were picked off (adverse selection).</p>';
  return richTable(['', 'value', ''], rows, 'headline') + legend;
}

export async function renderRunFiles(r: RunFiles): Promise<string> {
  const trace = parseTrace(r.tracePath);
  const fills = parseFills(r.fillsPath);
  const m = r.metrics;
  const h = headline(m, trace, fills, parseQueueAhead(r.ordersPath));
  const d = decimals(r.config);
  const ccy = d.symbol.includes('/') ? d.symbol.split('/')[1]! : '';
  const initial = typeof m['initial_capital'] === 'number' ? m['initial_capital'] : (trace.equity[0] ?? 0);
  const tick = h.engine === 'tick';
  const decomposition = await renderSvg(horizontalBars('PnL decomposition: total = spread capture + inventory − fees paid + rebates', pnlParts(h), ccy !== '' ? ccy : 'quote currency'));
  const sections = [{ title: 'PnL decomposition', html: decomposition }, ...(await pathSections(trace, fills, initial, 300, '', tick ? 'samples' : 'bars'))];
  if (trace.state !== undefined && trace.state.some((s) => s !== '')) {
    sections.push({ title: 'Trading state', html: await renderSvg(stateStrip('Trading state over time', trace.ts, trace.state)) });
  }
  const risk = riskEvents(m);
  if (risk !== null) sections.push({ title: 'Risk events', html: riskSection(risk) });
  const audit = r.ordersPath !== undefined ? orderAuditSection(r.ordersPath, r.fillsPath, d) : null;
  if (audit !== null) sections.push({ title: 'Order audit', html: audit });
  const field = (k: string): unknown => configField(r.config, k);
  const shown = (v: unknown): string => (typeof v === 'object' ? JSON.stringify(v) : String(v));
  // What the run's engine reads: the order book venue's settings only for a tick run.
  const venueKeys = tick ? ['sim.taker_fee_bps', 'sim.queue', 'order_latency', 'order_latency_ms', 'feed_latency_ms', 'loop.decision_interval_ms', 'sim.partial_fills', 'sim.post_only'] : ['sim.touch_fill_prob', 'features.vol_estimator'];
  const cfgKeys = ['quoting.model', 'quoting.gamma', 'quoting.k', 'quoting.A', 'quoting.calibrate', 'quoting.horizon', 'quoting.order_qty', 'quoting.max_inventory_qty', 'sim.maker_fee_bps', ...venueKeys, 'risk.max_inventory_qty', 'risk.max_drawdown', 'risk.daily_loss_limit', 'seed'];
  const cfgTable = richTable(['parameter', 'value'], cfgKeys.filter((k) => field(k) !== undefined && field(k) !== null).map((k) => [k, shown(field(k))]));
  sections.push({ title: 'Parameters', html: cfgTable });
  const span = `${String(m['start'] ?? '').replace('T', ' ').replace(/\.\d+Z$|Z$/, '')} → ${String(m['end'] ?? '').replace('T', ' ').replace(/\.\d+Z$|Z$/, '')} UTC`;
  const what = `${tick ? 'Tick (L2) backtest' : 'Bar backtest'} of ${String(field('quoting.model') ?? '').toUpperCase() || 'a model'} on ${d.symbol || 'the market'}, ${span}; ${tick ? `${m['events'] ?? '?'} book and trade events` : `${m['samples'] ?? '?'} bars of ${m['sample_seconds'] ?? '?'} s`}${r.layout === 'runtime' ? ' (multi-agent runtime)' : ''}.`;
  return page(`Run report — ${r.label}`, `<p>${esc(what)}</p>` + headlineTable(h, d, ccy, risk), sections);
}

/** The report of one run: a run folder or one runtime agent's `<run_id>_<agent>_metrics.json`. */
export async function renderRunReport(path: string): Promise<string> {
  const runs = resolveRuns(path);
  if (runs.length !== 1) throw new UserError(`${path}: ${runs.length} runs; render them one at a time`);
  return renderRunFiles(runs[0]!);
}
