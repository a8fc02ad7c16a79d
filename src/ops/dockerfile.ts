// What a Dockerfile needs from a fresh clone, checked without Docker: every COPY source in the build context, not excluded by
// .dockerignore, tracked by git (a clone has only what is committed), and the entry point's compiled file built from a source that exists.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(text: string): { op: string; rest: string; line: number }[] {
  const out: { op: string; rest: string; line: number }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let l = lines[i]!.trim();
    if (l === '' || l.startsWith('#')) continue;
    while (l.endsWith('\\') && i + 1 < lines.length) {
      const next = lines[++i]!.trim();
      l = l.slice(0, -1).trimEnd() + (next.startsWith('#') ? '' : ' ' + next);
    }
    const m = /^(\S+)\s*(.*)$/.exec(l)!;
    out.push({ op: m[1]!.toUpperCase(), rest: m[2]!, line: start + 1 });
  }
  return out;
}

/** .dockerignore's patterns as (regex, negated), in order: the last that matches a path decides. */
function ignoreRules(context: string): { re: RegExp; negate: boolean }[] {
  const f = join(context, '.dockerignore');
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pat = posix.normalize((negate ? l.slice(1) : l).replace(/^\/+/, ''));
      const src = pat
        .split(/(\*\*|\*|\?)/)
        .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part === '?' ? '[^/]' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
        .join('');
      return { re: new RegExp(`^${src}$`), negate };
    });
}

/** Excluded from the build context: the path or a folder above it matches, unless a later `!` pattern takes it back. */
function ignored(path: string, rules: readonly { re: RegExp; negate: boolean }[]): boolean {
  const parts = path.split('/');
  let out = false;
  for (let n = 1; n <= parts.length; n++) {
    const p = parts.slice(0, n).join('/');
    for (const r of rules) if (r.re.test(p)) out = !r.negate;
    if (out) return true;
  }
  return out;
}

/** Whether `context` is a git checkout, and if so the files under `path` it tracks. */
function tracked(context: string, path: string): number | undefined {
  const inside = spawnSync('git', ['-C', context, 'rev-parse', '--is-inside-work-tree'], { encoding: 'utf8' });
  if (inside.status !== 0 || inside.stdout.trim() !== 'true') return undefined;
  const r = spawnSync('git', ['-C', context, 'ls-files', '--', path], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean).length : undefined;
}

/** Problems a fresh clone would meet building `context`'s Dockerfile (empty: none found by these checks). */
export function dockerfileProblems(context: string, dockerfile = 'Dockerfile'): string[] {
  const path = join(context, dockerfile);
  if (!existsSync(path)) return [`${dockerfile}: not found in ${context}`];
  const problems: string[] = [];
  const rules = ignoreRules(context);
  const steps = instructions(readFileSync(path, 'utf8'));
  for (const s of steps) {
    if (s.op !== 'COPY' && s.op !== 'ADD') continue;
    const words = s.rest.startsWith('[') ? (JSON.parse(s.rest) as string[]) : s.rest.split(/\s+/);
    const flags = words.filter((w) => w.startsWith('--'));
    if (flags.some((f) => f.startsWith('--from'))) continue; // from an earlier stage, not the context
    const args = words.filter((w) => !w.startsWith('--'));
    for (const src of args.slice(0, -1)) {
      if (/^https?:\/\//.test(src)) continue;
      const rel = posix.normalize(src.replace(/^\.\//, '')).replace(/\/+$/, '');
      const where = `${dockerfile}:${s.line}: ${s.op} ${src}`;
      if (rel.startsWith('..')) problems.push(`${where}: outside the build context`);
      else if (/[*?[]/.test(rel)) continue; // a glob: Docker allows it to match nothing
      else if (!existsSync(join(context, rel))) problems.push(`${where}: not in the build context`);
      else if (ignored(rel, rules)) problems.push(`${where}: excluded by .dockerignore`);
      else if (tracked(context, rel) === 0) problems.push(`${where}: not committed (a fresh clone has no such file)`);
    }
  }
  // The entry point runs compiled code: its source must be there to compile.
  const entry = steps.filter((s) => s.op === 'ENTRYPOINT').pop();
  if (entry !== undefined && entry.rest.startsWith('[')) {
    const argv = JSON.parse(entry.rest) as string[];
    const script = argv[0] === 'node' ? argv.slice(1).find((a) => !a.startsWith('-')) : undefined;
    const m = script !== undefined ? /^dist\/(.+)\.js$/.exec(script) : null;
    if (m !== null && !existsSync(join(context, 'src', `${m[1]!}.ts`))) problems.push(`${dockerfile}:${entry.line}: ENTRYPOINT runs ${script}, but src/${m[1]!}.ts does not exist to compile it`);
  }
  return problems;
}
