// A halt left standing (the kill-switch file, or a halt from the dashboard) is announced when a session starts; a replay's summary names the halt that stopped it.
import { HaltFile } from '../risk/index.js';

/**
 * When `haltPath` exists: one line on stderr saying the session starts halted, why, and how to clear it,
 * and the same as the first JSON line (`write`; echoed on stdout unless `quiet`). Returns the reason.
 */
export function announceStandingHalt(haltPath: string, write: (line: Record<string, unknown>) => void, quiet: boolean): string | undefined {
  const reason = new HaltFile(haltPath, 0).poll(Date.now());
  if (reason === undefined) return undefined;
  const clear = `marketmakerl halt --clear --halt-file ${haltPath}`;
  process.stderr.write(`halted: a halt is standing (${reason}); this session quotes nothing until it is cleared with: ${clear} (then restart)\n`);
  const line = { event: 'halt_standing', ts_utc: new Date().toISOString(), trading_state: 'halted', reason, clear };
  write(line);
  if (!quiet) process.stdout.write(`${JSON.stringify(line)}\n`);
  return reason;
}

/** When a halt file halted the replay: its reason and the local time of the decision that met it (the summary's `halted_by`, `halted_utc`). */
export function haltedBy(halts: readonly { ts: string; condition: string; reason: string }[]): { halted_by?: string; halted_utc?: string } {
  const h = halts.find((x) => x.condition === 'kill-switch');
  return h === undefined ? {} : { halted_by: h.reason, halted_utc: h.ts };
}
