// `marketmakerl status-page`: one self-contained page of the newest results under artifacts/ with their go / no-go; --serve serves it on
// 127.0.0.1. One JSON line; exit 1 when a check on the page is no-go or nothing was found.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, relative, resolve } from 'node:path';
import { UserError, writeFileAtomic } from '../../core/index.js';
import { collectStatus, STATUS_MARK, statusHtml } from '../../ops/index.js';

export interface StatusPageFlags {
  artifacts: string;
  out?: string;
  serve?: boolean;
  port: number;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.json': 'application/json', '.csv': 'text/csv', '.png': 'image/png', '.svg': 'image/svg+xml' };

export async function statusPageCommand(f: StatusPageFlags): Promise<void> {
  if (!Number.isInteger(f.port) || f.port < 0 || f.port > 65535) throw new UserError(`--port: expected a port in [0, 65535], got ${f.port}`);
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
  if (!f.serve) {
    process.stdout.write(JSON.stringify(line) + '\n');
    if (!ok) process.exitCode = 1;
    return;
  }
  // Serve the page and what it links to (files under the artifacts folder only) on 127.0.0.1 until SIGINT / SIGTERM.
  const root = resolve(f.artifacts);
  const pageRel = relative(root, resolve(out)).split('\\').join('/');
  const server = createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    const rel = url === '/' ? pageRel : normalize(url).replace(/^[/\\]+/, '');
    const path = resolve(root, rel);
    if ((path !== root && !path.startsWith(root + '/')) || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path));
  });
  await new Promise<void>((ok2, fail) => {
    server.once('error', (e) => fail(new UserError(`--port: cannot listen on 127.0.0.1:${f.port}: ${(e as Error).message}`)));
    server.listen(f.port, '127.0.0.1', () => ok2());
  });
  const port = (server.address() as { port: number }).port;
  process.stdout.write(JSON.stringify({ ...line, url: `http://127.0.0.1:${port}/` }) + '\n');
  if (!ok) process.exitCode = 1;
  const stop = (): void => void server.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
