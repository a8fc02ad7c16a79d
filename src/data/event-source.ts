// An event file or raw captures as market events: what tick backtests, tick analyses and replays read.
import type { EventColumns } from '../market/index.js';
import { isEventFile, iterateEventBatches, readEvents } from './event-store.js';
import { loadCaptureSync } from './capture-convert.js';

/**
 * Arrow event files (from `convert` or `record`) stream batch by batch; a raw capture (`<local_ns>
 * <json>` lines, gzip or text) is converted in memory first, exactly as `convert` would write it.
 */
export function eventBatchesOf(path: string): Iterable<EventColumns> {
  return isEventFile(path) ? iterateEventBatches(path) : [loadCaptureSync([path]).events];
}

/** The whole of an event file or a raw capture in memory. */
export function readEventSource(path: string): EventColumns {
  return isEventFile(path) ? readEvents(path) : loadCaptureSync([path]).events;
}
