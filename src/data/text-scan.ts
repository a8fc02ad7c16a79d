// Byte-level scanning of CSV text: numbers and ISO dates parsed without allocating strings.

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * Parse a decimal number in buf[from, to). Returns NaN if the field is not a plain number.
 * Exact: for up to 15 significant digits, mantissa / 10^d is one correctly rounded division,
 * the same double that parseFloat gives. Longer or exponent forms fall back to Number().
 */
export function parseNumber(buf: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i < to && (buf[i] === 32 || buf[i] === 34)) i++; // spaces, quotes
  let end = to;
  while (end > i && (buf[end - 1] === 32 || buf[end - 1] === 34 || buf[end - 1] === 13)) end--;
  if (i >= end) return Number.NaN;
  let neg = false;
  if (buf[i] === 45) {
    neg = true;
    i++;
  } else if (buf[i] === 43) i++;
  let mant = 0;
  let digits = 0;
  let frac = -1;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      digits++;
      if (frac >= 0) frac++;
    } else if (c === 46 && frac < 0) frac = 0;
    else if (c === 101 || c === 69) return slowNumber(buf, from, to); // exponent form
    else return Number.NaN;
  }
  if (digits === 0) return Number.NaN;
  if (digits > 15) return slowNumber(buf, from, to);
  const v = frac > 0 ? mant / POW10[frac]! : mant;
  return neg ? -v : v;
}

function slowNumber(buf: Uint8Array, from: number, to: number): number {
  const s = Buffer.from(buf.buffer, buf.byteOffset + from, to - from).toString('latin1').trim().replace(/^"|"$/g, '');
  if (s === '') return Number.NaN;
  const v = Number(s);
  return v;
}

function digitsAt(buf: Uint8Array, i: number, n: number): number {
  let v = 0;
  for (let j = 0; j < n; j++) {
    const c = buf[i + j]! - 48;
    if (c < 0 || c > 9) return Number.NaN;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Parse `YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z|±HH:MM]` (no offset = UTC) to epoch milliseconds,
 * keeping sub-millisecond digits as a fraction. NaN when malformed.
 */
export function parseIsoMillis(buf: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i < to && (buf[i] === 32 || buf[i] === 34)) i++;
  let end = to;
  while (end > i && (buf[end - 1] === 32 || buf[end - 1] === 34 || buf[end - 1] === 13)) end--;
  if (end - i < 10 || buf[i + 4] !== 45 || buf[i + 7] !== 45) return Number.NaN;
  const y = digitsAt(buf, i, 4);
  const mo = digitsAt(buf, i + 5, 2);
  const d = digitsAt(buf, i + 8, 2);
  let h = 0;
  let mi = 0;
  let s = 0;
  let fracMs = 0;
  let offsetMin = 0;
  i += 10;
  if (i < end) {
    if (buf[i] !== 84 && buf[i] !== 32) return Number.NaN;
    h = digitsAt(buf, i + 1, 2);
    if (buf[i + 3] !== 58) return Number.NaN;
    mi = digitsAt(buf, i + 4, 2);
    i += 6;
    if (i < end && buf[i] === 58) {
      s = digitsAt(buf, i + 1, 2);
      i += 3;
    }
    if (i < end && buf[i] === 46) {
      i++;
      let scale = 100;
      while (i < end && buf[i]! >= 48 && buf[i]! <= 57) {
        fracMs += (buf[i]! - 48) * scale;
        scale /= 10;
        i++;
      }
    }
    if (i < end) {
      const c = buf[i];
      if (c === 90 && i + 1 === end) {
        // Z
      } else if ((c === 43 || c === 45) && end - i >= 3) {
        const oh = digitsAt(buf, i + 1, 2);
        const om = end - i >= 6 ? digitsAt(buf, i + (buf[i + 3] === 58 ? 4 : 3), 2) : 0;
        offsetMin = (c === 43 ? 1 : -1) * (oh * 60 + om);
      } else return Number.NaN;
    }
  }
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) + fracMs - offsetMin * 60_000;
  return Number.isFinite(ms) && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 ? Math.round(ms * 1000) / 1000 : Number.NaN;
}
