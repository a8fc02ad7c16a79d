// Atomic, durable file and folder writes: an interrupted write never leaves a half file that looks whole.
import {
  closeSync,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from './errors.js';
import { RUN_MARKER, assertFolderNotInput, assertSafeOutput, isOurs, writeMarker, type CommandInputs } from './out-paths.js';
import { scrubSecrets } from './secrets.js';

let tmpCounter = 0;
/**
 * `.<name>.marketmakerl-<pid>-<n>.tmp` beside the target: the product's name in it, so the sweep can
 * never take a user's file for ours, and the pid of the process that made it.
 */
export function tmpNameFor(target: string): string {
  tmpCounter += 1;
  return join(dirname(target), `.${basename(target)}.marketmakerl-${process.pid}-${tmpCounter}.tmp`);
}

const TMP_NAME = /^\..+\.marketmakerl-([1-9]\d{0,9})-[1-9]\d*\.tmp$/;

/** Whether `pid` may still run: only a definite "no such process" counts as dead. */
function alive(pid: number): boolean {
  if (pid === process.pid || pid > 0x7fffffff) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Remove temp files and folders that a killed process of ours left in `dir`: names in exactly the
 * `tmpNameFor` format whose process is gone. Anything else is left alone.
 */
export function sweepOrphanTemps(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names) {
    const m = TMP_NAME.exec(n);
    if (m === null || alive(Number(m[1]))) continue;
    try {
      rmSync(join(dir, n), { recursive: true, force: true });
      removed.push(n);
    } catch {
      // Someone else's or already gone: not ours to insist on.
    }
  }
  return removed;
}

/** fsync a file or a folder by path (a folder's fsync makes a rename in it durable). */
export function fsyncPath(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch (e) {
    // Some file systems refuse fsync on a folder; the rename is then as durable as they make it.
    if (!['EISDIR', 'EINVAL', 'EPERM', 'EBADF'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Create `dir` and its missing parents; returns the folders it created, outermost first, so that a
 * failed command can remove exactly those (and nothing that was there before).
 */
export function mkdirTracked(dir: string): string[] {
  const created: string[] = [];
  let d = resolve(dir);
  while (!existsSync(d)) {
    created.unshift(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  if (created.length > 0) mkdirSync(dir, { recursive: true });
  return created;
}

/** Remove the folders `mkdirTracked` created, innermost first, as long as they are empty. */
export function removeCreatedDirs(created: readonly string[]): void {
  for (let i = created.length - 1; i >= 0; i--) {
    try {
      rmdirSync(created[i]!);
    } catch {
      return; // not empty (or gone): what is in it is not ours to remove
    }
  }
}

/** The most names a stamped output tries: `<stamp>`, then `<stamp>_2` up to `<stamp>_<MAX_STAMP_SUFFIX>`. */
export const MAX_STAMP_SUFFIX = 10_000;

/** The `k`-th name a stamped output tries (k from 1): `stamp`, then `stamp_2`, `stamp_3`, ... */
export function stampVariant(stamp: string, k: number): string {
  return k === 1 ? stamp : `${stamp}_${k}`;
}

/**
 * Create the file `<dir>/<stamp><rest>` for writing, exclusively (O_EXCL: never a file that exists, never
 * appended to), or, when that name is taken (another command into this folder in the same second, or any
 * file there), `<stamp>_2<rest>`, `<stamp>_3<rest>`, ...: two sessions never share a file, and a file
 * this one did not create is never written. `dir` must exist. Returns the open descriptor and the path.
 */
export function openNewStampedFile(dir: string, stamp: string, rest: string): { fd: number; path: string } {
  for (let k = 1; k <= MAX_STAMP_SUFFIX; k++) {
    const path = join(dir, `${stampVariant(stamp, k)}${rest}`);
    try {
      return { fd: openSync(path, 'wx', 0o644), path };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  throw new Error(`${dir}: every name from ${stamp}${rest} to ${stampVariant(stamp, MAX_STAMP_SUFFIX)}${rest} is taken`);
}

/**
 * Create a new, empty folder for a command's default output: `base` (e.g. `artifacts/smoke/smoke_<stamp>`),
 * or `base_2`, `base_3`, ... when that name is taken. Its parents are made as needed; the folder itself
 * exclusively (mkdir without `recursive`: it fails on a folder that exists), so two commands started in
 * the same second never share one, and a folder another command made (empty or not) is never taken.
 * Returns its path and the folders this call created, outermost first (`removeCreatedDirs` undoes them).
 */
export function mkdirNewStamped(base: string): { path: string; created: string[] } {
  const created = mkdirTracked(dirname(resolve(base)));
  for (let k = 1; k <= MAX_STAMP_SUFFIX; k++) {
    const path = stampVariant(base, k);
    try {
      mkdirSync(path);
      return { path, created: [...created, resolve(path)] };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      removeCreatedDirs(created);
      throw e;
    }
  }
  removeCreatedDirs(created);
  throw new Error(`every name from ${base} to ${stampVariant(base, MAX_STAMP_SUFFIX)} is taken`);
}

/**
 * Create the folder `path` a command fills, named by its user (its parents as needed): refused in one line
 * before any work when it is a forbidden place (`assertSafeOutput`), is, holds or lies in one of the
 * command's `inputs`, or exists (`why` says what the command writes instead). The folder itself is created
 * exclusively, so one that appears meanwhile (the same command started twice) is refused too. Returns the
 * folders this call created, outermost first (`removeCreatedDirs` undoes them).
 */
export function mkdirNewFolder(path: string, flag: string, why: string, inputs: CommandInputs = {}): string[] {
  assertSafeOutput(path, flag);
  assertFolderNotInput(path, flag, inputs);
  const taken = (): UserError => new UserError(`${flag}: '${path}' exists; ${why}`);
  if (existsSync(path)) throw taken();
  const created = mkdirTracked(dirname(resolve(path)));
  try {
    mkdirSync(path);
  } catch (e) {
    removeCreatedDirs(created);
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw taken();
    throw e;
  }
  return [...created, resolve(path)];
}

/** Write a file and fsync it (no rename: for files inside a temp folder that is renamed or moved later). */
export function writeFileDurable(path: string, data: string | Uint8Array): void {
  writeDurable(path, typeof data === 'string' ? scrubSecrets(data) : data);
}

function writeDurable(path: string, data: string | Uint8Array): void {
  const fd = openSync(path, 'w', 0o644);
  try {
    if (typeof data === 'string') writeSync(fd, data);
    else for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Write a file through a temp file in the same folder, fsync, rename, fsync the folder. Text passes the
 * secret scrubber. Folders it had to create are removed again if the write fails.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const parent = dirname(path);
  const created = mkdirTracked(parent);
  sweepOrphanTemps(parent);
  const tmp = tmpNameFor(path);
  try {
    writeDurable(tmp, typeof data === 'string' ? scrubSecrets(data) : data);
    renameSync(tmp, path);
    fsyncPath(parent);
  } catch (e) {
    rmSync(tmp, { force: true });
    removeCreatedDirs(created);
    throw e;
  }
}

export interface DirWriteOptions {
  /** Replace an existing folder of ours (one with the marker file). */
  force?: boolean;
  /** The flag that named the folder, for messages. */
  flag?: string;
  /** What the marker says the folder holds. */
  kind?: string;
  /**
   * The target is the empty folder the command created for this write (`mkdirNewStamped`): the new folder
   * takes its place in one rename (never set aside first, so its name is never free for another command).
   */
  reserved?: boolean;
}

/**
 * Build a folder in a temp sibling, then rename it into place. `fill` writes into the temp folder; every
 * file is fsynced before the rename. The folder carries a marker file: an existing target is replaced
 * only when it carries one too and `force` is set (else a `UserError`, and nothing is touched).
 */
export function writeDirAtomic(path: string, fill: (tmpDir: string) => void, o: DirWriteOptions = {}): void {
  const flag = o.flag ?? '--out';
  checkRunFolderTarget(path, flag, o.force === true);
  const parent = dirname(resolve(path));
  const created = mkdirTracked(parent);
  sweepOrphanTemps(parent);
  const tmp = tmpNameFor(path);
  mkdirSync(tmp);
  let old: string | undefined;
  try {
    fill(tmp);
    writeMarker(tmp, o.kind ?? 'run', pathsUnder(tmp));
    for (const n of readdirSync(tmp)) if (lstatSync(join(tmp, n)).isFile()) fsyncPath(join(tmp, n));
    fsyncPath(tmp);
    if (existsSync(path) && o.reserved !== true) {
      old = tmpNameFor(path);
      renameSync(path, old);
    }
    // A reserved folder is empty: rename(2) replaces an empty folder (and refuses one something was put in).
    renameSync(tmp, path);
    fsyncPath(parent);
  } catch (e) {
    if (old !== undefined && !existsSync(path)) renameSync(old, path);
    old = undefined;
    rmSync(tmp, { recursive: true, force: true });
    removeCreatedDirs(created);
    throw e;
  } finally {
    if (old !== undefined) rmSync(old, { recursive: true, force: true });
  }
}

/**
 * A run folder filled in place by a long job whose files must keep their final paths (a campaign: each
 * run's summary names its files where they stay). The target is checked as `writeDirAtomic` checks it
 * (with the job's `inputs`); an earlier folder of ours is moved aside with `force` and removed only at
 * `commit`; the folder is created anew (one that appears meanwhile is refused), with a marker from the
 * start. `owned` says which top-level names are the job's (its id in them): `mark` lists those written so
 * far in the marker, so a folder a killed job left can be replaced with `--force` as far as it lists;
 * `commit` lists them all; `abort` removes exactly those, the marker and the folders it created, and
 * puts the earlier folder back. Nothing else in the folder is ever listed or removed.
 */
export class InPlaceRunFolder {
  readonly path: string;
  private readonly created: string[];
  private old: string | undefined;
  private done = false;

  constructor(
    path: string,
    private readonly kind: string,
    private readonly owned: (name: string) => boolean,
    o: { force?: boolean; flag?: string; inputs?: CommandInputs } = {},
  ) {
    const flag = o.flag ?? '--out';
    checkRunFolderTarget(path, flag, o.force === true, o.inputs);
    this.path = resolve(path);
    const parent = dirname(this.path);
    this.created = mkdirTracked(parent);
    sweepOrphanTemps(parent);
    if (existsSync(this.path) && readdirSync(this.path).length > 0) {
      // Ours, --force given, nothing in it that we did not write (checkRunFolderTarget): set aside until the commit.
      this.old = tmpNameFor(this.path);
      renameSync(this.path, this.old);
    }
    if (!existsSync(this.path)) {
      try {
        mkdirSync(this.path);
      } catch (e) {
        this.restore();
        removeCreatedDirs(this.created);
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new UserError(`${flag}: '${path}' was created by someone else meanwhile; choose a new folder`);
        throw e;
      }
      this.created.push(this.path);
    }
    writeMarker(this.path, kind, []);
  }

  /** The job's paths in the folder now (`a/b` form), sorted. */
  private entries(): string[] {
    return pathsUnder(this.path).filter((rel) => this.owned(rel.split('/')[0]!));
  }

  /** List in the marker what the job has written so far. */
  mark(): void {
    writeMarker(this.path, this.kind, this.entries());
  }

  /** The job is complete: the marker lists its files, the earlier folder goes. */
  commit(): void {
    this.mark();
    fsyncPath(join(this.path, RUN_MARKER));
    fsyncPath(this.path);
    this.done = true;
    if (this.old !== undefined) rmSync(this.old, { recursive: true, force: true });
    this.old = undefined;
  }

  /** The job failed: what it wrote goes (nothing else), and the earlier folder is back. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    for (const rel of this.entries().reverse()) {
      const p = join(this.path, rel);
      try {
        if (lstatSync(p).isDirectory()) rmdirSync(p);
        else rmSync(p, { force: true });
      } catch {
        // A folder someone added to: it stays.
      }
    }
    rmSync(join(this.path, RUN_MARKER), { force: true });
    removeCreatedDirs(this.created);
    this.restore();
  }

  private restore(): void {
    if (this.old === undefined) return;
    if (!existsSync(this.path)) renameSync(this.old, this.path);
    this.old = undefined;
  }
}

/**
 * A run folder about to be written: refused when it is a forbidden place, a file, a non-empty folder that
 * is not ours, ours without `force`, ours holding anything marketmakerl did not write there (`--force`
 * replaces the whole folder), or it is, holds or lies in one of the command's `inputs`. Call it before the
 * work, so that a refusal costs nothing.
 */
export function checkRunFolderTarget(path: string, flag: string, force: boolean, inputs: CommandInputs = {}): void {
  assertSafeOutput(path, flag);
  assertFolderNotInput(path, flag, inputs);
  if (!existsSync(path)) return;
  const st = lstatSync(path);
  if (!st.isDirectory()) throw new UserError(`${flag}: '${path}' is a file, not a folder; choose a new folder`);
  if (readdirSync(path).length === 0) return;
  if (!isOurs(path)) throw new UserError(`${flag}: '${path}' is a folder that is not empty and was not written by marketmakerl; choose a new folder`);
  if (!force) throw new UserError(`${flag}: '${path}' holds an earlier run; add --force to replace it, or choose a new folder`);
  const foreign = foreignEntry(path);
  if (foreign !== undefined) {
    throw new UserError(`${flag}: '${path}' holds '${foreign}', which marketmakerl did not write; --force replaces only a folder of its own files: move it out, or choose a new folder`);
  }
}

/** The files a run folder of an earlier version (whose marker lists nothing) may hold. */
const EARLIER_RUN_FILES = [
  'config.json', 'metrics.json', 'metrics.schema.json', 'trace.csv', 'fills.csv', 'orders.csv', 'funding.csv',
  'policy.json', 'training.csv', 'learning-curve.png', 'parity.json', 'parity.html',
];
/** Written into a run folder after the run, by `report`. */
const REPORT_FILE = 'report.html';

/** Every path below `dir` (`a/b` form), sorted. */
function pathsUnder(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const n of readdirSync(join(dir, prefix)).sort()) {
    const rel = prefix === '' ? n : `${prefix}/${n}`;
    if (rel === RUN_MARKER) continue;
    out.push(rel);
    if (lstatSync(join(dir, rel)).isDirectory()) out.push(...pathsUnder(dir, rel));
  }
  return out;
}

/** The first path in a run folder of ours that its marker does not list (nor a report beside the run's files). */
function foreignEntry(dir: string): string | undefined {
  let listed: unknown;
  try {
    listed = (JSON.parse(readFileSync(join(dir, RUN_MARKER), 'utf8')) as { entries?: unknown }).entries;
  } catch {
    listed = undefined;
  }
  const ours = new Set(Array.isArray(listed) && listed.every((e) => typeof e === 'string') ? (listed as string[]) : EARLIER_RUN_FILES);
  const isFolder = (rel: string): boolean => lstatSync(join(dir, rel)).isDirectory();
  return pathsUnder(dir).find((rel) => {
    if (ours.has(rel)) return false;
    const up = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    return !(basename(rel) === REPORT_FILE && !isFolder(rel) && (up === '' || ours.has(up)));
  });
}
