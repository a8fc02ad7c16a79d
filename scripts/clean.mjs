#!/usr/bin/env node
// `make clean`: removes what a build or a rerun makes again (dist, run folders, analysis, study and test outputs) and
// keeps what cannot be made again: ledgers and their lock, realtime logs, recordings and captures, halt files, tokens.
import { existsSync, lstatSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const root = process.argv[2] ?? process.cwd();
const KEEP = [/\.sqlite(-wal|-shm|-journal)?$/, /\.lock$/, /^HALT/, /\.arrow$/, /\.jsonl$/, /\.gz$/, /token$/];
const KEEP_FOLDERS = [join('artifacts', 'realtime')];

rmSync(join(root, 'dist'), { recursive: true, force: true });

/** Clean a folder; returns whether it is empty afterwards (then its parent may remove it). */
function clean(dir) {
  const rel = relative(root, dir);
  if (KEEP_FOLDERS.some((k) => rel === k || rel.startsWith(k + sep))) return false;
  let left = 0;
  let marker = false;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) {
      if (clean(p)) rmdirSync(p);
      else left++;
    } else if (name === '.marketmakerl') {
      marker = true;
    } else if (KEEP.some((re) => re.test(name))) {
      left++;
    } else {
      rmSync(p, { force: true });
    }
  }
  // A folder that still holds something keeps its marker (it stays ours); an emptied one goes.
  if (left === 0 && marker) rmSync(join(dir, '.marketmakerl'), { force: true });
  return left === 0;
}

const artifacts = join(root, 'artifacts');
if (existsSync(artifacts) && lstatSync(artifacts).isDirectory() && clean(artifacts)) rmdirSync(artifacts);
