// Bounded exponential backoff with jitter for calls across the ccxt boundary; only transient faults are retried.
import { NetworkFault } from '../../core/index.js';
import { classifyCcxtError, type ClassifiedFault } from './errors.js';

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  /** First pause, ms; doubles each retry. */
  baseDelayMs: number;
  /** Longest pause, ms. */
  maxDelayMs: number;
  /** Rate limits start their pauses from this many ms instead. */
  rateLimitDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 8_000, rateLimitDelayMs: 1_000 };

/** Pause before retry number `retry` (1-based): full jitter over an exponentially growing, capped window. */
export function backoffDelayMs(retry: number, policy: RetryPolicy, rateLimited: boolean, random: () => number = Math.random): number {
  const base = rateLimited ? policy.rateLimitDelayMs : policy.baseDelayMs;
  const window = Math.min(policy.maxDelayMs, base * 2 ** (retry - 1));
  // Half fixed, half random: never zero, never in lockstep with other clients.
  return window / 2 + random() * (window / 2);
}

export interface RetryHooks {
  onRetry?: (fault: ClassifiedFault, retry: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Stop retrying early (e.g. on SIGINT). */
  signal?: AbortSignal;
}

const sleepMs = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Run `fn`, retrying transient faults with backoff. A transient fault that outlives its retries
 * becomes a NetworkFault (exit 3) with one clear line; rejected and fatal faults are rethrown as is.
 */
export async function withRetry<T>(what: string, fn: () => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY, hooks: RetryHooks = {}): Promise<T> {
  const sleep = hooks.sleep ?? sleepMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const f = classifyCcxtError(e);
      if (f.fault !== 'transient') throw e;
      if (attempt >= policy.maxAttempts || hooks.signal?.aborted) {
        throw new NetworkFault(`${what}: ${f.kind} after ${attempt} attempt(s): ${f.message}`);
      }
      const delay = backoffDelayMs(attempt, policy, f.rateLimited, hooks.random);
      hooks.onRetry?.(f, attempt, delay);
      await sleep(delay);
    }
  }
}

/** The default policy, adjustable by MARKETMAKERL_RETRY_ATTEMPTS and MARKETMAKERL_RETRY_BASE_MS (tests shorten it). */
export function retryPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): RetryPolicy {
  const attempts = Number(env['MARKETMAKERL_RETRY_ATTEMPTS']);
  const base = Number(env['MARKETMAKERL_RETRY_BASE_MS']);
  const p = { ...DEFAULT_RETRY };
  if (Number.isInteger(attempts) && attempts >= 1) p.maxAttempts = attempts;
  if (Number.isFinite(base) && base >= 0) {
    p.baseDelayMs = base;
    p.rateLimitDelayMs = Math.max(base, base * 4);
    p.maxDelayMs = Math.max(base, base * 32);
  }
  return p;
}
