// How a paper or live process ends: SIGINT/SIGTERM stop its sessions, a crash ends live sessions as fatal, and a live run's end becomes its status, message and exit code.
import { UserError } from '../../core/index.js';

/**
 * Routes SIGINT/SIGTERM to `onSignal` and, when `onCrash` is given (live), an uncaught exception or
 * unhandled rejection to it as a one-line reason; returns the function that removes the handlers.
 */
export function routeProcessEnd(onSignal: (sig: NodeJS.Signals) => void, onCrash?: (reason: string) => void): () => void {
  const crash = onCrash === undefined ? undefined : (e: unknown): void => onCrash(`uncaught ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (crash !== undefined) {
    process.on('uncaughtException', crash);
    process.on('unhandledRejection', crash);
  }
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (crash !== undefined) {
      process.off('uncaughtException', crash);
      process.off('unhandledRejection', crash);
    }
  };
}

/** How one live session ended (its market's name with several markets). */
export interface LiveEnd {
  market?: string;
  fatal?: string;
  cancelVerified: boolean;
}

/** The ledger status of a live run that ended so. */
export function liveStatus(end: LiveEnd, signal: NodeJS.Signals | undefined): string {
  return end.fatal !== undefined ? `failed: ${end.fatal}` : signal !== undefined ? `stopped: ${signal}` : end.cancelVerified ? 'completed' : 'completed-unverified-cancel';
}

/**
 * The end of a live run of one or several markets, said once: a fatal end or an unverified cancel-all
 * is an error (exit 1) that says whether every order was cancelled; a stop from outside is not a failure
 * of ours but not a finished run either (exit 128 + the signal's number, the cancel said on stderr).
 */
export function concludeLive(ends: readonly LiveEnd[], signal: NodeJS.Signals | undefined): void {
  const several = ends.length > 1 || ends.some((e) => e.market !== undefined);
  const unverified = ends.filter((e) => !e.cancelVerified);
  const cancel =
    unverified.length === 0
      ? several
        ? 'every order of every market cancelled, verified with the exchange'
        : 'every order cancelled, verified with the exchange'
      : several
        ? `the cancel-all of ${unverified.map((e) => e.market).join(', ')} could NOT be verified: check open orders at the exchange`
        : 'the cancel-all could NOT be verified: check open orders at the exchange';
  const fatal = ends.find((e) => e.fatal !== undefined);
  if (fatal !== undefined) throw new UserError(`live stopped: ${fatal.market !== undefined ? `${fatal.market}: ` : ''}${fatal.fatal}; ${cancel}`, 1);
  if (unverified.length > 0) throw new UserError(`live: ${cancel}`, 1);
  if (signal !== undefined) {
    process.stderr.write(`stopped by ${signal}: ${cancel}\n`);
    process.exitCode = signal === 'SIGINT' ? 130 : 143;
  }
}

/**
 * A paper run's stop request: set by SIGINT/SIGTERM (its reason the signal's name) or, for a program
 * that embeds the command, by `abort` (its reason `stopped`); the loop ends at its next step. Returns
 * the request and the function that removes the handlers.
 */
export function paperStop(abort?: AbortSignal): { stop: { requested: boolean; reason?: string }; unroute: () => void } {
  const stop: { requested: boolean; reason?: string } = { requested: false };
  const request = (reason: string): void => {
    if (stop.requested) return;
    stop.requested = true;
    stop.reason = reason;
  };
  const onAbort = (): void => request('stopped');
  if (abort?.aborted === true) onAbort();
  abort?.addEventListener('abort', onAbort, { once: true });
  const unrouteSignals = routeProcessEnd(request);
  return {
    stop,
    unroute: () => {
      unrouteSignals();
      abort?.removeEventListener('abort', onAbort);
    },
  };
}
