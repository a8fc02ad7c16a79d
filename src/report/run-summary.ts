// A run's headline as terminal rows: the same figures, in the same order and rounding, as the run report's table.
import { duration, fixed, pct, signed, stepDecimals } from './format.js';
import { resolveRuns } from './run-files.js';
import { parseFills, parseQueueAhead, parseTrace, pnlParts } from './run-report.js';
import { headline } from './run-headline.js';
import { riskEvents } from './run-audit.js';

/** A terminal row: a label and its value, already rounded to meaning. */
export type SummaryRow = [label: string, value: string];

/** The rows of one run (a run folder or one runtime agent), read back from its files. */
export function runSummaryRows(path: string): SummaryRow[] {
  const r = resolveRuns(path)[0]!;
  const h = headline(r.metrics, parseTrace(r.tracePath), parseFills(r.fillsPath), parseQueueAhead(r.ordersPath));
  const market = (r.config['market'] ?? {}) as Record<string, unknown>;
  const qd = stepDecimals(typeof market['lot_size'] === 'number' ? market['lot_size'] : 0.00001);
  const ccy = typeof market['symbol'] === 'string' && market['symbol'].includes('/') ? ` ${market['symbol'].split('/')[1]}` : '';
  const parts = pnlParts(h);
  const total = parts[4]!;
  const rows: SummaryRow[] = [[`PnL${ccy}`, `${total.text}${h.return_pct === null ? '' : ` (${signed(h.return_pct, 4)}%)`}`]];
  for (const p of parts.slice(0, 4)) rows.push([`  ${p.label}`, p.text]);
  rows.push(['fills', `${h.fills} (${h.buys} buys, ${h.sells} sells)`]);
  rows.push(['fill ratio', `${pct(h.fill_ratio.value, 2)} ${h.engine === 'tick' ? 'of placed qty' : 'of quoted side-bars'}`]);
  for (const m of h.markouts) rows.push([`markout ${m.label}`, m.bps === null ? '—' : `${signed(m.bps, 2)} bps ${m.bps >= 0 ? '(our way)' : '(adverse)'}`]);
  if (h.queue_at_join !== null) rows.push(['queue ahead at join', `${fixed(h.queue_at_join.median, qd)} median, ${fixed(h.queue_at_join.p90, qd)} p90`]);
  rows.push(['time two-sided', `${pct(h.two_sided.share, 1)} (${duration(h.two_sided.seconds)})`]);
  if (h.states !== null) rows.push(['trading states', Object.entries(h.states).filter(([, v]) => v > 0).map(([s, v]) => `${s} ${duration(v)}`).join(', ') || '—']);
  const risk = riskEvents(r.metrics);
  if (risk !== null) rows.push(['risk events', `${risk.total} changes, ${Object.values(risk.denials).reduce((a, b) => a + b, 0)} denied (final state ${risk.finalState})`]);
  rows.push(['max |inventory|', `${fixed(h.max_abs_inventory, qd)} (final ${fixed(h.final_inventory, qd)})`]);
  rows.push(['max drawdown', `${fixed(h.max_drawdown === null ? null : -h.max_drawdown, 2)}${h.max_drawdown_pct === null ? '' : ` (${fixed(h.max_drawdown_pct, 4)}%)`}`]);
  rows.push(['Sharpe', `${fixed(h.sharpe, 2)} (P(true Sharpe > 0) ${fixed(h.sharpe_confidence, 3)})`]);
  return rows;
}
