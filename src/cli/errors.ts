// How the CLI ends on an error: one line, the right exit code, no stack trace for anything a user caused.
import { NetworkFault, UserError, scrubSecrets } from '../core/index.js';

/** Every message passes the secret scrubber: an exchange's error text may echo a key. */
export function exitWithError(e: unknown): never {
  if (e instanceof UserError || e instanceof NetworkFault) {
    process.stderr.write(`error: ${scrubSecrets(e.message.split('\n')[0] ?? '')}\n`);
    process.exit(e.exitCode);
  }
  const msg = e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]}` : String(e);
  process.stderr.write(`internal error: ${scrubSecrets(msg)}\n`);
  if (process.env['MARKETMAKERL_DEBUG'] && e instanceof Error) process.stderr.write(`${scrubSecrets(e.stack ?? '')}\n`);
  process.exit(1);
}
