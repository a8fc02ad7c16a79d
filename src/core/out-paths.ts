// Where a command may write: never the root, the home folder, the working folder or its parents; never over what is not ours.
import { existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { UserError } from './errors.js';

/** The file that marks a folder as written by marketmakerl (a run folder, an artifact or recording folder). */
export const RUN_MARKER = '.marketmakerl';

/**
 * Refuse `/`, the home folder, the working folder and every folder above it, whatever the spelling
 * (`.`, `..`, a symlink): a command writing there could shadow or replace what holds the user's work.
 */
export function assertSafeOutput(path: string, flag: string, workDir = process.cwd()): void {
  if (path.trim() === '') throw new UserError(`${flag}: expected a path, got an empty string`);
  const target = realish(resolve(workDir, path));
  const cwd = realish(workDir);
  const home = realish(homedir());
  if (target === sep || target === resolve(sep)) throw new UserError(`${flag}: '${path}' is the root folder; choose a new folder`);
  if (target === home) throw new UserError(`${flag}: '${path}' is the home folder; choose a new folder`);
  if (cwd === target || cwd.startsWith(target.endsWith(sep) ? target : target + sep))
    throw new UserError(`${flag}: '${path}' is the working folder or one of its parents; choose a new folder`);
  if (within(target, '/proc') || within(target, '/sys')) throw new UserError(`${flag}: '${path}' is in a system folder (/proc, /sys); choose a new folder`);
  assertWritablePath(resolve(workDir, path), path, flag);
}

/**
 * What the file system would refuse later, after the work (an internal error then): a name longer than
 * 255 bytes, a file or a dangling symlink where a folder is needed, a dangling symlink as the target itself.
 */
function assertWritablePath(abs: string, path: string, flag: string): void {
  for (const part of abs.split(sep)) {
    if (Buffer.byteLength(part) > 255) throw new UserError(`${flag}: '${path}' has a name longer than 255 bytes; choose a shorter one`);
  }
  for (let p = abs, first = true; ; first = false) {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      const parent = dirname(p);
      if (parent === p) return;
      p = parent;
      continue;
    }
    if (st.isSymbolicLink() && !existsSync(p)) throw new UserError(`${flag}: '${first ? path : p}' is a symlink to nothing; choose another path`);
    if (!first && !statSync(p).isDirectory()) throw new UserError(`${flag}: '${p}' is a file, not a folder, so '${path}' cannot be written; choose another path`);
    return;
  }
}

/** A path with every existing part resolved (symlinks too), whether or not it exists itself. */
function realish(p: string): string {
  const abs = resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : join(realish(parent), basename(abs));
  }
}

/** Whether `p` is `dir` or lies under it (both real paths). */
function within(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

/** Both name one file: the same real path, or the same inode (a hard link). */
export function sameFile(a: string, b: string): boolean {
  if (realish(a) === realish(b)) return true;
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/**
 * What a command reads: its input files, and the run folders it reads from (every file in them counts as
 * an input). Undefined entries (flags not given) are skipped.
 */
export interface CommandInputs {
  files?: readonly (string | undefined)[];
  folders?: readonly (string | undefined)[];
}

/**
 * Refuse an output file that is one of the command's inputs (also through a symlink or a hard link) or
 * lies inside an input run folder: writing it would replace what the command reads. `--force` does not
 * lift this.
 */
export function assertNotInput(path: string, flag: string, inputs: CommandInputs): void {
  for (const f of inputs.files ?? []) {
    if (f !== undefined && sameFile(path, f)) throw new UserError(`${flag}: '${path}' is the input file '${f}' of this command; choose another name`);
  }
  assertOutsideInputFolders(path, flag, inputs);
}

/**
 * Refuse an output folder (replaced as a whole) that is, holds or lies inside one of the command's
 * inputs: replacing it would remove what the command reads.
 */
export function assertFolderNotInput(path: string, flag: string, inputs: CommandInputs): void {
  const target = realish(path);
  for (const f of [...(inputs.files ?? []), ...(inputs.folders ?? [])]) {
    if (f === undefined) continue;
    const r = realish(f);
    if (within(r, target)) throw new UserError(`${flag}: '${path}' holds the input '${f}' of this command; choose a folder that holds none of its inputs`);
  }
  assertOutsideInputFolders(path, flag, inputs);
}

/** Refuse an output that lies inside one of the command's input run folders. */
function assertOutsideInputFolders(path: string, flag: string, inputs: CommandInputs): void {
  const target = realish(path);
  for (const d of inputs.folders ?? []) {
    if (d !== undefined && within(target, realish(d))) throw new UserError(`${flag}: '${path}' is inside the input run folder '${d}' of this command; choose a path outside it`);
  }
}

/** Whether `dir` carries our marker. */
export function isOurs(dir: string): boolean {
  try {
    return lstatSync(join(dir, RUN_MARKER)).isFile();
  } catch {
    return false;
  }
}

/**
 * `entries`: a run folder's paths as written (`a/b` below its top), the only ones `--force` may remove.
 * No time in it: a rerun with the same inputs gives a byte-identical folder.
 */
export function writeMarker(dir: string, kind: string, entries?: readonly string[]): void {
  writeFileSync(join(dir, RUN_MARKER), `${JSON.stringify({ written_by: 'marketmakerl', kind, ...(entries !== undefined ? { entries } : {}) })}\n`);
}

/**
 * Check a folder that a command adds files to (stamped names, never replacing anything): it must be new,
 * empty or ours. `ours`: a default path of the command (folders of earlier versions carry no marker).
 * `workDir`: what a relative `path` is relative to (default the working folder).
 */
export function checkCollectionFolder(path: string, flag: string, ours = false, workDir = process.cwd()): void {
  assertSafeOutput(path, flag, workDir);
  const abs = resolve(workDir, path);
  if (!existsSync(abs)) return;
  if (!lstatSync(abs).isDirectory()) throw new UserError(`${flag}: '${path}' is a file, not a folder; choose a new folder`);
  if (ours || isOurs(abs)) return;
  if (readdirSync(abs).length > 0) throw new UserError(`${flag}: '${path}' is a folder that is not empty and was not written by marketmakerl; choose a new folder`);
}

/**
 * `checkCollectionFolder`, then create the folder (with the marker) when it is new or empty. Returns an
 * undo for a command that fails before writing anything: what this call created goes, if still empty.
 */
export function ensureCollectionFolder(path: string, flag: string, kind: string, ours = false, workDir = process.cwd()): () => void {
  checkCollectionFolder(path, flag, ours, workDir);
  path = resolve(workDir, path);
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
 * A file that a command writes: refused when it is a folder, a forbidden place or one of the command's
 * `inputs` (whatever `force` says); an existing file is replaced only with `force` (unless `ours`: a
 * default path inside our own folders).
 */
export function checkOutputFile(path: string, flag: string, force: boolean, ours = false, inputs: CommandInputs = {}): void {
  assertSafeOutput(path, flag);
  if (path.endsWith('/') || path.endsWith(sep)) throw new UserError(`${flag}: expected a file name, got the folder '${path}'`);
  assertNotInput(path, flag, inputs);
  if (!existsSync(path)) return;
  const st = lstatSync(path);
  if (st.isDirectory()) throw new UserError(`${flag}: '${path}' is a folder; expected a file name`);
  if (!st.isFile()) throw new UserError(`${flag}: '${path}' is not a regular file`);
  if (!force && !ours) throw new UserError(`${flag}: '${path}' exists; add --force to replace it, or choose a new name`);
}
