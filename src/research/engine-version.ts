// The engine version a stored case was computed with: a digest of the code that can change a case's result.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Folders of the code root (src/ in a source checkout, dist/ when built) whose code a case runs. The
 * CLI, reports, venues, ledger and runtime never reach a case's figures.
 */
const CASE_CODE = ['core', 'market', 'features', 'models', 'orders', 'portfolio', 'strategy', 'risk', 'sim', 'engine', 'research'];

let cached: string | undefined;

function codeFiles(dir: string, out: string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true }).map((d) => (d.isDirectory() ? `${d.name}/` : d.name));
  } catch {
    return;
  }
  for (const n of names.sort()) {
    if (n.endsWith('/')) codeFiles(join(dir, n), out);
    else if (/\.(ts|js|mjs)$/.test(n) && !/\.(test|d)\.[mc]?[jt]s$/.test(n)) out.push(join(dir, n));
  }
}

/**
 * sha256 over the path and bytes of every source file of the case code (tests and type declarations
 * aside), computed once per process. Any change to that code, comments included, gives a new version,
 * so a results store never hands back a case that the current code might compute differently; the
 * price is that an unrelated edit there recomputes stored cases.
 */
export function engineVersion(): string {
  if (cached !== undefined) return cached;
  const root = fileURLToPath(new URL('..', import.meta.url));
  const files: string[] = [];
  for (const d of CASE_CODE) codeFiles(join(root, d), files);
  const h = createHash('sha256');
  for (const f of files) {
    h.update(f.slice(root.length).replace(/\.(ts|js|mjs)$/, ''));
    h.update('\0');
    h.update(readFileSync(f));
    h.update('\0');
  }
  cached = `${files.length}-${h.digest('hex').slice(0, 32)}`;
  return cached;
}
