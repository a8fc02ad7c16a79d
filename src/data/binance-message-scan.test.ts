// The byte scanner of Binance messages against JSON.parse: every line of the real captures, fuzzed decimals, any key order, truncated and mutated lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BinanceMessageScanner, KIND_AGG_TRADE, KIND_BOOK_TICKER, KIND_DEPTH, KIND_NONE, KIND_OTHER, KIND_TRADE } from './binance-message-scan.js';
import { ScanError } from './json-scan.js';
import { CAPTURE_DIR, SHARED_DATA } from '../../test/fixtures/shared-data.js';

const SPOT = ['btcusdt_20240808.gz', 'btcusdt_20240809.gz'].map((f) => join(CAPTURE_DIR, f));
const USDM = join(SHARED_DATA, 'binance-l2-trades-hftbacktest-20240808', 'usdm', 'btcusdt_20240808.gz');

/** The JSON part of every line of a capture file (`<local_ns> <json>`), as strings. */
function jsonLines(path: string): string[] {
  const text = gunzipSync(readFileSync(path)).toString('latin1');
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.slice(l.indexOf(' ') + 1));
}

type Level = [side: number, price: number, size: number];
interface Fields {
  kind: number;
  E: number;
  T: number;
  U: number;
  u: number;
  pu: number;
  t: number;
  p: number;
  q: number;
  m: boolean;
  lastUpdateId: number;
  bidP: number;
  bidQ: number;
  askP: number;
  askQ: number;
  symbol: string | null;
  levels: Level[];
}

const enc = new TextEncoder();

/** What the scanner read from one JSON text. */
function scanned(json: string, sc = new BinanceMessageScanner()): Fields {
  const b = enc.encode(json);
  sc.scan(b, 0, b.length);
  const levels: Level[] = [];
  for (let i = 0; i < sc.nLevels; i++) levels.push([sc.lvSide[i]!, sc.lvPrice[i]!, sc.lvSize[i]!]);
  return {
    kind: sc.kind,
    E: sc.mE,
    T: sc.mT,
    U: sc.mU,
    u: sc.mu,
    pu: sc.mpu,
    t: sc.mt,
    p: sc.mp,
    q: sc.mq,
    m: sc.mm,
    lastUpdateId: sc.mLast,
    bidP: sc.bidP,
    bidQ: sc.bidQ,
    askP: sc.askP,
    askQ: sc.askQ,
    symbol: sc.symStart < 0 ? null : Buffer.from(b.subarray(sc.symStart, sc.symEnd)).toString('latin1'),
    levels,
  };
}

const KINDS: Record<string, number> = { depthUpdate: KIND_DEPTH, trade: KIND_TRADE, aggTrade: KIND_AGG_TRADE, bookTicker: KIND_BOOK_TICKER };
const num = (v: unknown): number => (v === undefined ? Number.NaN : Number(v));

/** The same fields read independently: JSON.parse, then Number() of each decimal string. */
function expected(json: string): Fields {
  const o = JSON.parse(json) as Record<string, unknown>;
  const d = (typeof o['data'] === 'object' && o['data'] !== null ? o['data'] : o) as Record<string, unknown>;
  const levels: Level[] = [];
  // Levels in the order their keys come (JSON.parse keeps the order of non-numeric keys).
  for (const k of Object.keys(d)) {
    const side = k === 'b' || k === 'bids' ? 1 : k === 'a' || k === 'asks' ? -1 : 0;
    if (side === 0 || !Array.isArray(d[k])) continue;
    for (const [px, sz] of d[k] as string[][]) levels.push([side, Number(px), Number(sz)]);
  }
  const e = d['e'];
  // The trade id: `t`, or aggTrade's numeric `a` (the later key wins, as for any field read twice).
  let t = Number.NaN;
  for (const k of Object.keys(d)) if (k === 't' || (k === 'a' && typeof d[k] === 'number')) t = Number(d[k]);
  return {
    // An `e` that is not a string names no event type.
    kind: typeof e !== 'string' ? KIND_NONE : (KINDS[e] ?? KIND_OTHER),
    E: num(d['E']),
    T: num(d['T']),
    U: num(d['U']),
    u: num(d['u']),
    pu: num(d['pu']),
    t,
    p: num(d['p']),
    q: num(d['q']),
    m: d['m'] === true,
    lastUpdateId: num(d['lastUpdateId']),
    bidP: typeof d['b'] === 'string' ? Number(d['b']) : Number.NaN,
    bidQ: num(d['B']),
    askP: typeof d['a'] === 'string' ? Number(d['a']) : Number.NaN,
    askQ: num(d['A']),
    symbol: typeof d['s'] === 'string' ? d['s'] : null,
    levels,
  };
}

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

test('every line of the real spot and USD-M captures scans to exactly what JSON.parse and Number() read', () => {
  const sc = new BinanceMessageScanner();
  const seen = new Map<number, number>();
  let levels = 0;
  let tickers = 0;
  let snapshots = 0;
  for (const path of [...SPOT, USDM]) {
    const lines = jsonLines(path);
    assert.ok(lines.length > 40_000, `${path}: ${lines.length} lines`);
    lines.forEach((json, i) => {
      const got = scanned(json, sc);
      const want = expected(json);
      // One deepStrictEqual per line is slow on 190k lines: compare the cheap way, explain on failure.
      if (JSON.stringify(got) !== JSON.stringify(want) || !sameNumbers(got, want)) assert.deepStrictEqual(got, want, `${path}:${i + 1}`);
      seen.set(got.kind, (seen.get(got.kind) ?? 0) + 1);
      levels += got.levels.length;
      if (got.bidQ > 0) tickers++;
      if (got.lastUpdateId > 0) snapshots++;
    });
  }
  // The captures hold every message kind the converter reads (spot's bookTicker has no `e`; USD-M's has).
  assert.ok((seen.get(KIND_DEPTH) ?? 0) > 13_000 && (seen.get(KIND_TRADE) ?? 0) > 40_000 && (seen.get(KIND_BOOK_TICKER) ?? 0) > 60_000, JSON.stringify([...seen]));
  assert.ok(tickers > 130_000, `${tickers} best bid/ask messages`);
  assert.equal(snapshots, 2, 'the two REST snapshots');
  assert.ok(levels > 100_000, `${levels} levels`);
});

/** JSON.stringify turns NaN into null: check the NaNs (absent fields) sit in the same places. */
function sameNumbers(a: Fields, b: Fields): boolean {
  for (const k of Object.keys(a) as (keyof Fields)[]) {
    const x = a[k];
    const y = b[k];
    if (typeof x === 'number' && !Object.is(x, y)) return false;
  }
  return true;
}

test('quoted decimals: exactly Number() of the text when it is a finite number, refused otherwise (fuzzed)', () => {
  const r = rng(20);
  const alphabet = '0123456789012345678901234567890123456789..eE-+x ';
  // Spaces around the number are read as Number() reads them.
  const valid = /^ *[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)? *$/;
  const sc = new BinanceMessageScanner();
  let accepted = 0;
  for (let i = 0; i < 20_000; i++) {
    let s = '';
    const shape = r();
    if (shape < 0.6) {
      // Plausible decimals: up to 20 digits, a point anywhere, leading zeros.
      const n = 1 + Math.floor(r() * 20);
      const dot = Math.floor(r() * (n + 2)) - 1;
      for (let j = 0; j < n; j++) {
        if (j === dot) s += '.';
        s += String(Math.floor(r() * 10));
      }
      if (r() < 0.1) s += `e${r() < 0.5 ? '-' : ''}${Math.floor(r() * 400)}`;
    } else {
      const n = Math.floor(r() * 8);
      for (let j = 0; j < n; j++) s += alphabet[Math.floor(r() * alphabet.length)];
    }
    const json = `{"e":"trade","E":1,"s":"BTCUSDT","t":7,"p":"${s}","q":"1.5","T":1,"m":false}`;
    const want = Number(s);
    if (valid.test(s) && Number.isFinite(want)) {
      assert.equal(scanned(json, sc).p, want, `"${s}"`);
      accepted++;
    } else {
      assert.throws(() => scanned(json, sc), ScanError, `"${s}" must be refused`);
    }
  }
  assert.ok(accepted > 10_000, `${accepted} valid cases`);
});

test('prices of the real capture: the one-pass reading equals parseFloat for every level and trade', () => {
  // Independent of the scanner's number code: the text of each price and size, as the venue sent it.
  const texts = new Set<string>();
  for (const json of jsonLines(SPOT[0]!)) for (const m of json.matchAll(/"(\d+\.\d+)"/g)) texts.add(m[1]!);
  assert.ok(texts.size > 5_000, `${texts.size} distinct decimals`);
  const sc = new BinanceMessageScanner();
  for (const s of texts) {
    const got = scanned(`{"e":"trade","t":1,"p":"${s}","q":"${s}"}`, sc);
    assert.equal(got.p, parseFloat(s), s);
    assert.equal(got.q, parseFloat(s), s);
  }
});

test('key order, whitespace, escapes and unknown fields do not change what is read', () => {
  const r = rng(7);
  const sc = new BinanceMessageScanner();
  const lines = jsonLines(SPOT[0]!);
  // Every 40th line, and the snapshot: keys shuffled at every depth, indented, with unknown fields of every JSON type.
  const picked = lines.filter((l, i) => i % 40 === 0 || l.startsWith('{"lastUpdateId"'));
  const shuffle = (o: unknown): unknown => {
    if (Array.isArray(o)) return o.map(shuffle);
    if (typeof o !== 'object' || o === null) return o;
    const entries = Object.entries(o as Record<string, unknown>).map(([k, v]) => [k, shuffle(v)] as const);
    entries.push(['zz"odd\\key}', { nested: ['"]}', { e: 'depthUpdate', b: [['1', '2']] }], n: -1.5e-3, t: true, f: false, z: null }]);
    for (let i = entries.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [entries[i], entries[j]] = [entries[j]!, entries[i]!];
    }
    return Object.fromEntries(entries);
  };
  for (const json of picked) {
    const want = expected(json);
    const moved = JSON.stringify(shuffle(JSON.parse(json)), null, r() < 0.5 ? 2 : '\t');
    const got = scanned(`  \r\n${moved}\n `, sc);
    // A shuffled depth message may list asks before bids: compare levels as a set.
    const order = (l: Level[]): Level[] => [...l].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    assert.deepStrictEqual({ ...got, levels: order(got.levels) }, { ...want, levels: order(want.levels) });
  }
  assert.ok(picked.length > 1_000);
});

test('a truncated line never scans: every prefix of real messages is refused with a ScanError', () => {
  const lines = jsonLines(SPOT[0]!);
  const sc = new BinanceMessageScanner();
  const samples = [
    lines.find((l) => l.includes('"depthUpdate"'))!,
    lines.find((l) => l.includes('"e":"trade"'))!,
    lines.find((l) => l.includes('bookTicker'))!,
    lines.find((l) => l.startsWith('{"lastUpdateId"'))!,
  ];
  for (const json of samples) {
    const b = enc.encode(json);
    // The 40 kB snapshot: every 7th prefix; the others: every one.
    const step = b.length > 5_000 ? 7 : 1;
    for (let n = 0; n < b.length; n += step) {
      assert.throws(() => sc.scan(b, 0, n), ScanError, `prefix of ${n} bytes: ${json.slice(0, 60)}`);
    }
    sc.scan(b, 0, b.length); // the whole line still scans
  }
});

test('a corrupted byte: the scanner refuses it (ScanError) or reads the same fields JSON.parse does', () => {
  const r = rng(11);
  const lines = jsonLines(SPOT[1]!).filter((l) => l.length < 2_000);
  const sc = new BinanceMessageScanner();
  const junk = '0123456789"{}[],:.-eEtrufalsn \\x';
  let refused = 0;
  let agreed = 0;
  for (let i = 0; i < 20_000; i++) {
    const json = lines[Math.floor(r() * lines.length)]!;
    const at = Math.floor(r() * json.length);
    const bad = json.slice(0, at) + junk[Math.floor(r() * junk.length)] + json.slice(at + 1);
    let got: Fields;
    try {
      got = scanned(bad, sc);
    } catch (e) {
      assert.ok(e instanceof ScanError, `${bad}: ${String(e)}`);
      refused++;
      continue;
    }
    let want: Fields;
    try {
      want = expected(bad);
    } catch {
      continue; // JSON.parse refuses what the scanner skips (a value it does not read): no field to compare
    }
    // A key turned into another key of the object: which one counts is a matter of taste, not of reading.
    if (hasRepeatedKey(bad)) continue;
    if (Number.isNaN(want.p) && !Number.isNaN(got.p)) continue;
    assert.deepStrictEqual(got, want, bad);
    agreed++;
  }
  assert.ok(refused > 1_000 && agreed > 1_000, `${refused} refused, ${agreed} agreed`);
});

/** True if some object of this (valid) JSON text names a key twice. */
function hasRepeatedKey(json: string): boolean {
  // JSON.parse keeps the last of repeated keys: count keys in the text against the keys it kept.
  const inText = [...json.matchAll(/[{,]\s*"((?:[^"\\]|\\.)*)"\s*:/g)].length;
  let kept = 0;
  JSON.parse(json, function (this: unknown, k: string, v: unknown) {
    if (!Array.isArray(this) && k !== '') kept++;
    return v;
  });
  return inText !== kept;
}

test('values a double cannot hold are refused, not rounded: non-finite decimals, ids beyond 2^53, literals other than true/false', () => {
  const sc = new BinanceMessageScanner();
  const bad = [
    '{"e":"trade","t":1,"p":"1e400","q":"1"}',
    '{"e":"trade","t":1,"p":"1","q":"-1e999"}',
    '{"lastUpdateId":9007199254740993,"bids":[],"asks":[]}',
    '{"e":"depthUpdate","E":1,"U":1,"u":2,"b":[["1e999","1"]],"a":[]}',
    '{"e":"trade","t":1,"p":"1","q":"1","m":tru}',
    '{"e":"trade","t":1,"p":"1","q":"1","m":fals}',
    '{"e":"trade","t":1,"p":"1","q":"1","m":trueish}',
  ];
  for (const json of bad) assert.throws(() => scanned(json, sc), ScanError, json);
  // The largest exact integer still reads.
  assert.equal(scanned('{"lastUpdateId":9007199254740991,"bids":[],"asks":[]}', sc).lastUpdateId, 9007199254740991);
});
