// A streaming k-way merge of several event streams (one per market) into one stream ordered by time.
import { UserError } from '../core/index.js';
import { allocEvents, type EventColumns } from '../market/index.js';
import { copyEvents } from './event-buffer.js';
import { eventBatchesOf } from './event-source.js';

/** A batch of the merged stream: the rows, and for each row its source (index in the list) and its row number there. */
export interface MergedEvents extends EventColumns {
  source: Uint8Array;
  row: Float64Array;
}

export interface MergeOptions {
  /** Rows per merged batch (default 65 536). A merged batch is valid until the next one is read. */
  batchRows?: number;
  /** Which clock orders the rows: the local receive time (default: what one process sees) or exchange time. */
  clock?: 'local' | 'exchange';
}

/** The most sources one merge takes (a row's source is a byte). */
export const MAX_MERGE_SOURCES = 255;

interface Head {
  it: Iterator<EventColumns>;
  b: EventColumns | undefined;
  i: number;
  /** Rows of this source before batch `b`. */
  row0: number;
}

/**
 * Merge streams by time. The rule, which makes the result a function of the inputs alone:
 * 1. the row with the smallest time goes first (local time by default);
 * 2. at equal times, the row of the earlier source (the order of the files on the command line, of
 *    `markets:` in the config);
 * 3. rows of one source are never reordered (a file whose local clock steps back keeps its order; the
 *    merge compares the heads of the sources only).
 * Streaming: each source holds one batch of its own reader, the output one batch of `batchRows`, so
 * memory does not grow with the files' length. `stats.maxRowsHeld` says how many rows were held at once.
 */
export function* mergeEventStreams(sources: readonly Iterable<EventColumns>[], o: MergeOptions = {}, stats: { maxRowsHeld: number } = { maxRowsHeld: 0 }): Generator<MergedEvents> {
  const k = sources.length;
  if (k === 0) return;
  if (k > MAX_MERGE_SOURCES) throw new UserError(`a merge takes at most ${MAX_MERGE_SOURCES} event streams, got ${k}`);
  const cap = Math.max(1, Math.floor(o.batchRows ?? 65_536));
  const local = (o.clock ?? 'local') === 'local';
  const heads: Head[] = sources.map((s) => ({ it: s[Symbol.iterator](), b: undefined, i: 0, row0: 0 }));
  const next = (h: Head): void => {
    const rows = h.b === undefined ? 0 : h.b.length;
    for (;;) {
      const r = h.it.next();
      if (r.done) {
        h.b = undefined;
        return;
      }
      h.row0 += rows;
      if (r.value.length > 0) {
        h.b = r.value;
        h.i = 0;
        return;
      }
    }
  };
  for (const h of heads) next(h);
  const out = allocEvents(cap) as MergedEvents;
  out.source = new Uint8Array(cap);
  out.row = new Float64Array(cap);
  const keyOf = (h: Head): number => (local ? h.b!.tsLocal[h.i]! : h.b!.tsExchange[h.i]!);

  for (;;) {
    // The head that goes first, and the bound up to which it may run alone: the best other head's time
    // (inclusive when that head's source comes later, exclusive when earlier).
    let s = -1;
    let sk = 0;
    for (let j = 0; j < k; j++) {
      const h = heads[j]!;
      if (h.b === undefined) continue;
      const t = keyOf(h);
      if (s < 0 || t < sk) (s = j), (sk = t);
    }
    if (s < 0) break;
    let bound = Number.POSITIVE_INFINITY;
    let inclusive = true;
    for (let j = 0; j < k; j++) {
      const h = heads[j]!;
      if (j === s || h.b === undefined) continue;
      const t = keyOf(h);
      if (t < bound || (t === bound && j < s)) (bound = t), (inclusive = j > s);
    }
    const h = heads[s]!;
    const b = h.b!;
    const ts = local ? b.tsLocal : b.tsExchange;
    let e = h.i + 1;
    const lim = Math.min(b.length, h.i + (cap - out.length));
    if (inclusive) while (e < lim && ts[e]! <= bound) e++;
    else while (e < lim && ts[e]! < bound) e++;
    const n = e - h.i;
    copyEvents(b, h.i, out, out.length, n);
    out.source.fill(s, out.length, out.length + n);
    for (let r = 0; r < n; r++) out.row[out.length + r] = h.row0 + h.i + r;
    out.length += n;
    h.i = e;
    if (out.length === cap) {
      held(heads, cap, stats);
      yield out;
      out.length = 0;
    }
    if (h.i === b.length) next(h);
  }
  if (out.length > 0) {
    held(heads, cap, stats);
    yield out;
  }
}

function held(heads: readonly Head[], cap: number, stats: { maxRowsHeld: number }): void {
  let n = cap;
  for (const h of heads) n += h.b?.length ?? 0;
  if (n > stats.maxRowsHeld) stats.maxRowsHeld = n;
}

/** Event files (or raw captures), merged by time in the order given (see `mergeEventStreams`). */
export function mergeEventFiles(paths: readonly string[], o: MergeOptions = {}, stats?: { maxRowsHeld: number }): Generator<MergedEvents> {
  return mergeEventStreams(paths.map((p) => eventBatchesOf(p)), o, stats);
}
