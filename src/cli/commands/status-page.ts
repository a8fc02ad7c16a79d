// `marketmakerl status-page`: one self-contained page of the newest results under artifacts/ with their go / no-go; --serve serves it with
// the dashboard server on 127.0.0.1 (at /status/, behind the dashboard's token); --open prints where to open it. One JSON line; exit 1 when
// a check on the page is no-go or nothing was found.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError, writeFileAtomic } from '../../core/index.js';
import { collectStatus, STATUS_MARK, statusHtml } from '../../ops/index.js';
import { DashboardState, startDashboardServer } from '../../report/dashboard/index.js';

export interface StatusPageFlags {
  artifacts: string;
  out?: string;
  serve?: boolean;
  open?: boolean;
  /** With --serve or --open (default 8788). */
  port?: number;
}

/** The token file a serving dashboard leaves beside the page (mode 0600, removed when it stops). */
const tokenFileOf = (tokenDir: string, port: number): string => join(tokenDir, `dashboard-${port}.token`);

/** The served page's address when a dashboard serves this artifacts folder on `port` (its token file is there and it answers), else undefined. */
async function servedUrl(tokenDir: string, port: number): Promise<string | undefined> {
  const file = tokenFileOf(tokenDir, port);
  if (port === 0 || !existsSync(file)) return undefined;
  const token = readFileSync(file, 'utf8').trim();
  try {
    const r = await fetch(`http://127.0.0.1:${port}/status/`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5_000), redirect: 'manual' });
    return r.status === 200 ? `http://127.0.0.1:${port}/status?token=${token}` : undefined;
  } catch {
    return undefined; // a token file left by a dashboard that is gone
  }
}

export async function statusPageCommand(flags: StatusPageFlags): Promise<void> {
  if (flags.port !== undefined && flags.serve !== true && flags.open !== true) throw new UserError('--port: only with --serve or --open (without them the page is only written)');
  const f = { ...flags, port: flags.port ?? 8788 };
  if (!Number.isInteger(f.port) || f.port < 0 || f.port > 65535) throw new UserError(`--port: expected a port in [0, 65535], got ${f.port}`);
  if (f.serve === true && f.open === true) throw new UserError('--open: prints where a serving dashboard shows the page; it does not go with --serve (which prints its own address)');
  const out = f.out ?? join(f.artifacts, 'status', 'index.html');
  if (existsSync(out) && !readFileSync(out, 'utf8').includes(STATUS_MARK)) throw new UserError(`--out: ${out} exists and is not a status page of ours; it is never replaced`);
  const items = collectStatus(f.artifacts);
  const generated = new Date().toISOString();
  writeFileAtomic(out, statusHtml(items, dirname(resolve(out)), generated));
  const judged = items.filter((i) => i.go !== null);
  const nogo = judged.filter((i) => i.go === false);
  const ok = judged.length > 0 && nogo.length === 0;
  for (const i of nogo) process.stderr.write(`status-page: NO-GO ${i.section} (${i.path}): ${i.why}\n`);
  if (judged.length === 0) process.stderr.write(`status-page: nothing with a verdict under ${f.artifacts}\n`);
  const line = { check: 'status-page', ok, page: out, sections: items.map((i) => ({ section: i.section, go: i.go, path: i.path })), go: judged.length - nogo.length, no_go: nogo.length };
  const tokenDir = dirname(resolve(out));
  if (f.open === true) {
    // No browser is started (servers have none): the address is printed, the served one when a dashboard serves this folder.
    const served = await servedUrl(tokenDir, f.port);
    const open = served ?? pathToFileURL(resolve(out)).href;
    if (served === undefined) process.stderr.write(`status-page: not served on 127.0.0.1:${f.port} (make dashboard-serve); the file itself: ${open}\n`);
    process.stdout.write(JSON.stringify({ ...line, open, served: served !== undefined }) + '\n');
    if (!ok) process.exitCode = 1;
    return;
  }
  if (f.serve !== true) {
    process.stdout.write(JSON.stringify(line) + '\n');
    if (!ok) process.exitCode = 1;
    return;
  }
  // The dashboard server, on 127.0.0.1 only: its finished runs at /, this page (rebuilt at each load) at /status/, behind its token.
  const root = resolve(f.artifacts);
  let server: Awaited<ReturnType<typeof startDashboardServer>>;
  try {
    server = await startDashboardServer({
      port: f.port,
      host: '127.0.0.1',
      title: 'marketmakerl status',
      state: new DashboardState('runs', 'backtest runs'),
      runsDir: join(root, 'runs'),
      tokenDir,
      status: { root, render: () => statusHtml(collectStatus(root), root, new Date().toISOString()) },
      pushMs: 1_000,
    });
  } catch (e) {
    throw new UserError(`--port: cannot listen on 127.0.0.1:${f.port}: ${(e as Error).message}`);
  }
  process.stdout.write(JSON.stringify({ ...line, url: `${server.url}status/`, open_url: server.statusUrl, dashboard: server.openUrl, token_file: server.tokenFile }) + '\n');
  if (!ok) process.exitCode = 1;
  await new Promise<void>((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
  await server.close();
}
