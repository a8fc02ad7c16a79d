// A MarketFeed that replays recorded normalized events on the wall clock (paced or as fast as possible), with injectable faults.
import type { Micros } from '../core/index.js';
import { EventFlag, allocEvents, type EventColumns } from '../market/index.js';
import { emptyFeedStats, type FeedNote, type MarketFeed } from './market-feed.js';

export interface ReplayFeedOptions {
  /** The loop's wall clock, µs. */
  clock: () => Micros;
  /** Replay speed against the recording's local time; Infinity: as fast as the loop takes rows. */
  speed: number;
  /** Rows handed out per call at most. */
  maxRows?: number;
  /** Wait between polls while paced, ms (tests use a small value). */
  pollMs?: number;
}

/**
 * Rows are copied out message by message (a message ends at an EndOfMessage row) and restamped:
 * `tsLocal` = the clock on delivery; `tsExchange` keeps its spacing, shifted to the replay's start.
 * Faults for tests: `freeze()` stops delivery while connected; `disconnect()` drops the link until
 * `reconnect()`, which resyncs from the last snapshot of the recording before going on.
 */
export class ReplayFeed implements MarketFeed {
  readonly kind = 'replay';
  connected = true;
  readonly stats = emptyFeedStats();
  private cursor = 0;
  private frozen = false;
  private out: EventColumns;
  private readonly notes: FeedNote[] = [];
  private dataStart = Number.NaN;
  private wallStart = Number.NaN;
  private exShift = 0;
  private lastSnapshot = -1;
  private resyncFrom = -1;

  constructor(
    private readonly events: EventColumns,
    private readonly opts: Readonly<ReplayFeedOptions>,
  ) {
    this.out = allocEvents(Math.max(opts.maxRows ?? 4096, 4096));
  }

  get done(): boolean {
    return this.cursor >= this.events.length;
  }

  async start(): Promise<void> {
    this.wallStart = this.opts.clock();
    this.dataStart = this.events.length > 0 ? this.events.tsLocal[0]! : 0;
    this.exShift = this.wallStart - (this.events.length > 0 ? this.events.tsExchange[0]! : 0);
  }

  freeze(on = true): void {
    this.frozen = on;
  }

  disconnect(): void {
    this.connected = false;
    this.notes.push({ ts: this.opts.clock(), kind: 'disconnect', reason: 'replay link dropped' });
  }

  reconnect(): void {
    this.connected = true;
    this.stats.reconnects++;
    this.stats.resyncs++;
    this.resyncFrom = this.lastSnapshot;
    this.notes.push({ ts: this.opts.clock(), kind: 'reconnect', reason: 'replay link restored; book resynced from a snapshot' });
  }

  async next(timeoutMs: number): Promise<EventColumns | undefined> {
    if (this.done) return undefined;
    const deadline = this.opts.clock() + timeoutMs * 1000;
    for (;;) {
      const n = this.connected && !this.frozen ? this.take() : 0;
      if (n > 0 || this.opts.clock() >= deadline) {
        this.out.length = n;
        return this.out;
      }
      await new Promise((r) => setTimeout(r, this.opts.pollMs ?? 5));
    }
  }

  /** Copy whole messages that are due into `out`; returns the row count. */
  private take(): number {
    const ev = this.events;
    let cap = Math.min(this.out.type.length, this.opts.maxRows ?? this.out.type.length);
    const now = this.opts.clock();
    const due = this.opts.speed === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : this.dataStart + (now - this.wallStart) * this.opts.speed;
    let n = 0;
    if (this.resyncFrom >= 0) n = this.copySnapshot(this.resyncFrom, now);
    let i = this.cursor;
    let msgStart = i;
    while (i < ev.length && ev.tsLocal[i]! <= due) {
      if ((ev.flags[i]! & EventFlag.SnapshotStart) !== 0) this.lastSnapshot = i;
      if (n + (i - msgStart) + 1 > cap) {
        if (n > 0) break;
        // One message larger than the buffer (a deep snapshot): grow rather than stall.
        this.out = allocEvents(this.out.type.length * 2);
        cap = this.out.type.length;
      }
      if ((ev.flags[i]! & EventFlag.EndOfMessage) !== 0 || i === ev.length - 1) {
        n = this.copy(msgStart, i + 1, n, now);
        msgStart = i + 1;
      }
      i++;
    }
    this.cursor = msgStart;
    return n;
  }

  private copySnapshot(from: number, now: Micros): number {
    this.resyncFrom = -1;
    const ev = this.events;
    let end = from;
    while (end < ev.length && (ev.flags[end]! & EventFlag.EndOfMessage) === 0) end++;
    return this.copy(from, Math.min(end + 1, ev.length), 0, now);
  }

  private copy(from: number, to: number, at: number, now: Micros): number {
    const ev = this.events;
    const o = this.out;
    for (let i = from; i < to && at < o.type.length; i++, at++) {
      o.type[at] = ev.type[i]!;
      o.side[at] = ev.side[i]!;
      o.flags[at] = ev.flags[i]!;
      o.tsExchange[at] = ev.tsExchange[i]! + this.exShift;
      o.tsLocal[at] = now;
      o.publishDelay[at] = ev.publishDelay[i]!;
      o.price[at] = ev.price[i]!;
      o.size[at] = ev.size[i]!;
      o.id[at] = ev.id[i]!;
    }
    return at;
  }

  /** Rows already due by the clock but not yet handed out: the loop's backlog (0 when it keeps up). */
  backlog(): number {
    const ev = this.events;
    if (this.opts.speed === Number.POSITIVE_INFINITY) return ev.length - this.cursor;
    const due = this.dataStart + (this.opts.clock() - this.wallStart) * this.opts.speed;
    let lo = this.cursor;
    let hi = ev.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ev.tsLocal[mid]! <= due) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.cursor;
  }

  drainNotes(): FeedNote[] {
    return this.notes.splice(0, this.notes.length);
  }

  async close(): Promise<void> {
    this.cursor = this.events.length;
  }
}
