// Reading config.yaml: YAML → zod → graph and file checks; any fault is one UserError line naming the field.
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { UserError, readConfigMapping } from '../core/index.js';
import { loadPolicyFile } from '../models/index.js';
import { RuntimeConfigSchema, type RuntimeConfig } from './config.js';
import { checkGraph } from './graph.js';

/** `agents[2].params.gamma` from zod's path segments. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? String(seg) : `.${String(seg)}`;
  return out;
}

/** One zod issue as `path: expected ...`. */
export function formatIssue(issue: z.core.$ZodIssue): string {
  const at = (extra?: string): string => formatPath(extra === undefined ? issue.path : [...issue.path, extra]) || 'config';
  switch (issue.code) {
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      if (Array.isArray(options)) return `${at()}: expected one of ${options.map(String).join(', ')}`;
      break;
    }
    case 'invalid_value':
      return `${at()}: expected one of ${issue.values.map(String).join(', ')}`;
    case 'unrecognized_keys':
      return `${at(issue.keys[0])}: unknown field`;
    case 'invalid_type':
      if (/received undefined$/.test(issue.message)) return `${at()}: required (${issue.expected})`;
      break;
    default:
      break;
  }
  const msg = issue.message.replace(/^Invalid input: /, '').replace(/^Invalid string: /, '');
  return `${at()}: ${msg.charAt(0).toLowerCase()}${msg.slice(1)}`;
}

/** Validate a parsed document (plain data) into a config; `cwd` resolves relative data paths. */
export function validateConfig(doc: unknown, cwd: string = process.cwd()): RuntimeConfig {
  const r = RuntimeConfigSchema.safeParse(doc);
  if (!r.success) throw new UserError(formatIssue(r.error.issues[0]!));
  const cfg = r.data;
  checkGraph(cfg.agents);
  cfg.agents.forEach((a, i) => {
    if (a.role === 'ml') {
      const p = a.params;
      if (p.model === 'rl' && p.policy === undefined) throw new UserError(`agents[${i}].params.policy: required with model: rl (a policy.json from train-rl)`);
      if (p.model !== 'rl' && p.policy !== undefined) throw new UserError(`agents[${i}].params.policy: only used with model: rl`);
      if (p.policy !== undefined) {
        const path = resolve(cwd, p.policy);
        if (!isReadableFile(path)) throw new UserError(`agents[${i}].params.policy: cannot read file ${path}`);
        loadPolicyFile(path, `agents[${i}].params.policy`);
      }
    }
    if (a.role !== 'data') return;
    const p = a.params;
    if (p.source === 'file') {
      if (p.file === undefined) throw new UserError(`agents[${i}].params.file: required with source: file`);
      const path = dataPath(cfg, p.file, cwd);
      if (!isReadableFile(path)) throw new UserError(`agents[${i}].params.file: cannot read file ${path}`);
    } else {
      if (p.file !== undefined) throw new UserError(`agents[${i}].params.file: only used with source: file`);
      if (p.max_bars !== undefined) throw new UserError(`agents[${i}].params.max_bars: only used with source: file`);
    }
  });
  return cfg;
}

/** A data file's path: absolute as given, else under paths.data_dir (itself relative to `cwd`). */
export function dataPath(cfg: RuntimeConfig, file: string, cwd: string = process.cwd()): string {
  return isAbsolute(file) ? file : resolve(cwd, cfg.paths.data_dir, file);
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
