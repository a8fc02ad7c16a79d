// Byte-level JSON scanning for hot parsers: skip values, find string ends, read integers, without allocating.

/** Thrown by the scanners on malformed input; callers turn it into a message naming the file and line. */
export class ScanError extends Error {
  constructor(message: string, readonly at: number) {
    super(message);
    this.name = 'ScanError';
  }
}

const QUOTE = 34;
const BACKSLASH = 92;

/** Position after whitespace starting at p. */
export function skipWs(b: Uint8Array, p: number, end: number): number {
  while (p < end) {
    const c = b[p]!;
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
    p++;
  }
  return p;
}

/** Given p at an opening quote, the position of the closing quote. */
export function stringEnd(b: Uint8Array, p: number, end: number): number {
  let i = p + 1;
  while (i < end) {
    const c = b[i]!;
    if (c === QUOTE) return i;
    if (c === BACKSLASH) i += 2;
    else i++;
  }
  throw new ScanError('unterminated string', p);
}

/** Position just after the JSON value starting at p (whitespace already skipped). */
export function skipValue(b: Uint8Array, p: number, end: number): number {
  const c = b[p];
  if (c === QUOTE) return stringEnd(b, p, end) + 1;
  if (c === 123 || c === 91) {
    let depth = 0;
    let i = p;
    while (i < end) {
      const d = b[i]!;
      if (d === QUOTE) i = stringEnd(b, i, end) + 1;
      else {
        if (d === 123 || d === 91) depth++;
        else if (d === 125 || d === 93) {
          depth--;
          if (depth === 0) return i + 1;
        }
        i++;
      }
    }
    throw new ScanError('unterminated object or array', p);
  }
  // number or literal
  let i = p;
  while (i < end) {
    const d = b[i]!;
    if (d === 44 || d === 125 || d === 93 || d === 32 || d === 10 || d === 13 || d === 9) break;
    i++;
  }
  if (i === p) throw new ScanError('expected a value', p);
  return i;
}

/** Parse an unsigned or negative integer in b[p, q); NaN if it is not one or a double cannot hold it exactly (beyond 2^53). */
export function parseIntRange(b: Uint8Array, p: number, q: number): number {
  let neg = false;
  if (p < q && b[p] === 45) {
    neg = true;
    p++;
  }
  if (p >= q) return Number.NaN;
  let v: number;
  if (q - p <= 18) {
    // Two int32 chunks of at most 9 digits (the local timestamps of every capture line are 16): exact below
    // 2^53, and at or above 2^53 whenever the true value is, so the check below refuses the same numbers.
    const mid = q - p > 9 ? q - 9 : p;
    let hi = 0;
    for (let i = p; i < mid; i++) {
      const c = b[i]! - 48;
      if (c < 0 || c > 9) return Number.NaN;
      hi = hi * 10 + c;
    }
    let lo = 0;
    for (let i = mid; i < q; i++) {
      const c = b[i]! - 48;
      if (c < 0 || c > 9) return Number.NaN;
      lo = lo * 10 + c;
    }
    v = mid === p ? lo : hi * 1e9 + lo;
  } else {
    v = 0;
    for (let i = p; i < q; i++) {
      const c = b[i]! - 48;
      if (c < 0 || c > 9) return Number.NaN;
      v = v * 10 + c;
    }
  }
  if (v > Number.MAX_SAFE_INTEGER) return Number.NaN;
  return neg ? -v : v;
}

/** True if b[p, q) spells `text` (ASCII). */
export function bytesEqual(b: Uint8Array, p: number, q: number, text: string): boolean {
  if (q - p !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (b[p + i] !== text.charCodeAt(i)) return false;
  return true;
}
