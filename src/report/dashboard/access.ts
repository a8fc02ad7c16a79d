// Who may talk to the dashboard: its own page and the holder of its per-run token, through a loopback Host, never another origin.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A fresh per-run token (192 bits, URL-safe). */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The cookie that carries the token for the dashboard's own page (one per port: cookies ignore ports). */
export function cookieName(port: number): string {
  return `mm_dashboard_${port}`;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

export type Verdict = { ok: true } | { ok: false; status: number; error: string };

/**
 * Every request: the Host must be a loopback name with our port (a page that rebinds its own DNS name
 * to 127.0.0.1 still sends its own name), and a browser's Origin, when it sends one, must be the
 * dashboard's own; a cross-site fetch metadata header is refused too.
 */
export function checkOrigin(req: IncomingMessage, port: number): Verdict {
  const host = req.headers.host ?? '';
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  if (m === null || !LOOPBACK.has(m[1]!.toLowerCase()) || Number(m[2] ?? 80) !== port)
    return { ok: false, status: 421, error: `Host ${JSON.stringify(host)} is not this dashboard (127.0.0.1:${port} or localhost:${port})` };
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let u: URL | undefined;
    try {
      u = new URL(origin);
    } catch {
      u = undefined;
    }
    if (u === undefined || u.protocol !== 'http:' || !LOOPBACK.has(u.hostname) || Number(u.port || 80) !== port)
      return { ok: false, status: 403, error: `Origin ${JSON.stringify(origin)} may not use this dashboard` };
  }
  if (req.headers['sec-fetch-site'] === 'cross-site') return { ok: false, status: 403, error: 'cross-site requests may not use this dashboard' };
  return { ok: true };
}

/** The token a request carries: `Authorization: Bearer`, the page's cookie, or `?token=` (the URL printed at start). */
export function presentedToken(req: IncomingMessage, port: number, url: URL): string | undefined {
  const auth = req.headers.authorization;
  if (auth !== undefined && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
  return cookie(req, cookieName(port)) ?? url.searchParams.get('token') ?? undefined;
}

export function tokenMatches(presented: string | undefined, token: string): boolean {
  return presented !== undefined && same(presented, token);
}
