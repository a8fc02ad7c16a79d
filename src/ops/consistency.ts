// Docs consistency: every `make …` and `marketmakerl …` command line in the docs names an existing target or command with valid flags.

/** What the CLI accepts, read from its own command definitions: command path → long flags. */
export interface CliSpec {
  /** `backtest`, `simulate as2008`, … → flags such as `--data`, `--no-calibrate`. */
  commands: Map<string, Set<string>>;
  /** Commands that only group sub-commands (`simulate`). */
  groups: Set<string>;
}

/** The Makefile, as far as a docs line can name it. */
export interface MakeSpec {
  targets: Set<string>;
  /** The Makefile's text: a variable a docs line sets must appear in it. */
  text: string;
}

export interface DocLine {
  file: string;
  line: number;
  text: string;
}

export interface Finding extends DocLine {
  problem: string;
}

export interface ConsistencyResult {
  files: number;
  make_lines: number;
  cli_lines: number;
  broken: Finding[];
}

const CLI_WORDS = new Set(['marketmakerl', './bin/marketmakerl', 'bin/marketmakerl', '$(CLI)']);
const GLOBAL_FLAGS = new Set(['--help', '--version']);

/** Targets of a Makefile: rule heads (`a b: deps`), not variable assignments. */
export function parseMakefile(text: string): MakeSpec {
  const targets = new Set<string>();
  for (const raw of text.split('\n')) {
    if (/^[\s#]/.test(raw)) continue;
    const colon = raw.indexOf(':');
    if (colon <= 0 || raw[colon + 1] === '=') continue;
    const head = raw.slice(0, colon);
    if (head.includes('=')) continue; // `A := b`, `A ?= b`, a target-specific variable
    for (const t of head.split(/\s+/)) if (t && !t.startsWith('.') && !t.includes('$')) targets.add(t);
  }
  return { targets, text };
}

/** Shell-like lines of a Markdown file: fenced code (with `\` continuations joined, comments cut) and inline code spans. */
export function docLines(file: string, text: string): DocLine[] {
  const out: DocLine[] = [];
  const lines = text.split('\n');
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^\s*```/.test(l)) {
      fenced = !fenced;
      continue;
    }
    if (fenced) {
      let joined = l;
      const start = i;
      while (/\\\s*$/.test(joined) && i + 1 < lines.length) joined = joined.replace(/\\\s*$/, ' ') + lines[++i]!;
      out.push({ file, line: start + 1, text: stripComment(joined).trim() });
      continue;
    }
    for (const m of l.matchAll(/`([^`]+)`/g)) out.push({ file, line: i + 1, text: m[1]!.trim() });
  }
  return out.filter((d) => d.text.length > 0);
}

/** Cut a `# comment` that starts after whitespace outside quotes. */
function stripComment(s: string): string {
  let q = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q) {
      if (c === q) q = '';
    } else if (c === "'" || c === '"') q = c;
    else if (c === '#' && (i === 0 || /\s/.test(s[i - 1]!))) return s.slice(0, i);
  }
  return s;
}

/** Simple commands of a line: split on `&&`, `||`, `;`, `|`, leading environment assignments dropped. */
function simpleCommands(s: string): string[][] {
  return s
    .split(/&&|\|\||;|\|/)
    .map((part) => {
      const words = part.trim().split(/\s+/).filter(Boolean);
      while (words.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(words[0]!)) words.shift();
      return words;
    })
    .filter((w) => w.length > 0);
}

/** A flag as written in docs (`[--seed`, `--mode=paper]`, `--out]`) → its long name, or undefined. */
function flagOf(word: string): string | undefined {
  const m = /^[[(]*(--[A-Za-z][\w-]*)/.exec(word);
  return m ? m[1] : undefined;
}

/** Check one docs line; returns its problems and what kind of command line it was. */
export function checkLine(d: DocLine, make: MakeSpec, cli: CliSpec): { kind: 'make' | 'cli' | undefined; problems: string[] } {
  let kind: 'make' | 'cli' | undefined;
  const problems: string[] = [];
  for (const words of simpleCommands(d.text)) {
    const head = words[0]!;
    if (head === 'make') {
      kind ??= 'make';
      const rest = words.slice(1).filter((w) => !w.startsWith('-') && !/^[[(.<]/.test(w));
      if (rest.length === 0) continue; // `make` alone builds the first target
      for (const w of rest) {
        const v = /^([A-Z_][A-Z0-9_]*)=/.exec(w);
        if (v) {
          if (!new RegExp(`\\b${v[1]}\\b`).test(make.text)) problems.push(`make variable ${v[1]} is not used by the Makefile`);
        } else if (/^[a-z][\w.-]*$/.test(w)) {
          if (!make.targets.has(w)) problems.push(`no make target '${w}'`);
        }
      }
    } else if (CLI_WORDS.has(head)) {
      kind = 'cli';
      const args = words.slice(1);
      const first = args.findIndex((w) => !w.startsWith('-') && !/^[[(]/.test(w));
      if (first < 0 || first > 0) {
        // `marketmakerl --help` or flags before any command
        for (const w of args.slice(0, first < 0 ? args.length : first)) {
          const f = flagOf(w);
          if (f && !GLOBAL_FLAGS.has(f)) problems.push(`marketmakerl has no global flag ${f}`);
        }
        if (first < 0) continue;
      }
      let name = args[first]!;
      if (!/^[a-z][\w-]*$/.test(name)) continue; // a placeholder such as COMMAND
      if (name === 'help') {
        // commander's own: `marketmakerl help` (the full help) or `marketmakerl help COMMAND`
        const of = args[first + 1];
        if (of !== undefined && /^[a-z][\w-]*$/.test(of) && !cli.commands.has(of) && !cli.groups.has(of)) problems.push(`marketmakerl help: no command '${of}'`);
        continue;
      }
      let flagsFrom = first + 1;
      if (cli.groups.has(name)) {
        const sub = args[first + 1];
        if (!sub || !cli.commands.has(`${name} ${sub}`)) {
          problems.push(`marketmakerl ${name} has no sub-command '${sub ?? ''}'`);
          continue;
        }
        name = `${name} ${sub}`;
        flagsFrom++;
      }
      const flags = cli.commands.get(name);
      if (!flags) {
        problems.push(`no marketmakerl command '${name}'`);
        continue;
      }
      for (const w of args.slice(flagsFrom)) {
        const f = flagOf(w);
        if (f && !flags.has(f) && !GLOBAL_FLAGS.has(f)) problems.push(`marketmakerl ${name} has no flag ${f}`);
      }
    }
  }
  return { kind, problems };
}

/** Every command line of the given docs against the Makefile and the CLI. */
export function checkDocs(docs: { file: string; text: string }[], make: MakeSpec, cli: CliSpec): ConsistencyResult {
  const res: ConsistencyResult = { files: docs.length, make_lines: 0, cli_lines: 0, broken: [] };
  for (const doc of docs) {
    for (const d of docLines(doc.file, doc.text)) {
      const { kind, problems } = checkLine(d, make, cli);
      if (kind === 'make') res.make_lines++;
      if (kind === 'cli') res.cli_lines++;
      for (const p of problems) res.broken.push({ ...d, problem: p });
    }
  }
  return res;
}

/** Targets named by the Makefile's own `help` lines (`@echo "make X …"`) that it does not define. */
export function helpTargetsMissing(make: MakeSpec): string[] {
  const missing: string[] = [];
  for (const m of make.text.matchAll(/^\t@echo "make ([a-z][\w.-]*)/gm)) if (!make.targets.has(m[1]!)) missing.push(m[1]!);
  return missing;
}
