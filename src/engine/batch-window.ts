// A window over a stream of event batches read by several cursors at once, holding only the batches between them.
import { allocEvents, type EventColumns } from '../market/index.js';

/** A reader's position: batch `seq`, row `i` in it, `row0` the global row number of the batch's row 0. */
export interface BatchCursor {
  seq: number;
  i: number;
  row0: number;
  /** The batch at `seq` (undefined: past the end of the stream). */
  b: EventColumns | undefined;
}

/**
 * The tick backtest reads one stream with several cursors (the venue's book rows, the venue's trades at
 * their trade time, the trading side at its local time) that are never far apart. A reader may reuse a
 * batch's memory for the next one, so before pulling a new batch every held batch still in use is copied
 * into memory of our own — only the rows at or after the earliest cursor in it (usually a few hundred
 * milliseconds of data). A copy starts at row 0, so the cursors in it move back by the rows dropped;
 * after any `advance`, every cursor's `b`, `i` and `row0` may have changed.
 */
export class BatchWindow {
  private readonly held: EventColumns[] = [];
  private readonly owned: boolean[] = [];
  private readonly rowBase: number[] = [];
  private readonly pool: EventColumns[] = [];
  private firstSeq = 0;
  private nextRow0 = 0;
  private sourceDone = false;
  private readonly source: Iterator<EventColumns>;
  readonly cursors: BatchCursor[] = [];
  /** Most batches held at once (streaming keeps this small whatever the stream's length). */
  maxHeld = 0;

  constructor(source: Iterable<EventColumns>) {
    this.source = source[Symbol.iterator]();
  }

  /** A new cursor at the first row of the stream. */
  cursor(): BatchCursor {
    const c: BatchCursor = { seq: 0, i: 0, row0: 0, b: undefined };
    c.b = this.get(0);
    this.cursors.push(c);
    return c;
  }

  /** Move `c` to the start of its next batch (its `b` is undefined past the end), then drop batches no cursor needs. */
  advance(c: BatchCursor): void {
    const b = this.get(c.seq + 1);
    if (b === undefined) {
      c.i = c.b === undefined ? 0 : c.b.length;
      c.b = undefined;
      return;
    }
    c.seq++;
    c.i = 0;
    c.b = b;
    c.row0 = this.rowBase[c.seq - this.firstSeq]!;
    let min = Number.POSITIVE_INFINITY;
    for (const k of this.cursors) if (k.b !== undefined && k.seq < min) min = k.seq;
    while (this.firstSeq < min && this.held.length > 0) {
      const h = this.held.shift()!;
      this.rowBase.shift();
      if (this.owned.shift()) this.pool.push(h);
      this.firstSeq++;
    }
  }

  /** Batch number `seq`, pulling from the source as needed; undefined past the end. */
  private get(seq: number): EventColumns | undefined {
    while (seq - this.firstSeq >= this.held.length && !this.sourceDone) {
      for (let j = 0; j < this.held.length; j++) {
        if (this.owned[j]) continue;
        const s = this.firstSeq + j;
        const h = this.held[j]!;
        let from = h.length;
        for (const c of this.cursors) {
          if (c.b === undefined) continue;
          if (c.seq === s && c.i < from) from = c.i;
          else if (c.seq < s) from = 0; // it will read this batch from its start
        }
        const copy = this.own(h, from);
        this.held[j] = copy;
        this.owned[j] = true;
        this.rowBase[j] = this.rowBase[j]! + from;
        for (const c of this.cursors) {
          if (c.seq !== s || c.b === undefined) continue;
          c.i -= from;
          c.row0 += from;
          c.b = copy;
        }
      }
      const r = this.source.next();
      if (r.done) this.sourceDone = true;
      else if (r.value.length > 0) {
        this.held.push(r.value);
        this.owned.push(false);
        this.rowBase.push(this.nextRow0);
        this.nextRow0 += r.value.length;
        if (this.held.length > this.maxHeld) this.maxHeld = this.held.length;
      }
    }
    return this.held[seq - this.firstSeq];
  }

  /** Rows [from, length) of `b` copied into an owned buffer from row 0. */
  private own(b: EventColumns, from: number): EventColumns {
    const n = b.length - from;
    let o = this.pool.pop();
    if (o === undefined || o.type.length < n) o = allocEvents(Math.max(n, 4096));
    const to = b.length;
    o.type.set(b.type.subarray(from, to));
    o.side.set(b.side.subarray(from, to));
    o.flags.set(b.flags.subarray(from, to));
    o.tsExchange.set(b.tsExchange.subarray(from, to));
    o.tsLocal.set(b.tsLocal.subarray(from, to));
    o.publishDelay.set(b.publishDelay.subarray(from, to));
    o.price.set(b.price.subarray(from, to));
    o.size.set(b.size.subarray(from, to));
    o.id.set(b.id.subarray(from, to));
    o.length = n;
    return o;
  }
}
