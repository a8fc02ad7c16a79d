// Loading a user's strategy module (.ts or .js, no build step): compiled and bundled in memory, its export checked, kept per process.
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { UserError } from '../core/index.js';
import { checkDefinition, messageOf } from './plugin-strategy.js';
import type { StrategyDefinition } from './plugin-types.js';

export interface LoadedStrategy {
  /** Absolute path of the module. */
  path: string;
  definition: StrategyDefinition;
  /** sha256 of the compiled module (with everything it bundles): a sweep's stored cases are keyed on it. */
  digest: string;
  /**
   * sha256 of the same compiled code with the SDK's location written as `marketmakerl/sdk`: the module and
   * what it bundles, whichever checkout or build runs it (a recording keeps it; a replay compares).
   */
  moduleSha256: string;
}

const loaded = new Map<string, LoadedStrategy>();
const loading = new Map<string, Promise<LoadedStrategy>>();

/** The SDK entry a module imports as `marketmakerl` or `marketmakerl/sdk` (this build's own copy: .ts under tsx, .js when built). */
function sdkUrl(): string {
  const self = import.meta.url;
  const ext = self.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`../sdk/index${ext}`, self).href;
}

let hooked = false;

/**
 * A source checkout runs this file through tsx, and the module's SDK import names a .ts file. Worker
 * threads do not inherit the parent's loader hooks on Node 20 (and those a pool passes do not reach an
 * import from a data: URL): such a thread registers tsx's hooks itself, once.
 */
async function sourceCheckoutHooks(sdk: string): Promise<void> {
  if (hooked || isMainThread || !sdk.endsWith('.ts')) return;
  hooked = true;
  const api = 'tsx/esm/api';
  const tsx = (await import(api)) as { register: () => unknown };
  tsx.register();
}

/** Absolute path of a strategy module named by a flag or the config (relative to the working folder). */
export function strategyPath(file: string, cwd: string = process.cwd()): string {
  return resolve(cwd, file);
}

/**
 * Load a strategy module: `.ts`, `.mts`, `.js` or `.mjs`, compiled with esbuild in memory (types are
 * stripped, not checked) and bundled with the files and packages it imports, except the SDK, which stays
 * this process's own module. Its default export (or an export named `strategy`) must be a definition
 * (`defineStrategy`). Every fault — missing file, syntax error, a throw while loading, a missing or
 * malformed export — is one line naming `label` and the file (exit 2). Loaded once per process and thread.
 */
export async function loadStrategyModule(file: string, label = '--strategy', cwd: string = process.cwd()): Promise<LoadedStrategy> {
  const path = strategyPath(file, cwd);
  const done = loaded.get(path);
  if (done !== undefined) return done;
  let p = loading.get(path);
  if (p === undefined) {
    p = load(path, `${label} ${file}`);
    loading.set(path, p);
    p.then(
      (l) => loaded.set(path, l),
      () => loading.delete(path),
    );
  }
  return p;
}

async function load(path: string, at: string): Promise<LoadedStrategy> {
  if (!/\.(m?ts|m?js)$/.test(path)) throw new UserError(`${at}: expected a .ts or .js module`);
  if (!existsSync(path) || !statSync(path).isFile()) throw new UserError(`${at}: no such file`);
  const esbuild = await import('esbuild');
  const sdk = sdkUrl();
  await sourceCheckoutHooks(sdk);
  let code: string;
  try {
    const out = await esbuild.build({
      entryPoints: [path],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
      absWorkingDir: dirname(path),
      plugins: [
        {
          name: 'marketmakerl-sdk',
          setup(b) {
            b.onResolve({ filter: /^marketmakerl(\/sdk)?$/ }, () => ({ path: sdk, external: true }));
          },
        },
      ],
    });
    code = out.outputFiles[0]!.text;
  } catch (e) {
    const errs = (e as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors;
    const first = errs?.[0];
    if (first !== undefined) {
      const where = first.location;
      const loc = where ? ` (${where.file === '' || resolve(dirname(path), where.file) === path ? '' : `${where.file} `}line ${where.line}, column ${where.column + 1})` : '';
      throw new UserError(`${at}: cannot compile: ${first.text}${loc}`);
    }
    throw new UserError(`${at}: cannot compile: ${messageOf(e)}`);
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as Record<string, unknown>;
  } catch (e) {
    throw new UserError(`${at}: threw while loading: ${messageOf(e)}`);
  }
  const def = mod['default'] ?? mod['strategy'];
  if (def === undefined) throw new UserError(`${at}: no default export (export default defineStrategy({ name, params, create }))`);
  const definition = checkDefinition(def, at);
  return { path, definition, digest: createHash('sha256').update(code).digest('hex'), moduleSha256: createHash('sha256').update(code.split(sdk).join('marketmakerl/sdk')).digest('hex') };
}

/** A module loaded earlier in this process (drivers build strategies synchronously; commands and workers load first). */
export function loadedStrategy(file: string, cwd: string = process.cwd()): LoadedStrategy | undefined {
  return loaded.get(strategyPath(file, cwd));
}

/** The SDK entry's file path (tests and docs). */
export function sdkEntryPath(): string {
  return fileURLToPath(sdkUrl());
}
