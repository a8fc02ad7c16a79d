// The trading core: one per run and mode. Keeps the view, open orders and portfolio; runs strategy → reconcile → gate.
import type { Micros } from '../core/index.js';
import { type ContractSpec, type Side, SPOT, notionalQuote, roundDown } from '../market/index.js';
import { OpenOrders, OrderState, type Liquidity, type OrderEventHandler, type OrderSink } from '../orders/index.js';
import { Portfolio } from '../portfolio/index.js';
import { type RiskGate, type RiskLimits, type PlaceRule, defaultRules, riskGate } from '../risk/index.js';
import {
  type MarketView,
  type QuoteLevel,
  type QuoteTarget,
  type ReconcileOptions,
  type Strategy,
  emptyTarget,
  emptyView,
  reconcile,
} from '../strategy/index.js';
import { FillLog } from './fill-log.js';
import type { PositionState } from './paper-journal.js';

export interface CoreOptions {
  initialCash: number;
  /** The instrument's kind and contract size (default spot): the portfolio's units. */
  contract?: ContractSpec;
  reconcile: ReconcileOptions;
  limits: RiskLimits;
  rules?: readonly PlaceRule[];
  /** The gate's `max_open_orders`: the open-order table holds at least this many (and 256). */
  maxOpenOrders?: number;
  /** Quantity increment of the market: while reducing, a quote is cut to whole lots of what is left to close. */
  lotSize?: number;
  /** Smallest order the venue takes, quote currency (0: none): a cut quote below it is not sent. */
  minNotional?: number;
}

/** Counters of order events, for metrics and tests. */
export interface OrderCounters {
  placed: number;
  canceled: number;
  /** Cancel-replaces in one command (venues that can amend). */
  amended: number;
  accepted: number;
  rejected: number;
  denied: number;
}

/**
 * The same core runs under every driver (bar backtest, tick backtest, realtime). Drivers own the
 * clock and the feed: they update `view` with what is known at local time `now`, call `decide(now)`,
 * and route the venue's answers to the `on*` handlers.
 */
export class TradingCore implements OrderEventHandler {
  readonly view: MarketView = emptyView();
  readonly target: QuoteTarget = emptyTarget();
  // Room for full ladders on both sides with their replaced orders still pending cancel under latency,
  // and for every order the gate's max_open_orders admits (it counts orders open or in flight).
  readonly open: OpenOrders;
  readonly portfolio: Portfolio;
  readonly fills = new FillLog();
  readonly counters: OrderCounters = { placed: 0, canceled: 0, amended: 0, accepted: 0, rejected: 0, denied: 0 };
  /** Index of the current trace sample; stamped on fills. */
  sampleIndex = 0;
  /** Every command passes here on its way to the venue (it also counts them into `counters`, and denials by rule). */
  gate!: RiskGate;
  private lastId = 0;
  private ids: ClientIdSequence | undefined;
  /** Optional observers (ledger, logs, parity tests). */
  onOrderEvent: ((kind: 'denied' | 'rejected', clientId: number, reason: string) => void) | undefined;

  constructor(
    readonly strategy: Strategy,
    readonly options: Readonly<CoreOptions>,
  ) {
    this.open = new OpenOrders(Math.max(256, (options.maxOpenOrders ?? 0) + 1));
    this.portfolio = new Portfolio(options.initialCash, options.contract);
    this.view.cash = options.initialCash;
    this.view.equity = options.initialCash;
    this.orderMinimums(options.lotSize ?? 0, options.minNotional ?? 0);
  }

  /** Attach the venue (simulated or real). Commands reach it through the risk gate. */
  connect(venue: OrderSink): void {
    this.gate = riskGate(venue, this, this.view, this.options.limits, this.options.rules ?? defaultRules, this.counters, this.open);
  }

  nextId(): number {
    return this.ids !== undefined ? this.ids.next() : ++this.lastId;
  }

  /**
   * Take client ids from a sequence shared with other markets of the same process (one ledger, one
   * exchange account: an id names one order across every market).
   */
  shareIds(ids: ClientIdSequence): void {
    ids.continueAfter(this.lastId);
    this.ids = ids;
  }

  /**
   * Take up a position recorded by an earlier run (a restart from a ledger): the portfolio, the view, and
   * the client-id sequence after `lastClientId` so ids stay unique across runs.
   */
  restore(s: Readonly<PositionState> & { lastClientId: number }): void {
    const p = this.portfolio;
    p.position = s.position;
    p.cash = s.cash;
    p.avgCost = s.avgCost;
    p.realizedPnl = s.realizedPnl;
    p.fees = s.fees;
    p.funding = s.funding ?? 0;
    // A perpetual's cash follows its margin balance: realised PnL − fees + funding (settlement currency).
    if (p.perp) p.balance = s.realizedPnl - s.fees + p.funding;
    this.view.position = s.position;
    this.view.cash = s.cash;
    this.continueIds(s.lastClientId);
  }

  /** Continue the client-id sequence after `lastId` (a restart from a ledger: ids stay unique across runs). */
  continueIds(lastId: number): void {
    if (lastId > this.lastId) this.lastId = lastId;
    this.ids?.continueAfter(lastId);
  }

  /** Ask the strategy for a quote and send the difference to the venue. Returns the number of commands. */
  decide(now: Micros): number {
    this.view.now = now;
    this.strategy.decide(this.view, this.target);
    if (this.view.tradingState === 'reducing') this.reduceOnly();
    let n = reconcile(now, this.target, this.open, this.options.reconcile, this, this.gate);
    const tk = this.target.take;
    // One immediate-or-cancel order in flight at a time: the next is sent once the last has ended (its
    // fills booked), so a strategy asking again while it travels does not trade twice.
    if (tk !== undefined && tk.qty > 0 && tk.price > 0 && this.open.iocCount() === 0) {
      this.take(now, tk.side, tk.price, tk.qty);
      n++;
    }
    // Orders on a side only grow when an order is added (`open.adds`): count then (a few rows, no allocation);
    // a decision that only moved or cancelled orders cannot raise the maximum.
    if (n > 0 && this.open.adds !== this.addsCounted) this.countPerSide();
    return n;
  }

  /**
   * Send an immediate-or-cancel order through the gate (the same rules as a place; a venue that cannot
   * take one denies it there). Returns its client id.
   */
  take(now: Micros, side: Side, price: number, qty: number): number {
    const id = this.nextId();
    this.open.add(id, side, price, qty, true);
    this.gate.take(now, id, side, price, qty);
    return id;
  }

  /** The market's quantity increment and the venue's smallest order (`CoreOptions`; live: the exchange's, `orderMinimums`). */
  private lotSize = 0;
  private minQty = 0;
  private minNotional = 0;

  /** The venue's own lot, minimum quantity and minimum notional (live: read by the preflight), for `reduceOnly`. */
  orderMinimums(lotSize: number, minNotional: number, minQty = lotSize): void {
    if (lotSize > 0) this.lotSize = lotSize;
    if (minNotional >= 0) this.minNotional = minNotional;
    this.minQty = Math.max(this.lotSize, minQty > 0 ? minQty : 0);
  }

  /** The levels of a ladder cut by `reduceOnly` (the strategy's own stay untouched). */
  private readonly reduceLevels: QuoteLevel[] = [];

  /**
   * The reducing state, for every strategy: the side that brings the position toward zero quotes, all its
   * levels together, no more than |position| rounded down to whole lots (what the gate's reducing rule
   * admits); a level cut below one lot or the venue's minimum notional is not quoted. Without this a
   * leftover smaller than one order could never close: the strategy's full-size quote would be denied at
   * every decision. The other side is the gate's to refuse.
   */
  private reduceOnly(): void {
    const t = this.target;
    const pos = this.view.position;
    const lot = this.lotSize;
    const minQty = this.minQty;
    const minNotional = this.minNotional;
    const contract = this.options.contract ?? SPOT;
    if (pos === 0) return;
    const side: Side = pos > 0 ? -1 : 1;
    let room = lot > 0 ? roundDown(Math.abs(pos), lot) : Math.abs(pos);
    // An immediate-or-cancel order in flight on that side closes part of it already.
    const o = this.open;
    for (let i = 0; i < o.count; i++) if (o.ioc[i] === 1 && o.side[i] === side && o.state[i] !== OrderState.PendingCancel) room -= o.remaining[i]!;
    const fit = (price: number, qty: number): number => {
      if (!(price === price && qty > 0)) return 0;
      const q = lot > 0 ? roundDown(Math.min(qty, room), lot) : Math.min(qty, room);
      if (!(q > 0) || q < minQty * (1 - 1e-9) || (minNotional > 0 && notionalQuote(contract, price, q) < minNotional)) return 0;
      room -= q;
      return q;
    };
    const q0 = fit(side > 0 ? t.bidPrice : t.askPrice, side > 0 ? t.bidQty : t.askQty);
    if (side > 0) {
      if (q0 === 0) t.bidPrice = Number.NaN;
      t.bidQty = q0;
    } else {
      if (q0 === 0) t.askPrice = Number.NaN;
      t.askQty = q0;
    }
    const more = side > 0 ? t.bids : t.asks;
    if (more === undefined || more.length === 0) return;
    const out = this.reduceLevels;
    const levels = more === out ? out.slice() : more;
    out.length = 0;
    for (const l of levels) {
      const q = q0 > 0 ? fit(l.price, l.qty) : 0;
      out.push({ price: q > 0 ? l.price : Number.NaN, qty: q });
    }
    if (side > 0) t.bids = out;
    else t.asks = out;
  }

  /** Most of our orders live (resting or in flight, not being cancelled) on one side at once, after a decision. */
  maxOrdersPerSide = 0;

  /** `open.adds` at the last count. */
  private addsCounted = 0;

  private countPerSide(): void {
    const o = this.open;
    this.addsCounted = o.adds;
    let bids = 0;
    let asks = 0;
    for (let i = 0; i < o.count; i++) {
      if (o.state[i] === OrderState.PendingCancel) continue;
      if (o.side[i] === 1) bids++;
      else asks++;
    }
    const m = bids > asks ? bids : asks;
    if (m > this.maxOrdersPerSide) this.maxOrdersPerSide = m;
  }

  /** Cancel every open order (halt, end of run). */
  cancelAll(now: Micros): void {
    for (let i = this.open.count - 1; i >= 0; i--) {
      if (this.open.state[i] === OrderState.PendingCancel) continue;
      this.open.state[i] = OrderState.PendingCancel;
      this.gate.cancel(now, this.open.clientId[i]!);
    }
  }

  /** Mark the portfolio at `mid` into the view. */
  mark(mid: number): void {
    const v = this.view;
    v.mid = mid;
    const p = this.portfolio;
    v.position = p.position;
    // Spot written out (`cashAt`, `equity`: the same arithmetic): this runs at every bar.
    if (p.perp) {
      v.cash = p.cashAt(mid);
      v.equity = p.equity(mid);
    } else {
      v.cash = p.cash;
      v.equity = p.cash + p.position * mid;
    }
  }

  /** Prices of our best live bid and ask (NaN where none; the inside level of a ladder) in one pass, written to `out`. */
  restingQuote(out: { bid: number; ask: number }): void {
    const o = this.open;
    let bid = Number.NaN;
    let ask = Number.NaN;
    for (let i = o.count - 1; i >= 0; i--) {
      if (o.state[i] === OrderState.PendingCancel || o.ioc[i] === 1) continue;
      const p = o.price[i]!;
      if (o.side[i] === 1) {
        if (!(p <= bid)) bid = p; // NaN compares false: the first one seen is taken
      } else if (!(p >= ask)) ask = p;
    }
    out.bid = bid;
    out.ask = ask;
  }

  /** Price of our best live order on a side (NaN if none): the inside of what rests there now. */
  restingPrice(side: Side): number {
    const o = this.open;
    let best = Number.NaN;
    for (let i = 0; i < o.count; i++) {
      if (o.side[i] !== side || o.state[i] === OrderState.PendingCancel || o.ioc[i] === 1) continue;
      const p = o.price[i]!;
      if (!(side > 0 ? p <= best : p >= best)) best = p;
    }
    return best;
  }

  onAccepted(_ts: Micros, clientId: number): void {
    this.counters.accepted++;
    const i = this.open.indexOf(clientId);
    if (i >= 0 && this.open.state[i] === OrderState.PendingNew) this.open.state[i] = OrderState.Open;
  }

  onRejected(_ts: Micros, clientId: number, reason: string): void {
    this.counters.rejected++;
    this.open.remove(clientId);
    this.onOrderEvent?.('rejected', clientId, reason);
  }

  onDenied(_ts: Micros, clientId: number, reason: string): void {
    this.counters.denied++;
    this.open.remove(clientId);
    this.onOrderEvent?.('denied', clientId, reason);
  }

  onCanceled(_ts: Micros, clientId: number): void {
    this.open.remove(clientId);
  }

  onFill(ts: Micros, clientId: number, side: Side, price: number, qty: number, fee: number, liquidity: Liquidity): void {
    this.open.fill(clientId, qty);
    this.portfolio.apply(side, price, qty, fee);
    this.fills.push(ts, clientId, side, price, qty, fee, liquidity, this.sampleIndex);
    const p = this.portfolio;
    this.view.position = p.position;
    this.view.cash = p.perp ? p.cashAt(price) : p.cash;
  }
}

/** One client-id sequence for several markets' cores. */
export class ClientIdSequence {
  private last = 0;
  next(): number {
    return ++this.last;
  }
  /** Ids after `id` only (a restart from a ledger). */
  continueAfter(id: number): void {
    if (id > this.last) this.last = id;
  }
}
