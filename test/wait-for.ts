// Polling for a condition in tests that drive something asynchronous (a session, an adapter, a fake exchange).

/** Resolve once `pred()` holds, checking every 10 ms; throw "timed out waiting for `what`" after `timeoutMs`. */
export async function waitFor(what: string, pred: () => boolean, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
