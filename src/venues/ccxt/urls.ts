// Endpoint override: every REST and websocket URL of a ccxt exchange moved to one base, keeping each path.

const ORIGIN = /^(https?|wss?):\/\/[^/]+/;

/** The base in the scheme family of `scheme` (http ↔ ws, https ↔ wss). */
function baseFor(scheme: string, base: string): string {
  const b = new URL(base);
  const secure = b.protocol === 'https:' || b.protocol === 'wss:';
  const ws = scheme === 'ws' || scheme === 'wss';
  const proto = ws ? (secure ? 'wss:' : 'ws:') : secure ? 'https:' : 'http:';
  const path = b.pathname.replace(/\/+$/, '');
  return `${proto}//${b.host}${path}`;
}

/** Rewrite every URL string inside `value` (ccxt's `urls.api`: a string or nested objects) to `base`. */
export function rewriteUrls(value: unknown, base: string): unknown {
  if (typeof value === 'string') {
    const m = ORIGIN.exec(value);
    return m ? baseFor(m[1]!, base) + value.slice(m[0].length) : value;
  }
  if (value !== null && typeof value === 'object') {
    if (Array.isArray(value)) return value.map((v) => rewriteUrls(v, base));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = rewriteUrls(v, base);
    return out;
  }
  return value;
}
