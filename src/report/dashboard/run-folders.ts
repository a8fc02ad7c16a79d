// Finished backtest runs for the dashboard: list run folders and read trace.csv / fills.csv into chart messages.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ChartFill, ChartPoint, DashboardMessage } from './dashboard-state.js';
import { readJson } from '../run-report.js';

/** Names of folders under `root` that hold a trace.csv, newest first. */
export function listRunFolders(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((n) => !n.startsWith('.') && existsSync(join(root, n, 'trace.csv')))
    .map((n) => ({ n, m: statSync(join(root, n)).mtimeMs }))
    .sort((a, b) => b.m - a.m)
    .map((x) => x.n);
}

function csv(path: string): { header: string[]; rows: string[][] } {
  if (!existsSync(path)) return { header: [], rows: [] };
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
  return { header: (lines[0] ?? '').split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

const num = (s: string | undefined): number | null => {
  if (s === undefined || s === '' || s === 'NaN') return null;
  const x = Number(s);
  return Number.isFinite(x) ? x : null;
};

function readMetrics(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return readJson(path);
  } catch {
    return undefined; // a damaged metrics.json: fall back to the trace
  }
}

/** A run folder as a dashboard snapshot (at most `maxPoints` trace rows, evenly thinned). */
export function readRunFolder(root: string, name: string, maxPoints = 5_000): DashboardMessage | undefined {
  if (name.includes('/') || name.includes('\\') || name.startsWith('.')) return undefined;
  const dir = join(root, name);
  if (!existsSync(join(dir, 'trace.csv'))) return undefined;
  const trace = csv(join(dir, 'trace.csv'));
  const col = (n: string): number => trace.header.indexOf(n);
  const [ts, bid, ask, mid, inv, equity, cash] = ['ts', 'bid', 'ask', 'mid', 'inventory', 'equity', 'cash'].map(col) as [number, number, number, number, number, number, number];
  const step = Math.max(1, Math.ceil(trace.rows.length / maxPoints));
  const points: ChartPoint[] = [];
  let lastT = -Infinity;
  for (let i = 0; i < trace.rows.length; i += step) {
    const r = trace.rows[i]!;
    const t = Math.floor((num(r[ts]) ?? 0) / 1000);
    if (t <= lastT) continue;
    lastT = t;
    points.push({ t, mid: num(r[mid]), bid: num(r[bid]), ask: num(r[ask]) });
  }
  const fl = csv(join(dir, 'fills.csv'));
  const fc = (n: string): number => fl.header.indexOf(n);
  const fills: ChartFill[] = fl.rows.map((r) => ({
    t: Math.floor((num(r[fc('ts')]) ?? 0) / 1000),
    side: r[fc('side')] === 'sell' ? -1 : 1,
    price: num(r[fc('price')]) ?? 0,
    qty: num(r[fc('qty')]) ?? 0,
  }));
  const last = trace.rows[trace.rows.length - 1] ?? [];
  const first = trace.rows[0] ?? [];
  const eq = num(last[equity]);
  const eq0 = num(first[equity]);
  // The run's own figures when its metrics.json is there (PnL from the initial capital, split as the run split it).
  const m = readMetrics(join(dir, 'metrics.json'));
  const figure = (k: string): number | null => (m !== undefined && typeof m[k] === 'number' ? (m[k] as number) : null);
  return {
    type: 'snapshot',
    stats: {
      source: `run ${name}`,
      title: name,
      trading_state: 'finished',
      inventory: num(last[inv]) ?? 0,
      cash: num(last[cash]),
      equity: eq,
      realized_pnl: figure('realized_pnl'),
      unrealized_pnl: figure('inventory_pnl'),
      total_pnl: figure('total_pnl') ?? (eq !== null && eq0 !== null ? eq - eq0 : null),
      open_orders: 0,
      fills: fills.length,
      mid: num(last[mid]),
      updated_utc: new Date((num(last[ts]) ?? 0)).toISOString(),
    },
    points,
    fills: fills.length > 2_000 ? fills.slice(-2_000) : fills,
    risk: [],
  };
}
