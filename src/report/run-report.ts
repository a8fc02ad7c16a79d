// `report RUN_DIR`: a backtest run folder (config, metrics, trace, fills) rendered to a self-contained report.html.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/index.js';
import { barChart, renderSvg } from './charts.js';
import { page, table } from './html.js';
import { pathSections, type FillPoint, type PathSeries } from './path-charts.js';

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

export function parseTrace(path: string): PathSeries {
  const c = readCsvColumns(path);
  for (const need of ['ts', 'mid', 'bid', 'ask', 'inventory', 'equity']) {
    if (!c.has(need)) throw new UserError(`${path}: trace lacks column ${need}`);
  }
  const col = (k: string): number[] => c.get(k)!.map(num);
  return { ts: col('ts'), mid: col('mid'), bid: col('bid'), ask: col('ask'), inventory: col('inventory'), equity: col('equity') };
}

export function parseFills(path: string): FillPoint[] {
  const c = readCsvColumns(path);
  const ts = c.get('ts') ?? [];
  const side = c.get('side') ?? [];
  const price = c.get('price') ?? [];
  return ts.map((t, i) => ({ ts: Number(t), side: side[i] === 'sell' ? 'sell' : 'buy', price: Number(price[i]) }));
}

/** A JSON object file of a run folder; anything else is one UserError line naming the file. */
export function readJson(path: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (v === null || typeof v !== 'object') throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new UserError(`${path}: cannot read JSON (${(e as Error).message})`);
  }
}

export async function renderRunReport(dir: string): Promise<string> {
  for (const f of ['config.json', 'metrics.json', 'trace.csv', 'fills.csv']) {
    if (!existsSync(join(dir, f))) throw new UserError(`${dir}: not a run folder (missing ${f})`);
  }
  const config = readJson(join(dir, 'config.json'));
  const m = readJson(join(dir, 'metrics.json'));
  const trace = parseTrace(join(dir, 'trace.csv'));
  const fills = parseFills(join(dir, 'fills.csv'));
  const n = (k: string): number => (typeof m[k] === 'number' ? (m[k] as number) : Number.NaN);
  const initial = n('initial_capital');
  const sections = await pathSections(trace, fills, Number.isFinite(initial) ? initial : (trace.equity[0] ?? 0));
  // Tick runs split PnL into spread capture (against the mid at the fill) and inventory; bar runs into realized and inventory.
  const parts =
    'pnl_spread_capture' in m
      ? [
          { label: '1 spread capture', v: n('pnl_spread_capture') },
          { label: '2 inventory', v: n('pnl_inventory') },
          { label: '3 fees', v: -n('pnl_fees') },
          { label: '4 total', v: n('total_pnl') },
        ]
      : [
          { label: '1 realized', v: n('realized_pnl') },
          { label: '2 inventory', v: n('inventory_pnl') },
          { label: '3 fees', v: -n('fees') },
          { label: '4 total', v: n('total_pnl') },
        ];
  const decomposition = await renderSvg(barChart('PnL decomposition', parts, 'quote currency', true));
  sections.push({ title: 'PnL decomposition', html: decomposition });
  const keys = ['samples', 'start', 'end', 'total_pnl', 'return_pct', 'realized_pnl', 'inventory_pnl', 'fees', 'fills', 'fill_rate', 'max_drawdown', 'max_drawdown_pct', 'sharpe', 'sharpe_confidence', 'sortino', 'final_inventory'];
  const summary = table(['metric', 'value'], keys.map((k) => [k, (m[k] ?? null) as string | number | null]));
  const cfgKeys = ['run_id', 'model', 'gamma', 'k', 'calibrate', 'order_qty', 'max_inventory_qty', 'maker_fee_bps', 'seed'];
  const cfgTable = table(['parameter', 'value'], cfgKeys.filter((k) => k in config).map((k) => [k, JSON.stringify(config[k])]));
  const title = `Backtest report — ${String(config["run_id"] ?? dir)}`;
  return page(title, summary + cfgTable, sections);
}
