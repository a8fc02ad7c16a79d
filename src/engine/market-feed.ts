// The market-feed port of the realtime loop: rows of normalized events as they arrive, and the feed's health.
import type { Micros } from '../core/index.js';
import type { EventColumns } from '../market/index.js';

/** Fault counters of a feed, reported in every iteration line. */
export interface FeedStats {
  reconnects: number;
  resyncs: number;
  gaps: number;
  retries: number;
  rateLimited: number;
  errors: number;
}

export interface FeedNote {
  ts: Micros;
  kind: string;
  reason: string;
}

export function emptyFeedStats(): FeedStats {
  return { reconnects: 0, resyncs: 0, gaps: 0, retries: 0, rateLimited: 0, errors: 0 };
}

/**
 * Live (websocket, REST polling) or replayed market data. Rows carry `tsLocal` stamped on receipt by
 * the loop's clock and the venue's own `tsExchange`. A feed never throws for a network fault: it
 * reconnects, retries or backs off by itself and says so in `connected`, `stats` and its notes; a
 * resync after a gap or a reconnect arrives as a snapshot (first row flagged SnapshotStart).
 */
export interface MarketFeed {
  readonly kind: string;
  readonly connected: boolean;
  readonly stats: FeedStats;
  start(): Promise<void>;
  /** Rows received since the last call, waiting at most `timeoutMs` for some; undefined once the feed has ended. */
  next(timeoutMs: number): Promise<EventColumns | undefined>;
  /** Reconnects, gaps, resyncs and backoffs since the last call. */
  drainNotes(): FeedNote[];
  close(): Promise<void>;
}
