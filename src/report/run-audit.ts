// What the risk engine and the venue did in a run: the risk events (state changes, denials) and the tick run's order audit (queue at join, fills with trade ids).
import { existsSync, readFileSync } from 'node:fs';
import { fixed, pct } from './format.js';
import { esc, richTable, type Cell } from './html.js';

/** A time of the data's own clock as the report prints it: UTC, 24-hour, milliseconds. */
export function utcMs(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(5, 23).replace('T', ' ') : '—';
}

const obj = (v: unknown): Record<string, unknown> | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

export interface RiskEvents {
  finalState: string;
  total: number;
  listed: Array<{ ts: string; condition: string; raised: boolean; from: string; to: string; reason: string }>;
  denials: Record<string, number>;
}

/** The risk record of a run's metrics.json (runs written before the session recorded risk have none). */
export function riskEvents(m: Record<string, unknown>): RiskEvents | null {
  const r = obj(m['risk']);
  if (r === null) return null;
  const listed = Array.isArray(r['transitions']) ? (r['transitions'] as RiskEvents['listed']) : [];
  const denials = (obj(r['denials_by_rule']) ?? {}) as Record<string, number>;
  return { finalState: String(r['final_state'] ?? ''), total: typeof r['transitions_total'] === 'number' ? r['transitions_total'] : listed.length, listed, denials };
}

/** The "Risk events" section: the final state, each condition raised or cleared with the state it moved to, the gate's denials by rule. */
export function riskSection(ev: RiskEvents): string {
  const denied = Object.entries(ev.denials);
  const nDenied = denied.reduce((a, [, n]) => a + n, 0);
  const head = `<p>Final trading state <b class="${ev.finalState === 'active' ? 'pos' : 'neg'}">${esc(ev.finalState)}</b>; ${ev.total} risk condition change${ev.total === 1 ? '' : 's'}; ${nDenied} order${nDenied === 1 ? '' : 's'} denied by the pre-trade gate.</p>`;
  const rows: Cell[][] = ev.listed.map((t) => [
    t.ts.replace('T', ' ').replace('Z', ''),
    t.condition,
    { text: t.raised ? 'raised' : 'cleared', cls: t.raised ? 'neg' : 'pos' },
    t.from === t.to ? t.to : `${t.from} → ${t.to}`,
    t.reason,
  ]);
  const list = rows.length === 0 ? '<p class="note">No risk condition was raised in this run.</p>' : richTable(['time (UTC)', 'condition', '', 'trading state', 'reason'], rows, 'events') + (ev.total > ev.listed.length ? `<p class="note">The first ${ev.listed.length} of ${ev.total} changes (metrics.json keeps the first ${ev.listed.length}).</p>` : '');
  const gate = denied.length === 0 ? '' : richTable(['gate rule', 'orders denied'], denied.map(([rule, n]) => [rule, String(n)]));
  return head + list + gate;
}

/** A headed CSV as rows of named cells. */
function csvRows(path: string): Array<Record<string, string>> {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
  const header = (lines[0] ?? '').split(',');
  return lines.slice(1).map((l) => {
    const cells = l.split(',');
    return Object.fromEntries(header.map((h, j) => [h, cells[j] ?? '']));
  });
}

const num = (s: string | undefined): number => (s === undefined || s === '' ? Number.NaN : Number(s));

function quantile(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Fills listed on the page (the first ones; fills.csv holds every one). */
const LISTED_FILLS = 25;

/**
 * The "Order audit" section of a tick run: every order by how it ended, the size ahead of each when it
 * reached the venue, and the first fills with the exchange trade each one matched (orders.csv, fills.csv).
 */
export function orderAuditSection(ordersPath: string, fillsPath: string, d: { price: number; qty: number }): string | null {
  if (!existsSync(ordersPath)) return null;
  const orders = csvRows(ordersPath);
  const fills = existsSync(fillsPath) ? csvRows(fillsPath) : [];
  const byEnd = new Map<string, number>();
  for (const o of orders) byEnd.set(o['end_reason'] ?? '', (byEnd.get(o['end_reason'] ?? '') ?? 0) + 1);
  const ends = [...byEnd].sort((a, b) => b[1] - a[1]);
  const endTable = richTable(['orders', 'count', 'share'], [['sent to the venue', String(orders.length), ''], ...ends.map(([k, n]): Cell[] => [`  ${k || 'unknown'}`, String(n), pct(orders.length > 0 ? n / orders.length : null, 1)])], 'orders');

  const queueOf = new Map<string, number>();
  const q: number[] = [];
  for (const o of orders) {
    const v = num(o['queue_ahead']);
    if (!Number.isFinite(v)) continue;
    queueOf.set(o['order_id'] ?? '', v);
    q.push(v);
  }
  q.sort((a, b) => a - b);
  const behind = q.filter((x) => x > 0).length;
  const queueTable = richTable(['queue ahead at join', 'value'], [
    ['orders that reached the venue', String(q.length)],
    ['joined behind resting size', `${behind} (${pct(q.length > 0 ? behind / q.length : null, 1)})`],
    ['at a new price level (nothing ahead)', String(q.length - behind)],
    ['median / p90 / max size ahead', `${fixed(quantile(q, 0.5), d.qty)} / ${fixed(quantile(q, 0.9), d.qty)} / ${fixed(q[q.length - 1], d.qty)}`],
  ]);

  const withTrade = fills.filter((f) => f['trade_id'] !== undefined && f['trade_id'] !== '').length;
  const rows: Cell[][] = fills.slice(0, LISTED_FILLS).map((f) => [
    utcMs(num(f['ts'])),
    { text: (f['side'] ?? '').toUpperCase(), cls: f['side'] === 'buy' ? 'pos' : 'neg' },
    fixed(num(f['price']), d.price),
    fixed(num(f['qty']), d.qty),
    f['liquidity'] ?? '',
    f['order_id'] ?? '',
    fixed(queueOf.get(f['order_id'] ?? ''), d.qty),
    f['trade_id'] || '—',
    f['ts_exchange_us'] ? utcMs(num(f['ts_exchange_us']) / 1000) : '—',
  ]);
  const fillTable =
    fills.length === 0
      ? '<p class="note">No fill.</p>'
      : richTable(['time (UTC)', 'side', 'price', 'qty', 'liquidity', 'order', 'queue at join', 'trade id', 'trade time (exchange)'], rows, 'fills') +
        `<p class="note">The first ${rows.length} of ${fills.length} fills (all in fills.csv); ${withTrade} of ${fills.length} carry the id of the exchange trade that filled them.</p>`;
  return endTable + queueTable + '<h3>Fills and the trades that filled them</h3>' + fillTable;
}
