// The compact fast path against the full scanner: the same fields on every real line, the same refusal on fuzzed and malformed ones, byte-identical Arrow files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BinanceMessageScanner } from './binance-message-scan.js';
import { scanCompact } from './binance-compact-scan.js';
import { parseIntRange } from './json-scan.js';
import { BinanceCaptureParser } from './binance-capture.js';
import { convertCaptureToArrow } from './capture-convert.js';
import { CAPTURE_DIR, SHARED_DATA } from '../../test/fixtures/shared-data.js';

const SPOT = ['btcusdt_20240808.gz', 'btcusdt_20240809.gz'].map((f) => join(CAPTURE_DIR, f));
const USDM = join(SHARED_DATA, 'binance-l2-trades-hftbacktest-20240808', 'usdm', 'btcusdt_20240808.gz');

/** The JSON part of every line of a capture file, as bytes. */
function jsonLines(path: string): Uint8Array[] {
  const text = gunzipSync(readFileSync(path));
  const out: Uint8Array[] = [];
  let p = 0;
  for (;;) {
    const nl = text.indexOf(10, p);
    if (nl < 0) break;
    out.push(text.subarray(text.indexOf(32, p) + 1, nl));
    p = nl + 1;
  }
  return out;
}

/** Everything a scan leaves behind: the fields, or the error it threw. */
function outcome(sc: BinanceMessageScanner, b: Uint8Array, end = b.length): string {
  try {
    sc.scan(b, 0, end);
  } catch (e) {
    const err = e as Error & { at?: number };
    return `${err.name}: ${err.message} @${err.at}`;
  }
  const lv: string[] = [];
  for (let i = 0; i < sc.nLevels; i++) lv.push(`${sc.lvSide[i]}:${Object.is(sc.lvPrice[i], -0) ? '-0' : sc.lvPrice[i]}:${sc.lvSize[i]}`);
  const f = [sc.kind, sc.mE, sc.mT, sc.mU, sc.mu, sc.mpu, sc.mt, sc.mp, sc.mq, sc.mm, sc.mLast, sc.bidP, sc.bidQ, sc.askP, sc.askQ, sc.symStart, sc.symEnd];
  return `${f.join(',')}|${lv.join(';')}`;
}

const fast = new BinanceMessageScanner(true);
const full = new BinanceMessageScanner(false);

test('every line of the real spot and USD-M captures: the compact path reads what the full scanner reads, and takes nearly all of them', () => {
  for (const path of [...SPOT, USDM]) {
    const lines = jsonLines(path);
    let compact = 0;
    const probe = new BinanceMessageScanner(false);
    for (let i = 0; i < lines.length; i++) {
      const b = lines[i]!;
      const a = outcome(fast, b);
      const want = outcome(full, b);
      if (a !== want) assert.equal(a, want, `${path}:${i + 1}`);
      probe.nLevels = 0;
      if (scanCompact(probe, b, 0, b.length)) compact++;
    }
    // Only the REST snapshots (one or none per file) are left to the full scanner.
    assert.ok(compact >= lines.length - 2, `${path}: ${compact} of ${lines.length} lines on the compact path`);
  }
});

/** A seeded generator (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const enc = new TextEncoder();
// Bytes that change a JSON reading: digits, signs, exponents, structure, whitespace, escapes, letters of literals and keys.
const NASTY = enc.encode('0123456789-+.eE"\\,:{}[] \t\nnulltruefalse0xsSuUpPbBaAmMtTE\u00ff');

test('fuzzed lines (bytes replaced, inserted, deleted, duplicated; truncated): refused with the same error or read to the same fields', () => {
  const r = rng(20);
  const samples: Uint8Array[] = [];
  for (const path of [SPOT[0]!, USDM]) {
    const lines = jsonLines(path);
    // A spread of shapes: depth, trade, bookTicker, and the snapshot lines.
    for (let i = 0; i < lines.length; i += 251) samples.push(lines[i]!);
  }
  let differentFromOriginal = 0;
  let refused = 0;
  let n = 0;
  const check = (b: Uint8Array, what: string): void => {
    const a = outcome(fast, b);
    const want = outcome(full, b);
    if (a !== want) assert.equal(a, want, `${what}: ${Buffer.from(b).toString('latin1')}`);
    if (a.startsWith('ScanError')) refused++;
    n++;
  };
  for (const line of samples) {
    const orig = outcome(full, line);
    for (let k = 0; k < 12; k++) {
      const b = Array.from(line);
      const at = Math.floor(r() * b.length);
      const op = Math.floor(r() * 5);
      const nasty = NASTY[Math.floor(r() * NASTY.length)]!;
      if (op === 0) b[at] = nasty;
      else if (op === 1) b.splice(at, 0, nasty);
      else if (op === 2) b.splice(at, 1);
      else if (op === 3) b.splice(at, 0, ...b.slice(at, at + 1 + Math.floor(r() * 24)));
      else b.length = at;
      const m = Uint8Array.from(b);
      check(m, `op ${op} at ${at}`);
      if (outcome(full, m) !== orig) differentFromOriginal++;
    }
    // The line inside a larger buffer: bytes after the end must not be read as part of it.
    const wide = new Uint8Array(line.length + 8);
    wide.set(line);
    wide.set(enc.encode(',"x":1}}'), line.length);
    for (const cut of [line.length, line.length - 1, line.length - 2]) {
      assert.equal(outcome(fast, wide, cut), outcome(full, wide, cut), `cut at ${cut} of ${line.length}`);
    }
  }
  // The fuzz did change readings and did produce refusals, so the comparison above was not vacuous.
  assert.ok(refused > n / 4 && differentFromOriginal > n / 2, `${refused} refused, ${differentFromOriginal} changed, of ${n}`);
});

test('integers of 1 to 20 digits (local times, ids): exact below 2^53, refused from 2^53 on, as BigInt reads them', () => {
  const r = rng(53);
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  const texts = ['9007199254740991', '9007199254740992', '9007199254740993', '-9007199254740991', '000000000000000012', '1723161253937085', '99999999999999999', '1e5', '-', '12a4'];
  for (let k = 0; k < 5000; k++) {
    const n = 1 + Math.floor(r() * 20);
    let t = r() < 0.1 ? '-' : '';
    for (let i = 0; i < n; i++) t += String(Math.floor(r() * 10));
    texts.push(t);
  }
  for (const t of texts) {
    const b = enc.encode(t);
    const ok = /^-?[0-9]+$/.test(t);
    const big = ok ? BigInt(t) : 0n;
    const want = !ok || big > max || -big > max ? Number.NaN : Number(big);
    assert.ok(Object.is(parseIntRange(b, 0, b.length), want) || parseIntRange(b, 0, b.length) === want, t);
  }
});

test('local times: the 19-digit shortcut reads what the general reading does, and refuses what it refuses', () => {
  const msg = ' {"e":"trade","E":1723161255343,"s":"BTCUSDT","t":1,"p":"1","q":"2","m":true}';
  /** tsLocal of one line, or the error it raises. */
  const read = (time: string): string => {
    let ts = Number.NaN;
    const p = new BinanceCaptureParser((c) => (ts = c.tsLocal[0]!));
    p.beginFile('t');
    try {
      const b = enc.encode(time + msg);
      p.line(b, 0, b.length);
      p.finish();
    } catch (e) {
      return (e as Error).message;
    }
    return String(ts);
  };
  const times = ['1723161254087896568', '9007199254740991999', '9007199254740992000', '9999999999999999999', '0000000000000000001', '172316125408789656x', '-723161254087896568', '17231612540878965', '01723161254087896568', '1723161254087896568 '];
  const r = rng(19);
  for (let k = 0; k < 300; k++) times.push(String(Math.floor(r() * 1e9)).padStart(9, '0') + String(Math.floor(r() * 1e10)).padStart(10, '0'));
  for (const t of times) {
    // The general reading: the same digits behind a leading zero (20 digits), which the shortcut never takes.
    const general = t.length === 19 && /^[0-9]+$/.test(t) ? read('0' + t) : null;
    const got = read(t);
    if (general !== null) assert.equal(got, general, t);
    if (/^[0-9]{19}$/.test(t)) {
      const us = BigInt(t) / 1000n;
      assert.equal(got, us > BigInt(Number.MAX_SAFE_INTEGER) ? 't:1: malformed or truncated capture line (local time is not an integer at column 1)' : String(Number(us)), t);
    }
  }
  assert.match(read('172316125408789656x'), /local time is not an integer/);
  assert.equal(read('01723161254087896568'), '1723161254087896');
});

test('hand-made edge cases read as the full scanner reads them', () => {
  const cases = [
    '{"e":"trade","E":1,"s":"X","t":9007199254740991,"p":"1.5","q":"2","m":true}',
    '{"e":"trade","E":1,"s":"X","t":9007199254740992,"p":"1.5","q":"2","m":true}',
    '{"e":"trade","E":123456789012345,"s":"X","t":1234567890123456,"p":"1.5","q":"2","m":false}',
    '{"e":"trade","E":-5,"s":"X","t":1,"p":"123456789.123456","q":"0.000000001","m":false}',
    '{"e":"trade","E":5,"s":"X","t":1,"p":"1234567890.12345","q":"0.0000000001","m":false}',
    '{"e":"trade","E":5,"s":"X","t":1,"p":"1e3","q":".5","m":false}',
    '{"e":"trade","E":5,"s":"X","t":1,"p":"1.","q":"00.50","m":false}',
    '{"e":"trade","E":5,"E":6,"s":"X","t":1,"p":"1","q":"2","m":false}',
    '{"e":"trade","E":5,"s":"X\\"Y","t":1,"p":"1","q":"2","m":false}',
    '{"e":"aggTrade","E":5,"s":"X","a":7,"p":"1","q":"2","m":false}',
    '{"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"b":[],"a":[]}',
    '{"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"b":[["0","1"]],"a":[]}',
    '{"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"b":[["1","-0"]],"a":[]}',
    '{"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"b":[["1","2","3"]],"a":[]}',
    '{"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"b":[["1","2"]],"b":[["3","4"]]}',
    '{"stream":"x","data":{"u":1,"s":"X","b":"1","B":"2","a":"3","A":"4"}}',
    '{"stream":"x","data":{"u":1,"s":"X","b":"1","B":"2","a":"3","A":"4"}} ',
    '{"stream":"x","data":{"u":1,"s":"X","b":"1","B":"2","a":"3","A":"4"},"x":1}',
    '{"stream":"x","data":{"u":1,"s":"X","b":"1","B":"2","a":"3","A":"4"}',
    '{"stream":"x","data":{"u":1,"s":"X","b":"1","B":"2","a":"3","A":"4","M":tru}}',
    '{"data":{"u":1,"s":"X","b":"1","B":"2","a":"3","A":"4"},"stream":"x"}',
    '{"e":"bookTicker","u":1,"s":"X","b":"1","B":"2","a":"3","A":"4","T":5,"E":6,"pu":7}',
    '{"e":"bookTicker","u":1,"s":"X","b":"1","B":"2","a":"3","A":"4","T":5,"E":6,"pu":-7}',
    '{"e":"markPriceUpdate","E":1,"s":"X","p":"1"}',
    '{"e":"trade","E":1,"s":"X","t":1,"p":"1","q":"2","m":true,"X":"MARKET","M":false}',
    '{}',
    '',
  ];
  for (const c of cases) {
    const b = enc.encode(c);
    assert.equal(outcome(fast, b), outcome(full, b), c);
  }
});

test('convert: the whole spot and USD-M captures give byte-identical Arrow files with and without the compact path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'compact-scan-'));
  try {
    for (const [name, files] of [['spot', SPOT], ['usdm', [USDM]]] as const) {
      const a = join(dir, `${name}-fast.arrow`);
      const b = join(dir, `${name}-full.arrow`);
      const ra = await convertCaptureToArrow(files, a);
      const rb = await convertCaptureToArrow(files, b, { compactFastPath: false });
      assert.deepStrictEqual(ra, rb);
      assert.ok(ra.rows > 400_000, `${name}: ${ra.rows} rows`);
      assert.ok(readFileSync(a).equals(readFileSync(b)), `${name}: the Arrow files differ`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
