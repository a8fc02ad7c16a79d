// Byte-level scanner of one Binance message (stream envelope, depthUpdate, trade, aggTrade, bookTicker, REST snapshot) into flat fields.
import * as scan from './json-scan.js';
import { ScanError } from './json-scan.js';
import * as text from './text-scan.js';
import { scanCompact } from './binance-compact-scan.js';

// Local bindings: module namespace lookups cost a getter call per use under some loaders.
const { bytesEqual, skipValue, skipWs, stringEnd } = scan;
const { parseNumber } = text;

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** End (closing quote) of the last string read by quotedDecimal. */
let qEnd = 0;

/**
 * The number in the JSON string starting at the quote at p, in one pass: plain decimals of up to 15
 * significant digits are exact (one correctly rounded division, as parseFloat); anything else goes
 * through the general parser. NaN if it is not a number.
 */
function quotedDecimal(b: Uint8Array, p: number, end: number): number {
  // Integer digits, then fraction digits: no per-digit test of which part we are in.
  let i = p + 1;
  let mant = 0;
  let c = b[i]!;
  while (c >= 48 && c <= 57) {
    mant = mant * 10 + (c - 48);
    c = b[++i]!;
  }
  const intDigits = i - p - 1;
  let frac = 0;
  if (c === 46) {
    const f0 = ++i;
    c = b[i]!;
    while (c >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      c = b[++i]!;
    }
    frac = i - f0;
  }
  const digits = intDigits + frac;
  if (c === 34 && i < end && digits > 0 && digits <= 15) {
    qEnd = i;
    return frac > 0 ? mant / POW10[frac]! : mant;
  }
  qEnd = stringEnd(b, p, end);
  return parseNumber(b, p + 1, qEnd);
}

export const KIND_NONE = 0;
export const KIND_DEPTH = 1;
export const KIND_TRADE = 2;
export const KIND_AGG_TRADE = 3;
export const KIND_BOOK_TICKER = 4;
export const KIND_OTHER = 5;

/**
 * Reads the fields the converter needs from one JSON object, in any key order, without allocating:
 * numbers into doubles (NaN = absent), levels into reused typed arrays, the symbol as a byte range.
 * Malformed input throws ScanError.
 */
export class BinanceMessageScanner {
  /** Try the positional reader of compact messages first (off only to compare both paths). */
  constructor(readonly compactFastPath = true) {}

  kind = KIND_NONE;
  mE = Number.NaN;
  mT = Number.NaN;
  mU = Number.NaN;
  mu = Number.NaN;
  mpu = Number.NaN;
  mt = Number.NaN;
  mp = Number.NaN;
  mq = Number.NaN;
  mm = false;
  mLast = Number.NaN;
  bidP = Number.NaN;
  bidQ = Number.NaN;
  askP = Number.NaN;
  askQ = Number.NaN;
  symStart = -1;
  symEnd = -1;
  nLevels = 0;
  lvSide = new Int8Array(4096);
  lvPrice = new Float64Array(4096);
  lvSize = new Float64Array(4096);
  view: DataView | null = null;
  viewOf: Uint8Array | null = null;

  /** Scan the JSON object starting at or after p (whitespace allowed) and ending exactly at end. */
  scan(b: Uint8Array, p: number, end: number): void {
    this.reset();
    if (this.compactFastPath && scanCompact(this, b, p, end)) return;
    // Not the compact layout (or not one of its messages): the full scanner reads it from a clean slate.
    if (this.compactFastPath) this.reset();
    p = skipWs(b, p, end);
    if (b[p] !== 123) throw new ScanError('expected a JSON object', p);
    p = skipWs(b, this.parseObject(b, p, end), end);
    if (p !== end) throw new ScanError('trailing bytes after the JSON object', p);
  }

  private reset(): void {
    this.kind = KIND_NONE;
    this.mE = this.mT = this.mU = this.mu = this.mpu = this.mt = this.mp = this.mq = this.mLast = Number.NaN;
    this.bidP = this.bidQ = this.askP = this.askQ = Number.NaN;
    this.mm = false;
    this.symStart = this.symEnd = -1;
    this.nLevels = 0;
  }

  private parseObject(b: Uint8Array, p: number, end: number): number {
    p++; // '{'
    for (;;) {
      p = skipWs(b, p, end);
      if (b[p] === 125) return p + 1;
      if (b[p] !== 34) throw new ScanError('expected a key', p);
      const k0 = p + 1;
      const k1 = stringEnd(b, p, end);
      p = skipWs(b, k1 + 1, end);
      if (b[p] !== 58) throw new ScanError("expected ':'", p);
      p = skipWs(b, p + 1, end);
      p = this.parseValue(b, k0, k1, p, end);
      p = skipWs(b, p, end);
      const c = b[p];
      if (c === 44) {
        p++;
        continue;
      }
      if (c === 125) return p + 1;
      throw new ScanError("expected ',' or '}'", p);
    }
  }

  private parseValue(b: Uint8Array, k0: number, k1: number, p: number, end: number): number {
    const len = k1 - k0;
    const v = b[p];
    if (len === 1) {
      switch (b[k0]) {
        case 101: // e
          if (v === 34) {
            const q = stringEnd(b, p, end);
            // The length picks the one name to compare against.
            switch (q - p - 1) {
              case 11:
                this.kind = bytesEqual(b, p + 1, q, 'depthUpdate') ? KIND_DEPTH : KIND_OTHER;
                break;
              case 5:
                this.kind = bytesEqual(b, p + 1, q, 'trade') ? KIND_TRADE : KIND_OTHER;
                break;
              case 8:
                this.kind = bytesEqual(b, p + 1, q, 'aggTrade') ? KIND_AGG_TRADE : KIND_OTHER;
                break;
              case 10:
                this.kind = bytesEqual(b, p + 1, q, 'bookTicker') ? KIND_BOOK_TICKER : KIND_OTHER;
                break;
              default:
                this.kind = KIND_OTHER;
            }
            return q + 1;
          }
          // Not a string: no event type (a repeated key counts as JSON.parse reads it, the last one).
          this.kind = KIND_NONE;
          break;
        case 69: // E
          return this.intField(b, p, end, 0);
        case 84: // T
          return this.intField(b, p, end, 1);
        case 85: // U
          return this.intField(b, p, end, 2);
        case 117: // u
          return this.intField(b, p, end, 3);
        case 116: // t
          return this.intField(b, p, end, 4);
        case 115: // s
          if (v === 34) {
            const q = stringEnd(b, p, end);
            this.symStart = p + 1;
            this.symEnd = q;
            return q + 1;
          }
          this.symStart = this.symEnd = -1;
          break;
        case 112: // p
          if (v === 34) return this.strNum(b, p, end, 0);
          break;
        case 113: // q
          if (v === 34) return this.strNum(b, p, end, 1);
          break;
        case 109: // m
          if (v === 116 || v === 102) {
            const q = skipValue(b, p, end);
            this.mm = v === 116;
            if (!bytesEqual(b, p, q, this.mm ? 'true' : 'false')) throw new ScanError('expected true or false', p);
            return q;
          }
          this.mm = false;
          break;
        case 98: // b: depth bids, or bookTicker best bid price
          if (v === 91) return this.levels(b, p, end, 1);
          if (v === 34) return this.strNum(b, p, end, 2);
          break;
        case 66: // B
          if (v === 34) return this.strNum(b, p, end, 3);
          break;
        case 97: // a: depth asks, bookTicker best ask price, or aggTrade id
          if (v === 91) return this.levels(b, p, end, -1);
          if (v === 34) return this.strNum(b, p, end, 4);
          return this.intField(b, p, end, 4);
        case 65: // A
          if (v === 34) return this.strNum(b, p, end, 5);
          break;
        default:
          break;
      }
    } else if (len === 2 && b[k0] === 112 && b[k0 + 1] === 117) {
      return this.intField(b, p, end, 5); // pu
    } else if (len === 4) {
      if (v === 123 && bytesEqual(b, k0, k1, 'data')) return this.parseObject(b, p, end);
      if (v === 91 && bytesEqual(b, k0, k1, 'bids')) return this.levels(b, p, end, 1);
      if (v === 91 && bytesEqual(b, k0, k1, 'asks')) return this.levels(b, p, end, -1);
    } else if (len === 12 && bytesEqual(b, k0, k1, 'lastUpdateId')) {
      return this.intField(b, p, end, 6);
    }
    return skipValue(b, p, end);
  }

  /** An integer value read in one pass; anything but digits up to the next delimiter is refused. */
  private intField(b: Uint8Array, p: number, end: number, which: number): number {
    let q = p;
    const neg = b[q] === 45;
    if (neg) q++;
    const first = q;
    let v = 0;
    for (; q < end; q++) {
      const c = b[q]! - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
    }
    if (q < end) {
      const d = b[q];
      if (d !== 44 && d !== 125 && d !== 93 && d !== 32 && d !== 10 && d !== 13 && d !== 9) throw new ScanError('expected an integer', p);
    }
    if (q === first || v > Number.MAX_SAFE_INTEGER) throw new ScanError('expected an integer', p);
    const x = neg ? -v : v;
    switch (which) {
      case 0:
        this.mE = x;
        break;
      case 1:
        this.mT = x;
        break;
      case 2:
        this.mU = x;
        break;
      case 3:
        this.mu = x;
        break;
      case 4:
        this.mt = x;
        break;
      case 5:
        this.mpu = x;
        break;
      default:
        this.mLast = x;
    }
    return q;
  }

  private strNum(b: Uint8Array, p: number, end: number, which: number): number {
    const x = quotedDecimal(b, p, end);
    const q = qEnd;
    if (!Number.isFinite(x)) throw new ScanError('expected a finite decimal string', p);
    switch (which) {
      case 0:
        this.mp = x;
        break;
      case 1:
        this.mq = x;
        break;
      case 2:
        this.bidP = x;
        break;
      case 3:
        this.bidQ = x;
        break;
      case 4:
        this.askP = x;
        break;
      default:
        this.askQ = x;
    }
    return q + 1;
  }

  private levels(b: Uint8Array, p: number, end: number, side: number): number {
    p = skipWs(b, p + 1, end);
    if (b[p] === 93) return p + 1;
    for (;;) {
      if (b[p] !== 91) throw new ScanError("expected '[' of a level", p);
      p = skipWs(b, p + 1, end);
      if (b[p] !== 34) throw new ScanError('expected a price string', p);
      const price = quotedDecimal(b, p, end);
      p = skipWs(b, qEnd + 1, end);
      if (b[p] !== 44) throw new ScanError("expected ',' in a level", p);
      p = skipWs(b, p + 1, end);
      if (b[p] !== 34) throw new ScanError('expected a size string', p);
      const size = quotedDecimal(b, p, end);
      p = skipWs(b, qEnd + 1, end);
      // Extra fields in a level (some venues add them) are skipped.
      while (b[p] === 44) p = skipWs(b, skipValue(b, skipWs(b, p + 1, end), end), end);
      if (b[p] !== 93) throw new ScanError("expected ']' of a level", p);
      if (!(price > 0 && price < Infinity) || !(size >= 0 && size < Infinity)) throw new ScanError('level price or size is not a finite number', p);
      this.stage(side, price, size);
      p = skipWs(b, p + 1, end);
      if (b[p] === 44) {
        p = skipWs(b, p + 1, end);
        continue;
      }
      if (b[p] === 93) return p + 1;
      throw new ScanError("expected ',' or ']' in levels", p);
    }
  }

  private stage(side: number, price: number, size: number): void {
    const i = this.nLevels;
    if (i === this.lvSide.length) {
      const grow = <T extends Int8Array | Float64Array>(a: T, make: (n: number) => T): T => {
        const n = make(a.length * 2);
        n.set(a);
        return n;
      };
      this.lvSide = grow(this.lvSide, (n) => new Int8Array(n));
      this.lvPrice = grow(this.lvPrice, (n) => new Float64Array(n));
      this.lvSize = grow(this.lvSize, (n) => new Float64Array(n));
    }
    this.lvSide[i] = side;
    this.lvPrice[i] = price;
    this.lvSize[i] = size;
    this.nLevels = i + 1;
  }
}
