// A market feed that also records what it hands out: the rows a session received, as it received them.
import type { EventColumns } from '../market/index.js';
import type { FeedNote, FeedStats, MarketFeed } from './market-feed.js';

/** Where the rows go (a `SessionRecording`); it copies them at once. */
export interface RowSink {
  append(cols: EventColumns): void;
}

/**
 * Wraps a feed without changing it: every chunk `next` returns is appended to the sink before the session
 * sees it, so the recording holds exactly the rows, local times included, that the session handled.
 */
export class RecordingFeed implements MarketFeed {
  constructor(
    private readonly inner: MarketFeed,
    private readonly sink: RowSink,
  ) {}

  get kind(): string {
    return this.inner.kind;
  }
  get connected(): boolean {
    return this.inner.connected;
  }
  get stats(): FeedStats {
    return this.inner.stats;
  }
  /** The wrapped feed's backlog, when it has one (the paper loop reports it). */
  get backlog(): (() => number) | undefined {
    const b = (this.inner as { backlog?: () => number }).backlog;
    return b === undefined ? undefined : () => b.call(this.inner);
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  async next(timeoutMs: number): Promise<EventColumns | undefined> {
    const rows = await this.inner.next(timeoutMs);
    if (rows !== undefined && rows.length > 0) this.sink.append(rows);
    return rows;
  }

  drainNotes(): FeedNote[] {
    return this.inner.drainNotes();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
