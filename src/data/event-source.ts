// An event file or raw captures as market events: what tick backtests, tick analyses and replays read.
import { statSync } from 'node:fs';
import { UserError } from '../core/index.js';
import type { EventColumns } from '../market/index.js';
import { isEventFile, iterateEventBatches, readEvents } from './event-store.js';
import { loadCaptureSync } from './capture-convert.js';

/**
 * Arrow event files (from `convert` or `record`) stream batch by batch; a raw capture (`<local_ns>
 * <json>` lines, gzip or text) is converted in memory first, exactly as `convert` would write it.
 */
export function eventBatchesOf(path: string): Iterable<EventColumns> {
  readable(path);
  return isEventFile(path) ? iterateEventBatches(path) : [loadCaptureSync([path]).events];
}

/** The whole of an event file or a raw capture in memory. */
export function readEventSource(path: string): EventColumns {
  readable(path);
  return isEventFile(path) ? readEvents(path) : loadCaptureSync([path]).events;
}

function readable(path: string): void {
  try {
    if (statSync(path).isFile()) return;
  } catch {
    // not there
  }
  throw new UserError(`cannot read event file ${path}`);
}
