// A stop asked of the agents of this thread: signals reach the main thread only, so the pool relays them here.

type Listener = (reason: string) => void;
const listeners = new Set<Listener>();
let asked: string | undefined;

/**
 * Call `fn` when a stop is asked (at once if one was asked already); returns the unsubscribe. Agents that
 * trade a feed subscribe while they run: a live session cancels everything, verifies, and ends.
 */
export function onStopRequest(fn: Listener): () => void {
  listeners.add(fn);
  if (asked !== undefined) fn(asked);
  return () => {
    listeners.delete(fn);
  };
}

/** Ask every subscribed agent of this thread to stop (`reason`: the signal's name). */
export function requestStop(reason: string): void {
  asked ??= reason;
  for (const fn of [...listeners]) fn(reason);
}
