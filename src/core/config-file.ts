// Reading a config file (YAML or JSON) into a plain mapping, with one clear line when it cannot be.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UserError } from './errors.js';

/**
 * `allowEmpty`: an empty file means every default (the realtime commands take it so). `cwd`: the folder a
 * relative `path` is read from (messages keep `path` as given).
 */
export function readConfigMapping(path: string, opts: { allowEmpty?: boolean; cwd?: string } = {}): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(opts.cwd === undefined ? path : resolve(opts.cwd, path), 'utf8');
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
