// The live guard: live trading needs PAPER_ONLY=0 and exchange keys in the environment; it never reveals them.
import { UserError, registerSecret, scrubSecrets } from '../core/index.js';
import type { Mode } from './config.js';

export const SECRET_ENV = ['EXCHANGE_API_KEY', 'EXCHANGE_API_SECRET'] as const;

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Throws unless `mode` may run. PAPER_ONLY defaults to 1; only the exact value 0 lifts it. With it lifted,
 * every key in SECRET_ENV must be set and non-empty; the message names the missing ones, never a value.
 */
export function liveGuard(mode: Mode, env: Env): void {
  if (mode !== 'live') return;
  const paperOnly = (env['PAPER_ONLY'] ?? '1').trim();
  if (paperOnly !== '0') throw new UserError('mode=live is disabled while PAPER_ONLY=1');
  const missing = SECRET_ENV.filter((k) => !env[k]);
  if (missing.length > 0) throw new UserError(`mode=live requires env vars: ${missing.join(', ')}`);
}

/** The secret values present in `env` (to scrub from any text that leaves the process). */
export function secretValues(env: Env): string[] {
  return SECRET_ENV.map((k) => env[k]).filter((v): v is string => typeof v === 'string' && v.length >= 4);
}

/**
 * The process's one secret scrubber (`scrubSecrets`, which already knows the secrets of the process
 * environment), after registering `secrets` with it: whatever scrubs text scrubs it the same way.
 */
export function scrubber(secrets: readonly string[]): (text: string) => string {
  for (const s of secrets) registerSecret(s);
  return scrubSecrets;
}
