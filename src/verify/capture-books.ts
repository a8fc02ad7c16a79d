// The order book a raw Binance capture showed at given exchange times, rebuilt from its messages alone (for verify-fills: never the simulator's book).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { UserError } from '../core/index.js';

/** Prices as integer keys (1e-8 steps): the capture's decimal strings and a run's printed prices meet there. */
export const priceKey = (p: number): number => Math.round(p * 1e8);

/** The book as shown at one time: the depth ladder, with the last bookTicker as the touch while it is newer. */
export interface ShownBook {
  /** Size shown at `price` on `side` (+1 bids, −1 asks). */
  shownQty(side: number, price: number): number;
  /** Best price shown on `side` (NaN: none). */
  best(side: number): number;
}

interface Bbo {
  bid: number;
  bidQty: number;
  ask: number;
  askQty: number;
  u: number;
}

/**
 * Replays the capture's depth snapshot, depth diffs and bookTickers in file order (Binance's local-book
 * rules: diffs before the snapshot buffered, those at or below its `lastUpdateId` dropped; spot diffs
 * continue with `U = previous u + 1`, futures diffs with `pu = previous u`; a break leaves the book
 * unknown until the next snapshot). A bookTicker is the touch while its update id is at least the last
 * depth message's and its bid is below its ask: nothing better than it is shown on its side, its size
 * at its price. Each message's exchange time: `T`, else `E` (depth, snapshot), `E`, else `T`
 * (bookTicker); without either, the local receive time plus the last depth message's E − local offset.
 *
 * `times` (ascending, exchange µs) are answered in order: the book after every message before the first
 * one stamped later than the time (a command at time t meets the rows up to t, not those after).
 * `answer` gets `undefined` where the book is not known (before the snapshot, after a break).
 */
export function booksAt(captures: readonly string[], times: readonly number[], answer: (k: number, book: ShownBook | undefined) => void): { messages: number; breaks: number } {
  const bids = new Map<number, number>();
  const asks = new Map<number, number>();
  let bbo: Bbo | undefined;
  let lastU = Number.NaN;
  let synced = false;
  let fresh = false;
  let offset = Number.NaN;
  let buffered: { U: number; u: number; pu: number; b: [string, string][]; a: [string, string][] }[] = [];
  let messages = 0;
  let breaks = 0;
  let q = 0;

  const bboActive = (): boolean => bbo !== undefined && bbo.u >= lastU && bbo.bid < bbo.ask;
  const ladderBest = (side: number): number => {
    let best = Number.NaN;
    for (const [k, v] of side > 0 ? bids : asks) if (v > 0 && (best !== best || (side > 0 ? k > best : k < best))) best = k;
    return best;
  };
  const view: ShownBook = {
    shownQty(side, price) {
      const k = priceKey(price);
      if (bboActive()) {
        const b = bbo!;
        if (side > 0 && k === b.bid) return b.bidQty;
        if (side > 0 && k > b.bid) return 0;
        if (side < 0 && k === b.ask) return b.askQty;
        if (side < 0 && k < b.ask) return 0;
      }
      return (side > 0 ? bids : asks).get(k) ?? 0;
    },
    best(side) {
      if (bboActive()) return (side > 0 ? bbo!.bid : bbo!.ask) / 1e8;
      const k = ladderBest(side);
      return k === k ? k / 1e8 : Number.NaN;
    },
  };
  const until = (t: number): void => {
    while (q < times.length && times[q]! < t) answer(q++, synced ? view : undefined);
  };
  const levels = (into: Map<number, number>, rows: readonly [string, string][]): void => {
    for (const [p, s] of rows) {
      const qty = Number(s);
      if (qty > 0) into.set(priceKey(Number(p)), qty);
      else into.delete(priceKey(Number(p)));
    }
  };
  const applyDiff = (d: { U: number; u: number; pu: number; b: [string, string][]; a: [string, string][] }): void => {
    const futures = d.pu === d.pu;
    if (futures && fresh ? d.u < lastU : d.u <= lastU) return;
    const continues = futures ? d.pu === lastU || (fresh && d.U <= lastU) : fresh ? d.U <= lastU + 1 : d.U === lastU + 1;
    if (!continues) {
      breaks++;
      synced = false;
      return;
    }
    levels(bids, d.b);
    levels(asks, d.a);
    lastU = d.u;
    fresh = false;
  };

  for (const path of captures) {
    forEachCaptureLine(path, (local, body, line) => {
      // Trades do not change the book: skip them unparsed.
      if (!body.includes('"e":"trade"')) {
        let msg: Record<string, unknown>;
        try {
          msg = JSON.parse(body) as Record<string, unknown>;
        } catch {
          throw new UserError(`${path}:${line}: not a capture line (<local_ns> <json>)`);
        }
        const d = (msg['data'] ?? msg) as Record<string, unknown>;
        const num = (k: string): number => (typeof d[k] === 'number' ? (d[k] as number) : Number.NaN);
        const at = (first: string, second: string): number => {
          const ms = num(first) === num(first) ? num(first) : num(second);
          return ms === ms ? ms * 1000 : offset === offset ? local + offset : local;
        };
        if (d['e'] === 'depthUpdate') {
          messages++;
          if (num('E') === num('E')) offset = num('E') * 1000 - local;
          until(at('T', 'E'));
          const diff = { U: num('U'), u: num('u'), pu: num('pu'), b: d['b'] as [string, string][], a: d['a'] as [string, string][] };
          if (synced) applyDiff(diff);
          else {
            buffered.push(diff);
            if (buffered.length > 10_000) buffered.shift();
          }
        } else if (d['e'] === 'bookTicker' || (d['e'] === undefined && typeof d['b'] === 'string' && typeof d['u'] === 'number')) {
          messages++;
          until(at('T', 'E')); // its transaction time T (futures), as a depth message's; E can be ~110 ms later
          bbo = { bid: priceKey(Number(d['b'])), bidQty: Number(d['B']), ask: priceKey(Number(d['a'])), askQty: Number(d['A']), u: num('u') };
        } else if (Array.isArray(d['bids']) && typeof d['lastUpdateId'] === 'number') {
          messages++;
          until(at('T', 'E'));
          bids.clear();
          asks.clear();
          levels(bids, d['bids'] as [string, string][]);
          levels(asks, d['asks'] as [string, string][]);
          lastU = d['lastUpdateId'] as number;
          synced = true;
          fresh = true;
          const pending = buffered;
          buffered = [];
          for (const x of pending) if (synced) applyDiff(x);
        }
      }
    });
  }
  while (q < times.length) answer(q++, synced ? view : undefined);
  return { messages, breaks };
}

/**
 * Each line of a Binance capture (`<local_ns> <json>`, gzip or plain): its local time in µs, the JSON text and
 * its line number (for messages). Lines without the two fields are passed over. `wholeMicros`: the local time in
 * whole µs as a converter reads it (the nanoseconds' last three digits dropped), not the nanoseconds / 1000.
 */
export function forEachCaptureLine(path: string, each: (localUs: number, body: string, line: number) => void, wholeMicros = false): void {
  let buf = readFileSync(path);
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  const text = buf.toString('utf8');
  let start = 0;
  let line = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    line++;
    const sp = text.indexOf(' ', start);
    if (wholeMicros) {
      if (sp > start + 3 && sp < end) each(Number(text.slice(start, sp - 3)), text.slice(sp + 1, end), line);
    } else if (sp > start && sp < end) each(Number(text.slice(start, sp)) / 1000, text.slice(sp + 1, end), line);
    start = end + 1;
  }
}

/**
 * A stretch of a replay with the book unknown: the depth stream broke (a gap) and no snapshot had resynced
 * it yet. In exchange time, as the venue meets the rows (book rows in file order, each trade at its trade
 * time, a trade first at equal times): a trade printed in (`from`, `to`] met an unknown book, and so did a
 * command that reached the venue in [`from`, `to`). `from` and `to` are the latest exchange time of the
 * book rows up to the gap and up to the end of the resyncing snapshot (+∞: none came).
 */
export interface GapWindow {
  from: number;
  to: number;
  /** Where the break showed: `file:line` of the message, or the event file's row. */
  at: string;
}

export interface BookGaps {
  windows: GapWindow[];
  /** Exchange time of the last book row (where a window still open at the end is measured to). */
  lastBookTs: number;
}

/**
 * The gaps of the market a run replayed: raw Binance captures are read with JSON.parse and Binance's sync
 * rules applied here (spot: the first diff after a snapshot covers `lastUpdateId + 1`, then `U` = previous
 * `u` + 1; futures: the first has `U ≤ lastUpdateId ≤ u`, then `pu` = previous `u`), with each book message
 * at the exchange time a converted file gives it (depth `T`, else `E`; bookTicker `E`, else `T`; a snapshot
 * `T`, else `E`; without one, the local time plus the latest exchange − local offset of a depth or trade
 * message); event files (`.arrow`) by their gap rows (type 5) and snapshot rows.
 */
export function bookGapsOf(captures: readonly string[]): BookGaps {
  const raw = captures.filter((c) => !c.endsWith('.arrow'));
  const files = captures.filter((c) => c.endsWith('.arrow'));
  // The raw captures state the market; event files are read only when no raw capture is given.
  return raw.length > 0 ? gapsOfRawCaptures(raw) : gapsOfEventFiles(files);
}

interface Diff {
  U: number;
  u: number;
  pu: number;
  ts: number;
  rows: number;
  at: string;
}

function gapsOfRawCaptures(paths: readonly string[]): BookGaps {
  const windows: GapWindow[] = [];
  let open: GapWindow | undefined;
  let synced = false;
  let fresh = false;
  let lastU = Number.NaN;
  let buffered: Diff[] = [];
  let offset = Number.NaN;
  // Exchange times of rows estimated before any offset was known: set once the first offset comes.
  let early: number[] = [];
  // The latest exchange time of the book rows so far, in file order.
  let top = Number.NEGATIVE_INFINITY;
  const book = (ts: number): void => {
    if (ts > top) top = ts;
  };
  const noteOffset = (exchangeUs: number, local: number): void => {
    if (offset !== offset) for (const l of early) book(l + exchangeUs - local);
    early = [];
    offset = exchangeUs - local;
  };
  const estimate = (local: number): number => {
    if (offset === offset) return local + offset;
    early.push(local);
    return Number.NEGATIVE_INFINITY;
  };
  const apply = (d: Diff): void => {
    const futures = d.pu === d.pu;
    if (futures && fresh ? d.u < lastU : d.u <= lastU) return;
    const continues = futures ? d.pu === lastU || (fresh && d.U <= lastU) : fresh ? d.U <= lastU + 1 : d.U === lastU + 1;
    if (!continues) {
      book(d.ts);
      open = { from: top, to: Number.POSITIVE_INFINITY, at: d.at };
      windows.push(open);
      synced = false;
      buffered = [d];
      return;
    }
    lastU = d.u;
    fresh = false;
    if (d.rows > 0) book(d.ts);
  };
  for (const path of paths) {
    forEachCaptureLine(path, (local, body, line) => {
      if (body.includes('"e":"trade"') || body.includes('"e":"aggTrade"')) {
        // A trade is no book row; its E moves the offset estimated times are made with.
        const m = /"E":(\d+)/.exec(body);
        if (m !== null) noteOffset(Number(m[1]) * 1000, local);
        return;
      }
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(body) as Record<string, unknown>;
      } catch {
        throw new UserError(`${path}:${line}: not a capture line (<local_ns> <json>)`);
      }
      const d = (msg['data'] ?? msg) as Record<string, unknown>;
      const num = (k: string): number => (typeof d[k] === 'number' ? (d[k] as number) : Number.NaN);
      const first = (a: string, b: string): number => (num(a) === num(a) ? num(a) * 1000 : num(b) === num(b) ? num(b) * 1000 : Number.NaN);
      if (d['e'] === 'depthUpdate') {
        if (num('E') === num('E')) noteOffset(num('E') * 1000, local);
        const rows = (Array.isArray(d['b']) ? d['b'].length : 0) + (Array.isArray(d['a']) ? d['a'].length : 0);
        const diff: Diff = { U: num('U'), u: num('u'), pu: num('pu'), ts: first('T', 'E'), rows, at: `${path}:${line}` };
        if (synced) apply(diff);
        else {
          buffered.push(diff);
          if (buffered.length > 10_000) buffered.shift();
        }
      } else if (d['e'] === 'bookTicker' || (d['e'] === undefined && typeof d['b'] === 'string' && typeof d['u'] === 'number')) {
        const ts = first('T', 'E'); // the transaction time (futures), as a depth message's
        book(ts === ts ? ts : estimate(local));
      } else if (Array.isArray(d['bids']) && typeof d['lastUpdateId'] === 'number') {
        const L = d['lastUpdateId'] as number;
        if (synced && L <= lastU) return; // older than the book: skipped
        const ts = first('T', 'E');
        book(ts === ts ? ts : estimate(local));
        if (open !== undefined) {
          open.to = top;
          open = undefined;
        }
        synced = true;
        fresh = true;
        lastU = L;
        const pending = buffered;
        buffered = [];
        for (const x of pending) {
          if (synced) apply(x);
          else buffered.push(x);
        }
      }
    }, true);
  }
  return { windows, lastBookTs: top };
}

/** The columns of a normalized event file (Arrow IPC), read by name; a file that is not one is a one-line refusal. */
export function eventFileColumns(path: string): (name: string) => ArrayLike<number> {
  const arrow = createRequire(import.meta.url)('apache-arrow') as typeof import('apache-arrow');
  let table: import('apache-arrow').Table;
  try {
    table = arrow.tableFromIPC(readFileSync(path));
  } catch (e) {
    throw new UserError(`${path}: not an Arrow event file (${e instanceof Error ? e.message : String(e)})`);
  }
  return (name) => {
    const c = table.getChild(name);
    if (c === null) throw new UserError(`${path}: column ${name} missing (not a marketmakerl event file)`);
    return c.toArray() as ArrayLike<number>;
  };
}

function gapsOfEventFiles(paths: readonly string[]): BookGaps {
  const windows: GapWindow[] = [];
  let open: GapWindow | undefined;
  let top = Number.NEGATIVE_INFINITY;
  for (const path of paths) {
    const col = eventFileColumns(path);
    const type = col('type');
    const flags = col('flags');
    const ts = col('tsExchange');
    for (let i = 0; i < type.length; i++) {
      const t = type[i]!;
      if (t === 3) continue; // trades are no book rows
      if (ts[i]! > top) top = ts[i]!;
      if (t === 5 && open === undefined) {
        open = { from: top, to: Number.POSITIVE_INFINITY, at: `${path} row ${i + 1}` };
        windows.push(open);
      } else if (t === 1 && (flags[i]! & 1) !== 0 && open !== undefined) {
        open.to = top;
        open = undefined;
      }
    }
  }
  return { windows, lastBookTs: top };
}
