// Reading a `--config` file (YAML or JSON) into a plain mapping, with one clear line when it cannot be.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { UserError } from '../core/index.js';

export function readConfigMapping(path: string): Record<string, unknown> {
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
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new UserError(`--config: ${path} is not a mapping`);
  return v as Record<string, unknown>;
}
