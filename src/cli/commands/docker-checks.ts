// `marketmakerl compose-config` and `marketmakerl image`: the server deployment's compose file checked (offline, then by `docker compose
// config` when Docker has it) and the image built with `docker build` after the Dockerfile's offline checks (what a fresh clone needs);
// one JSON line each; a part that cannot run says so (`image` without a Docker daemon: SKIPPED, exit 4).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { UserError } from '../../core/index.js';
import { dockerfileProblems } from '../../ops/index.js';

export interface ComposeFlags {
  file: string;
  docker: string;
}

function run(cmd: string, args: string[], cwd: string, timeoutMs: number): { status: number | null; out: string; err: string; missing: boolean } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  return { status: r.status, out: r.stdout ?? '', err: (r.stderr ?? '').trim() || (r.error?.message ?? ''), missing };
}

/** What the compose file promises, checked without Docker: services, their build context and Dockerfile, entrypoint scripts, no inline secret. */
export function composeProblems(path: string): { services: string[]; problems: string[] } {
  let doc: Record<string, any>;
  try {
    doc = parse(readFileSync(path, 'utf8')) as Record<string, any>;
  } catch (e) {
    throw new UserError(`--file: cannot read a compose file at ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  const problems: string[] = [];
  const services = Object.keys(doc?.services ?? {});
  if (services.length === 0) problems.push('no services');
  const base = dirname(resolve(path));
  for (const name of services) {
    const s = doc.services[name] ?? {};
    const ctx = resolve(base, s.build?.context ?? '.');
    if (s.build) {
      if (!existsSync(ctx)) problems.push(`${name}: build context ${ctx} does not exist`);
      const df = join(ctx, s.build.dockerfile ?? 'Dockerfile');
      if (!existsSync(df)) problems.push(`${name}: Dockerfile ${df} does not exist`);
      else for (const p of dockerfileProblems(ctx, s.build.dockerfile ?? 'Dockerfile')) problems.push(`${name}: ${p}`);
    }
    const ep = Array.isArray(s.entrypoint) ? s.entrypoint[0] : undefined;
    if (typeof ep === 'string' && ep.startsWith('/app/')) {
      const local = join(ctx, ep.slice('/app/'.length));
      if (!existsSync(local)) problems.push(`${name}: entrypoint ${ep} is not in the build context (${local})`);
    }
    for (const [k, v] of Object.entries((s.environment ?? {}) as Record<string, unknown>)) {
      if (/KEY|SECRET|PASSWORD|TOKEN/i.test(k) && typeof v === 'string' && v !== '' && !v.startsWith('${')) problems.push(`${name}: ${k} is written in the compose file; secrets belong in .env`);
    }
  }
  return { services, problems };
}

export function composeConfigCommand(f: ComposeFlags): void {
  if (!existsSync(f.file)) throw new UserError(`--file: no compose file at ${f.file}`);
  const { services, problems } = composeProblems(f.file);
  const d = run(f.docker, ['compose', '-f', f.file, 'config', '--quiet'], dirname(resolve(f.file)), 120_000);
  let docker: { ran: boolean; ok: boolean | null; note: string };
  if (d.missing) docker = { ran: false, ok: null, note: `SKIPPED: ${f.docker} not found; only the offline checks ran` };
  else if (d.status !== 0 && /unknown command|is not a docker command|unknown shorthand/i.test(d.err)) docker = { ran: false, ok: null, note: 'SKIPPED: this docker has no compose plugin; only the offline checks ran' };
  else docker = { ran: true, ok: d.status === 0, note: d.status === 0 ? 'docker compose config accepted the file' : d.err.split('\n').pop() ?? `exit ${d.status}` };
  if (docker.ok === false) problems.push(`docker compose config: ${docker.note}`);
  if (!docker.ran) process.stderr.write(`compose-config: ${docker.note}\n`);
  for (const p of problems) process.stderr.write(`compose-config: ${p}\n`);
  const ok = problems.length === 0;
  process.stdout.write(JSON.stringify({ check: 'compose-config', ok, file: f.file, services, docker_compose: docker, problems }) + '\n');
  if (!ok) process.exitCode = 1;
}

export interface ImageFlags {
  tag: string;
  docker: string;
  context: string;
}

/** The exit code of `image` when no Docker daemon can be reached here: nothing was built, nothing was found wrong either. */
export const IMAGE_SKIPPED_EXIT = 4;

export function imageCommand(f: ImageFlags): void {
  if (!existsSync(join(f.context, 'Dockerfile'))) throw new UserError(`--context: no Dockerfile in ${f.context}`);
  // First what a fresh clone needs (no Docker involved): a COPY of a missing, ignored or uncommitted path fails the build anywhere.
  const problems = dockerfileProblems(f.context);
  for (const p of problems) process.stderr.write(`image: ${p}\n`);
  if (problems.length > 0) {
    process.stdout.write(JSON.stringify({ check: 'image', ok: false, tag: f.tag, dockerfile_problems: problems, error: 'the Dockerfile would not build from a fresh clone' }) + '\n');
    process.exitCode = 1;
    return;
  }
  // Then the daemon: without one nothing can be built, which is said as a skip with its own exit code.
  const v = run(f.docker, ['version', '--format', '{{.Server.Version}}'], process.cwd(), 60_000);
  if (v.missing || v.status !== 0) {
    const why = v.missing ? `${f.docker} not found` : `no Docker daemon reachable (${v.err.split('\n').filter(Boolean).pop() ?? `exit ${v.status}`})`;
    process.stderr.write(`image: SKIPPED: ${why}; no image was built (exit ${IMAGE_SKIPPED_EXIT}); the Dockerfile's offline checks passed\n`);
    process.stdout.write(JSON.stringify({ check: 'image', ok: false, skipped: true, tag: f.tag, dockerfile_problems: [], error: `SKIPPED: ${why}: no image can be built here` }) + '\n');
    process.exitCode = IMAGE_SKIPPED_EXIT;
    return;
  }
  const t0 = performance.now();
  const r = run(f.docker, ['build', '-t', f.tag, f.context], process.cwd(), 3_600_000);
  const seconds = Math.round((performance.now() - t0) / 10) / 100;
  const ok = r.status === 0;
  const why = ok ? undefined : r.err.split('\n').pop() || `docker build exited ${r.status}`;
  if (why) process.stderr.write(`image: ${why}\n`);
  process.stdout.write(JSON.stringify({ check: 'image', ok, tag: f.tag, seconds, docker_server: v.out.trim(), dockerfile_problems: [], ...(why ? { error: why } : {}) }) + '\n');
  if (!ok) process.exitCode = 1;
}
