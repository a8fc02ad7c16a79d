// A fake exchange for live trading on an event clock: a venue replaying a capture (the project's L2 venue or the fake's own matching engine) behind the LiveExchange port.
import type { Micros } from '../../src/core/index.js';
import type { EventColumns, Side } from '../../src/market/index.js';
import type { Liquidity, OrderEventHandler } from '../../src/orders/index.js';
import type { L2Exchange } from '../../src/sim/index.js';
import { MatchingEngine } from './matching-engine.js';
import { emptyFeedStats, type FeedNote, type MarketFeed } from '../../src/engine/index.js';
import { VenueFault, type LiveBalance, type LiveCapabilities, type LiveExchange, type LiveMarket, type LiveOrder, type LiveTrade } from '../../src/venues/index.js';

/** What the fake drives: the project's `L2Exchange`, or the independent `MatchingEngine` (hidden queue and latencies). */
export type ReplayVenue = L2Exchange | MatchingEngine;

/** The time every party reads: moved only by the replay (`ReplayVenueFeed`). */
export interface EventClock {
  t: Micros;
}

/**
 * Timers on the event clock: what the live adapter waits on in a replay (its backoffs, the settle window
 * of a verified cancel-all) instead of the wall clock's. The replay fires each one when its clock reaches
 * it, in the order they were set, so a wait lasts the same event time on every run, however fast the
 * machine is.
 */
export class EventTimers {
  private due: { at: Micros; seq: number; resolve: () => void }[] = [];
  private seq = 0;

  constructor(
    private readonly clock: EventClock,
    /** Told of every timer set (a replay whose feed has ended plays its timers out too). */
    private readonly onSet: () => void = () => {},
  ) {}

  /** Resolves once the clock has reached now + `ms`. */
  readonly sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const at = this.clock.t + Math.max(0, Math.round(ms * 1000));
      this.due.push({ at, seq: this.seq++, resolve });
      this.due.sort((a, b) => a.at - b.at || a.seq - b.seq);
      this.onSet();
    });

  /** When the next timer is due (+∞ if none). */
  next(): Micros {
    return this.due.length > 0 ? this.due[0]!.at : Number.POSITIVE_INFINITY;
  }

  /** Fire the timers due by the clock's time. */
  fire(): void {
    while (this.due.length > 0 && this.due[0]!.at <= this.clock.t) this.due.shift()!.resolve();
  }
}

/** An order as the fake shows it: the port's view, with the times it was created and last changed (event clock). */
export interface SimOrderView extends LiveOrder {
  time: Micros;
  updateTime: Micros;
}

/** What changed for an order, as the venue's answers reach us (a Binance user stream's execution report). */
export type SimExecution = { kind: 'NEW' | 'CANCELED'; order: SimOrderView } | { kind: 'TRADE'; order: SimOrderView; trade: LiveTrade };

interface SimOrder {
  num: number;
  clientOrderId: string;
  side: Side;
  price: number;
  amount: number;
  filled: number;
  status: LiveOrder['status'];
  time: Micros;
  updateTime: Micros;
  /** Waiting on the venue's answer to the create, and to a cancel. */
  created?: { resolve: (o: LiveOrder) => void; reject: (e: unknown) => void } | undefined;
  canceled?: Array<(o: LiveOrder | undefined) => void> | undefined;
  cancelSent: boolean;
}

/**
 * The venue is the tick backtest's `L2Exchange` (queue, latency, fees), or the fake's own
 * `MatchingEngine` (matching-engine.ts: a hidden queue model and latencies that calibration must find),
 * run at exchange time by the replay: a create or cancel is a command that reaches it after the entry latency; its answers come
 * back after the response latency, and only then does the call's promise settle (a create resolves at
 * the acceptance, rejects at a post-only refusal; a cancel resolves at its answer). Fills are own trades
 * on the private stream, stamped with the venue's exchange time; order updates and fills also go to
 * `onExecution` listeners (what `replay-binance.ts` sends on its user stream when it serves this exchange to
 * the ccxt client over HTTP). Every command the venue receives is logged (`commands`), as a backtest's
 * command log records them.
 */
export class SimLiveExchange implements LiveExchange, OrderEventHandler {
  readonly id = 'sim';
  readonly capabilities: LiveCapabilities = { postOnly: true, cancelAll: true, fetchOrder: true, fetchOrders: true, fetchOpenOrders: true, fetchMyTrades: true, watchOrders: true, watchMyTrades: true };
  readonly commands: { type: 'place' | 'cancel'; ts: Micros; clientOrderId: string; side?: Side; price?: number; qty?: number }[] = [];
  readonly trades: LiveTrade[] = [];
  private readonly byNum = new Map<number, SimOrder>();
  private readonly byClient = new Map<string, SimOrder>();
  private nextTrade = 1;
  private tradeWaiters: Array<(t: LiveTrade[]) => void> = [];
  private pendingTrades: LiveTrade[] = [];
  private readonly balance: Record<string, LiveBalance>;
  /** Set by the replay at its end: from then on every command is played out at once, time moving to each answer. */
  draining = false;
  /**
   * How the fake waits, before time moves, for its client to have reacted to what it was told; by default
   * a few turns of the event loop, enough for an in-process client. A client over HTTP and websockets needs
   * a real account of what is in flight (`replay-binance.ts`, `quiescence`).
   */
  settle: () => Promise<void> = settle;
  /** Timers on the event clock (`sleep` for the live adapter), fired by the replay. */
  readonly timers: EventTimers;
  private readonly listeners = new Set<(e: SimExecution) => void>();
  private playing: Promise<void> | undefined;

  constructor(
    readonly venue: ReplayVenue,
    readonly clock: EventClock,
    readonly marketInfo: LiveMarket,
    /** The touch before the replay has given the venue a book (the preflight asks for one). */
    private readonly openingTouch: { bid: number; ask: number },
    balances: Record<string, number>,
  ) {
    this.balance = Object.fromEntries(Object.entries(balances).map(([k, v]) => [k, { free: v, used: 0, total: v }]));
    this.timers = new EventTimers(clock, () => this.playIfDraining());
  }

  /** Follow order updates and fills as they reach us (what a user-data stream carries). */
  onExecution(fn: (e: SimExecution) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: SimExecution): void {
    for (const fn of this.listeners) fn(e);
  }

  async market(): Promise<LiveMarket> {
    return this.marketInfo;
  }

  async bidAsk(): Promise<{ bid: number; ask: number }> {
    if (this.venue instanceof MatchingEngine) {
      const t = this.venue.touch();
      return t.bid > 0 && t.ask > 0 ? t : this.openingTouch;
    }
    const b = this.venue.book;
    const bid = b.bestBidSlot >= 0 ? (b.base + b.bestBidSlot) * this.marketInfo.tickSize : Number.NaN;
    const ask = b.bestAskSlot < b.capacity ? (b.base + b.bestAskSlot) * this.marketInfo.tickSize : Number.NaN;
    return bid > 0 && ask > 0 ? { bid, ask } : this.openingTouch;
  }

  async balances(): Promise<Record<string, LiveBalance>> {
    return structuredClone(this.balance);
  }

  createPostOnly(_symbol: string, side: Side, qty: number, price: number, clientOrderId: string): Promise<LiveOrder> {
    if (this.byClient.has(clientOrderId)) return Promise.reject(new VenueFault('rejected', 'Duplicate order sent.'));
    // The venue knows the order by our client id (the number after the namespace), as in a backtest.
    const o: SimOrder = { num: Number(clientOrderId.slice(clientOrderId.lastIndexOf('-') + 1)), clientOrderId, side, price, amount: qty, filled: 0, status: 'open', time: this.clock.t, updateTime: this.clock.t, cancelSent: false };
    this.byNum.set(o.num, o);
    this.byClient.set(clientOrderId, o);
    const p = new Promise<LiveOrder>((resolve, reject) => (o.created = { resolve, reject }));
    this.commands.push({ type: 'place', ts: this.clock.t, clientOrderId, side, price, qty });
    this.venue.place(this.clock.t, o.num, side, price, qty);
    this.playIfDraining();
    return p;
  }

  cancel(_symbol: string, clientOrderId: string): Promise<LiveOrder | undefined> {
    const o = this.byClient.get(clientOrderId);
    if (o === undefined || o.status !== 'open') return Promise.resolve(o === undefined ? undefined : undefined);
    const p = new Promise<LiveOrder | undefined>((resolve) => (o.canceled ??= []).push(resolve));
    if (!o.cancelSent) {
      o.cancelSent = true;
      this.commands.push({ type: 'cancel', ts: this.clock.t, clientOrderId });
      this.venue.cancel(this.clock.t, o.num);
    }
    this.playIfDraining();
    return p;
  }

  /** Cancel every open order; resolves once the venue has answered each (so a verification finds none). */
  async cancelAll(): Promise<void> {
    const open = [...this.byNum.values()].filter((o) => o.status === 'open');
    await Promise.all(open.map((o) => this.cancel('', o.clientOrderId)));
  }

  async orderByClientId(_symbol: string, clientOrderId: string): Promise<SimOrderView | undefined> {
    const o = this.byClient.get(clientOrderId);
    return o === undefined ? undefined : view(o);
  }

  async orderById(_symbol: string, orderId: string): Promise<SimOrderView | undefined> {
    const o = this.byNum.get(Number(orderId));
    return o === undefined ? undefined : view(o);
  }

  /** Every order of the replay, open and closed (it is short: no time filter needed). */
  async ordersSince(): Promise<SimOrderView[]> {
    return [...this.byNum.values()].map(view);
  }

  async openOrders(): Promise<SimOrderView[]> {
    return this.openNow();
  }

  /** The open orders as they stand (synchronously: a caller may act on them in the same step). */
  openNow(): SimOrderView[] {
    return [...this.byNum.values()].filter((o) => o.status === 'open').map(view);
  }

  /** An order by client order id as it stands, synchronously. */
  orderNow(clientOrderId: string): SimOrderView | undefined {
    const o = this.byClient.get(clientOrderId);
    return o === undefined ? undefined : view(o);
  }

  async myTrades(): Promise<LiveTrade[]> {
    return this.trades.slice();
  }

  /** Resolves at the next order update: updates travel with the create, cancel and trade answers instead. */
  watchOrders(): Promise<LiveOrder[]> {
    return new Promise(() => {});
  }

  watchMyTrades(): Promise<LiveTrade[]> {
    if (this.pendingTrades.length > 0) {
      const t = this.pendingTrades;
      this.pendingTrades = [];
      return Promise.resolve(t);
    }
    return new Promise((resolve) => this.tradeWaiters.push(resolve));
  }

  async close(): Promise<void> {}

  // The venue's answers, as they reach us (OrderEventHandler: `venue.deliver(this)`).

  onAccepted(_ts: Micros, num: number): void {
    const o = this.byNum.get(num)!;
    o.updateTime = this.clock.t;
    this.emit({ kind: 'NEW', order: view(o) });
    const c = o.created;
    o.created = undefined;
    c?.resolve(view(o));
  }

  onRejected(_ts: Micros, num: number, reason: string): void {
    const o = this.byNum.get(num)!;
    o.status = 'rejected';
    o.updateTime = this.clock.t;
    const c = o.created;
    o.created = undefined;
    c?.reject(new VenueFault('rejected', `Order would immediately match and take (${reason})`));
    this.settleCancels(o);
  }

  onDenied(): void {}

  onCanceled(_ts: Micros, num: number): void {
    const o = this.byNum.get(num)!;
    if (o.status === 'open') {
      o.status = 'canceled';
      o.updateTime = this.clock.t;
      this.emit({ kind: 'CANCELED', order: view(o) });
    }
    this.settleCancels(o);
  }

  onFill(_ts: Micros, num: number, side: Side, price: number, qty: number, fee: number, liquidity: Liquidity): void {
    const o = this.byNum.get(num)!;
    o.filled += qty;
    if (o.filled >= o.amount - 1e-12) o.status = 'closed';
    o.updateTime = this.clock.t;
    const base = this.balance[this.marketInfo.base]!;
    const quote = this.balance[this.marketInfo.quote]!;
    base.free += side * qty;
    base.total += side * qty;
    quote.free -= side * price * qty + fee;
    quote.total -= side * price * qty + fee;
    const trade: LiveTrade = { id: String(this.nextTrade++), orderId: String(num), side, price, qty, fee, feeBase: 0, liquidity, ts: this.venue.last.exchangeTs };
    this.trades.push(trade);
    this.emit({ kind: 'TRADE', order: view(o), trade });
    const waiters = this.tradeWaiters;
    this.tradeWaiters = [];
    if (waiters.length === 0) this.pendingTrades.push(trade);
    for (const w of waiters) w([trade]);
    if (o.status === 'closed') this.settleCancels(o);
  }

  /** Answer the cancels waiting on `o` (a fill that closed it answers them too: no longer open). */
  private settleCancels(o: SimOrder): void {
    const waiting = o.canceled ?? [];
    o.canceled = undefined;
    for (const r of waiting) r(o.status === 'canceled' ? view(o) : undefined);
  }

  /** After the replay: play commands out at once, the clock moving to each event of the venue. */
  private playIfDraining(): void {
    if (!this.draining) return;
    queueMicrotask(() => void this.drain());
  }

  /**
   * Play out what is in flight, the clock moving to each event of the venue or timer, once the client has
   * settled; one loop at a time (a call while it runs waits for it). It ends, and says so at once, when
   * nothing is left: a later command or timer starts it again.
   */
  drain(): Promise<void> {
    return (this.playing ??= this.playOut());
  }

  private async playOut(): Promise<void> {
    const ex = this.venue;
    try {
      for (;;) {
        await this.settle();
        const tin = ex.nextInboundTs();
        const tout = ex.nextOutboundTs();
        const ttm = this.timers.next();
        const m = Math.min(tin, tout, ttm);
        if (m === Number.POSITIVE_INFINITY) return;
        if (m > this.clock.t) this.clock.t = m;
        if (tin === m) ex.processInbound();
        else if (tout === m) ex.deliver(this);
        else this.timers.fire();
      }
    } finally {
      this.playing = undefined;
    }
  }
}

function view(o: SimOrder): SimOrderView {
  return { id: String(o.num), clientOrderId: o.clientOrderId, side: o.side, price: o.price, amount: o.amount, filled: o.filled, status: o.status, time: o.time, updateTime: o.updateTime };
}

/** Let every promise reaction queued so far run (the adapter's `then` chains), before time moves on. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 8; i++) await new Promise<void>((r) => setImmediate(r));
}

/**
 * The capture as the live session's market feed, and the clock that moves through it. `next(timeout)`
 * moves time to the end of the wait, in the tick backtest's order at each instant: market rows at the
 * venue (at their exchange time), commands reaching it, answers reaching us, the adapter's timers. Time
 * moves only once the exchange's client has settled (`SimLiveExchange.settle`: it has taken in what it
 * was told and reacted), and each answer or timer is settled before anything else happens. Then it hands
 * the session the rows that have reached it: those `feedUs` (the feed latency, constant) or more older
 * than now, stamped with that local time. When no row is left to reach the session after the wait's end
 * it says the feed has ended (the backtest's last decision is the last timer with rows still to come),
 * and the exchange plays out what is in flight from then on.
 */
export class ReplayVenueFeed implements MarketFeed {
  readonly kind = 'replay';
  connected = true;
  readonly stats = emptyFeedStats();
  /** Next row for the venue, next row for the session. */
  private i = 0;
  private j = 0;

  constructor(
    private readonly ev: EventColumns,
    private readonly ex: SimLiveExchange,
    private readonly clock: EventClock,
    private readonly feedUs = 0,
  ) {}

  async start(): Promise<void> {}

  async next(timeoutMs: number): Promise<EventColumns | undefined> {
    // What the session started at this instant (a halt's cancel-all) reaches the exchange before time moves.
    const ex = this.ex;
    await ex.settle();
    const ev = this.ev;
    const venue = ex.venue;
    const target = this.clock.t + Math.round(timeoutMs * 1000);
    for (;;) {
      const tRow = this.i < ev.length ? ev.tsExchange[this.i]! : Number.POSITIVE_INFINITY;
      const tIn = venue.nextInboundTs();
      const tOut = venue.nextOutboundTs();
      const tTimer = ex.timers.next();
      const m = Math.min(tRow, tIn, tOut, tTimer);
      if (m > target) break;
      if (m > this.clock.t) this.clock.t = m;
      if (tRow === m) {
        // Rows of one instant reach the venue before commands arriving then.
        while (this.i < ev.length && ev.tsExchange[this.i] === m) venue.onMarket(ev, this.i++, m);
      } else if (tIn === m) venue.processInbound();
      else if (tOut === m) {
        // One answer at a time, each taken in by the client before the next (or before time moves).
        venue.deliver(ex);
        await ex.settle();
      } else {
        ex.timers.fire();
        await ex.settle();
      }
    }
    // The rows that reached us by now: each one `feedUs` after Binance published it (the venue had it at exchange time).
    const from = this.j;
    // Each row reaches the session f after Binance published it (publication time = exchange time + publishDelay).
    while (this.j < ev.length && ev.tsExchange[this.j]! + ev.publishDelay[this.j]! + this.feedUs <= target) this.j++;
    if (this.j >= ev.length) {
      this.ex.draining = true;
      await this.ex.drain();
      return undefined;
    }
    this.clock.t = target;
    const to = this.j;
    const tsLocal = ev.tsExchange.slice(from, to).map((t, k) => t + ev.publishDelay[from + k]! + this.feedUs);
    return { length: to - from, type: ev.type.subarray(from, to), side: ev.side.subarray(from, to), flags: ev.flags.subarray(from, to), tsExchange: ev.tsExchange.subarray(from, to), tsLocal, publishDelay: ev.publishDelay.subarray(from, to), price: ev.price.subarray(from, to), size: ev.size.subarray(from, to), id: ev.id.subarray(from, to) };
  }

  drainNotes(): FeedNote[] {
    return [];
  }

  async close(): Promise<void> {
    this.ex.draining = true;
    await this.ex.drain();
  }
}
