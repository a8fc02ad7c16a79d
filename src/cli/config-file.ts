// Reading a `--config` file (YAML or JSON) into a plain mapping, with one clear line when it cannot be.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { UserError } from '../core/index.js';

/** `allowEmpty`: an empty file (or no file) means every default, as the realtime commands take it. */
export function readConfigMapping(path: string, opts: { allowEmpty?: boolean } = {}): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`--config: cannot read file ${path}`);
  }
  let v: unknown;
  try {
    v = parseYaml(text);
  } catch (e) {
    throw new UserError(`--config: ${path} is not YAML/JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (v === null && opts.allowEmpty === true) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new UserError(`--config: ${path} is not a mapping`);
  return v as Record<string, unknown>;
}

/** Seconds of a timeframe such as 1m, 5m, 1h (the realtime commands' σ window). */
export function timeframeSeconds(tf: string): number {
  const m = /^(\d+)([smhdw])$/.exec(tf);
  if (!m) throw new UserError(`--timeframe: expected a timeframe such as 1m, 5m, 1h; got '${tf}'`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
}
