// `marketmakerl consistency-check`: every make / marketmakerl line of README.md and docs/ against the Makefile and this CLI; one JSON line, exit 1 on a broken line.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { UserError } from '../../core/index.js';
import { checkDocs, helpTargetsMissing, parseMakefile, type CliSpec } from '../../ops/index.js';

export interface ConsistencyFlags {
  docs?: string[];
  makefile?: string;
}

/** The repository root: src/cli/commands (or dist/cli/commands) is three levels below it. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** What the CLI accepts, read from commander's own definitions (so it cannot drift from main.ts). */
export function cliSpecOf(program: Command): CliSpec {
  const spec: CliSpec = { commands: new Map(), groups: new Set() };
  for (const c of program.commands) {
    if (c.commands.length > 0) {
      spec.groups.add(c.name());
      for (const s of c.commands) spec.commands.set(`${c.name()} ${s.name()}`, new Set(s.options.map((o) => o.long).filter((l): l is string => !!l)));
    } else spec.commands.set(c.name(), new Set(c.options.map((o) => o.long).filter((l): l is string => !!l)));
  }
  return spec;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`${what}: cannot read file ${path}`);
  }
}

function defaultDocs(): string[] {
  const files = [join(REPO_ROOT, 'README.md')];
  const docs = join(REPO_ROOT, 'docs');
  if (existsSync(docs)) for (const f of readdirSync(docs).sort()) if (f.endsWith('.md')) files.push(join(docs, f));
  return files;
}

export function consistencyCheckCommand(f: ConsistencyFlags, program: Command): void {
  const files = f.docs && f.docs.length > 0 ? f.docs : defaultDocs();
  const docs = files.map((p) => ({ file: relative(process.cwd(), p).startsWith('..') ? p : relative(process.cwd(), p) || p, text: readText(p, '--docs') }));
  const make = parseMakefile(readText(f.makefile ?? join(REPO_ROOT, 'Makefile'), '--makefile'));
  const r = checkDocs(docs, make, cliSpecOf(program));
  const helpMissing = helpTargetsMissing(make);
  for (const b of r.broken) process.stderr.write(`${b.file}:${b.line}: ${b.problem}: ${b.text}\n`);
  for (const t of helpMissing) process.stderr.write(`Makefile: make help lists '${t}', which is not a target\n`);
  const ok = r.broken.length === 0 && helpMissing.length === 0;
  process.stdout.write(JSON.stringify({ check: 'consistency', ok, files: r.files, make_lines: r.make_lines, cli_lines: r.cli_lines, make_targets: make.targets.size, cli_commands: cliSpecOf(program).commands.size, help_targets_missing: helpMissing, broken: r.broken }) + '\n');
  if (!ok) process.exitCode = 1;
}
