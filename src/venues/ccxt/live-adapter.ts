// The live venue: an OrderSink that sends post-only orders through a LiveExchange and reports the exchange's answers.
import { MICROS_PER_MS, type Micros } from '../../core/index.js';
import type { Side } from '../../market/index.js';
import type { OrderEventHandler, OrderSink } from '../../orders/index.js';
import type { ClientOrderIds } from './client-order-id.js';
import { VenueFault, type LiveExchange, type LiveOrder, type LiveTrade } from './live-types.js';

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
  /** Wall clock, µs. */
  now: () => Micros;
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
}

/** One order as the adapter knows it. `filled` counts what was reported to the handler (or resumed from the ledger). */
export interface TrackedOrder {
  clientId: number;
  clientOrderId: string;
  side: Side;
  price: number;
  qty: number;
  filled: number;
  orderId: string | undefined;
  accepted: boolean;
  state: 'pending' | 'open' | 'canceling' | 'uncertain' | 'done';
  createdMs: number;
}

const EPS = 1e-12;

/**
 * `place` and `cancel` return at once; the calls run in the background, one at a time per order (a
 * cancel waits for its place). A transient fault after the request may have reached the exchange is
 * resolved by looking the order up by its client order id before any retry, so a retry never opens a
 * second order. Fills are de-duplicated by trade id and capped by what each order has already reported.
 */
export class LiveAdapter implements OrderSink {
  readonly orders = new Map<number, TrackedOrder>();
  private readonly byClientOrderId = new Map<string, TrackedOrder>();
  private readonly byOrderId = new Map<string, TrackedOrder>();
  private readonly seenTrades = new Set<string>();
  private readonly orphanTrades = new Map<string, LiveTrade[]>();
  private readonly chains = new Map<number, Promise<void>>();
  private inFlight = 0;
  private running = false;
  private stopped: Promise<void>[] = [];
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(private readonly o: LiveAdapterOptions) {
    this.attempts = o.attempts ?? 5;
    this.backoffMs = o.backoffMs ?? 100;
    this.maxBackoffMs = o.maxBackoffMs ?? 5_000;
  }

  get symbol(): string {
    return this.o.symbol;
  }
  get exchange(): LiveExchange {
    return this.o.exchange;
  }

  // OrderSink

  place(_ts: Micros, clientId: number, side: Side, price: number, qty: number): void {
    const t = this.track(clientId, this.o.ids.of(clientId), side, price, qty, 0);
    this.enqueue(clientId, () => this.doPlace(t));
  }

  cancel(_ts: Micros, clientId: number): void {
    this.enqueue(clientId, () => this.doCancel(clientId));
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
  adopt(clientId: number, clientOrderId: string, side: Side, price: number, qty: number, filled: number, orderId?: string): TrackedOrder {
    const t = this.track(clientId, clientOrderId, side, price, qty, filled);
    t.accepted = true;
    t.state = 'open';
    if (orderId !== undefined) {
      t.orderId = orderId;
      this.byOrderId.set(orderId, t);
    }
    return t;
  }

  /** Orders not yet settled (pending, open, canceling or uncertain). */
  live(): TrackedOrder[] {
    return [...this.orders.values()].filter((t) => t.state !== 'done');
  }

  // Applying what the exchange says (websocket, polling, reconciliation).

  applyOrder(x: LiveOrder): void {
    const t = (x.clientOrderId !== undefined ? this.byClientOrderId.get(x.clientOrderId) : undefined) ?? this.byOrderId.get(x.id);
    if (t === undefined) return;
    if (t.orderId === undefined) {
      t.orderId = x.id;
      this.byOrderId.set(x.id, t);
    }
    const orphans = this.orphanTrades.get(x.id);
    if (orphans !== undefined) {
      this.orphanTrades.delete(x.id);
      for (const tr of orphans) this.applyTrade(tr);
    }
    if (t.state === 'done') return;
    const ts = this.o.now();
    if (x.status === 'rejected') {
      t.state = 'done';
      this.o.handler.onRejected(ts, t.clientId, 'rejected by the exchange');
      return;
    }
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
    if (this.seenTrades.has(x.id)) return;
    const t = this.byOrderId.get(x.orderId);
    if (t === undefined) {
      // The order's id arrives with its acknowledgement; keep the fill until then.
      const list = this.orphanTrades.get(x.orderId) ?? [];
      list.push(x);
      this.orphanTrades.set(x.orderId, list);
      return;
    }
    this.seenTrades.add(x.id);
    if (t.filled + x.qty > t.qty + 1e-9) {
      this.o.log?.('live_fill_ignored', { clientId: t.clientId, tradeId: x.id, reason: 'beyond the order quantity' });
      return;
    }
    if (!t.accepted) {
      t.accepted = true;
      this.o.handler.onAccepted(this.o.now(), t.clientId);
    }
    t.filled += x.qty;
    this.o.handler.onFill(x.ts, t.clientId, x.side, x.price, x.qty, x.fee, x.liquidity);
    if (x.feeBase > 0) this.o.onBaseFee?.(x.feeBase);
    if (t.filled >= t.qty - 1e-9 && t.state !== 'done') t.state = 'done';
  }

  /** Look an order up by client order id and apply its state, fetching missed fills. */
  async refresh(t: TrackedOrder): Promise<LiveOrder | undefined> {
    const x = await this.retry('fetch order', () => this.o.exchange.orderByClientId(this.o.symbol, t.clientOrderId));
    if (x === undefined) return undefined;
    if (x.filled > t.filled + EPS) await this.recoverFills(t, x);
    else this.applyOrder(x);
    return x;
  }

  /** Apply the fills of `t` that the handler has not seen, then settle the order from `x`. */
  async recoverFills(t: TrackedOrder, x: LiveOrder): Promise<void> {
    if (t.orderId === undefined) {
      t.orderId = x.id;
      this.byOrderId.set(x.id, t);
    }
    const trades = (await this.retry('fetch my trades', () => this.o.exchange.myTrades(this.o.symbol, t.createdMs - 60_000)))
      .filter((tr) => tr.orderId === x.id)
      .sort((a, b) => a.ts - b.ts);
    // Fills already counted without a trade id (resumed from the ledger) absorb the oldest trades.
    let budget = t.filled - trades.filter((tr) => this.seenTrades.has(tr.id)).reduce((s, tr) => s + tr.qty, 0);
    for (const tr of trades) {
      if (this.seenTrades.has(tr.id)) continue;
      if (budget >= tr.qty - 1e-9) {
        budget -= tr.qty;
        this.seenTrades.add(tr.id);
        continue;
      }
      this.o.log?.('live_fill_recovered', { clientId: t.clientId, tradeId: tr.id, qty: tr.qty, price: tr.price });
      this.applyTrade(tr);
    }
    if (x.status !== 'open') this.finish(t, x);
    else if (t.state === 'pending' || t.state === 'uncertain') t.state = 'open';
  }

  /** Cancel every order of the symbol at the exchange and verify that none is left; settles our orders. */
  async cancelAllVerified(rounds = 5): Promise<{ verified: boolean; left: number }> {
    const ex = this.o.exchange;
    const sym = this.o.symbol;
    await this.idle();
    for (let round = 0; round < rounds; round++) {
      try {
        if (ex.capabilities.cancelAll) await this.retry('cancel all', () => ex.cancelAll(sym));
        else for (const x of await this.retry('open orders', () => ex.openOrders(sym))) if (x.clientOrderId !== undefined) await this.retry('cancel', () => ex.cancel(sym, x.clientOrderId!));
        const left = await this.retry('open orders', () => ex.openOrders(sym));
        if (left.length === 0) {
          for (const t of this.live()) await this.refresh(t).catch(() => undefined);
          for (const t of this.live()) this.finish(t, undefined);
          this.o.log?.('live_cancel_all', { verified: true, rounds: round + 1 });
          return { verified: true, left: 0 };
        }
        this.o.log?.('live_cancel_all_retry', { left: left.length, round: round + 1 });
      } catch (e) {
        this.o.log?.('live_cancel_all_retry', { reason: messageOf(e), round: round + 1 });
      }
      await sleep(this.delay(round, false));
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

  private track(clientId: number, clientOrderId: string, side: Side, price: number, qty: number, filled: number): TrackedOrder {
    const t: TrackedOrder = { clientId, clientOrderId, side, price, qty, filled, orderId: undefined, accepted: false, state: 'pending', createdMs: Date.now() };
    this.orders.set(clientId, t);
    this.byClientOrderId.set(clientOrderId, t);
    return t;
  }

  private finish(t: TrackedOrder, x: LiveOrder | undefined): void {
    if (t.state === 'done') return;
    t.state = 'done';
    if (x !== undefined && x.status === 'closed') return; // fully filled: the fills closed it for the core
    this.o.handler.onCanceled(this.o.now(), t.clientId);
  }

  private reject(t: TrackedOrder, reason: string): void {
    if (t.state === 'done') return;
    t.state = 'done';
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
      try {
        const x = await ex.createPostOnly(this.o.symbol, t.side, t.qty, t.price, t.clientOrderId);
        this.applyOrder(x);
        if (t.state === 'pending') t.state = 'open';
        this.o.log?.('live_order_placed', { clientId: t.clientId, clientOrderId: t.clientOrderId, orderId: x.id, side: t.side, price: t.price, qty: t.qty, attempt });
        return;
      } catch (e) {
        const f = asFault(e);
        lastReason = f.message;
        if (f.kind === 'rejected' && !/Duplicate order/i.test(f.message)) {
          this.o.log?.('live_order_rejected', { clientId: t.clientId, reason: f.message });
          return this.reject(t, f.message);
        }
        if (f.kind === 'fatal') {
          this.reject(t, f.message);
          this.o.onSignal?.({ kind: 'fatal', reason: f.message });
          return;
        }
        // Transient, or a duplicate: the order may be at the exchange. Look before sending it again.
        this.o.log?.('live_order_retry', { clientId: t.clientId, attempt, reason: f.message, rateLimited: f.rateLimited });
        let found: LiveOrder | undefined;
        try {
          found = await this.retry('look up order', () => ex.orderByClientId(this.o.symbol, t.clientOrderId));
        } catch (le) {
          // Unknown whether it exists: never re-send blind; reconciliation settles it.
          t.state = 'uncertain';
          const reason = `order ${t.clientOrderId} state unknown after: ${f.message}; lookup failed: ${messageOf(le)}`;
          this.o.log?.('live_order_uncertain', { clientId: t.clientId, reason });
          this.o.onSignal?.({ kind: 'uncertain', clientId: t.clientId, reason });
          return;
        }
        if (found !== undefined) {
          this.o.log?.('live_order_found', { clientId: t.clientId, orderId: found.id, status: found.status });
          if (found.filled > t.filled + EPS) await this.recoverFills(t, found);
          else this.applyOrder(found);
          return;
        }
        await sleep(this.delay(attempt, f.rateLimited));
      }
    }
    this.reject(t, `not placed after ${this.attempts} attempts: ${lastReason}`);
  }

  private async doCancel(clientId: number): Promise<void> {
    const t = this.orders.get(clientId);
    if (t === undefined || t.state === 'done') return;
    t.state = 'canceling';
    try {
      const x = await this.retry('cancel', () => this.o.exchange.cancel(this.o.symbol, t.clientOrderId));
      if (x !== undefined) {
        this.o.log?.('live_order_canceled', { clientId, orderId: x.id, filled: x.filled });
        if (x.filled > t.filled + EPS) await this.recoverFills(t, x);
        else this.finish(t, x);
        return;
      }
      // The exchange no longer has it open: filled or canceled meanwhile. Ask what happened.
      const y = await this.refresh(t);
      if (y === undefined) this.finish(t, undefined);
    } catch (e) {
      this.o.log?.('live_cancel_failed', { clientId, reason: messageOf(e) });
      if (t.state === 'canceling') t.state = 'open';
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
        await sleep(this.delay(attempt, f.rateLimited));
      }
    }
  }

  private delay(attempt: number, rateLimited: boolean): number {
    const base = this.backoffMs * (rateLimited ? 4 : 1) * 2 ** attempt;
    return Math.min(this.maxBackoffMs, base) * (0.75 + 0.5 * Math.random());
  }

  private async watchLoop(name: string, once: () => Promise<void>): Promise<void> {
    let failures = 0;
    while (this.running) {
      const p = once().then(
        () => 'ok' as const,
        (e: unknown) => e,
      );
      if (failures > 0) {
        // Back after a drop: once the new subscription holds for a moment, tell the driver to reconcile.
        const first = await Promise.race([p, sleep(Math.max(100, this.backoffMs)).then(() => 'waiting' as const)]);
        if (first === 'waiting' || first === 'ok') {
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
      this.o.log?.('live_stream_dropped', { stream: name, reason, failures });
      if (failures === 1) this.o.onSignal?.({ kind: 'disconnected', reason: `private ${name} stream: ${reason}` });
      await sleep(this.delay(Math.min(failures - 1, 6), false));
    }
  }

  private async pollLoop(): Promise<void> {
    const every = this.o.pollMs ?? 1_000;
    let sinceMs = Date.now() - 60_000;
    while (this.running) {
      try {
        const trades = await this.o.exchange.myTrades(this.o.symbol, sinceMs);
        for (const tr of trades) {
          this.applyTrade(tr);
          sinceMs = Math.max(sinceMs, Math.floor(tr.ts / MICROS_PER_MS) - 1_000);
        }
        const open = new Set((await this.o.exchange.openOrders(this.o.symbol)).map((x) => x.clientOrderId));
        for (const t of this.live()) if (t.accepted && t.state !== 'uncertain' && !open.has(t.clientOrderId)) await this.refresh(t);
      } catch (e) {
        this.o.log?.('live_poll_failed', { reason: messageOf(e) });
      }
      await sleep(every);
    }
  }
}

export function asFault(e: unknown): VenueFault {
  return e instanceof VenueFault ? e : new VenueFault('fatal', messageOf(e));
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
