// How the CLI ends on an error: one line, the right exit code, no stack trace for anything a user caused.
import { NetworkFault, UserError } from '../core/index.js';

export function exitWithError(e: unknown): never {
  if (e instanceof UserError || e instanceof NetworkFault) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exit(e.exitCode);
  }
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  process.stderr.write(`internal error: ${msg}\n`);
  if (process.env['MARKETMAKERL_DEBUG'] && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  process.exit(1);
}
