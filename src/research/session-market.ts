// Where a session's market is: the event file given, else the recording the ledger links to the run (its partial file when the session did not close it).
import { existsSync } from 'node:fs';
import { UserError } from '../core/index.js';
import { isEventFile, partialPathOf } from '../data/index.js';
import { locateRecording, type RecordingLink } from '../ledger/index.js';

/**
 * `events` (`--events`) when given; else the recording linked to run `runId` in the ledger at `ledger`.
 * A recording its session did not close (still running, or killed) is its partial file, readable as far
 * as it was written (`partial: true`: read it with `readEventFile(path, { partial: true })`). Every fault
 * is a `UserError` naming the flag and what to do.
 */
export function sessionEventsPath(ledger: string, events: string | undefined, runId: string, link: RecordingLink | undefined): { path: string; partial: boolean } {
  if (events !== undefined) {
    if (!existsSync(events)) throw new UserError(`--events: no file at ${events}`);
    if (!isEventFile(events)) throw new UserError(`--events: ${events} is not an event file (Arrow, from realtime --record, convert or record)`);
    return { path: events, partial: false };
  }
  if (link === undefined) throw new UserError(`--ledger: run ${runId} has no linked recording (start the session with realtime --record FILE.arrow, or give --events FILE.arrow)`);
  if (link.status === 'recording') {
    const partial = locateRecording(ledger, { ...link, path: partialPathOf(link.path), pathFromLedger: partialPathOf(link.pathFromLedger) });
    if (partial === undefined || !isEventFile(partial))
      throw new UserError(`--ledger: the recording of run ${runId} is not complete and its partial file ${partialPathOf(link.pathFromLedger)} is missing or holds nothing; give --events FILE.arrow`);
    return { path: partial, partial: true };
  }
  if (link.status !== 'written') throw new UserError(`--ledger: the recording of run ${runId} was not written (status ${link.status}); give --events FILE.arrow`);
  const found = locateRecording(ledger, link);
  if (found === undefined) throw new UserError(`--ledger: the recording of run ${runId} is missing (${link.pathFromLedger} beside the ledger, or ${link.path}); give --events FILE.arrow`);
  return { path: found, partial: false };
}
