// Strict config parsing: a zod schema's first fault as one line naming the field, with "did you mean" for unknown keys.
import { z } from 'zod';
import { UserError } from './errors.js';
import { closeNames, editDistance } from './suggest.js';

/** `agents[2].params.gamma` from zod's path segments. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? String(seg) : `.${String(seg)}`;
  return out;
}

/** The schema under wrappers that do not change its shape (default, optional, nullable, prefault, pipe, lazy). */
function unwrap(s: z.ZodType): z.ZodType {
  let cur: z.ZodType = s;
  for (let i = 0; i < 20; i++) {
    const def = (cur as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
    const inner = (def['innerType'] ?? def['in'] ?? (def['type'] === 'lazy' ? (def['getter'] as () => z.ZodType)() : undefined)) as z.ZodType | undefined;
    if (inner === undefined) return cur;
    cur = inner;
  }
  return cur;
}

/** The object shapes a schema can take at `path` (a union gives several; array indices step into elements). */
function shapesAt(schema: z.ZodType, path: readonly PropertyKey[]): Record<string, z.ZodType>[] {
  let level: z.ZodType[] = [schema];
  for (const seg of path) {
    const next: z.ZodType[] = [];
    for (const s0 of level) {
      const s = unwrap(s0);
      const def = (s as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
      if (typeof seg === 'number' && def['type'] === 'array') next.push(def['element'] as z.ZodType);
      else if (def['type'] === 'object') {
        const child = (def['shape'] as Record<string, z.ZodType>)[String(seg)];
        if (child !== undefined) next.push(child);
      } else if (def['type'] === 'union') {
        for (const o of def['options'] as z.ZodType[]) {
          const od = (unwrap(o) as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
          const child = od['type'] === 'object' ? (od['shape'] as Record<string, z.ZodType>)[String(seg)] : undefined;
          if (child !== undefined) next.push(child);
        }
      }
    }
    level = next;
  }
  const out: Record<string, z.ZodType>[] = [];
  for (const s0 of level) collectShapes(unwrap(s0), out);
  return out;
}

function collectShapes(s: z.ZodType, out: Record<string, z.ZodType>[]): void {
  const def = (s as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  if (def['type'] === 'object') out.push(def['shape'] as Record<string, z.ZodType>);
  else if (def['type'] === 'union') for (const o of def['options'] as z.ZodType[]) collectShapes(unwrap(o), out);
}

/** Every field path of a schema's objects (arrays and unions included), for "did you mean" across sections. */
function allFieldPaths(schema: z.ZodType, prefix: string, out: string[], depth = 0): void {
  if (depth > 6) return;
  const shapes: Record<string, z.ZodType>[] = [];
  collectShapes(unwrap(schema), shapes);
  for (const shape of shapes) {
    for (const [k, child] of Object.entries(shape)) {
      const p = prefix === '' ? k : `${prefix}.${k}`;
      out.push(p);
      const cd = (unwrap(child) as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
      allFieldPaths(cd['type'] === 'array' ? (cd['element'] as z.ZodType) : child, p, out, depth + 1);
    }
  }
}

/**
 * The suggestion for an unknown key: a close name among its siblings, else the same (or a close) name
 * in another section (`gamma` at the top of a file → `quoting.gamma`).
 */
export function suggestKey(schema: z.ZodType, parent: readonly PropertyKey[], key: string): string | undefined {
  const paths: string[] = [];
  allFieldPaths(schema, '', paths);
  const parentPath = formatPath(parent);
  // The same name in another section first (a field written in the wrong place), then a close name beside it.
  const byLeaf = paths.filter((p) => p.slice(p.lastIndexOf('.') + 1) === key && p !== (parentPath === '' ? key : `${parentPath}.${key}`));
  if (byLeaf.length > 0) return byLeaf.sort((a, b) => a.length - b.length)[0];
  // A close name beside it wins unless a name elsewhere is strictly closer (`gama` → `quoting.gamma`, not `data`).
  const siblings = shapesAt(schema, parent).flatMap((s) => Object.keys(s));
  const near = closeNames(key, siblings, 1)[0];
  const leaves = [...new Set(paths.map((p) => p.slice(p.lastIndexOf('.') + 1)))];
  const leaf = closeNames(key, leaves, 1)[0];
  if (near !== undefined && (leaf === undefined || editDistance(key, near) <= editDistance(key, leaf))) return parentPath === '' ? near : `${parentPath}.${near}`;
  if (leaf === undefined) return undefined;
  return paths.filter((p) => p.endsWith(`.${leaf}`) || p === leaf).sort((a, b) => a.length - b.length)[0];
}

export interface StrictParseOptions {
  /** What the input came from, put before the field (`--config x.yaml`); omitted when empty. */
  source?: string;
  /** A flag that set the field, to name it instead of the path (`quoting.gamma` → `--gamma`). */
  flagOf?: (path: string) => string | undefined;
}

/** One zod issue as `field: what was expected`, with a suggestion for an unknown key. */
export function describeIssue(schema: z.ZodType, issue: z.core.$ZodIssue, opts: StrictParseOptions = {}): string {
  const path = formatPath(issue.path);
  const where = (p: string): string => {
    const flag = opts.flagOf?.(p);
    if (flag !== undefined) return flag;
    const field = p === '' ? '(root)' : p;
    return opts.source ? `${opts.source}: ${field}` : field;
  };
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys[0]!;
      const full = formatPath([...issue.path, key]);
      const hint = suggestKey(schema, issue.path, key);
      return `${where(full)}: unknown field${hint !== undefined ? ` (did you mean ${hint}?)` : ''}`;
    }
    case 'invalid_value': {
      const got = (issue as { input?: unknown }).input;
      return `${where(path)}: expected one of ${issue.values.map(String).join(', ')}${got === undefined ? '' : `, got ${JSON.stringify(got)}`}`;
    }
    case 'invalid_union': {
      const input = (issue as { input?: unknown }).input;
      if (typeof input === 'number' && !Number.isFinite(input)) {
        const words = ((issue as { errors?: z.core.$ZodIssue[][] }).errors ?? []).flat().flatMap((e) => (e.code === 'invalid_value' ? e.values.map((v) => JSON.stringify(v)) : []));
        return `${where(path)}: expected a finite number${words.length > 0 ? ` or ${words.join(', ')}` : ''}, got ${String(input)}`;
      }
      const options = (issue as { options?: unknown[] }).options;
      if (Array.isArray(options) && options.length > 0) return `${where(path)}: expected one of ${options.map(String).join(', ')}`;
      break;
    }
    case 'invalid_type': {
      if (/received undefined$/.test(issue.message)) return `${where(path)}: required (${issue.expected})`;
      // YAML's .nan and .inf (or 1e999) arrive as numbers that no field takes: say so, not "got number null".
      const input = (issue as { input?: unknown }).input;
      if (issue.expected === 'number' && typeof input === 'number' && !Number.isFinite(input)) return `${where(path)}: expected a finite number, got ${String(input)}`;
      return `${where(path)}: expected ${issue.expected}, got ${describeInput(input)}`;
    }
    default:
      break;
  }
  const msg = issue.message.replace(/^Invalid input: /, '').replace(/^Invalid string: /, '');
  return `${where(path)}: ${msg.charAt(0).toLowerCase()}${msg.slice(1)}`;
}

function describeInput(x: unknown): string {
  if (x === undefined) return 'nothing';
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'a list';
  if (typeof x === 'object') return 'a mapping';
  return typeof x === 'number' && !Number.isFinite(x) ? `number ${String(x)}` : `${typeof x} ${JSON.stringify(x)}`;
}

/** Parse `input` with `schema`; the first fault is a UserError (exit 2) of one line. */
export function parseStrict<S extends z.ZodType>(schema: S, input: unknown, opts: StrictParseOptions = {}): z.output<S> {
  const r = schema.safeParse(input, { reportInput: true });
  if (r.success) return r.data;
  throw new UserError(describeIssue(schema, r.error.issues[0]!, opts));
}
