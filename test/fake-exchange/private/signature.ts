// Binance request signatures as the fake checks them: HMAC-SHA256 of the signed payload with the test secret.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function hmacHex(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

/**
 * A signed REST payload is `<params>&signature=<hex>` (query string for GET/DELETE, body for POST).
 * Returns true when the signature matches the payload before it.
 */
export function verifySignedPayload(raw: string, secret: string): boolean {
  const at = raw.lastIndexOf('&signature=');
  if (at < 0) return false;
  const payload = raw.slice(0, at);
  const given = raw.slice(at + '&signature='.length);
  return sameHex(hmacHex(payload, secret), given);
}

/** A websocket-API request signs its params sorted by key, `signature` left out, url-encoded. */
export function verifyWsParams(params: Readonly<Record<string, unknown>>, secret: string): boolean {
  const given = params['signature'];
  if (typeof given !== 'string') return false;
  const query = Object.keys(params)
    .filter((k) => k !== 'signature')
    .sort()
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(String(params[k]))}`)
    .join('&');
  return sameHex(hmacHex(query, secret), given);
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
