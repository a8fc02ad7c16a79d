// Where a command may write: never the root, the home folder, the working folder or its parents; never over what is not ours.
import { existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { UserError } from './errors.js';

/** The file that marks a folder as written by marketmakerl (a run folder, an artifact or recording folder). */
export const RUN_MARKER = '.marketmakerl';

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/**
 * Refuse `/`, the home folder, the working folder and every folder above it, whatever the spelling
 * (`.`, `..`, a symlink): a command writing there could shadow or replace what holds the user's work.
 */
export function assertSafeOutput(path: string, flag: string): void {
  if (path.trim() === '') throw new UserError(`${flag}: expected a path, got an empty string`);
  const target = real(path);
  const cwd = real(process.cwd());
  const home = real(homedir());
  if (target === sep || target === resolve(sep)) throw new UserError(`${flag}: '${path}' is the root folder; choose a new folder`);
  if (target === home) throw new UserError(`${flag}: '${path}' is the home folder; choose a new folder`);
  if (cwd === target || cwd.startsWith(target.endsWith(sep) ? target : target + sep))
    throw new UserError(`${flag}: '${path}' is the working folder or one of its parents; choose a new folder`);
}

/** Whether `dir` carries our marker. */
export function isOurs(dir: string): boolean {
  try {
    return lstatSync(join(dir, RUN_MARKER)).isFile();
  } catch {
    return false;
  }
}

export function writeMarker(dir: string, kind: string): void {
  // No time in it: a rerun with the same inputs gives a byte-identical folder.
  writeFileSync(join(dir, RUN_MARKER), `${JSON.stringify({ written_by: 'marketmakerl', kind })}\n`);
}

/**
 * Check a folder that a command adds files to (stamped names, never replacing anything): it must be new,
 * empty or ours. `ours`: a default path of the command (folders of earlier versions carry no marker).
 */
export function checkCollectionFolder(path: string, flag: string, ours = false): void {
  assertSafeOutput(path, flag);
  if (!existsSync(path)) return;
  if (!lstatSync(path).isDirectory()) throw new UserError(`${flag}: '${path}' is a file, not a folder; choose a new folder`);
  if (ours || isOurs(path)) return;
  if (readdirSync(path).length > 0) throw new UserError(`${flag}: '${path}' is a folder that is not empty and was not written by marketmakerl; choose a new folder`);
}

/**
 * `checkCollectionFolder`, then create the folder (with the marker) when it is new or empty. Returns an
 * undo for a command that fails before writing anything: what this call created goes, if still empty.
 */
export function ensureCollectionFolder(path: string, flag: string, kind: string, ours = false): () => void {
  checkCollectionFolder(path, flag, ours);
  const created: string[] = [];
  for (let d = resolve(path); !existsSync(d); d = dirname(d)) created.unshift(d);
  if (created.length > 0) mkdirSync(path, { recursive: true });
  const marked = !isOurs(path) && readdirSync(path).length === 0;
  if (marked) writeMarker(path, kind);
  return () => {
    try {
      if (marked && readdirSync(path).length === 1) rmSync(join(path, RUN_MARKER));
      for (let i = created.length - 1; i >= 0; i--) rmdirSync(created[i]!);
    } catch {
      // Something was written meanwhile: it stays.
    }
  };
}

/**
 * A file that a command writes: refused when it is a folder or a forbidden place; an existing file is
 * replaced only with `force` (unless `ours`: a default path inside our own folders).
 */
export function checkOutputFile(path: string, flag: string, force: boolean, ours = false): void {
  assertSafeOutput(path, flag);
  if (path.endsWith('/') || path.endsWith(sep)) throw new UserError(`${flag}: expected a file name, got the folder '${path}'`);
  if (!existsSync(path)) return;
  const st = lstatSync(path);
  if (st.isDirectory()) throw new UserError(`${flag}: '${path}' is a folder; expected a file name`);
  if (!st.isFile()) throw new UserError(`${flag}: '${path}' is not a regular file`);
  if (!force && !ours) throw new UserError(`${flag}: '${path}' exists; add --force to replace it, or choose a new name`);
}
