// Finished runs for the dashboard: backtest run folders and the runtime's execution outputs, read into chart messages.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ChartFill, ChartPoint, DashboardMessage, RiskLine, SourceKind } from './dashboard-state.js';
import { configField, readJson } from '../run-files.js';
import { stepDecimals as decimalsOfStep } from '../format.js';

/** The runtime's outputs are listed as `runtime:<run_id>_<agent>`. */
const RUNTIME = 'runtime:';

export interface RunEntry {
  /** What /api/run?name= takes. */
  name: string;
  /** What the page's list shows. */
  label: string;
  mtime: number;
}

/**
 * Finished runs, newest first: folders under `root` with a trace.csv (backtest run folders) and the
 * runtime's execution agents in `runtimeDir` (`<run_id>_<agent>_trace.csv` beside its metrics), by default
 * the folder above `root` (artifacts/ for artifacts/runs, the runtime's default artifacts dir).
 */
export function listRuns(root: string, runtimeDir = dirname(root)): RunEntry[] {
  const out: RunEntry[] = [];
  if (existsSync(root)) {
    for (const n of readdirSync(root)) {
      if (n.startsWith('.') || !existsSync(join(root, n, 'trace.csv'))) continue;
      out.push({ name: n, label: n, mtime: statSync(join(root, n)).mtimeMs });
    }
  }
  if (existsSync(runtimeDir) && runtimeDir !== root) {
    for (const f of readdirSync(runtimeDir)) {
      if (!f.endsWith('_trace.csv') || !existsSync(join(runtimeDir, f.replace(/_trace\.csv$/, '_metrics.json')))) continue;
      const id = f.slice(0, -'_trace.csv'.length);
      out.push({ name: RUNTIME + id, label: `runtime ${id}`, mtime: statSync(join(runtimeDir, f)).mtimeMs });
    }
  }
  return out.sort((a, b) => b.mtime - a.mtime || a.name.localeCompare(b.name));
}

/** Names of the finished runs, newest first (see listRuns). */
export function listRunFolders(root: string, runtimeDir?: string): string[] {
  return listRuns(root, runtimeDir).map((e) => e.name);
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

function readOptionalJson(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return readJson(path);
  } catch {
    return undefined; // a damaged file: fall back to the trace
  }
}

/** A finished run (a run folder's name, or `runtime:<run_id>_<agent>`) as a dashboard snapshot (at most `maxPoints` trace rows, evenly thinned). */
export function readRunFolder(root: string, name: string, maxPoints = 5_000, runtimeDir = dirname(root)): DashboardMessage | undefined {
  if (name.includes('/') || name.includes('\\') || name.startsWith('.')) return undefined;
  if (name.startsWith(RUNTIME)) {
    const id = name.slice(RUNTIME.length);
    if (id === '' || id.startsWith('.')) return undefined;
    const p = (kind: string): string => join(runtimeDir, `${id}_${kind}`);
    if (!existsSync(p('trace.csv'))) return undefined;
    return runMessage(p('trace.csv'), p('fills.csv'), readOptionalJson(p('metrics.json')), readOptionalJson(p('backtest_config.json')) ?? readOptionalJson(p('paper_config.json')), id, 'runtime output', maxPoints);
  }
  const dir = join(root, name);
  if (!existsSync(join(dir, 'trace.csv'))) return undefined;
  return runMessage(join(dir, 'trace.csv'), join(dir, 'fills.csv'), readOptionalJson(join(dir, 'metrics.json')), readOptionalJson(join(dir, 'config.json')), name, 'finished run', maxPoints);
}

function runMessage(tracePath: string, fillsPath: string, m: Record<string, unknown> | undefined, config: Record<string, unknown> | undefined, name: string, kind: SourceKind, maxPoints: number): DashboardMessage {
  const trace = csv(tracePath);
  const col = (n: string): number => trace.header.indexOf(n);
  const [ts, bid, ask, mid, inv, equity, cash, st] = ['ts', 'bid', 'ask', 'mid', 'inventory', 'equity', 'cash', 'trading_state'].map(col) as [number, number, number, number, number, number, number, number];
  const figure = (k: string): number | null => (m !== undefined && typeof m[k] === 'number' ? (m[k] as number) : null);
  const first = trace.rows[0] ?? [];
  const initial = figure('initial_capital') ?? num(first[equity]);
  const step = Math.max(1, Math.ceil(trace.rows.length / maxPoints));
  const points: ChartPoint[] = [];
  let lastT = -Infinity;
  for (let i = 0; i < trace.rows.length; i += step) {
    const r = trace.rows[i]!;
    const t = Math.floor((num(r[ts]) ?? 0) / 1000);
    if (t <= lastT) continue;
    lastT = t;
    const eq = num(r[equity]);
    const s = st >= 0 ? r[st] : undefined;
    points.push({ t, mid: num(r[mid]), bid: num(r[bid]), ask: num(r[ask]), inv: num(r[inv]), pnl: eq !== null && initial !== null ? eq - initial : null, ...(s ? { state: s } : {}) });
  }
  const fl = csv(fillsPath);
  const fc = (n: string): number => fl.header.indexOf(n);
  const fills: ChartFill[] = fl.rows.map((r) => ({
    t: Math.floor((num(r[fc('ts')]) ?? 0) / 1000),
    side: r[fc('side')] === 'sell' ? -1 : 1,
    price: num(r[fc('price')]) ?? 0,
    qty: num(r[fc('qty')]) ?? 0,
    fee: num(r[fc('fee')]) ?? 0,
    ...(fc('liquidity') >= 0 ? { liquidity: r[fc('liquidity')] ?? '' } : {}),
  }));
  const last = trace.rows[trace.rows.length - 1] ?? [];
  const eq = num(last[equity]);
  const market = (config?.['market'] ?? {}) as Record<string, unknown>;
  const total = figure('total_pnl') ?? (eq !== null && initial !== null ? eq - initial : null);
  const qm = config === undefined ? undefined : configField(config, 'quoting.model');
  const model = typeof qm === 'string' ? qm.toUpperCase() : '';
  const engine = config?.['clock'] === 'event' ? 'paper replay' : config?.['engine'] === 'tick' ? 'tick backtest' : 'bar backtest';
  const risk = m?.['risk'] as { final_state?: unknown } | undefined;
  const final = typeof risk?.final_state === 'string' ? ` · final state ${risk.final_state}` : '';
  return {
    type: 'snapshot',
    stats: {
      source: `${kind} · ${[model, engine, typeof market['symbol'] === 'string' ? market['symbol'] : ''].filter(Boolean).join(' ')}${final}`,
      source_kind: kind,
      title: name,
      trading_state: 'finished',
      inventory: num(last[inv]) ?? 0,
      cash: num(last[cash]),
      equity: eq,
      // The run's own split (its metrics.json) when it is there: PnL from the initial capital.
      realized_pnl: figure('realized_pnl'),
      unrealized_pnl: figure('inventory_pnl'),
      fees: figure('fees'),
      pnl: total,
      total_pnl: total,
      open_orders: 0,
      fills: fills.length,
      mid: num(last[mid]),
      price_decimals: typeof market['tick_size'] === 'number' ? decimalsOfStep(market['tick_size']) : 2,
      qty_decimals: typeof market['lot_size'] === 'number' ? decimalsOfStep(market['lot_size']) : 5,
      updated_utc: new Date(num(last[ts]) ?? 0).toISOString(),
    },
    points,
    fills: fills.length > 2_000 ? fills.slice(-2_000) : fills,
    risk: riskLines(m),
  };
}

/** The risk conditions the run's session raised and cleared (metrics.json), as the page lists them. */
function riskLines(m: Record<string, unknown> | undefined): RiskLine[] {
  const risk = m?.['risk'];
  const list = risk !== null && typeof risk === 'object' ? (risk as Record<string, unknown>)['transitions'] : undefined;
  if (!Array.isArray(list)) return [];
  return list.slice(-50).flatMap((x: Record<string, unknown>) => {
    const t = Date.parse(String(x['ts']));
    return Number.isFinite(t) ? [{ t: Math.floor(t / 1000), kind: `${String(x['condition'])} ${x['raised'] === true ? 'raised' : 'cleared'}`, reason: String(x['reason'] ?? ''), state: String(x['to'] ?? '') }] : [];
  });
}
