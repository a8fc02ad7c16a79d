#!/usr/bin/env node
// `make clean`: removes what the build and the tests make (dist/, test/.cache/) and, under artifacts/, each folder
// marketmakerl wrote whose marker lists what it holds (run folders, campaign folders, parity pages, training folders)
// when it holds nothing else (a report.html beside its files excepted): the rule under which --force replaces one.
// Nothing else is removed: no file of yours, no folder holding one (it is named and kept), and none of the results
// marketmakerl cannot tell from yours by a marker (analyses, studies, the runtime's runs, ledgers and their locks,
// realtime logs, recordings, captures, halt files, tokens, the history cache in data/).
import { existsSync, lstatSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { basename, join, relative } from 'node:path';

const root = process.argv[2] ?? process.cwd();
const MARKER = '.marketmakerl';
/** Kinds of folder written whole (writeDirAtomic); a marker of theirs without entries is an earlier version's. */
const RUN_KINDS = new Set(['run', 'parity', 'rl-training']);
/** The files a run folder of an earlier version (whose marker lists nothing) may hold (as src/core/fs.ts). */
const EARLIER_RUN_FILES = [
  'config.json', 'metrics.json', 'metrics.schema.json', 'trace.csv', 'fills.csv', 'orders.csv', 'funding.csv',
  'policy.json', 'training.csv', 'learning-curve.png', 'parity.json', 'parity.html',
];
const REPORT_FILE = 'report.html';

const removed = [];
const kept = [];

for (const made of ['dist', join('test', '.cache')]) {
  const p = join(root, made);
  if (existsSync(p) && lstatSync(p).isDirectory()) {
    rmSync(p, { recursive: true, force: true });
    removed.push(`${made}/`);
  }
}

/** Every path below `dir` (`a/b` form), the marker aside. */
function pathsUnder(dir, prefix = '') {
  const out = [];
  for (const n of readdirSync(join(dir, prefix)).sort()) {
    const rel = prefix === '' ? n : `${prefix}/${n}`;
    if (rel === MARKER) continue;
    out.push(rel);
    if (lstatSync(join(dir, rel)).isDirectory()) out.push(...pathsUnder(dir, rel));
  }
  return out;
}

/** What the folder's marker says it holds: its entries, an earlier run folder's files, or undefined (not a folder written whole). */
function listed(dir) {
  let m;
  try {
    if (!lstatSync(join(dir, MARKER)).isFile()) return undefined;
    m = JSON.parse(readFileSync(join(dir, MARKER), 'utf8'));
  } catch {
    return undefined;
  }
  if (m === null || typeof m !== 'object' || m.written_by !== 'marketmakerl') return undefined;
  if (Array.isArray(m.entries) && m.entries.every((e) => typeof e === 'string')) return new Set(m.entries);
  return m.entries === undefined && (m.kind === undefined || RUN_KINDS.has(m.kind)) ? new Set(EARLIER_RUN_FILES) : undefined;
}

/** The first path in `dir` its marker does not list (a report.html beside listed files excepted). */
function foreign(dir, ours) {
  return pathsUnder(dir).find((rel) => {
    if (ours.has(rel)) return false;
    const up = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    return !(basename(rel) === REPORT_FILE && !lstatSync(join(dir, rel)).isDirectory() && (up === '' || ours.has(up)));
  });
}

/** Clean under `dir`; returns whether something was removed in it. Symlinks are never followed. */
function clean(dir) {
  let any = false;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (!lstatSync(p).isDirectory()) continue;
    const ours = listed(p);
    if (ours === undefined) {
      if (clean(p)) {
        any = true;
        // A folder this clean emptied goes too.
        if (readdirSync(p).length === 0) rmdirSync(p);
      }
      continue;
    }
    const f = foreign(p, ours);
    if (f !== undefined) {
      kept.push(`${relative(root, p)} (it holds '${f}', which marketmakerl did not write)`);
      continue;
    }
    rmSync(p, { recursive: true, force: true });
    removed.push(relative(root, p));
    any = true;
  }
  return any;
}

const artifacts = join(root, 'artifacts');
if (existsSync(artifacts) && lstatSync(artifacts).isDirectory()) clean(artifacts);

const folders = removed.filter((r) => r.startsWith('artifacts'));
const what = [...removed.filter((r) => !r.startsWith('artifacts')), ...(folders.length > 0 ? [`${folders.length} folder(s) of marketmakerl's under artifacts/`] : [])];
process.stdout.write(`make clean: removed ${what.length === 0 ? 'nothing' : what.join(', ')}\n`);
for (const k of kept) process.stdout.write(`make clean: kept ${k}\n`);
