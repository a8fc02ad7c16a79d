// Atomic file and folder writes: an interrupted write never leaves a half file that looks whole.
import { mkdirSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';

let tmpCounter = 0;
function tmpName(target: string): string {
  tmpCounter += 1;
  return join(dirname(target), `.${basename(target)}.${process.pid}.${tmpCounter}.tmp`);
}

/** Write a file through a temp file in the same folder and a rename. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tmpName(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Build a folder in a temp sibling, then rename it into place. `fill` writes into the temp folder.
 * If the target exists it is replaced only after the new one is complete.
 */
export function writeDirAtomic(path: string, fill: (tmpDir: string) => void): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tmpName(path);
  mkdirSync(tmp, { recursive: true });
  try {
    fill(tmp);
    if (existsSync(path)) rmSync(path, { recursive: true, force: true });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
