// Shared helpers of the runtime tests: temp folders, small configs, in-process runs with captured logs.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { stringify } from 'yaml';
import { runRuntime, type RunOptions, type RunSummary } from '../../src/runtime/index.js';
import { REPO_ROOT } from '../fixtures/shared-data.js';

export { REPO_ROOT };
export const SHIPPED_CONFIG = join(REPO_ROOT, 'config', 'config.yaml');

export const tmp = (label: string): string => mkdtempSync(join(tmpdir(), `mm-runtime-${label}-`));

export function writeConfig(dir: string, doc: unknown, name = 'config.yaml'): string {
  const path = join(dir, name);
  writeFileSync(path, stringify(doc));
  return path;
}

/** One small simulated pipeline (600 bars keeps a run well under a second of agent time). */
export function pipeline(prefix: string, bars = 600): Record<string, unknown>[] {
  return [
    { name: `${prefix}data`, role: 'data', params: { source: 'simulated', bars } },
    { name: `${prefix}model`, role: 'ml', inputs: [`${prefix}data`], params: { gamma: 0.1 } },
    { name: `${prefix}exec`, role: 'execution', inputs: [`${prefix}model`] },
    { name: `${prefix}risk`, role: 'risk', inputs: [`${prefix}exec`] },
  ];
}

export function smallConfig(agents: Record<string, unknown>[] = pipeline('')): Record<string, unknown> {
  return { mode: 'backtest', seed: 3, paths: { artifacts_dir: 'out', data_dir: '.' }, market: { symbol: 'SIM/USDT' }, agents };
}

export interface CapturedRun {
  summary: RunSummary;
  lines: string[];
  events: Record<string, unknown>[];
}

/** Run in `cwd` with an empty environment unless given; log lines are captured, not printed. */
export async function runIn(cwd: string, o: Partial<RunOptions> & { configPath: string }): Promise<CapturedRun> {
  const lines: string[] = [];
  const summary = await runRuntime({ env: {}, maxWorkers: 2, ...o, cwd, writeLog: (l) => lines.push(l) });
  return { summary, lines, events: lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

export const files = (dir: string): string[] => {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
};

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The CLI from source (through tsx), not from dist/: the tests then check this checkout's code even when
 * dist/ is stale or being rebuilt.
 */
export function cli(args: string[], cwd: string, env: Record<string, string> = {}): CliResult {
  const base: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR']) if (process.env[k] !== undefined) base[k] = process.env[k]!;
  const argv = ['--import', import.meta.resolve('tsx'), join(REPO_ROOT, 'src', 'cli', 'main.ts'), ...args];
  const r = spawnSync(process.execPath, argv, { cwd, env: { ...base, ...env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
