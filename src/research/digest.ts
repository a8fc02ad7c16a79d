// Content digests of analysis inputs (data columns, policies): what makes two cases the same case.
import { createHash } from 'node:crypto';
import type { RlPolicy } from '../models/index.js';

/** sha256 of typed columns, in order (their bytes as stored), after `prefix`. */
export function digestColumns(columns: ReadonlyArray<ArrayBufferView>, prefix = ''): string {
  const h = createHash('sha256').update(prefix);
  for (const c of columns) h.update(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
  return h.digest('hex');
}

/** sha256 of a policy (rl trials differ by their policy); null without one. */
export function policyDigest(policy: RlPolicy | undefined): string | null {
  return policy === undefined ? null : createHash('sha256').update(JSON.stringify(policy)).digest('hex');
}

/** sha256 of a JSON value with object keys sorted (the same value always hashes the same). */
export function digestJson(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex');
}

export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}
