// The status page on the dashboard server: /status/ renders it afresh, /status/<path> serves the files under the artifacts folder it links to.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, normalize, resolve, sep } from 'node:path';
import { scrubSecrets } from '../../core/index.js';

/** What the server needs to serve a status page: the folder its links are relative to, and the page itself. */
export interface StatusSource {
  /** The artifacts folder: the page's links are relative to it, and only files under it are served. */
  root: string;
  /** The page, built at each request (so a reload shows the newest results). */
  render: () => string;
}

/** Types served under /status/ (anything else is not something the page links to: 404). */
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
  '.csv': 'text/csv; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.sqlite': 'application/vnd.sqlite3',
};

const TEXT = new Set(['.html', '.json', '.csv', '.md', '.txt', '.svg']);

export interface StatusAnswer {
  status: number;
  type: string;
  body: string | Buffer;
}

/**
 * The answer to GET `pathname` (already past the token check): the page at /status/, a file at
 * /status/<relative path>; undefined when `pathname` is not under /status/. Nothing outside `root`, no
 * dot-file or dot-folder, no other type; text passes the secret scrubber as every dashboard answer does.
 */
export function statusAnswer(src: StatusSource, pathname: string): StatusAnswer | undefined {
  if (pathname === '/status/') return { status: 200, type: TYPES['.html']!, body: scrubSecrets(src.render()) };
  if (!pathname.startsWith('/status/')) return undefined;
  const notFound: StatusAnswer = { status: 404, type: 'application/json', body: JSON.stringify({ error: 'not found' }) };
  let rel: string;
  try {
    rel = decodeURIComponent(pathname.slice('/status/'.length));
  } catch {
    return notFound;
  }
  if (rel.includes('\0')) return notFound;
  const parts = normalize(rel).split(/[\\/]+/).filter((p) => p !== '');
  if (parts.length === 0 || parts.some((p) => p.startsWith('.'))) return notFound;
  const root = resolve(src.root);
  const path = resolve(root, ...parts);
  const ext = extname(path).toLowerCase();
  if (!path.startsWith(root + sep) || TYPES[ext] === undefined || !existsSync(path) || !statSync(path).isFile()) return notFound;
  const bytes = readFileSync(path);
  return { status: 200, type: TYPES[ext]!, body: TEXT.has(ext) ? scrubSecrets(bytes.toString('utf8')) : bytes };
}
