// Parsing helpers shared by the CLI commands.
import { UserError } from '../core/index.js';

/** Seconds of a timeframe such as 1m, 5m, 1h (the realtime commands' σ window). */
export function timeframeSeconds(tf: string): number {
  const m = /^(\d+)([smhdw])$/.exec(tf);
  if (!m) throw new UserError(`--timeframe: expected a timeframe such as 1m, 5m, 1h; got '${tf}'`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
}
