// A MarketFeed over an exchange's market data (src/venues' ccxt boundary): websocket book and trades, REST polling as the fallback.
import { MICROS_PER_MS, type Micros } from '../core/index.js';
import { EventFlag, EventType, type EventColumns } from '../market/index.js';
import { EventBuffer } from '../data/index.js';
import { classifyCcxtError } from '../venues/ccxt/errors.js';
import type { MarketData } from '../venues/ccxt/market-data.js';
import type { BookLevel, OrderBookView, TradeView } from '../venues/ccxt/parse.js';
import { emptyFeedStats, type FeedNote, type MarketFeed } from './market-feed.js';

export interface CcxtFeedOptions {
  /** Unified symbol, already resolved against the exchange's markets. */
  symbol: string;
  clock: () => Micros;
  /** 'ws': ccxt pro watch methods; 'rest': polling. */
  mode: 'ws' | 'rest';
  /** Book levels per side kept and diffed. */
  depthLevels: number;
  /** REST polling interval, ms. */
  pollMs: number;
  /** Backoff after a fault: base and cap, ms; rate limits wait at least `rateLimitMs`. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  rateLimitMs: number;
  /** Jitter source in [0, 1) (injected: no Math.random below the loop). */
  random: () => number;
}

export const defaultCcxtFeedOptions = { depthLevels: 100, pollMs: 1_000, backoffBaseMs: 200, backoffMaxMs: 5_000, rateLimitMs: 1_000 } as const;

/**
 * The venue's book arrives as whole states (ccxt keeps it in sync from a snapshot and the diffs); we
 * turn consecutive states of the best `depthLevels` levels into delta rows, so that queue positions
 * on the paper venue move only where the book really changed. The first state and every state after a
 * reconnect or a sequence gap go out as a snapshot instead, after a gap row (the book unknown until then).
 * Faults never escape: network errors and
 * timeouts are retried with exponential backoff and jitter, rate limits back off longer, a sequence gap
 * (ccxt's InvalidNonce) makes ccxt resubscribe from a fresh snapshot; all are counted and noted.
 */
export class CcxtFeed implements MarketFeed {
  readonly kind: string;
  connected = false;
  readonly stats = emptyFeedStats();
  private buf = new EventBuffer(1 << 14);
  private spare = new EventBuffer(1 << 14);
  private readonly notes: FeedNote[] = [];
  private wake: (() => void) | undefined;
  private closed = false;
  private needSnapshot = true;
  private seq = 0;
  private readonly prevBids = new Map<number, number>();
  private readonly prevAsks = new Map<number, number>();
  private lastTradeId = Number.NEGATIVE_INFINITY;
  private lastTradeMs = 0;
  /** Consecutive failures and whether the link went down, per loop (book, trades, poll). */
  private readonly health = new Map<string, { failures: number; down: boolean }>();
  private loops: Promise<void>[] = [];

  constructor(
    private readonly ex: MarketData,
    private readonly o: Readonly<CcxtFeedOptions>,
  ) {
    this.kind = o.mode;
  }

  async start(): Promise<void> {
    if (this.o.mode === 'ws') this.loops = [this.run('book', () => this.bookStep()), this.run('trades', () => this.tradesStep())];
    else this.loops = [this.run('poll', () => this.poll())];
  }

  async next(timeoutMs: number): Promise<EventColumns | undefined> {
    if (this.closed) return undefined;
    if (this.buf.length === 0 && timeoutMs > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
    const out = this.buf;
    this.buf = this.spare;
    this.spare = out;
    this.buf.clear();
    return out.view();
  }

  drainNotes(): FeedNote[] {
    return this.notes.splice(0, this.notes.length);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.ex.close();
    // ccxt rejects the pending watch calls on close; do not wait long for a venue that does not.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(this.loops), new Promise<void>((r) => (timer = setTimeout(r, 1_000)))]);
    clearTimeout(timer);
  }

  // ---- loops ----

  private async run(name: string, step: () => Promise<void>): Promise<void> {
    const h = { failures: 0, down: false };
    this.health.set(name, h);
    while (!this.closed) {
      try {
        await step();
        if (h.failures > 0 || h.down) this.recovered(name, h);
      } catch (e) {
        if (this.closed) return;
        await this.fault(name, h, e);
      }
    }
  }

  private async bookStep(): Promise<void> {
    this.onBook(await this.ex.streamBook(this.o.symbol, undefined, this.o.depthLevels));
  }

  private async tradesStep(): Promise<void> {
    this.onTrades(await this.ex.streamTrades(this.o.symbol));
  }

  private async poll(): Promise<void> {
    const t0 = this.o.clock();
    this.onBook(await this.ex.book(this.o.symbol, this.o.depthLevels, this.o.depthLevels));
    this.onTrades(await this.ex.trades(this.o.symbol, this.lastTradeMs > 0 ? this.lastTradeMs : undefined));
    const spent = (this.o.clock() - t0) / MICROS_PER_MS;
    await sleep(Math.max(0, this.o.pollMs - spent));
  }

  private recovered(name: string, h: { failures: number; down: boolean }): void {
    if (h.down) {
      this.stats.reconnects++;
      this.note('reconnect', `${name}: connection restored after ${h.failures} failed attempt(s); book resynced from a snapshot`);
    }
    h.failures = 0;
    h.down = false;
  }

  private async fault(name: string, h: { failures: number; down: boolean }, e: unknown): Promise<void> {
    const f = classifyCcxtError(e);
    h.failures++;
    if (f.kind === 'InvalidNonce' || f.kind === 'ChecksumError') {
      // ccxt drops its book and resubscribes from a fresh snapshot on the next watch call. A break it saw
      // while no watch was pending is handed back on every call until that snapshot arrives: one gap,
      // and a timer between the calls (a bare retry would starve the event loop the snapshot needs).
      if (h.failures === 1) {
        this.stats.gaps++;
        this.stats.resyncs++;
        this.note('gap', `${name}: ${f.kind}: ${f.message}; resyncing from a snapshot`);
      }
      this.bookLost(name);
      await sleep(Math.min(250, 5 * 2 ** Math.min(h.failures - 1, 6)));
      return;
    }
    // Every fault is retried here: the loop must outlive the venue's bad moments (a 5xx that ccxt
    // classifies as an exchange error included); non-transient ones are also counted as errors.
    if (f.rateLimited) this.stats.rateLimited++;
    else this.stats.retries++;
    if (f.fault !== 'transient') this.stats.errors++;
    if (this.connected) this.note('disconnect', `${name}: ${f.kind}: ${f.message}`);
    this.connected = false;
    h.down = true;
    this.bookLost(name);
    const base = Math.min(this.o.backoffMaxMs, this.o.backoffBaseMs * 2 ** Math.min(h.failures - 1, 10));
    const delay = Math.max(f.rateLimited ? this.o.rateLimitMs : 0, base * (0.5 + this.o.random() / 2));
    this.note(f.rateLimited ? 'rate-limited' : 'retry', `${name}: ${f.kind} (${f.fault}); retry ${h.failures} in ${Math.round(delay)} ms`);
    await sleep(delay);
  }

  /**
   * The next book state goes out as a snapshot. When the book stream itself broke (a sequence gap, a lost
   * connection) while a book was known, a gap row first: the book is unknown until that snapshot (the
   * session halts meanwhile, a recording keeps the mark).
   */
  private bookLost(name: string): void {
    if (!this.needSnapshot && name !== 'trades') {
      const now = this.o.clock();
      this.buf.push(EventType.Gap, 0, EventFlag.EndOfMessage, now, now, 0, 0, this.seq);
      this.wake?.();
    }
    this.needSnapshot = true;
  }

  private note(kind: string, reason: string): void {
    this.notes.push({ ts: this.o.clock(), kind, reason });
    if (this.notes.length > 200) this.notes.shift();
  }

  // ---- conversion into normalized rows ----

  private onBook(top: OrderBookView): void {
    const now = this.o.clock();
    const tsEx = top.tsExchange ?? now;
    const id = ++this.seq;
    const b = this.buf;
    const start = b.length;
    if (this.needSnapshot) {
      this.needSnapshot = false;
      if (this.seq > 1) this.stats.resyncs++;
      let flags: number = EventFlag.SnapshotStart;
      for (const l of top.bids) {
        b.push(EventType.Snapshot, 1, flags, tsEx, now, l.price, l.size, id);
        flags = 0;
      }
      for (const l of top.asks) {
        b.push(EventType.Snapshot, -1, flags, tsEx, now, l.price, l.size, id);
        flags = 0;
      }
      remember(this.prevBids, top.bids);
      remember(this.prevAsks, top.asks);
    } else {
      diff(b, 1, this.prevBids, top.bids, tsEx, now, id);
      diff(b, -1, this.prevAsks, top.asks, tsEx, now, id);
    }
    if (b.length > start) b.cols.flags[b.length - 1]! |= EventFlag.EndOfMessage;
    this.connected = true;
    this.wake?.();
  }

  private onTrades(trades: readonly TradeView[]): void {
    const now = this.o.clock();
    const b = this.buf;
    for (const t of trades) {
      if (Number.isFinite(t.id) ? t.id <= this.lastTradeId : t.tsExchange < this.lastTradeMs * MICROS_PER_MS) continue;
      if (Number.isFinite(t.id)) this.lastTradeId = t.id;
      this.lastTradeMs = Math.max(this.lastTradeMs, Math.floor(t.tsExchange / MICROS_PER_MS));
      b.push(EventType.Trade, t.aggressor, EventFlag.EndOfMessage, t.tsExchange, now, t.price, t.size, t.id);
    }
    if (trades.length > 0) {
      this.connected = true;
      this.wake?.();
    }
  }
}

function remember(prev: Map<number, number>, levels: readonly BookLevel[]): void {
  prev.clear();
  for (const l of levels) prev.set(l.price, l.size);
}

/** Delta rows turning `prev` into `levels` (levels that left the window are removed), then `prev` = `levels`. */
function diff(b: EventBuffer, side: 1 | -1, prev: Map<number, number>, levels: readonly BookLevel[], tsEx: Micros, now: Micros, id: number): void {
  const seen = new Set<number>();
  for (const l of levels) {
    seen.add(l.price);
    if (prev.get(l.price) !== l.size) b.push(EventType.Delta, side, 0, tsEx, now, l.price, l.size, id);
  }
  for (const p of prev.keys()) if (!seen.has(p)) b.push(EventType.Delta, side, 0, tsEx, now, p, 0, id);
  remember(prev, levels);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
