// The live venue: an OrderSink that sends post-only orders through a LiveExchange and reports the exchange's answers.
import { MICROS_PER_MS, type Micros } from '../../core/index.js';
import type { Side } from '../../market/index.js';
import type { OrderEventHandler, OrderSink } from '../../orders/index.js';
import type { ClientOrderIds } from './client-order-id.js';
import { VenueFault, type LiveExchange, type LiveOrder, type LiveTrade } from './live-types.js';
import { lookupOrder, type LookupAnswer } from './order-lookup.js';
import { OrderTracker, type TrackedOrder } from './order-tracker.js';

export type { TrackedOrder } from './order-tracker.js';

export type LiveLog = (event: string, fields: Readonly<Record<string, unknown>>) => void;

/** What the adapter tells its driver about the connection and about orders it could not settle. */
export type LiveSignal =
  | { kind: 'disconnected'; reason: string }
  | { kind: 'reconnected' }
  | { kind: 'uncertain'; clientId: number; reason: string }
  | { kind: 'fatal'; reason: string };

export interface LiveAdapterOptions {
  exchange: LiveExchange;
  symbol: string;
  ids: ClientOrderIds;
  handler: OrderEventHandler;
  /** The session's clock, µs (the wall clock, or an event clock in parity tests). */
  now: () => Micros;
  /** Wait `ms` on the clock `now` reads (default: a wall-clock timer): backoffs, the settle window, polling. */
  sleep?: (ms: number) => Promise<void>;
  log?: LiveLog;
  onSignal?: (s: LiveSignal) => void;
  /** A fill paid part of its fee in the base currency (the exchange holding moves by less than the fill). */
  onBaseFee?: (qty: number) => void;
  /** Attempts of one call on transient faults (first try included). */
  attempts?: number;
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Polling period when the exchange has no private websocket (or `poll` is forced). */
  pollMs?: number;
  poll?: boolean;
  /** A "not found" counts as absence only this long after the last send, ms (see `lookupOnce`). */
  settleMs?: number;
  /** Inconclusive lookups before an order is declared uncertain (never re-sent). */
  lookupRounds?: number;
  /** The private stream may stay down this long before the session must stop, ms. */
  streamBudgetMs?: number;
  /** Settled orders are forgotten this long after they ended, ms (the ledger keeps them). */
  forgetAfterMs?: number;
}

const EPS = 1e-12;

/**
 * `place` and `cancel` return at once; the calls run in the background, one at a time per order (a
 * cancel waits for its place). The duplicate-order protocol: a create whose answer was lost is sent again
 * only after the exchange has said, by lookup of its client order id (open and closed orders, and our
 * trades) at least `settleMs` after the send, that it does not exist; an inconclusive answer makes the
 * order uncertain, never re-sent, settled later by reconciliation. Fills are de-duplicated by trade id
 * and capped by each order's quantity; a fill that arrives after its order was settled is still reported.
 */
export class LiveAdapter implements OrderSink {
  readonly tracker: OrderTracker;
  private readonly chains = new Map<number, Promise<void>>();
  private inFlight = 0;
  private running = false;
  private stopped: Promise<void>[] = [];
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  readonly settleMs: number;
  private readonly lookupRounds: number;
  private readonly streamBudgetMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Last time any create was sent, ms: open-order listings are trusted only `settleMs` after it. */
  private lastSendMs = 0;
  /** When this adapter was made, ms: own trades before it belong to earlier runs (the ledger has them). */
  private readonly startedMs: number;

  constructor(private readonly o: LiveAdapterOptions) {
    this.attempts = o.attempts ?? 5;
    this.backoffMs = o.backoffMs ?? 100;
    this.maxBackoffMs = o.maxBackoffMs ?? 5_000;
    this.settleMs = o.settleMs ?? 8_000;
    this.lookupRounds = o.lookupRounds ?? 6;
    this.streamBudgetMs = o.streamBudgetMs ?? 60_000;
    this.sleep = o.sleep ?? wallSleep;
    this.tracker = new OrderTracker(o.forgetAfterMs ?? 3_600_000, (event, fields) => o.log?.(event, fields));
    this.startedMs = this.nowMs();
  }

  get symbol(): string {
    return this.o.symbol;
  }
  get exchange(): LiveExchange {
    return this.o.exchange;
  }
  /** Every order still tracked, by client id (settled ones until they are forgotten). */
  get orders(): ReadonlyMap<number, TrackedOrder> {
    return this.tracker.byClientId;
  }

  nowMs(): number {
    return this.o.now() / MICROS_PER_MS;
  }

  // OrderSink

  place(_ts: Micros, clientId: number, side: Side, price: number, qty: number): void {
    const t = this.tracker.track(clientId, this.o.ids.of(clientId), side, price, qty, 0, this.nowMs());
    this.tracker.prune(this.nowMs());
    this.enqueue(clientId, () => this.doPlace(t));
  }

  cancel(_ts: Micros, clientId: number): void {
    this.enqueue(clientId, () => this.doCancel(clientId));
  }

  /**
   * An immediate-or-cancel limit order under our client order id, on the place's path (the same
   * duplicate-order protocol on a lost answer: looked up by its id, sent again only when proven absent).
   * The exchange ends it at once: its fills are applied (by trade id, once), then the rest is cancelled
   * for the core (`onCanceled`), or nothing when it filled whole.
   */
  take(_ts: Micros, clientId: number, side: Side, price: number, qty: number): void {
    const t = this.tracker.track(clientId, this.o.ids.of(clientId), side, price, qty, 0, this.nowMs());
    t.ioc = true;
    this.tracker.prune(this.nowMs());
    this.enqueue(clientId, () => this.doPlace(t));
  }

  // Streams

  /** Start following order updates and fills: private websocket where the exchange has one, else polling. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const c = this.o.exchange.capabilities;
    if (this.o.poll !== true && c.watchOrders && c.watchMyTrades) {
      this.stopped.push(this.watchLoop('orders', async () => (await this.o.exchange.watchOrders(this.o.symbol)).forEach((x) => this.applyOrder(x))));
      this.stopped.push(this.watchLoop('trades', async () => (await this.o.exchange.watchMyTrades(this.o.symbol)).forEach((x) => this.applyTrade(x))));
    } else {
      this.stopped.push(this.pollLoop());
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.idle();
  }

  /** Resolves when no command is in flight (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight > 0) await Promise.all([...this.chains.values()]);
  }

  /** Register an order that exists at the exchange without our having placed it in this process (resume, adoption). */
  adopt(clientId: number, clientOrderId: string, side: Side, price: number, qty: number, filled: number, orderId?: string, sentMs?: number): TrackedOrder {
    const t = this.tracker.track(clientId, clientOrderId, side, price, qty, filled, sentMs ?? this.nowMs());
    t.accepted = orderId !== undefined;
    t.state = orderId !== undefined ? 'open' : 'uncertain';
    if (orderId !== undefined) this.tracker.setOrderId(t, orderId);
    return t;
  }

  /** Orders not yet settled (pending, open, canceling or uncertain). */
  live(): TrackedOrder[] {
    return this.tracker.live();
  }

  // Applying what the exchange says (websocket, polling, reconciliation).

  applyOrder(x: LiveOrder): void {
    const t = (x.clientOrderId !== undefined ? this.tracker.byCoid(x.clientOrderId) : undefined) ?? this.tracker.byOrderId(x.id);
    if (t === undefined) return;
    if (t.orderId === undefined) this.tracker.setOrderId(t, x.id);
    for (const tr of this.tracker.takeOrphans(x.id)) this.applyTrade(tr);
    if (t.state === 'done') return;
    const ts = this.o.now();
    if (x.status === 'rejected') return this.reject(t, 'rejected by the exchange');
    if (!t.accepted) {
      t.accepted = true;
      this.o.handler.onAccepted(ts, t.clientId);
    }
    if (x.status === 'open') {
      if (t.state === 'pending' || t.state === 'uncertain') t.state = 'open';
      return;
    }
    if (x.filled > t.filled + EPS) {
      // Fills we have not seen yet (a gap in the stream): fetch them before closing the order.
      this.enqueue(t.clientId, () => this.recoverFills(t, x));
      return;
    }
    this.finish(t, x);
  }

  applyTrade(x: LiveTrade): void {
    if (this.tracker.seen(x.id)) return;
    const t = this.tracker.byOrderId(x.orderId);
    if (t === undefined) {
      // The order's id arrives with its acknowledgement; keep the fill until then.
      this.tracker.holdOrphan(x, this.nowMs());
      return;
    }
    this.tracker.markSeen(t, x.id);
    if (t.filled + x.qty > t.qty + 1e-9) {
      this.o.log?.('live_fill_ignored', { clientId: t.clientId, tradeId: x.id, reason: 'beyond the order quantity' });
      return;
    }
    if (!t.accepted) {
      t.accepted = true;
      this.o.handler.onAccepted(this.o.now(), t.clientId);
    }
    t.filled += x.qty;
    // Reported even when the order was settled already: a fill seen late is still a fill.
    this.o.handler.onFill(x.ts, t.clientId, x.side, x.price, x.qty, x.fee, x.liquidity);
    if (x.feeBase > 0) this.o.onBaseFee?.(x.feeBase);
    if (t.filled >= t.qty - 1e-9 && t.state !== 'done') this.tracker.done(t, this.nowMs());
  }

  /**
   * Settle `t` by the duplicate-order protocol's lookup: found → its state and missed fills applied;
   * absent → ended (rejected if never accepted); unknown → uncertain (reconciliation asks again).
   */
  async resolve(t: TrackedOrder, why: string, endIfAbsent = true): Promise<LookupAnswer> {
    const a = await lookupOrder(
      this.o.exchange,
      {
        symbol: this.o.symbol,
        clientOrderId: t.clientOrderId,
        sentMs: t.sentMs,
        sinceMs: t.createdMs - 60_000,
        settleMs: this.settleMs,
        knownOrderIds: (id) => this.tracker.byOrderId(id) !== undefined,
        nowMs: () => this.nowMs(),
        retry: (what, fn) => this.retry(what, fn),
        sleep: this.sleep,
      },
      this.lookupRounds,
      this.backoffMs,
    );
    if (a.kind === 'found') {
      this.o.log?.('live_order_found', { clientId: t.clientId, orderId: a.order.id, status: a.order.status, why });
      if (a.order.filled > t.filled + EPS) await this.recoverFills(t, a.order);
      else this.applyOrder(a.order);
    } else if (a.kind === 'absent') {
      this.o.log?.('live_order_absent', { clientId: t.clientId, why });
      if (!endIfAbsent) return a;
      if (t.accepted) this.finish(t, undefined);
      else this.reject(t, `not at the exchange (${why})`);
    } else if (t.state !== 'done') {
      t.state = 'uncertain';
      const reason = `order ${t.clientOrderId}: no conclusive answer (${why}): ${a.reason}`;
      this.o.log?.('live_order_uncertain', { clientId: t.clientId, reason });
      this.o.onSignal?.({ kind: 'uncertain', clientId: t.clientId, reason });
    }
    return a;
  }

  /**
   * Own trades of this run that the handler has not been told of and that may be ours — of an order we
   * know, or of any order while one of ours has no exchange id yet — are fills on their way from the
   * exchange to the core. Those of known orders are applied now (de-duplicated by trade id, as the
   * stream's). Returns how many there were: 0 means the core holds every fill the exchange lists.
   */
  async fillsInFlight(): Promise<number> {
    if (!this.o.exchange.capabilities.fetchMyTrades) return 0;
    const now = this.nowMs();
    // Within the tracker's memory: older trades' ids may be forgotten with their orders.
    const since = Math.max(this.startedMs, now - Math.min(60_000, this.tracker.forgetAfterMs));
    if (!(since <= now)) return 0;
    const trades = await this.retry('fetch my trades', () => this.o.exchange.myTrades(this.o.symbol, Math.floor(since)));
    const unnamed = this.tracker.live().some((t) => t.orderId === undefined);
    let n = 0;
    for (const x of trades) {
      if (this.tracker.seen(x.id)) continue;
      const known = this.tracker.byOrderId(x.orderId) !== undefined;
      if (!known && !unnamed) continue; // not ours (or long lost): the holding comparison will say so
      n++;
      if (!known) continue;
      this.o.log?.('live_fill_recovered', { clientId: this.tracker.byOrderId(x.orderId)!.clientId, tradeId: x.id, qty: x.qty, price: x.price, via: 'own trades' });
      this.applyTrade(x);
    }
    return n;
  }

  /** Apply the fills of `t` that the handler has not seen, then settle the order from `x`. */
  async recoverFills(t: TrackedOrder, x: LiveOrder): Promise<void> {
    if (t.orderId === undefined) this.tracker.setOrderId(t, x.id);
    const trades = (await this.retry('fetch my trades', () => this.o.exchange.myTrades(this.o.symbol, t.createdMs - 60_000)))
      .filter((tr) => tr.orderId === x.id)
      .sort((a, b) => a.ts - b.ts);
    // Fills already counted without a trade id (resumed from the ledger) absorb the oldest trades.
    let budget = t.filled - trades.filter((tr) => this.tracker.seen(tr.id)).reduce((s, tr) => s + tr.qty, 0);
    for (const tr of trades) {
      if (this.tracker.seen(tr.id)) continue;
      if (budget >= tr.qty - 1e-9) {
        budget -= tr.qty;
        this.tracker.markSeen(t, tr.id);
        continue;
      }
      this.o.log?.('live_fill_recovered', { clientId: t.clientId, tradeId: tr.id, qty: tr.qty, price: tr.price });
      this.applyTrade(tr);
    }
    if (x.filled > t.filled + 1e-9) {
      // The order says more was filled than its trades show yet (a lagging trade list): keep asking.
      t.state = 'uncertain';
      this.o.onSignal?.({ kind: 'uncertain', clientId: t.clientId, reason: `order ${t.clientOrderId} filled ${x.filled}, trades show ${t.filled}` });
      return;
    }
    if (x.status !== 'open') this.finish(t, x);
    else if (t.state === 'pending' || t.state === 'uncertain') t.state = 'open';
  }

  /**
   * Cancel every order of the symbol at the exchange and verify that none is left; settles our orders.
   * The listing is trusted only once every create is older than the settle window (a create still on its
   * way, or one the listing does not show yet, would rest unmanaged).
   */
  async cancelAllVerified(rounds = 5): Promise<{ verified: boolean; left: number }> {
    const ex = this.o.exchange;
    const sym = this.o.symbol;
    await this.idle();
    for (let round = 0; round < rounds; round++) {
      try {
        const wait = this.lastSendMs + this.settleMs - this.nowMs();
        if (round > 0 && wait > 0) await this.sleep(wait);
        if (ex.capabilities.cancelAll) await this.retry('cancel all', () => ex.cancelAll(sym));
        else for (const x of await this.retry('open orders', () => ex.openOrders(sym))) if (x.clientOrderId !== undefined) await this.retry('cancel', () => ex.cancel(sym, x.clientOrderId!));
        const left = await this.retry('open orders', () => ex.openOrders(sym));
        if (left.length === 0 && this.nowMs() - this.lastSendMs >= this.settleMs) {
          for (const t of this.live()) await this.resolve(t, 'cancel all').catch(() => undefined);
          for (const t of this.live()) if (t.state !== 'uncertain') this.finish(t, undefined);
          const uncertain = this.live().length;
          this.o.log?.('live_cancel_all', { verified: true, rounds: round + 1, uncertain });
          return { verified: true, left: 0 };
        }
        if (left.length > 0) this.o.log?.('live_cancel_all_retry', { left: left.length, round: round + 1 });
      } catch (e) {
        this.o.log?.('live_cancel_all_retry', { reason: messageOf(e), round: round + 1 });
      }
      await this.sleep(this.delay(round, false));
    }
    let left = -1;
    try {
      left = (await ex.openOrders(sym)).length;
    } catch {
      // unknown
    }
    this.o.log?.('live_cancel_all', { verified: false, left });
    return { verified: false, left };
  }

  // Internals

  private finish(t: TrackedOrder, x: LiveOrder | undefined): void {
    if (t.state === 'done') return;
    this.tracker.done(t, this.nowMs());
    if (x !== undefined && x.status === 'closed') return; // fully filled: the fills closed it for the core
    this.o.handler.onCanceled(this.o.now(), t.clientId);
  }

  private reject(t: TrackedOrder, reason: string): void {
    if (t.state === 'done') return;
    this.tracker.done(t, this.nowMs());
    this.o.handler.onRejected(this.o.now(), t.clientId, reason);
  }

  private enqueue(clientId: number, fn: () => Promise<void>): void {
    this.inFlight++;
    const prev = this.chains.get(clientId) ?? Promise.resolve();
    const next = prev
      .then(fn)
      .catch((e: unknown) => this.o.log?.('live_command_error', { clientId, reason: messageOf(e) }))
      .finally(() => {
        this.inFlight--;
        if (this.chains.get(clientId) === next) this.chains.delete(clientId);
      });
    this.chains.set(clientId, next);
  }

  private async doPlace(t: TrackedOrder): Promise<void> {
    const ex = this.o.exchange;
    let lastReason = '';
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      t.sentMs = this.lastSendMs = this.nowMs();
      try {
        let x: LiveOrder;
        if (t.ioc === true) {
          if (ex.createIoc === undefined || ex.capabilities.ioc !== true) return this.reject(t, `${ex.id} takes no immediate-or-cancel orders`);
          x = await ex.createIoc(this.o.symbol, t.side, t.qty, t.price, t.clientOrderId);
        } else x = await ex.createPostOnly(this.o.symbol, t.side, t.qty, t.price, t.clientOrderId);
        this.applyOrder(x);
        if (t.state === 'pending') t.state = 'open';
        this.o.log?.('live_order_placed', { clientId: t.clientId, clientOrderId: t.clientOrderId, orderId: x.id, side: t.side, price: t.price, qty: t.qty, attempt, ...(t.ioc === true ? { ioc: true, status: x.status, filled: x.filled } : {}) });
        return;
      } catch (e) {
        const f = asFault(e);
        lastReason = f.message;
        const duplicate = /Duplicate order/i.test(f.message);
        if (f.kind === 'rejected' && !duplicate) {
          this.o.log?.('live_order_rejected', { clientId: t.clientId, reason: f.message });
          return this.reject(t, f.message);
        }
        if (f.kind === 'fatal') {
          this.reject(t, f.message);
          this.o.onSignal?.({ kind: 'fatal', reason: f.message });
          return;
        }
        // The answer is lost (timeout, 5xx) or the id is taken: the order may exist. Never send it blind.
        this.o.log?.('live_order_retry', { clientId: t.clientId, attempt, reason: f.message, rateLimited: f.rateLimited });
        const a = await this.resolve(t, duplicate ? 'duplicate id' : f.message, false);
        if (a.kind !== 'absent') return;
        // Proven absent: the same id may go out again.
        await this.sleep(this.delay(attempt, f.rateLimited));
      }
    }
    this.reject(t, `not placed after ${this.attempts} attempts: ${lastReason}`);
  }

  private async doCancel(clientId: number): Promise<void> {
    const t = this.tracker.byClientId.get(clientId);
    if (t === undefined || t.state === 'done') return;
    const before = t.state;
    t.state = 'canceling';
    try {
      const x = await this.retry('cancel', () => this.o.exchange.cancel(this.o.symbol, t.clientOrderId));
      if (x !== undefined) {
        this.o.log?.('live_order_canceled', { clientId, orderId: x.id, filled: x.filled });
        if (x.filled > t.filled + EPS) await this.recoverFills(t, x);
        else this.finish(t, x);
        return;
      }
      // The exchange no longer has it open: filled or canceled meanwhile, or not there yet. Ask.
      await this.resolve(t, 'cancel: unknown order');
    } catch (e) {
      this.o.log?.('live_cancel_failed', { clientId, reason: messageOf(e) });
      if (t.state === 'canceling') t.state = before === 'uncertain' ? 'uncertain' : 'open';
      this.o.onSignal?.({ kind: 'uncertain', clientId, reason: `cancel of ${t.clientOrderId} failed: ${messageOf(e)}` });
    }
  }

  /** Run `fn`, retrying transient faults with exponential backoff and jitter. */
  async retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        const f = asFault(e);
        if (f.kind !== 'transient' || attempt + 1 >= this.attempts) throw f;
        this.o.log?.('live_retry', { what, attempt, reason: f.message, rateLimited: f.rateLimited });
        await this.sleep(this.delay(attempt, f.rateLimited));
      }
    }
  }

  private delay(attempt: number, rateLimited: boolean): number {
    const base = this.backoffMs * (rateLimited ? 4 : 1) * 2 ** attempt;
    return Math.min(this.maxBackoffMs, base) * (0.75 + 0.5 * Math.random());
  }

  private async watchLoop(name: string, once: () => Promise<void>): Promise<void> {
    let failures = 0;
    let downSince = 0;
    while (this.running) {
      const p = once().then(
        () => 'ok' as const,
        (e: unknown) => e,
      );
      if (failures > 0) {
        // Back after a drop: once the new subscription holds for a moment with its socket open, tell the
        // driver to reconcile. A subscription still pending on a socket not yet open (or not yet confirmed)
        // is not back: a hanging connect would otherwise resume quoting with no order stream until it times
        // out. The wait counts against the stream's budget like the failures before it: a subscription
        // that is never confirmed (ccxt has no timeout for that answer) takes the fatal path, not a halt
        // that lasts for ever.
        const hold = (): Promise<unknown> => Promise.race([p, this.sleep(Math.max(100, this.backoffMs)).then(() => 'waiting' as const)]);
        const open = (): boolean => this.o.exchange.privateStreamOpen?.() !== false;
        let first = await hold();
        while (first === 'waiting' && this.running && !open()) {
          const downMs = this.nowMs() - downSince;
          if (downMs >= this.streamBudgetMs) {
            const reason = 'its socket is not open or its subscription not confirmed';
            this.o.log?.('live_stream_not_back', { stream: name, down_ms: Math.round(downMs) });
            this.streamPastBudget(name, 'not back', downMs, reason);
            return;
          }
          first = await hold();
        }
        if (first === 'ok' || (first === 'waiting' && open())) {
          failures = 0;
          this.o.log?.('live_stream_reconnected', { stream: name });
          this.o.onSignal?.({ kind: 'reconnected' });
        }
      }
      const r = await p;
      if (r === 'ok') continue;
      if (!this.running) return;
      failures++;
      const reason = messageOf(r);
      if (failures === 1) downSince = this.nowMs();
      const downMs = this.nowMs() - downSince;
      this.o.log?.('live_stream_dropped', { stream: name, reason, failures, down_ms: Math.round(downMs) });
      if (failures === 1) this.o.onSignal?.({ kind: 'disconnected', reason: `private ${name} stream: ${reason}` });
      if (downMs >= this.streamBudgetMs) {
        this.streamPastBudget(name, 'down', downMs, reason);
        return;
      }
      await this.sleep(Math.min(this.delay(Math.min(failures - 1, 6), false), Math.max(1, this.streamBudgetMs - downMs)));
    }
  }

  /** A private stream down (or not back) past its budget: the fatal path. */
  private streamPastBudget(name: string, how: 'down' | 'not back', downMs: number, reason: string): void {
    this.o.onSignal?.({ kind: 'fatal', reason: `private ${name} stream ${how} for ${Math.round(downMs / 1000)} s, past its retry budget of ${Math.round(this.streamBudgetMs / 1000)} s: ${reason}` });
  }

  private async pollLoop(): Promise<void> {
    const every = this.o.pollMs ?? 1_000;
    let sinceMs = Date.now() - 60_000;
    let failingSince = 0;
    while (this.running) {
      try {
        const trades = await this.o.exchange.myTrades(this.o.symbol, sinceMs);
        for (const tr of trades) {
          this.applyTrade(tr);
          sinceMs = Math.max(sinceMs, Math.floor(tr.ts / MICROS_PER_MS) - 1_000);
        }
        const open = new Set((await this.o.exchange.openOrders(this.o.symbol)).map((x) => x.clientOrderId));
        for (const t of this.live()) if (t.accepted && t.state === 'open' && !open.has(t.clientOrderId) && this.nowMs() - t.sentMs >= this.settleMs) await this.resolve(t, 'not listed open');
        failingSince = 0;
      } catch (e) {
        this.o.log?.('live_poll_failed', { reason: messageOf(e) });
        if (failingSince === 0) failingSince = this.nowMs();
        else if (this.nowMs() - failingSince >= this.streamBudgetMs) {
          this.o.onSignal?.({ kind: 'fatal', reason: `order polling failing for ${Math.round((this.nowMs() - failingSince) / 1000)} s, past its retry budget: ${messageOf(e)}` });
          return;
        }
      }
      await this.sleep(every);
    }
  }
}

export function asFault(e: unknown): VenueFault {
  return e instanceof VenueFault ? e : new VenueFault('fatal', messageOf(e));
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function wallSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
