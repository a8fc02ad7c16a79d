// Positional fast path for the compact Binance messages (depthUpdate, trade, bookTicker; spot and USD-M, with or without the stream envelope): no whitespace, no escapes, plain numbers; anything else is left to the full scanner.
//
// Why a second reader: the full scanner accepts any JSON layout, which costs a whitespace skip, a key
// search and a per-digit double multiply for every field. Binance writes its stream messages in one compact
// layout, so this path reads them byte by byte in the order they come, with integer arithmetic on chunks of
// at most nine digits. It never throws and never decides what is malformed: on the first byte it does not
// expect it returns false, and the caller scans the line again with the full scanner, which accepts,
// reads or refuses it exactly as it always did. It accepts only what the full scanner reads to the same
// fields: exact decimals of up to 15 significant digits (mantissa / 10^d, one correctly rounded division,
// the same double), integers of up to 15 digits, each key at most once.
//
// Runs of digits are read four bytes at a time where the bytes are there (a 32-bit little-endian load, a
// test that all four are digits, and their value in three integer operations: "SWAR"); the byte loops
// finish what remains, so every number is the same exact integer read one digit at a time would give.

/** Fields of one message, filled as the full scanner fills them (NaN = absent). */
export interface CompactFields {
  kind: number;
  mE: number;
  mT: number;
  mU: number;
  mu: number;
  mpu: number;
  mt: number;
  mp: number;
  mq: number;
  mm: boolean;
  bidP: number;
  bidQ: number;
  askP: number;
  askQ: number;
  symStart: number;
  symEnd: number;
  nLevels: number;
  lvSide: Int8Array;
  lvPrice: Float64Array;
  lvSize: Float64Array;
  /** A DataView of the last buffer scanned (`viewOf`): made once per buffer, not per line. */
  view: DataView | null;
  viewOf: Uint8Array | null;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
const KIND_DEPTH = 1;
const KIND_TRADE = 2;
const KIND_BOOK_TICKER = 4;

// Byte codes.
const QUOTE = 34;
const COMMA = 44;
const COLON = 58;
const LBRACKET = 91;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;
const BACKSLASH = 92;

/** Position just after the last number read (a closing quote for decimals). */
let at = 0;

/**
 * The last number read. Readers return true/false and leave the number here: a double returned from a
 * call the compiler does not inline is boxed on the heap, one allocation per number.
 */
export const scanned = new Float64Array(1);

const NO_BYTES = new DataView(new ArrayBuffer(0));
/** The bytes being scanned (set for the length of one `scanCompact` call; 4-byte loads), and their length. */
let dv: DataView = NO_BYTES;
let len = 0;

/** A DataView of b's bytes, kept on m while the same buffer is scanned line after line. */
export function viewOf(m: CompactFields, b: Uint8Array): DataView {
  if (m.viewOf !== b || m.view === null) {
    m.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    m.viewOf = b;
  }
  return m.view;
}

/** True if the four bytes of x (a little-endian 32-bit load) are all ASCII digits. */
function digits4(x: number): boolean {
  return (x & 0xf0f0f0f0) === 0x30303030 && ((x + 0x06060606) & 0xf0f0f0f0) === 0x30303030;
}

/** The value 0..9999 of four ASCII digits loaded little-endian (first digit in the low byte). */
function value4(x: number): number {
  x -= 0x30303030;
  // Pairs: byte 0 = 10·d0 + d1, byte 2 = 10·d2 + d3 (no carries: each at most 99).
  x = (Math.imul(x, 10) + (x >>> 8)) & 0x00ff00ff;
  return Math.imul(x & 0xff, 100) + (x >>> 16);
}

/** Up to eight leading digits at i (0, 4 or 8 of them, all inside the bytes) read at once; `at` = the first byte after them, `runDigits` = how many. */
let runDigits = 0;
function digitRun(i: number): number {
  runDigits = 0;
  at = i;
  if (i + 8 > len) return 0;
  const lo = dv.getInt32(i, true);
  if (!digits4(lo)) return 0;
  const hi = dv.getInt32(i + 4, true);
  if (!digits4(hi)) {
    runDigits = 4;
    at = i + 4;
    return value4(lo);
  }
  runDigits = 8;
  at = i + 8;
  return value4(lo) * 10000 + value4(hi);
}

/** The 19-digit decimal integer at b[start] without its last three digits (ns → µs) into `scanned[0]`; false if any of the 19 bytes is not a digit or the bytes end first. */
export function ns19Micros(m: CompactFields, b: Uint8Array, start: number): boolean {
  if (start + 20 > b.length) return false;
  const v = viewOf(m, b);
  const a0 = v.getInt32(start, true);
  const a1 = v.getInt32(start + 4, true);
  const a2 = v.getInt32(start + 8, true);
  const a3 = v.getInt32(start + 12, true);
  if (!digits4(a0) || !digits4(a1) || !digits4(a2) || !digits4(a3)) return false;
  const c16 = b[start + 16]! - 48;
  const c17 = b[start + 17]! - 48;
  const c18 = b[start + 18]! - 48;
  if (!(c16 >= 0 && c16 <= 9 && c17 >= 0 && c17 <= 9 && c18 >= 0 && c18 <= 9)) return false;
  scanned[0] = (value4(a0) * 10000 + value4(a1)) * 1e8 + (value4(a2) * 10000 + value4(a3));
  return true;
}

/**
 * Unsigned integer of 1 to 15 digits starting at p (exact) into `scanned[0]`; false if there is no digit or more than 15.
 * `at` = the first byte after the digits.
 */
function uint(b: Uint8Array, p: number): boolean {
  let v = digitRun(p);
  let n = runDigits;
  let i = at;
  let c = b[i]! - 48;
  while (c >= 0 && c <= 9) {
    if (n === 15) return false; // 16 digits or more: the full scanner decides
    v = v * 10 + c;
    n++;
    c = b[++i]! - 48;
  }
  if (n === 0) return false;
  at = i;
  scanned[0] = v;
  return true;
}

/**
 * The decimal in the JSON string whose opening quote is at p: digits, optionally '.' and digits, then the
 * closing quote; at most 9 integer and 9 fraction digits and 15 in all, into `scanned[0]`. false for anything else. `at` = the
 * closing quote.
 */
function decimal(b: Uint8Array, p: number): boolean {
  let ip = digitRun(p + 1);
  let n = runDigits;
  let i = at;
  let c = b[i]! - 48;
  while (c >= 0 && c <= 9) {
    if (n === 9) return false;
    ip = ip * 10 + c;
    n++;
    c = b[++i]! - 48;
  }
  if (n === 0) return false;
  if (c === QUOTE - 48) {
    at = i;
    scanned[0] = ip;
    return true;
  }
  if (c !== 46 - 48) return false;
  let fp = digitRun(i + 1);
  let k = runDigits;
  i = at;
  c = b[i]! - 48;
  while (c >= 0 && c <= 9) {
    if (k === 9) return false;
    fp = fp * 10 + c;
    k++;
    c = b[++i]! - 48;
  }
  if (k === 0 || c !== QUOTE - 48 || n + k > 15) return false;
  at = i;
  const scale = POW10[k]!;
  // ip·10^k + fp is the exact mantissa (below 10^15): the same division the full scanner makes
  // (and exactly ip when fp is 0).
  if (fp === 0) scanned[0] = ip;
  else scanned[0] = (ip * scale + fp) / scale;
  return true;
}

/** Position of the closing quote of the string opening at p, or -1 if it holds an escape or runs past end. */
function plainStringEnd(b: Uint8Array, p: number, end: number): number {
  let i = p + 1;
  // Four bytes at a time while none of them is a quote or a backslash (a zero byte of x ^ 0x22222222 or x ^ 0x5c5c5c5c).
  while (i + 4 <= end) {
    const x = dv.getInt32(i, true);
    const q = x ^ 0x22222222;
    const e = x ^ 0x5c5c5c5c;
    if ((((q - 0x01010101) & ~q) | ((e - 0x01010101) & ~e)) & 0x80808080) break;
    i += 4;
  }
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === QUOTE) return i;
    if (c === BACKSLASH) return -1;
  }
  return -1;
}

/** Bytes to compare against, with their whole 32-bit little-endian words. */
interface Spelling {
  bytes: Uint8Array;
  words: Int32Array;
}

function spelling(text: string): Spelling {
  const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
  const words = new Int32Array(bytes.length >> 2);
  const view = new DataView(bytes.buffer);
  for (let w = 0; w < words.length; w++) words[w] = view.getInt32(w * 4, true);
  return { bytes, words };
}

const STREAM = spelling('"stream":"');
const DATA = spelling('","data":{');
const DEPTH_UPDATE = spelling('depthUpdate"');
const BOOK_TICKER = spelling('bookTicker"');
const TRADE = spelling('trade"');

/** True if b[p, p + text's length) holds the bytes of text (whole words compared four bytes at a time). */
function spells(b: Uint8Array, p: number, text: Spelling): boolean {
  const t = text.bytes;
  if (p + t.length > len) return false;
  const w = text.words;
  for (let k = 0; k < w.length; k++) if (dv.getInt32(p + 4 * k, true) !== w[k]) return false;
  for (let i = w.length * 4; i < t.length; i++) if (b[p + i] !== t[i]) return false;
  return true;
}

/** Levels `[["price","size"],...]` opening at p, staged on `side`; position after the closing ']' or -1. */
function levels(m: CompactFields, b: Uint8Array, p: number, side: number): number {
  let i = p + 1;
  if (b[i] === RBRACKET) return i + 1;
  for (;;) {
    if (b[i] !== LBRACKET || b[i + 1] !== QUOTE) return -1;
    if (!decimal(b, i + 1)) return -1;
    const price = scanned[0]!;
    i = at;
    if (b[i + 1] !== COMMA || b[i + 2] !== QUOTE) return -1;
    if (!decimal(b, i + 2)) return -1;
    const size = scanned[0]!;
    i = at;
    if (b[i + 1] !== RBRACKET || !(price > 0) || !(size >= 0)) return -1;
    const n = m.nLevels;
    if (n === m.lvSide.length) return -1; // the full scanner grows its arrays
    m.lvSide[n] = side;
    m.lvPrice[n] = price;
    m.lvSize[n] = size;
    m.nLevels = n + 1;
    const c = b[i + 2];
    if (c === RBRACKET) return i + 3;
    if (c !== COMMA) return -1;
    i += 3;
  }
}

// One bit per key, so a repeated key (which the full scanner resolves its own way) is left to it.
const K_E = 1;
const K_BIG_E = 2;
const K_BIG_T = 4;
const K_S = 8;
const K_BIG_U = 16;
const K_U = 32;
const K_PU = 64;
const K_T = 128;
const K_P = 256;
const K_Q = 512;
const K_M = 1024;
const K_BIG_M = 2048;
const K_X = 4096;
const K_B = 8192;
const K_BIG_B = 16384;
const K_A = 32768;
const K_BIG_A = 65536;

/** `"?":` as a little-endian 32-bit word, the key byte masked out. */
const KEY_1 = QUOTE | (QUOTE << 16) | (COLON << 24);

/** The object `{"k":v,...}` opening at p; position after its '}', or -1. */
function body(m: CompactFields, b: Uint8Array, p: number, end: number): number {
  let seen = 0;
  let i = p + 1;
  for (;;) {
    // `"k":` in one 32-bit load where the bytes are there.
    const w = i + 4 <= len ? dv.getInt32(i, true) : 0;
    let k: number;
    let v: number;
    let bit: number;
    if ((w & 0xffff00ff) === KEY_1) {
      k = (w >> 8) & 0xff;
      v = i + 4;
    } else if (b[i] !== QUOTE) return -1;
    else if ((k = b[i + 1]!) === 112 && b[i + 2] === 117 && b[i + 3] === QUOTE && b[i + 4] === COLON) {
      // pu
      if ((seen & K_PU) !== 0) return -1;
      seen |= K_PU;
      if (!uint(b, i + 5)) return -1;
      m.mpu = scanned[0]!;
      i = at;
      const d = b[i];
      if (d === COMMA) {
        i++;
        continue;
      }
      return d === RBRACE ? i + 1 : -1;
    } else return -1;
    const c = b[v];
    let x: number;
    switch (k) {
      case 101: // e
        bit = K_E;
        if (c !== QUOTE) return -1;
        // The first letter picks the one name to compare against.
        if (b[v + 1] === 100 && spells(b, v + 1, DEPTH_UPDATE)) m.kind = KIND_DEPTH;
        else if (b[v + 1] === 98 && spells(b, v + 1, BOOK_TICKER)) m.kind = KIND_BOOK_TICKER;
        else if (b[v + 1] === 116 && spells(b, v + 1, TRADE)) m.kind = KIND_TRADE;
        else return -1;
        i = v + (m.kind === KIND_DEPTH ? 13 : m.kind === KIND_BOOK_TICKER ? 12 : 7);
        break;
      case 69: // E
        bit = K_BIG_E;
        if (!uint(b, v)) return -1;
        x = scanned[0]!;
        m.mE = x;
        i = at;
        break;
      case 84: // T
        bit = K_BIG_T;
        if (!uint(b, v)) return -1;
        x = scanned[0]!;
        m.mT = x;
        i = at;
        break;
      case 85: // U
        bit = K_BIG_U;
        if (!uint(b, v)) return -1;
        x = scanned[0]!;
        m.mU = x;
        i = at;
        break;
      case 117: // u
        bit = K_U;
        if (!uint(b, v)) return -1;
        x = scanned[0]!;
        m.mu = x;
        i = at;
        break;
      case 116: // t
        bit = K_T;
        if (!uint(b, v)) return -1;
        x = scanned[0]!;
        m.mt = x;
        i = at;
        break;
      case 115: {
        // s
        bit = K_S;
        if (c !== QUOTE) return -1;
        const q = plainStringEnd(b, v, end);
        if (q < 0) return -1;
        m.symStart = v + 1;
        m.symEnd = q;
        i = q + 1;
        break;
      }
      case 112: // p
        bit = K_P;
        if (c !== QUOTE) return -1;
        if (!decimal(b, v)) return -1;
        x = scanned[0]!;
        m.mp = x;
        i = at + 1;
        break;
      case 113: // q
        bit = K_Q;
        if (c !== QUOTE) return -1;
        if (!decimal(b, v)) return -1;
        x = scanned[0]!;
        m.mq = x;
        i = at + 1;
        break;
      case 109: // m
      case 77: // M (the full scanner skips it; only the literal is read here)
        bit = k === 109 ? K_M : K_BIG_M;
        if (c === 116 && b[v + 1] === 114 && b[v + 2] === 117 && b[v + 3] === 101) {
          if (k === 109) m.mm = true;
          i = v + 4;
        } else if (c === 102 && b[v + 1] === 97 && b[v + 2] === 108 && b[v + 3] === 115 && b[v + 4] === 101) {
          if (k === 109) m.mm = false;
          i = v + 5;
        } else return -1;
        break;
      case 88: {
        // X (skipped by the full scanner)
        bit = K_X;
        if (c !== QUOTE) return -1;
        const q = plainStringEnd(b, v, end);
        if (q < 0) return -1;
        i = q + 1;
        break;
      }
      case 98: // b: depth bids or the best bid price
        bit = K_B;
        if (c === LBRACKET) i = levels(m, b, v, 1);
        else if (c === QUOTE) {
          if (!decimal(b, v)) return -1;
          x = scanned[0]!;
          m.bidP = x;
          i = at + 1;
        } else return -1;
        if (i < 0) return -1;
        break;
      case 97: // a: depth asks or the best ask price
        bit = K_A;
        if (c === LBRACKET) i = levels(m, b, v, -1);
        else if (c === QUOTE) {
          if (!decimal(b, v)) return -1;
          x = scanned[0]!;
          m.askP = x;
          i = at + 1;
        } else return -1;
        if (i < 0) return -1;
        break;
      case 66: // B
        bit = K_BIG_B;
        if (c !== QUOTE) return -1;
        if (!decimal(b, v)) return -1;
        x = scanned[0]!;
        m.bidQ = x;
        i = at + 1;
        break;
      case 65: // A
        bit = K_BIG_A;
        if (c !== QUOTE) return -1;
        if (!decimal(b, v)) return -1;
        x = scanned[0]!;
        m.askQ = x;
        i = at + 1;
        break;
      default:
        return -1;
    }
    if ((seen & bit) !== 0) return -1;
    seen |= bit;
    const d = b[i];
    if (d === COMMA) {
      i++;
      continue;
    }
    return d === RBRACE ? i + 1 : -1;
  }
}

/**
 * Read the compact message b[p, end) into m (whose fields the caller has reset) if it has the layout
 * above; false (m partly written) if not, and the full scanner must read it.
 */
export function scanCompact(m: CompactFields, b: Uint8Array, p: number, end: number): boolean {
  if (b[p] !== LBRACE || b[p + 1] !== QUOTE) return false;
  dv = viewOf(m, b);
  len = b.length;
  let ok: boolean;
  if (b[p + 2] === 115 && spells(b, p + 1, STREAM)) {
    // {"stream":"...","data":{...}}
    const q = plainStringEnd(b, p + 10, end);
    if (q < 0 || !spells(b, q, DATA)) ok = false;
    else {
      const e = body(m, b, q + 9, end);
      ok = e > 0 && e + 1 === end && b[e] === RBRACE;
    }
  } else ok = body(m, b, p, end) === end;
  dv = NO_BYTES; // the buffer is not kept past the call
  len = 0;
  return ok;
}
