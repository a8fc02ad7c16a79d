// Reading a config file (YAML or JSON) into a plain mapping, with one clear line when it cannot be.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UserError } from './errors.js';

/**
 * `flag`: the flag that named the file, for messages (default `--config`). `cwd`: the folder a relative
 * `path` is read from (messages keep `path` as given). A file with no settings at all (empty, or only blank
 * lines and comments) is refused the same way by every command: it is more often a mistake (a truncated
 * or wrong file) than a wish for the defaults, which `{}` asks for plainly.
 */
export function readConfigMapping(path: string, opts: { flag?: string; cwd?: string; empty?: string } = {}): Record<string, unknown> {
  const flag = opts.flag ?? '--config';
  let text: string;
  try {
    text = readFileSync(opts.cwd === undefined ? path : resolve(opts.cwd, path), 'utf8');
  } catch {
    throw new UserError(`${flag}: cannot read file ${path}`);
  }
  let v: unknown;
  try {
    v = parseYaml(text);
  } catch (e) {
    throw new UserError(`${flag}: ${path} is not YAML/JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (v === null || v === undefined) throw new UserError(`${flag}: ${path} holds no settings (it is empty or only comments); ${opts.empty ?? 'give its settings, or {} for every default'}`);
  if (typeof v !== 'object' || Array.isArray(v)) throw new UserError(`${flag}: ${path} is not a mapping`);
  return v as Record<string, unknown>;
}
