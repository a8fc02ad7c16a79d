// Where a run's files are: a backtest run folder (config.json, metrics.json, …) or the runtime's `<run_id>_<agent>_*` artifacts.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../core/index.js';

/** One run's files, whatever the layout that wrote them. */
export interface RunFiles {
  /** Run id (a folder's run) or `<run_id> · <agent>` (the runtime's). */
  label: string;
  layout: 'run-folder' | 'runtime';
  /** Where report.html goes by default. */
  reportPath: string;
  config: Record<string, unknown>;
  metrics: Record<string, unknown>;
  tracePath: string;
  fillsPath: string;
  /** The venue's order log of a tick run (when the engine wrote one). */
  ordersPath?: string;
  /** What the run is, for the output rules: its run folder, or the runtime's files of this agent. */
  inputs: { folders?: string[]; files?: string[] };
}

/** A JSON object file of a run; anything else is one UserError line naming the file. */
export function readJson(path: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (v === null || typeof v !== 'object') throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new UserError(`${path}: cannot read JSON (${(e as Error).message})`);
  }
}

function need(path: string, what: string): string {
  if (!existsSync(path)) throw new UserError(`${what}: missing ${path}`);
  return path;
}

function runFolder(dir: string): RunFiles {
  // A run of several markets keeps each market's run in a folder of its own.
  if (!existsSync(join(dir, 'trace.csv')) && existsSync(join(dir, 'config.json'))) {
    const markets = (readJson(join(dir, 'config.json')) as { markets?: { name?: unknown }[] }).markets;
    if (Array.isArray(markets) && markets.length > 0) throw new UserError(`${dir}: a run of ${markets.length} markets; give one market's folder, e.g. ${join(dir, String(markets[0]!.name))}`);
  }
  for (const f of ['config.json', 'metrics.json', 'trace.csv', 'fills.csv']) {
    if (!existsSync(join(dir, f))) throw new UserError(`${dir}: not a run folder (missing ${f})`);
  }
  const config = readJson(join(dir, 'config.json'));
  const orders = join(dir, 'orders.csv');
  return {
    label: typeof config['run_id'] === 'string' ? config['run_id'] : basename(dir),
    layout: 'run-folder',
    reportPath: join(dir, 'report.html'),
    config,
    metrics: readJson(join(dir, 'metrics.json')),
    tracePath: join(dir, 'trace.csv'),
    fillsPath: join(dir, 'fills.csv'),
    ...(existsSync(orders) ? { ordersPath: orders } : {}),
    inputs: { folders: [dir] },
  };
}

/**
 * A field of a run's config: the one config's sections (`quoting.gamma`), or the flat key of run folders
 * written before the config had sections (`gamma`).
 */
export function configField(config: Record<string, unknown>, path: string): unknown {
  let v: unknown = config;
  for (const k of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v !== undefined ? v : config[path.slice(path.lastIndexOf('.') + 1)];
}

/** The runtime's execution agent: `<prefix>metrics.json`, `trace.csv`, `fills.csv` and its config (`backtest_config.json`, or `paper_config.json` of a replay). */
function runtimeAgent(prefix: string): RunFiles {
  const what = `${basename(prefix)}*`;
  const configPath = need(existsSync(`${prefix}paper_config.json`) ? `${prefix}paper_config.json` : `${prefix}backtest_config.json`, what);
  const config = readJson(configPath);
  const runId = typeof config['run_id'] === 'string' ? config['run_id'] : '';
  const agent = basename(prefix).slice(runId.length + 1, -1);
  return {
    label: runId !== '' && agent !== '' ? `${runId} · ${agent}` : basename(prefix).replace(/_$/, ''),
    layout: 'runtime',
    reportPath: `${prefix}report.html`,
    config,
    metrics: readJson(need(`${prefix}metrics.json`, what)),
    tracePath: need(`${prefix}trace.csv`, what),
    fillsPath: need(`${prefix}fills.csv`, what),
    inputs: { files: [configPath, `${prefix}metrics.json`, `${prefix}trace.csv`, `${prefix}fills.csv`] },
  };
}

/**
 * The runs a path names: a run folder; the runtime's `<run_id>_summary.json` (every execution agent that
 * completed); or one agent's `<run_id>_<agent>_metrics.json`.
 */
export function resolveRuns(path: string): RunFiles[] {
  if (!existsSync(path)) throw new UserError(`${path}: not a run folder (no such file or folder)`);
  if (statSync(path).isDirectory()) {
    if (existsSync(join(path, 'metrics.json'))) return [runFolder(path)];
    throw new UserError(`${path}: not a run folder (missing metrics.json); for the runtime's output give <run_id>_summary.json or <run_id>_<agent>_metrics.json`);
  }
  if (path.endsWith('_metrics.json')) return [runtimeAgent(path.slice(0, -'metrics.json'.length))];
  if (path.endsWith('_summary.json')) {
    const s = readJson(path);
    const agents = Array.isArray(s['agents']) ? (s['agents'] as Array<Record<string, unknown>>) : [];
    const runId = typeof s['run_id'] === 'string' ? s['run_id'] : '';
    const execs = agents.filter((a) => a['role'] === 'execution' && a['status'] === 'completed');
    if (runId === '' || execs.length === 0) throw new UserError(`${path}: no completed execution agent in this runtime summary (nothing to report)`);
    return execs.map((a) => runtimeAgent(join(dirname(path), `${runId}_${String(a['agent'])}_`)));
  }
  throw new UserError(`${path}: expected a run folder, a runtime <run_id>_summary.json or a <run_id>_<agent>_metrics.json`);
}
