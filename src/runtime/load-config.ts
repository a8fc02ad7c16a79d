// Reading the config file for `run`: YAML → strict zod (with suggestions) → agents resolved → graph and file checks; one line per fault.
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { UserError, parseStrict, readConfigMapping } from '../core/index.js';
import { parseQueueModel } from '../sim/index.js';
import { loadPolicyFile } from '../models/index.js';
import type { TradingConfig } from '../engine/index.js';
import { ConfigFileSchema, tradingOf, type ConfigFile } from './config.js';
import { resolveAgents, type AgentConfig } from './agents.js';
import { checkGraph } from './graph.js';

export { formatPath } from '../core/index.js';

/** A config as `run` uses it: the file, its trading sections, and every agent with complete params. */
export interface RuntimeConfig {
  file: ConfigFile;
  trading: TradingConfig;
  agents: AgentConfig[];
  mode: ConfigFile['mode'];
  seed: number;
  run_id: string | undefined;
  paths: ConfigFile['paths'];
  logging: ConfigFile['logging'];
  market: TradingConfig['market'];
}

/** Validate a parsed document (plain data) into a config; `cwd` resolves relative data paths. */
export function validateConfig(doc: unknown, cwd: string = process.cwd()): RuntimeConfig {
  const file = parseStrict(ConfigFileSchema, doc);
  parseQueueModel(file.sim.queue, 'sim.queue');
  if (file.markets !== undefined) throw new UserError('markets: the runtime trades one market (market:); several markets run in backtest --events and realtime --clock event');
  const agents = resolveAgents(file);
  checkGraph(agents);
  const cfg: RuntimeConfig = {
    file,
    trading: tradingOf(file),
    agents,
    mode: file.mode,
    seed: file.seed,
    run_id: file.run_id,
    paths: file.paths,
    logging: file.logging,
    market: file.market,
  };
  agents.forEach((a, i) => {
    const at = file.agents !== undefined ? `agents[${i}].params` : `(default pipeline) ${a.name}`;
    if (a.role === 'ml') {
      const p = a.params;
      if (p.model === 'rl' && p.policy === undefined) throw new UserError(`${at}.policy: required with model: rl (a policy.json from train-rl; or quoting.policy_path)`);
      if (p.model !== 'rl' && p.policy !== undefined && file.agents?.[i]?.role === 'ml' && (file.agents[i]!.params as { policy?: string }).policy !== undefined)
        throw new UserError(`${at}.policy: only used with model: rl`);
      if (p.model === 'rl' && p.policy !== undefined) {
        const path = resolve(cwd, p.policy);
        if (!isReadableFile(path)) throw new UserError(`${at}.policy: cannot read file ${path}`);
        loadPolicyFile(path, `${at}.policy`);
      }
    }
    if (a.role !== 'data') return;
    const p = a.params;
    if (p.source === 'file') {
      if (p.file === undefined) throw new UserError(`${at}.file: required with source: file (or data.path)`);
      const path = agentDataPath(cfg, a, cwd);
      if (!isReadableFile(path!)) throw new UserError(`${p.fileFromData ? 'data.path' : `${at}.file`}: cannot read file ${path}`);
    } else {
      const given = file.agents?.[i]?.params as { file?: string; max_bars?: number } | undefined;
      if (given?.file !== undefined) throw new UserError(`${at}.file: only used with source: file`);
      if (p.max_bars !== undefined) throw new UserError(`${at}.max_bars: only used with source: file`);
    }
  });
  return cfg;
}

/** A data file's path: absolute as given, else under paths.data_dir (itself relative to `cwd`). */
export function dataPath(cfg: Pick<RuntimeConfig, 'paths'>, file: string, cwd: string = process.cwd()): string {
  return isAbsolute(file) ? file : resolve(cwd, cfg.paths.data_dir, file);
}

/** A data agent's file: its own `file` under paths.data_dir, or data.path relative to the working directory. */
export function agentDataPath(cfg: Pick<RuntimeConfig, 'paths'>, a: AgentConfig, cwd: string = process.cwd()): string | undefined {
  if (a.role !== 'data' || a.params.file === undefined) return undefined;
  return a.params.fileFromData ? resolve(cwd, a.params.file) : dataPath(cfg, a.params.file, cwd);
}

function isReadableFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Read, parse and validate a config file. */
export function loadConfig(path: string, cwd: string = process.cwd()): RuntimeConfig {
  const doc = readConfigMapping(path, { cwd });
  return validateConfig(doc, cwd);
}
