// Event files a command replays: a warning for each converted by an older converter than this version's.
import { isEventFile, olderConversionOf, readEventMeta } from '../data/index.js';

/** Writes one `warning:` line on stderr for each event file among `paths` that an older converter wrote (raw captures are converted afresh). */
export function warnOlderConversions(paths: readonly string[]): void {
  for (const p of paths) {
    if (!isEventFile(p)) continue;
    const why = olderConversionOf(readEventMeta(p));
    if (why !== undefined) process.stderr.write(`warning: ${p}: ${why}\n`);
  }
}
