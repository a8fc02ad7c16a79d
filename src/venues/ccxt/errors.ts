// Classification of ccxt's errors at the boundary: transient (retry), rejected (the venue said no), fatal (stop).
import type { FaultClass } from '../../core/index.js';

export interface ClassifiedFault {
  fault: FaultClass;
  /** The most specific ccxt error class name (or the JS error name). */
  kind: string;
  /** Rate limits deserve a longer pause than other transient faults. */
  rateLimited: boolean;
  message: string;
}

/** Names along an error's prototype chain, most specific first (ccxt's classes set their own names). */
function classNames(e: unknown): string[] {
  const names: string[] = [];
  let proto: unknown = e !== null && typeof e === 'object' ? Object.getPrototypeOf(e) : null;
  while (proto && proto !== Object.prototype) {
    const ctor = (proto as { constructor?: { name?: string } }).constructor;
    if (ctor?.name) names.push(ctor.name);
    proto = Object.getPrototypeOf(proto);
  }
  return names;
}

// OperationFailed: the venue could not complete the request (e.g. Binance -1000, HTTP 5xx). Safe to
// retry for reads; an order path must reconcile state before retrying a place.
const TRANSIENT = new Set(['OperationFailed', 'NetworkError', 'RequestTimeout', 'ExchangeNotAvailable', 'OnMaintenance', 'DDoSProtection', 'RateLimitExceeded', 'InvalidNonce', 'ChecksumError']);
const RATE_LIMIT = new Set(['DDoSProtection', 'RateLimitExceeded']);
const REJECTED = new Set(['ExchangeError', 'BadRequest', 'BadSymbol', 'InvalidOrder', 'OrderNotFound', 'InsufficientFunds', 'NotSupported', 'ArgumentsRequired', 'BadResponse', 'NullResponse', 'MarginModeAlreadySet', 'OperationRejected', 'CancelPending']);
const FATAL = new Set(['AuthenticationError', 'PermissionDenied', 'AccountSuspended', 'AccountNotEnabled']);
/** Node's own network errors, as seen when a request fails below ccxt. */
const NODE_NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/** Classify anything thrown by ccxt (or by the network under it). */
export function classifyCcxtError(e: unknown): ClassifiedFault {
  const names = classNames(e);
  const message = firstLine(e instanceof Error ? e.message : String(e));
  const kind = names[0] ?? 'Error';
  // Order matters: AuthenticationError is an ExchangeError, RateLimitExceeded a NetworkError.
  for (const n of names) {
    if (FATAL.has(n)) return { fault: 'fatal', kind, rateLimited: false, message };
    if (TRANSIENT.has(n)) return { fault: 'transient', kind, rateLimited: names.some((x) => RATE_LIMIT.has(x)), message };
    if (REJECTED.has(n)) return { fault: 'rejected', kind, rateLimited: false, message };
  }
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NODE_NETWORK_CODES.has(code)) return { fault: 'transient', kind: code, rateLimited: false, message };
  return { fault: 'fatal', kind, rateLimited: false, message };
}

function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
